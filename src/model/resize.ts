/**
 * libvips' 'linear' resize as sharp runs it (`resize(size, size, { fit: 'fill', kernel: 'linear' })`,
 * what the training views use, src/model/views.ts), reproduced in TypeScript to within 2 levels per
 * pixel (test/model/resize.test.ts, against sharp): how the box form of the crop rule (./crop.ts) resizes a face box
 * to the model's input, in Node and in the browser alike. Pure and browser-safe.
 *
 * libvips' steps, per axis, as measured against sharp 0.35 / libvips 8.18:
 *   1. a box shrink by k = floor(source / target / 2) when k >= 2 (the mean of k source pixels);
 *   2. a reduction of what remains, when smaller: a triangle filter whose half-width is the scale
 *      (source pixels per output pixel), centred on (x + 0.5)·scale − 0.5, edges repeated;
 *   3. an enlargement, when larger: bilinear at x·scale − 0.5 — and when any axis is enlarged, the
 *      other axis is resampled at x − 0.5 too (libvips runs one affine transform over both axes).
 */
import type { Box } from '../result';
import type { RgbImage } from '../util/images';

/** The whole-pixel region of `box` inside a `width`x`height` image, as `cropResize` cuts it: `[x, y, w, h]`, at least 1x1. */
export function cropRegion(box: Box, width: number, height: number): Box {
  const x0 = Math.floor(box[0]);
  const y0 = Math.floor(box[1]);
  const x = Math.min(width - 1, Math.max(0, x0));
  const y = Math.min(height - 1, Math.max(0, y0));
  const w = Math.max(1, Math.min(width, x0 + Math.ceil(box[2])) - x);
  const h = Math.max(1, Math.min(height, y0 + Math.ceil(box[3])) - y);
  return [x, y, w, h];
}

/** Per output pixel along one axis: the source indices and weights that make it. */
interface Taps {
  index: Int32Array;
  weight: Float32Array;
  /** Taps per output pixel. */
  n: number;
}

function taps(n: number, perOut: number, at: (x: number) => { i: number; w: number }[], sn: number): Taps {
  const index = new Int32Array(n * perOut);
  const weight = new Float32Array(n * perOut);
  for (let x = 0; x < n; x++) {
    const t = at(x);
    t.forEach(({ i, w }, k) => {
      index[x * perOut + k] = Math.min(sn - 1, Math.max(0, i));
      weight[x * perOut + k] = w;
    });
  }
  return { index, weight, n: perOut };
}

/** Triangle-filter reduction from `sn` to `n` pixels at `s` source pixels per output pixel. default `s`: sn / n */
function reduceTaps(n: number, sn: number, s = sn / n): Taps {
  const perOut = 2 * Math.ceil(s) + 2;
  return taps(
    n,
    perOut,
    (x) => {
      const c = (x + 0.5) * s - 0.5;
      const out: { i: number; w: number }[] = [];
      let sum = 0;
      for (let i = Math.floor(c - s); i <= Math.ceil(c + s) && out.length < perOut; i++) {
        const w = 1 - Math.abs(i - c) / s;
        if (w <= 0) continue;
        out.push({ i, w });
        sum += w;
      }
      return out.map((t) => ({ i: t.i, w: t.w / sum }));
    },
    sn,
  );
}

/** Bilinear resampling from `sn` to `n` pixels at source position x·(sn / n) − 0.5. */
function linearTaps(n: number, sn: number): Taps {
  const s = sn / n;
  return taps(
    n,
    2,
    (x) => {
      const p = Math.min(sn - 1, Math.max(0, x * s - 0.5));
      const i = Math.floor(p);
      return [
        { i, w: 1 - (p - i) },
        { i: i + 1, w: p - i },
      ];
    },
    sn,
  );
}

/** Float planes: `c` channels of `w`x`h`, interleaved. */
interface Planes {
  data: Float32Array;
  width: number;
  height: number;
}

function applyRows(img: Planes, t: Taps, outH: number): Planes {
  const { width: w, data: src } = img;
  const out = new Float32Array(w * outH * 3);
  const n = w * 3;
  for (let y = 0; y < outH; y++) {
    const o = y * n;
    for (let k = 0; k < t.n; k++) {
      const wt = t.weight[y * t.n + k];
      if (wt === 0) continue;
      const row = t.index[y * t.n + k] * n;
      for (let i = 0; i < n; i++) out[o + i] += wt * src[row + i];
    }
  }
  return { data: out, width: w, height: outH };
}

function applyColumns(img: Planes, t: Taps, outW: number): Planes {
  const { width: w, height: h, data: src } = img;
  const out = new Float32Array(outW * h * 3);
  if (t.n === 2) {
    // the bilinear case (enlarging, the usual one for street faces), unrolled: the same float32
    // arithmetic in the same order as the general loop below, about twice as fast
    const f = Math.fround;
    for (let y = 0; y < h; y++) {
      const rowIn = y * w * 3;
      let o = y * outW * 3;
      for (let x = 0; x < outW; x++, o += 3) {
        const w0 = t.weight[2 * x];
        const w1 = t.weight[2 * x + 1];
        const s0 = rowIn + t.index[2 * x] * 3;
        const s1 = rowIn + t.index[2 * x + 1] * 3;
        for (let c = 0; c < 3; c++) {
          let v = 0;
          if (w0 !== 0) v = f(v + w0 * src[s0 + c]);
          if (w1 !== 0) v = f(v + w1 * src[s1 + c]);
          out[o + c] = v;
        }
      }
    }
    return { data: out, width: outW, height: h };
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < outW; x++) {
      const o = (y * outW + x) * 3;
      for (let k = 0; k < t.n; k++) {
        const wt = t.weight[x * t.n + k];
        if (wt === 0) continue;
        const s = (y * w + t.index[x * t.n + k]) * 3;
        out[o] += wt * src[s];
        out[o + 1] += wt * src[s + 1];
        out[o + 2] += wt * src[s + 2];
      }
    }
  }
  return { data: out, width: outW, height: h };
}

/** Box shrink by whole factors kx, ky: the mean of each block; a last partial block repeats the edge pixels. */
function boxShrink(img: Planes, kx: number, ky: number): Planes {
  const w = Math.ceil(img.width / kx);
  const h = Math.ceil(img.height / ky);
  const out = new Float32Array(w * h * 3);
  const inv = 1 / (kx * ky);
  for (let y = 0; y < h; y++) {
    for (let j = 0; j < ky; j++) {
      const row = Math.min(img.height - 1, y * ky + j) * img.width;
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        for (let i = 0; i < kx; i++) {
          const s = (row + Math.min(img.width - 1, x * kx + i)) * 3;
          out[o] += img.data[s];
          out[o + 1] += img.data[s + 1];
          out[o + 2] += img.data[s + 2];
        }
      }
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.round(out[i] * inv);
  return { data: out, width: w, height: h };
}

const roundPlanes = (p: Planes): Planes => ({ ...p, data: p.data.map((v) => Math.round(v)) });

/**
 * Resize RGB pixels to `width`x`height` as sharp's `fit: 'fill', kernel: 'linear'` does (see the module
 * comment). An enlargement on both axes (a face box smaller than the model's input, the usual case on
 * video) runs as one pass (`enlargeLinear`), with the same arithmetic as the steps.
 */
export function resizeLinear(image: RgbImage, width: number, height: number): RgbImage {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new Error(`resizeLinear: size must be positive whole numbers, got ${width}x${height}`);
  if (image.width <= width && image.height <= height && (image.width < width || image.height < height)) return enlargeLinear(image, width, height);
  return resizeLinearSteps(image, width, height);
}

/** `resizeLinear` step by step (shrink, reduce, enlarge, each over the whole image): any sizes. */
export function resizeLinearSteps(image: RgbImage, width: number, height: number): RgbImage {
  let p: Planes = { data: Float32Array.from(image.data), width: image.width, height: image.height };
  const sx = p.width / width;
  const sy = p.height / height;
  const kx = Math.max(1, Math.floor(sx / 2));
  const ky = Math.max(1, Math.floor(sy / 2));
  if (kx > 1 || ky > 1) p = boxShrink(p, kx, ky);
  if (p.height > height) p = roundPlanes(applyRows(p, reduceTaps(height, p.height, sy / ky), height));
  if (p.width > width) p = roundPlanes(applyColumns(p, reduceTaps(width, p.width, sx / kx), width));
  if (p.width < width || p.height < height) {
    p = applyRows(p, linearTaps(height, p.height), height);
    p = applyColumns(p, linearTaps(width, p.width), width);
  }
  return toBytes(p.data, width, height);
}

/** Float pixels to bytes: rounded half up, clamped to 0–255. */
function toBytes(src: Float32Array, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    const v = src[i];
    data[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.floor(v + 0.5); // Math.round for v > 0, clamped
  }
  return { data, width, height };
}

/**
 * The enlargement of `resizeLinear` (no axis reduced) in one pass: per output row, its two source
 * rows blended into one float32 row, then each output pixel from two pixels of that row — the float32
 * roundings of the row and column steps, in their order, without the whole-image intermediates.
 */
function enlargeLinear(image: RgbImage, width: number, height: number): RgbImage {
  const rows = linearTaps(height, image.height);
  const cols = linearTaps(width, image.width);
  const src = image.data;
  const n = image.width * 3;
  const row = new Float32Array(n);
  const data = new Uint8Array(width * height * 3);
  const f = Math.fround;
  for (let y = 0; y < height; y++) {
    const a0 = rows.weight[2 * y];
    const a1 = rows.weight[2 * y + 1];
    const r0 = rows.index[2 * y] * n;
    const r1 = rows.index[2 * y + 1] * n;
    for (let i = 0; i < n; i++) {
      let v = 0;
      if (a0 !== 0) v = f(a0 * src[r0 + i]);
      if (a1 !== 0) v = f(v + a1 * src[r1 + i]);
      row[i] = v;
    }
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      const w0 = cols.weight[2 * x];
      const w1 = cols.weight[2 * x + 1];
      const s0 = cols.index[2 * x] * 3;
      const s1 = cols.index[2 * x + 1] * 3;
      let v0: number, v1: number, v2: number;
      if (w0 !== 0 && w1 !== 0) {
        v0 = f(f(w0 * row[s0]) + w1 * row[s1]);
        v1 = f(f(w0 * row[s0 + 1]) + w1 * row[s1 + 1]);
        v2 = f(f(w0 * row[s0 + 2]) + w1 * row[s1 + 2]);
      } else {
        // one tap (or none) weighs: that tap alone, as the step form's zero-weight skip gives
        const [w, s] = w0 !== 0 ? [w0, s0] : [w1, s1];
        v0 = f(w * row[s]);
        v1 = f(w * row[s + 1]);
        v2 = f(w * row[s + 2]);
      }
      data[o] = v0 <= 0 ? 0 : v0 >= 255 ? 255 : Math.floor(v0 + 0.5);
      data[o + 1] = v1 <= 0 ? 0 : v1 >= 255 ? 255 : Math.floor(v1 + 0.5);
      data[o + 2] = v2 <= 0 ? 0 : v2 >= 255 ? 255 : Math.floor(v2 + 0.5);
    }
  }
  return { data, width, height };
}

/** Cut `box` from `image` (clipped, see `cropRegion`) and resize it to `size`x`size`: the browser's `cropResize`. */
export function cropResizeLinear(image: RgbImage, box: Box, size: number): RgbImage {
  const [x, y, w, h] = cropRegion(box, image.width, image.height);
  const data = new Uint8Array(w * h * 3);
  for (let j = 0; j < h; j++) data.set(image.data.subarray(((y + j) * image.width + x) * 3, ((y + j) * image.width + x + w) * 3), j * w * 3);
  return resizeLinear({ data, width: w, height: h }, size, size);
}
