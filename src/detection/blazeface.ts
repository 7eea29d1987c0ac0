/**
 * `blazeface`: Google's BlazeFace short-range detector in the 256x256 "back camera" variant that
 * `@vladmandic/human` ships (`models/blazeface.json`, a tfjs graph model; weights Apache-2.0), run on
 * the project's one tfjs instance. A single-shot detector with 896 anchors (16x16x2 at stride 16,
 * 8x8x6 at stride 32); each anchor gives a face score (logit) and a box (centre offset, width,
 * height, in input pixels) plus 6 key points (unused here).
 *
 * The whole image is padded to a square (bottom/right, black) and resized to 256, so a face needs
 * roughly 20 px in a 640 px image to reach the network at ~8 px; measured on the Kaggle scenes it
 * finds about as many masked faces as face-api's SSD at the same false-detection rate, about 6x faster
 * (README; `bench/detect.ts`, `bench/video.ts`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FaceDetection, FaceDetector } from './types';
import { DetectorError } from './types';
import { clipBox, nonMaxSuppression } from './geometry';
import type { RgbImage } from '../util/images';
import { tf } from '../backend/tf';
import { blazeFaceModelDir } from '../paths';
import { netInput } from './faceapi';

/** The network's square input side (fixed by its anchors). */
export const BLAZEFACE_INPUT_SIZE = 256;

export interface BlazeFaceOptions {
  /** Minimum confidence, in (0, 1). */
  minConfidence: number;
  /** IoU above which overlapping boxes are suppressed. */
  nmsIou: number;
  /** Most faces kept per image. */
  maxResults: number;
  /** Folder holding blazeface.json and blazeface.bin. default: `blazeFaceModelDir()` */
  dir?: string;
}

/** Anchor centres in input pixels, in the network's output order (stride 16 then stride 32). */
export function blazeFaceAnchors(size = BLAZEFACE_INPUT_SIZE): [number, number][] {
  const out: [number, number][] = [];
  for (const [stride, perCell] of [[size / 16, 2], [size / 8, 6]] as const) {
    const cells = Math.ceil(size / stride);
    for (let y = 0; y < cells; y++) for (let x = 0; x < cells; x++) for (let k = 0; k < perCell; k++) out.push([stride * (x + 0.5), stride * (y + 0.5)]);
  }
  return out;
}

async function loadGraph(dir: string): Promise<tf.GraphModel> {
  const jsonFile = path.join(dir, 'blazeface.json');
  const binFile = path.join(dir, 'blazeface.bin');
  for (const f of [jsonFile, binFile]) {
    if (!fs.existsSync(f)) throw new DetectorError(`blazeface: ${f} is missing (run "npm install": the weights come with @vladmandic/human)`);
  }
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  const bin = fs.readFileSync(binFile);
  const weightSpecs = (json.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[]).flatMap((g) => g.weights);
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  try {
    return await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
  } catch (e) {
    throw new DetectorError(`blazeface: cannot load ${jsonFile}: ${(e as Error).message}`);
  }
}

export async function createBlazeFace(opts: BlazeFaceOptions): Promise<FaceDetector> {
  if (!(opts.minConfidence > 0 && opts.minConfidence < 1)) throw new DetectorError(`blazeface: minConfidence must be in (0, 1), got ${opts.minConfidence}`);
  const model = await loadGraph(opts.dir ?? blazeFaceModelDir());
  const N = BLAZEFACE_INPUT_SIZE;
  const anchors = blazeFaceAnchors(N);
  const logit = Math.log(opts.minConfidence / (1 - opts.minConfidence));
  return {
    name: 'blazeface',
    async detectFaces(image: RgbImage): Promise<FaceDetection[]> {
      const { small, sx, sy } = await netInput(image);
      const side = Math.max(small.width, small.height);
      const out = tf.tidy(() => {
        const img = tf.tensor3d(small.data, [small.height, small.width, 3], 'int32').toFloat();
        const square = tf.pad(img, [[0, side - small.height], [0, side - small.width], [0, 0]]);
        const x = tf.sub(tf.div(tf.image.resizeBilinear(square as tf.Tensor3D, [N, N]), 127.5), 1).expandDims(0);
        // four outputs: scores and boxes for the 512 stride-16 anchors and for the 384 stride-32 ones
        const [s384, s512, b384, b512] = (model.execute(x) as tf.Tensor[]).slice().sort((a, b) => a.size - b.size);
        return tf.concat([tf.concat([s512, b512], 2), tf.concat([s384, b384], 2)], 1).squeeze([0]);
      });
      const d = (await out.data()) as Float32Array;
      const dim = out.shape[1]!;
      out.dispose();
      const ax = (side / N) * sx; // network pixels → original image pixels
      const ay = (side / N) * sy;
      const found: FaceDetection[] = [];
      for (let i = 0; i < anchors.length; i++) {
        const o = i * dim;
        if (d[o] < logit) continue;
        const w = d[o + 3] * ax;
        const h = d[o + 4] * ay;
        const cx = (d[o + 1] + anchors[i][0]) * ax;
        const cy = (d[o + 2] + anchors[i][1]) * ay;
        const box = clipBox([cx - w / 2, cy - h / 2, w, h], image.width, image.height);
        if (box) found.push({ box, score: 1 / (1 + Math.exp(-d[o])) });
      }
      return nonMaxSuppression(found, opts.nmsIou, opts.maxResults);
    },
    dispose() {
      model.dispose();
    },
  };
}
