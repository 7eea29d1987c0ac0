/**
 * The classifier's crop rule, pure and browser-safe — one code for Node and the browser, in two forms
 * (`CropRule`, named by a model's manifest; `cropFace` applies either): `box`, below, and `aligned`,
 * further down (the aligned crop from 5 landmarks). The box form: a face box cut from the image (the part inside it, no padding; docs/contracts.md "Boxes") and resized to the
 * model's input with libvips' 'linear' resize as sharp runs it (`resize(size, size, { fit: 'fill',
 * kernel: 'linear' })`, what the training views use, src/model/views.ts), reproduced in TypeScript
 * to within 2 levels per pixel (test/model/crop.test.ts).
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

/** Resize RGB pixels to `width`x`height` as sharp's `fit: 'fill', kernel: 'linear'` does (see the module comment). */
export function resizeLinear(image: RgbImage, width: number, height: number): RgbImage {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new Error(`resizeLinear: size must be positive whole numbers, got ${width}x${height}`);
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
  const data = new Uint8Array(width * height * 3);
  const src = p.data;
  for (let i = 0; i < data.length; i++) {
    const v = src[i];
    data[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.floor(v + 0.5); // Math.round for v > 0, clamped
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

/**
 * The second form of the crop rule: the **aligned crop**. From a face's 5 landmarks (YuNet's order,
 * `[x, y]` in image pixels: the subject's right eye — image left on a frontal face —, left eye, nose
 * tip, right and left mouth corners) a similarity transform puts every face in the same geometry:
 *  - eyes level: the crop is rotated by the angle of the line from the first eye to the second;
 *  - a fixed eye-to-mouth scale: the distance from the eyes' midpoint to the mouth corners' midpoint
 *    is `mouthY − eyeY` of the crop side;
 *  - a fixed margin: the midpoint of those two points lands at (0.5, (eyeY + mouthY) / 2) of the crop.
 * The template (`ALIGN_TEMPLATE`) puts the eyes at 0.36 and the mouth at 0.68 of the side, so the crop
 * side is about 3.1 eye-to-mouth distances: forehead to chin (about 1.6 of them below the eyes, 0.87
 * of the side) with the mask region — nose to chin — well inside.
 *
 * Sampling: bilinear at each output pixel's centre, averaged over a k x k grid inside the pixel when
 * the crop shrinks the face (k = ceil(source pixels per output pixel), so large faces are not
 * aliased); outside the image the edge pixels repeat. A face without usable landmarks (none, not
 * finite, or eyes and mouth less than `ALIGN_MIN_SPAN` px apart) falls back to the box crop.
 */
/** Where the aligned crop puts the eyes' and the mouth's midpoints: fractions of the crop side, from the top. */
export interface AlignTemplate {
  eyeY: number;
  mouthY: number;
}

/** The template of the aligned crop (see above): eyes at 0.36, mouth at 0.68 of the side. */
export const ALIGN_TEMPLATE: Readonly<AlignTemplate> = { eyeY: 0.36, mouthY: 0.68 };

/** Fewer source pixels than this between the eyes' and the mouth's midpoints: the landmarks are not usable (box crop). */
export const ALIGN_MIN_SPAN = 2;

/** 5 landmarks `[x, y]` in image pixels, in YuNet's order (src/detection/yunet.ts `YUNET_LANDMARKS`). */
export type Landmarks = readonly (readonly [number, number])[];

/**
 * Where an aligned model's landmarks come from when a face has none yet — an annotated box, a whole
 * image given to `classify`, a detector without landmarks (src/detection/landmarks.ts matches them).
 */
export interface LandmarkSource {
  /** A registered detector that gives 5 landmarks. */
  detector: string;
  /** Its threshold for this purpose, in (0, 1). */
  minScore: number;
  /** A detection belongs to a face box when their IoU is at least this. */
  matchIou: number;
}

/** The default: YuNet-n at 0.3 (as the not_face mining), matched at IoU >= 0.4. */
export const LANDMARK_SOURCE: Readonly<LandmarkSource> = { detector: 'yunet-n', minScore: 0.3, matchIou: 0.4 };

/** Which crop a model sees (its manifest's `crop`; absent: the box). */
export type CropRule = { kind: 'box' } | { kind: 'aligned'; template: AlignTemplate; landmarks: LandmarkSource };

/** The aligned rule with the default template and landmark source. */
export const ALIGNED_CROP: Extract<CropRule, { kind: 'aligned' }> = { kind: 'aligned', template: { ...ALIGN_TEMPLATE }, landmarks: { ...LANDMARK_SOURCE } };

export const BOX_CROP: CropRule = { kind: 'box' };

/** Check a template (and say what is wrong): 0 < eyeY < mouthY < 1. */
export function checkAlignTemplate(t: unknown, where = 'aligned crop template'): AlignTemplate {
  const o = t as AlignTemplate;
  if (!o || typeof o !== 'object' || !(typeof o.eyeY === 'number' && typeof o.mouthY === 'number' && 0 < o.eyeY && o.eyeY < o.mouthY && o.mouthY < 1)) {
    throw new Error(`${where} must be { eyeY, mouthY } with 0 < eyeY < mouthY < 1 (the default: ${JSON.stringify(ALIGN_TEMPLATE)}), got ${JSON.stringify(t)}`);
  }
  return { eyeY: o.eyeY, mouthY: o.mouthY };
}

/** Check a crop rule as read from a manifest or a recipe. */
export function checkCropRule(r: unknown, where = 'crop'): CropRule {
  const o = r as CropRule;
  if (o && typeof o === 'object' && o.kind === 'box') return BOX_CROP;
  if (o && typeof o === 'object' && o.kind === 'aligned') return { kind: 'aligned', template: checkAlignTemplate(o.template, `${where}.template`), landmarks: checkLandmarkSource(o.landmarks, `${where}.landmarks`) };
  throw new Error(`${where} must be { "kind": "box" } or { "kind": "aligned", "template": { "eyeY", "mouthY" }, "landmarks": { "detector", "minScore", "matchIou" } }, got ${JSON.stringify(r)}`);
}

export function checkLandmarkSource(s: unknown, where = 'landmark source'): LandmarkSource {
  const o = s as LandmarkSource;
  if (!o || typeof o !== 'object' || typeof o.detector !== 'string' || !(o.minScore > 0 && o.minScore < 1) || !(o.matchIou > 0 && o.matchIou <= 1)) {
    throw new Error(`${where} must be { detector, minScore in (0, 1), matchIou in (0, 1] } (default ${JSON.stringify(LANDMARK_SOURCE)}), got ${JSON.stringify(s)}`);
  }
  return { detector: o.detector, minScore: o.minScore, matchIou: o.matchIou };
}

/**
 * The similarity that maps a crop of side `size` to the image: image = origin + ux·u + vx·v for crop
 * coordinates (u, v) in pixels (u right, v down), with `ux` and `vx` the image vectors of one crop
 * pixel along u and v. Null when the landmarks are not usable (see the module comment).
 */
export interface AlignTransform {
  origin: [number, number];
  ux: [number, number];
  vx: [number, number];
  /** Source pixels per crop pixel. */
  scale: number;
}

export function usableLandmarks(lm: Landmarks | undefined | null): lm is Landmarks {
  return !!lm && lm.length >= 5 && lm.slice(0, 5).every((p) => p && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]));
}

/** Optional changes to the transform (training views): scale (> 1 shows more), rotation (radians) and a shift of the centre (fractions of the side). */
export interface AlignJitter {
  scale?: number;
  rotate?: number;
  shiftX?: number;
  shiftY?: number;
}

export function alignTransform(lm: Landmarks | undefined | null, size: number, template: AlignTemplate = ALIGN_TEMPLATE, jitter: AlignJitter = {}): AlignTransform | null {
  if (!usableLandmarks(lm)) return null;
  const [re, le, , rm, lmc] = lm;
  const ex = (re[0] + le[0]) / 2;
  const ey = (re[1] + le[1]) / 2;
  const mx = (rm[0] + lmc[0]) / 2;
  const my = (rm[1] + lmc[1]) / 2;
  const span = Math.hypot(mx - ex, my - ey);
  if (!(span >= ALIGN_MIN_SPAN)) return null;
  const eyeDx = le[0] - re[0];
  const eyeDy = le[1] - re[1];
  if (Math.hypot(eyeDx, eyeDy) === 0) return null;
  const angle = Math.atan2(eyeDy, eyeDx) + (jitter.rotate ?? 0);
  const scale = (span / ((template.mouthY - template.eyeY) * size)) * (jitter.scale ?? 1);
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  const ux: [number, number] = [c * scale, s * scale];
  const vx: [number, number] = [-s * scale, c * scale];
  // the crop point (0.5, (eyeY + mouthY) / 2)·size (shifted by the jitter) sits on the eyes-mouth midpoint
  const cu = (0.5 - (jitter.shiftX ?? 0)) * size;
  const cv = ((template.eyeY + template.mouthY) / 2 - (jitter.shiftY ?? 0)) * size;
  const px = (ex + mx) / 2;
  const py = (ey + my) / 2;
  return { origin: [px - cu * ux[0] - cv * vx[0], py - cu * ux[1] - cv * vx[1]], ux, vx, scale };
}

/** A crop point (pixels) in the image. */
export function cropToImage(t: AlignTransform, u: number, v: number): [number, number] {
  return [t.origin[0] + u * t.ux[0] + v * t.vx[0], t.origin[1] + u * t.ux[1] + v * t.vx[1]];
}

/** An image point in crop pixels (the inverse of `cropToImage`). */
export function imageToCrop(t: AlignTransform, x: number, y: number): [number, number] {
  const dx = x - t.origin[0];
  const dy = y - t.origin[1];
  const s2 = t.scale * t.scale;
  return [(dx * t.ux[0] + dy * t.ux[1]) / s2, (dx * t.vx[0] + dy * t.vx[1]) / s2];
}

/** Sample `image` through `t` into a `size`x`size` crop (bilinear, k x k supersampled when shrinking, edges repeated). */
export function warpCrop(image: RgbImage, t: AlignTransform, size: number): RgbImage {
  if (!(Number.isInteger(size) && size > 0)) throw new Error(`warpCrop: size must be a positive whole number, got ${size}`);
  const { width: W, height: H, data: src } = image;
  const k = Math.max(1, Math.min(8, Math.ceil(t.scale - 1e-9)));
  const out = new Uint8Array(size * size * 3);
  const acc = [0, 0, 0];
  const inv = 1 / (k * k);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let j = 0; j < k; j++) {
        const cv = v + (j + 0.5) / k;
        for (let i = 0; i < k; i++) {
          const cu = u + (i + 0.5) / k;
          // image pixel centres sit at integer + 0.5
          let x = t.origin[0] + cu * t.ux[0] + cv * t.vx[0] - 0.5;
          let y = t.origin[1] + cu * t.ux[1] + cv * t.vx[1] - 0.5;
          x = x < 0 ? 0 : x > W - 1 ? W - 1 : x;
          y = y < 0 ? 0 : y > H - 1 ? H - 1 : y;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const x1 = Math.min(W - 1, x0 + 1);
          const y1 = Math.min(H - 1, y0 + 1);
          const fx = x - x0;
          const fy = y - y0;
          const a = (y0 * W + x0) * 3;
          const b = (y0 * W + x1) * 3;
          const c = (y1 * W + x0) * 3;
          const d = (y1 * W + x1) * 3;
          for (let ch = 0; ch < 3; ch++) {
            const top = src[a + ch] + (src[b + ch] - src[a + ch]) * fx;
            const bottom = src[c + ch] + (src[d + ch] - src[c + ch]) * fx;
            acc[ch] += top + (bottom - top) * fy;
          }
        }
      }
      const o = (v * size + u) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const val = acc[ch] * inv;
        out[o + ch] = val <= 0 ? 0 : val >= 255 ? 255 : Math.floor(val + 0.5);
      }
    }
  }
  return { data: out, width: size, height: size };
}

/** The aligned crop of a face (`size`x`size`), or null when its landmarks are not usable. */
export function alignedCrop(image: RgbImage, lm: Landmarks | undefined | null, size: number, template: AlignTemplate = ALIGN_TEMPLATE, jitter: AlignJitter = {}): RgbImage | null {
  const t = alignTransform(lm, size, template, jitter);
  return t ? warpCrop(image, t, size) : null;
}

/** A face as the crop rule takes it: its box and, when the detector gave them, its landmarks. */
export interface FaceRegion {
  box: Box;
  landmarks?: Landmarks;
}

/**
 * The crop rule, both forms, in one function (the classifiers on Node and in the browser, training's
 * plain view): `box` cuts the box (`cropResizeLinear`); `aligned` cuts the aligned crop from the
 * face's landmarks, and the box when it has none usable.
 */
export function cropFace(image: RgbImage, face: FaceRegion, size: number, rule: CropRule = BOX_CROP): RgbImage {
  if (rule.kind === 'aligned') {
    const a = alignedCrop(image, face.landmarks, size, rule.template);
    if (a) return a;
  }
  return cropResizeLinear(image, face.box, size);
}
