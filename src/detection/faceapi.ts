/**
 * face-api's SSD MobileNetV1 detector (`ssd-mobilenet`) on the project's one tfjs instance (`loadFaceApi`):
 * its input is fixed at 512x512 by the network's anchors; the image is padded to a square and resized
 * to it. (face-api's Tiny Face Detector was measured and retired: docs/experiments/detectors.md.)
 */
import type { FaceDetection, FaceDetector } from './types';
import { DetectorError } from './types';
import { clipBox, nonMaxSuppression } from './geometry';
import { resizeImage, type RgbImage } from '../util/images';
import { loadFaceApi } from '../backend/faceapi';
import { tf } from '../backend/tf';

export interface SsdOptions {
  /** Minimum confidence, in (0, 1). */
  minConfidence: number;
  /** Most faces kept per image. */
  maxResults: number;
  /** IoU above which overlapping boxes are suppressed (after face-api's own at 0.5). */
  nmsIou: number;
}

type FaceApi = Awaited<ReturnType<typeof loadFaceApi>>;
type Located = { score: number; box: { x: number; y: number; width: number; height: number } };

function checkConfidence(name: string, c: number): void {
  // face-api replaces 0 by its default (0.5) and refuses 1: keep the user's value honest.
  if (!(c > 0 && c < 1)) throw new DetectorError(`${name}: minConfidence must be in (0, 1), got ${c}`);
}

/**
 * Images larger than this (longest side) are downscaled before the network: SSD sees 512x512 anyway,
 * and a 12-megapixel photo as an int32 tensor would take ~140 MB.
 */
export const MAX_NET_SIDE = 1024;

/**
 * The image a detector network gets: downscaled so that its longest side is at most `MAX_NET_SIDE`
 * (as is when smaller), with the factors that map its pixels back to the original's.
 */
export async function netInput(image: RgbImage): Promise<{ small: RgbImage; sx: number; sy: number }> {
  const side = Math.max(image.width, image.height);
  const k = side > MAX_NET_SIDE ? MAX_NET_SIDE / side : 1;
  const small = k < 1 ? await resizeImage(image, Math.max(1, Math.round(image.width * k)), Math.max(1, Math.round(image.height * k))) : image;
  return { small, sx: image.width / small.width, sy: image.height / small.height };
}

/** Run a face-api locator on an RGB image (as a tensor that is disposed afterwards). */
async function locate(image: RgbImage, run: (t: unknown) => Promise<Located[]>): Promise<FaceDetection[]> {
  const { small, sx, sy } = await netInput(image);
  const input = tf.tensor3d(small.data, [small.height, small.width, 3], 'int32');
  try {
    const found = await run(input);
    const out: FaceDetection[] = [];
    for (const f of found) {
      const b = clipBox([f.box.x * sx, f.box.y * sy, f.box.width * sx, f.box.height * sy], image.width, image.height);
      if (b) out.push({ box: b, score: f.score });
    }
    return out;
  } finally {
    input.dispose();
  }
}

function ssdLocator(faceapi: FaceApi, opts: SsdOptions) {
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: opts.minConfidence, maxResults: opts.maxResults });
  return (t: unknown) => faceapi.nets.ssdMobilenetv1.locateFaces(t as never, options) as Promise<Located[]>;
}

export async function createSsdMobilenet(opts: SsdOptions): Promise<FaceDetector> {
  checkConfidence('ssd-mobilenet', opts.minConfidence);
  const faceapi = await loadFaceApi(['ssdMobilenetv1']);
  const run = ssdLocator(faceapi, opts);
  return {
    name: 'ssd-mobilenet',
    async detectFaces(image) {
      return nonMaxSuppression(await locate(image, run), opts.nmsIou, opts.maxResults);
    },
    dispose() {
      /* face-api's nets are shared by the process (loaded once); nothing of our own to free */
    },
  };
}
