/**
 * Pixels in the browser, pure and browser-safe: `rgbFromRgba`, a canvas' RGBA pixels, and
 * `rgbFromYuv`, a camera frame's YUV planes, as the pipeline's RGB image. The crop rule itself is the
 * library's (src/model/crop.ts).
 */
import type { RgbImage } from '../../util/images';

/** RGBA pixels (a canvas' `ImageData.data`) as an RGB image; alpha is dropped (the canvas is drawn on white first). */
export function rgbFromRgba(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): RgbImage {
  if (rgba.length !== width * height * 4) throw new Error(`rgbFromRgba: ${rgba.length} bytes for ${width}x${height} (expected ${width * height * 4})`);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { data, width, height };
}

/** A camera frame's planes as `VideoFrame.copyTo` lays them out: I420 (Y, U, V) or NV12 (Y, interleaved UV). */
export interface YuvFrame {
  format: 'I420' | 'NV12';
  data: Uint8Array;
  /** Each plane's offset and stride in `data`, in plane order. */
  layout: readonly { offset: number; stride: number }[];
  width: number;
  height: number;
  /** The colour matrix: BT.709, else BT.601 (SMPTE 170M, BT.470BG). default: bt601 */
  matrix?: 'bt601' | 'bt709';
  /** Full-range values (0–255) rather than video range (16–235). default: false */
  fullRange?: boolean;
}

/** YUV → RGB coefficients, ×256: [luma, v→r, u→g, v→g, u→b]. */
function coefficients(matrix: 'bt601' | 'bt709', full: boolean): number[] {
  const [kr, kb] = matrix === 'bt709' ? [0.2126, 0.0722] : [0.299, 0.114];
  const kg = 1 - kr - kb;
  const [ys, cs] = full ? [1, 1] : [255 / 219, 255 / 224];
  const c = [ys, 2 * (1 - kr) * cs, (-2 * kb * (1 - kb) * cs) / kg, (-2 * kr * (1 - kr) * cs) / kg, 2 * (1 - kb) * cs];
  return c.map((v) => Math.round(v * 256));
}

/**
 * A 4:2:0 camera frame (I420 or NV12) as an RGB image, in plain JavaScript (integer arithmetic, each
 * chroma sample shared by its 2x2 pixels): what a browser does when it draws the frame on a canvas,
 * without the canvas.
 */
export function rgbFromYuv(f: YuvFrame): RgbImage {
  const { width: w, height: h, data: src, layout } = f;
  const full = f.fullRange ?? false;
  const [cy, vr, ug, vg, ub] = coefficients(f.matrix ?? 'bt601', full);
  const y0 = full ? 0 : 16;
  const out = new Uint8ClampedArray(w * h * 3);
  const [Y, A, B] = layout;
  const nv12 = f.format === 'NV12';
  for (let y = 0; y < h; y++) {
    const yRow = Y.offset + y * Y.stride;
    const cRow = (y >> 1) * A.stride + A.offset;
    const vRow = nv12 ? cRow + 1 : (y >> 1) * B.stride + B.offset;
    const step = nv12 ? 2 : 1;
    let o = y * w * 3;
    for (let x = 0; x < w; x++, o += 3) {
      const l = cy * (src[yRow + x] - y0) + 128;
      const ci = (x >> 1) * step;
      const u = src[cRow + ci] - 128;
      const v = src[vRow + ci] - 128;
      out[o] = (l + vr * v) >> 8;
      out[o + 1] = (l + ug * u + vg * v) >> 8;
      out[o + 2] = (l + ub * u) >> 8;
    }
  }
  return { data: new Uint8Array(out.buffer), width: w, height: h };
}
