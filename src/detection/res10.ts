/**
 * `res10`: the original tutorial's face detector — OpenCV's ResNet-10 SSD (8-bit TensorFlow export in
 * `face_detector/`) run through opencv-wasm's dnn module. Faithful to the original pipeline:
 * 300x300 input, BGR, mean (104, 177, 123), confidence threshold 0.5. Slow under wasm (STACK.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FaceDetection, FaceDetector } from './types';
import { DetectorError } from './types';
import { clipBox, nonMaxSuppression } from './geometry';
import type { RgbImage } from '../util/images';
import { projectPaths } from '../paths';

/** The network's files inside the detector folder. */
export const RES10_MODEL = 'opencv_face_detector_uint8.pb';
export const RES10_CONFIG = 'opencv_face_detector.pbtxt';
/** Per-channel mean in B, G, R order, subtracted before the network (the original's values). */
export const RES10_MEAN_BGR: [number, number, number] = [104, 177, 123];

export interface Res10Options {
  /** Minimum confidence. default: 0.5 (the original's) */
  minConfidence: number;
  /** Square network input side in pixels. default: 300 */
  inputSize: number;
  /** IoU above which overlapping boxes are suppressed. default: 0.3 */
  nmsIou: number;
  /** Folder holding the .pb/.pbtxt. default: `projectPaths().faceDetector` */
  dir?: string;
}

// opencv-wasm's module is one emscripten instance per process; loading it is synchronous.
type CV = any; // eslint-disable-line @typescript-eslint/no-explicit-any
let cvModule: { cv: CV; cvTranslateError: (cv: CV, e: unknown) => string } | undefined;
function opencv() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a 10 MB emscripten module, loaded only when res10 is used
  if (!cvModule) cvModule = require('opencv-wasm');
  return cvModule!;
}

/** opencv-wasm throws numeric pointers: turn any thrown value into a readable message. */
export function cvErrorMessage(e: unknown): string {
  if (typeof e === 'number') {
    const { cv, cvTranslateError } = opencv();
    try {
      return cvTranslateError(cv, e) || `OpenCV exception ${e}`;
    } catch {
      return `OpenCV exception ${e}`;
    }
  }
  return e instanceof Error ? e.message : String(e);
}

let fsCounter = 0;

/** Load the ResNet-10 SSD into opencv-wasm. Throws `DetectorError` naming the missing file. */
export async function createRes10(opts: Res10Options): Promise<FaceDetector> {
  const dir = opts.dir ?? projectPaths().faceDetector;
  const files = [RES10_MODEL, RES10_CONFIG].map((f) => path.join(dir, f));
  for (const f of files) {
    if (!fs.existsSync(f)) throw new DetectorError(`res10: missing ${f} (run "facemask prepare" to install the face detector)`);
  }
  const { cv } = opencv();
  const tag = `/res10-${process.pid}-${fsCounter++}`;
  let net: CV;
  try {
    cv.FS.writeFile(`${tag}.pb`, fs.readFileSync(files[0]));
    cv.FS.writeFile(`${tag}.pbtxt`, fs.readFileSync(files[1]));
    net = cv.readNetFromTensorflow(`${tag}.pb`, `${tag}.pbtxt`);
  } catch (e) {
    throw new DetectorError(`res10: cannot load the network from ${dir}: ${cvErrorMessage(e)}`);
  } finally {
    for (const ext of ['pb', 'pbtxt']) {
      try {
        cv.FS.unlink(`${tag}.${ext}`);
      } catch {
        /* not written */
      }
    }
  }
  let mat: CV | undefined; // reused between frames of the same size
  return {
    name: 'res10',
    async detectFaces(image: RgbImage): Promise<FaceDetection[]> {
      const { width, height } = image;
      let blob: CV;
      let out: CV;
      try {
        if (!mat || mat.cols !== width || mat.rows !== height) {
          mat?.delete();
          mat = new cv.Mat(height, width, cv.CV_8UC3);
        }
        mat.data.set(image.data);
        // RGB in, swapRB → BGR; the mean is given in the output's (BGR) order.
        const s = opts.inputSize;
        blob = cv.blobFromImage(mat, 1.0, new cv.Size(s, s), new cv.Scalar(...RES10_MEAN_BGR, 0), true, false);
        net.setInput(blob);
        out = net.forward(); // [1, 1, N, 7]: (image, class, confidence, x1, y1, x2, y2), corners in [0, 1]
        const d: Float32Array = out.data32F;
        const found: FaceDetection[] = [];
        for (let i = 0; i + 7 <= d.length; i += 7) {
          const score = d[i + 2];
          if (!(score >= opts.minConfidence)) continue;
          const x1 = d[i + 3] * width;
          const y1 = d[i + 4] * height;
          const b = clipBox([x1, y1, d[i + 5] * width - x1, d[i + 6] * height - y1], width, height);
          if (b) found.push({ box: b, score });
        }
        return nonMaxSuppression(found, opts.nmsIou);
      } catch (e) {
        throw new DetectorError(`res10: ${cvErrorMessage(e)}`);
      } finally {
        blob?.delete();
        out?.delete();
      }
    },
    dispose() {
      mat?.delete();
      mat = undefined;
      net?.delete();
    },
  };
}
