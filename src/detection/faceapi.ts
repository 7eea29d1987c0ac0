/**
 * face-api's detectors on the project's one tfjs instance (`loadFaceApi`):
 * - `ssd-mobilenet`: SSD MobileNetV1 (input fixed at 512x512 by the network's anchors; the image is
 *   padded to a square and resized to it),
 * - `tiny`: the Tiny Face Detector (Tiny-YOLOv2 with separable convolutions; input side configurable,
 *   a multiple of 32),
 * - `ssd-tiled`: SSD MobileNetV1 on the whole image plus a grid of overlapping tiles, merged with
 *   non-max suppression. Each tile is upscaled to 512, so small faces reach the network larger.
 */
import type { FaceDetection, FaceDetector } from './types';
import { DetectorError } from './types';
import { clipBox, nonMaxSuppression } from './geometry';
import { resizeImage, type RgbImage } from '../util/images';
import { loadFaceApi } from '../backend/faceapi';
import { tf } from '../backend/tf';
import type { Box } from '../result';

/** SSD MobileNetV1's fixed network input side. */
export const SSD_INPUT_SIZE = 512;
/** face-api's own NMS inside SSD MobileNetV1 (fixed by the library). */
export const SSD_INTERNAL_NMS_IOU = 0.5;

export interface SsdOptions {
  /** Minimum confidence, in (0, 1). */
  minConfidence: number;
  /** Most faces kept per image. */
  maxResults: number;
  /** IoU above which overlapping boxes are suppressed (after face-api's own at 0.5). */
  nmsIou: number;
}

export interface TinyOptions extends SsdOptions {
  /** Network input side in pixels, a multiple of 32. */
  inputSize: number;
}

export interface TiledOptions extends SsdOptions {
  /** Tiles per side (2 → 2x2 tiles, plus the whole image). */
  grid: number;
  /** Overlap between neighbouring tiles, as a share of a tile's side. */
  overlap: number;
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

export async function createTiny(opts: TinyOptions): Promise<FaceDetector> {
  checkConfidence('tiny', opts.minConfidence);
  if (!Number.isInteger(opts.inputSize) || opts.inputSize % 32 !== 0 || opts.inputSize < 32) {
    throw new DetectorError(`tiny: inputSize must be a positive multiple of 32, got ${opts.inputSize}`);
  }
  const faceapi = await loadFaceApi(['tinyFaceDetector']);
  const options = new faceapi.TinyFaceDetectorOptions({ inputSize: opts.inputSize, scoreThreshold: opts.minConfidence });
  const run = (t: unknown) => faceapi.nets.tinyFaceDetector.locateFaces(t as never, options) as Promise<Located[]>;
  return {
    name: 'tiny',
    async detectFaces(image) {
      return nonMaxSuppression(await locate(image, run), opts.nmsIou, opts.maxResults);
    },
    dispose() {},
  };
}

/** Tile rectangles `[x, y, w, h]` covering a `width`x`height` image in a `grid`x`grid` layout with overlap. */
export function tileRects(width: number, height: number, grid: number, overlap: number): Box[] {
  if (grid <= 1) return [];
  const tw = Math.ceil(width / (grid - (grid - 1) * overlap));
  const th = Math.ceil(height / (grid - (grid - 1) * overlap));
  const out: Box[] = [];
  for (let j = 0; j < grid; j++) {
    for (let i = 0; i < grid; i++) {
      const x = grid === 1 ? 0 : Math.round(((width - tw) * i) / (grid - 1));
      const y = grid === 1 ? 0 : Math.round(((height - th) * j) / (grid - 1));
      out.push([x, y, Math.min(tw, width - x), Math.min(th, height - y)]);
    }
  }
  return out;
}

function cropRgb(img: RgbImage, [x, y, w, h]: Box): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const src = ((y + r) * img.width + x) * 3;
    data.set(img.data.subarray(src, src + w * 3), r * w * 3);
  }
  return { data, width: w, height: h };
}

export async function createSsdTiled(opts: TiledOptions): Promise<FaceDetector> {
  checkConfidence('ssd-tiled', opts.minConfidence);
  if (!Number.isInteger(opts.grid) || opts.grid < 1) throw new DetectorError(`ssd-tiled: grid must be a positive whole number`);
  if (!(opts.overlap >= 0 && opts.overlap < 1)) throw new DetectorError(`ssd-tiled: overlap must be in [0, 1)`);
  const faceapi = await loadFaceApi(['ssdMobilenetv1']);
  const run = ssdLocator(faceapi, opts);
  return {
    name: 'ssd-tiled',
    async detectFaces(image) {
      const all = await locate(image, run);
      for (const t of tileRects(image.width, image.height, opts.grid, opts.overlap)) {
        for (const d of await locate(cropRgb(image, t), run)) {
          all.push({ box: [d.box[0] + t[0], d.box[1] + t[1], d.box[2], d.box[3]], score: d.score });
        }
      }
      return nonMaxSuppression(all, opts.nmsIou, opts.maxResults);
    },
    dispose() {},
  };
}
