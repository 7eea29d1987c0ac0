/**
 * Faces and their 68 landmarks from face-api (SSD MobileNetV1 + the 68-point landmark net, on the
 * project's shared tfjs instance). The model is passed in (`loadFaceApi` result), never global.
 */
import { tf } from '../backend/tf';
import type { loadFaceApi } from '../backend/faceapi';
import type { RgbImage } from '../util/images';
import type { Box } from '../result';
import { checkFace, type FaceCheckOptions, type Landmarks, type SkipReason } from './geometry';

export type FaceApi = Awaited<ReturnType<typeof loadFaceApi>>;

export interface LandmarkedFace {
  box: Box;
  score: number;
  landmarks: Landmarks;
  /** Roll and yaw estimates (degrees, `geometry.ts`). */
  roll: number;
  yaw: number;
  /** Usable for a mask, or why not. */
  ok: boolean;
  reason?: SkipReason;
  detail?: string;
}

export interface FindOptions extends FaceCheckOptions {
  /** Minimum detector confidence for a face. */
  minScore: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** Share of the image's size added as a grey border on each side when a photo gives no face (tight face crops). */
export const RETRY_PADDING = 0.3;

/**
 * Detect every face in the image with its landmarks, each checked for use (kept even when
 * skipped). When nothing is found, the detector gets a second look at the photo inside a grey
 * border: SSD misses faces that fill the whole frame, which many dataset photos (tight face crops)
 * do. Boxes and landmarks are always in the photo's own pixels.
 */
export async function findLandmarkedFaces(faceapi: FaceApi, img: RgbImage, o: FindOptions): Promise<LandmarkedFace[]> {
  const faces = await detectOnce(faceapi, img, o, 0);
  if (faces.length) return faces;
  return detectOnce(faceapi, img, o, Math.round(RETRY_PADDING * Math.max(img.width, img.height)));
}

async function detectOnce(faceapi: FaceApi, img: RgbImage, o: FindOptions, pad: number): Promise<LandmarkedFace[]> {
  const input = tf.tidy(() => {
    const t = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
    return pad ? tf.pad(t, [[pad, pad], [pad, pad], [0, 0]], 128) : t;
  });
  try {
    const found = await faceapi
      .detectAllFaces(input as unknown as Parameters<FaceApi['detectAllFaces']>[0], new faceapi.SsdMobilenetv1Options({ minConfidence: o.minScore }))
      .withFaceLandmarks();
    const faces = found.map((f) => {
      const b = f.detection.box;
      const box: Box = [r1(b.x - pad), r1(b.y - pad), r1(b.width), r1(b.height)];
      const landmarks: Landmarks = f.landmarks.positions.map((p) => [p.x - pad, p.y - pad]);
      const c = checkFace(landmarks, box, o);
      return { box, score: f.detection.score, landmarks, roll: c.roll, yaw: c.yaw, ok: c.ok, reason: c.reason, detail: c.detail };
    });
    // Stable order: left to right, then top to bottom.
    return faces.sort((a, b) => a.box[0] - b.box[0] || a.box[1] - b.box[1]);
  } finally {
    input.dispose();
  }
}

/**
 * The 68 landmarks of a face whose box is known, without running the detector (the landmark net
 * on the box region, as face-api's `withFaceLandmarks` does after detection). Used to find
 * landmarks again on generated images, where the detector may miss a masked face.
 */
export async function landmarksInBox(faceapi: FaceApi, img: RgbImage, box: Box): Promise<Landmarks> {
  const x0 = Math.max(0, Math.floor(box[0])), y0 = Math.max(0, Math.floor(box[1]));
  const x1 = Math.min(img.width, Math.ceil(box[0] + box[2])), y1 = Math.min(img.height, Math.ceil(box[1] + box[3]));
  if (x1 - x0 < 8 || y1 - y0 < 8) throw new Error(`face box ${box.join(',')} too small or outside the image`);
  const crop = tf.tidy(() => tf.tensor3d(img.data, [img.height, img.width, 3], 'int32').slice([y0, x0, 0], [y1 - y0, x1 - x0, 3]));
  try {
    const lm = (await faceapi.nets.faceLandmark68Net.detectLandmarks(crop as unknown as Parameters<FaceApi['nets']['faceLandmark68Net']['detectLandmarks']>[0])) as { positions: { x: number; y: number }[] };
    return lm.positions.map((p) => [p.x + x0, p.y + y0]);
  } finally {
    crop.dispose();
  }
}
