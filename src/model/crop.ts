/**
 * The classifier's crop rule, pure and browser-safe — one code for Node and the browser, in two forms
 * (`CropRule`, named by a model's manifest; `cropFace` applies either): `box` — a face box cut from the
 * image (the part inside it, no padding; docs/contracts.md "Boxes") and resized to the model's input
 * with sharp's linear resize as ./resize.ts reproduces it; optionally with context for small faces
 * (`BoxContext`: a box below a size cut scaled around its centre) — and `aligned`, below (the aligned
 * crop from 5 landmarks).
 */
import type { Box } from '../result';
import type { RgbImage } from '../util/images';
import { cropResizeLinear } from './resize';

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

/**
 * Context for small faces under the box rule: a box whose shorter side is below `below` px is cut
 * scaled by `scale` around its centre (more head, hair and shoulders; the part inside the image), so
 * a face the detector finds at 10 px is not a few blurred pixels blown up to the input.
 */
export interface BoxContext {
  /** Boxes whose shorter side is below this (px) get the context. */
  below: number;
  /** How much larger the cut square is than the box, per side (>= 1). */
  scale: number;
}

/** Which crop a model sees (its manifest's `crop`; absent: the box). */
export type CropRule = { kind: 'box'; context?: BoxContext } | { kind: 'aligned'; template: AlignTemplate; landmarks: LandmarkSource };

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

/** Check a small-face context (and say what is wrong): 0 < below, 1 <= scale <= 4. */
export function checkBoxContext(c: unknown, where = 'box context'): BoxContext {
  const o = c as BoxContext;
  if (!o || typeof o !== 'object' || !(typeof o.below === 'number' && o.below > 0 && Number.isFinite(o.below)) || !(typeof o.scale === 'number' && o.scale >= 1 && o.scale <= 4)) {
    throw new Error(`${where} must be { below, scale } with below > 0 (px) and 1 <= scale <= 4 (e.g. { "below": 24, "scale": 1.3 }), got ${JSON.stringify(c)}`);
  }
  return { below: o.below, scale: o.scale };
}

/**
 * The region cut for a box under the box rule: the box, or for a small face with context, the box
 * scaled around its centre, in whole pixels (so training's views and inference cut the same pixels).
 */
export function contextBox(box: Box, context: BoxContext | undefined): Box {
  if (!context || !(Math.min(box[2], box[3]) < context.below)) return box;
  const [x, y, w, h] = box;
  const [nw, nh] = [Math.round(w * context.scale), Math.round(h * context.scale)];
  return [Math.round(x + w / 2 - nw / 2), Math.round(y + h / 2 - nh / 2), nw, nh];
}

/** Check a crop rule as read from a manifest or a recipe. */
export function checkCropRule(r: unknown, where = 'crop'): CropRule {
  const o = r as CropRule;
  if (o && typeof o === 'object' && o.kind === 'box') return o.context === undefined ? BOX_CROP : { kind: 'box', context: checkBoxContext(o.context, `${where}.context`) };
  if (o && typeof o === 'object' && o.kind === 'aligned') return { kind: 'aligned', template: checkAlignTemplate(o.template, `${where}.template`), landmarks: checkLandmarkSource(o.landmarks, `${where}.landmarks`) };
  throw new Error(`${where} must be { "kind": "box" } (optionally with "context": { "below", "scale" }) or { "kind": "aligned", "template": { "eyeY", "mouthY" }, "landmarks": { "detector", "minScore", "matchIou" } }, got ${JSON.stringify(r)}`);
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
 * plain view): `box` cuts the box (`cropResizeLinear`; a small face with the rule's context scaled
 * first, `contextBox`); `aligned` cuts the aligned crop from the face's landmarks, and the box when it
 * has none usable.
 */
export function cropFace(image: RgbImage, face: FaceRegion, size: number, rule: CropRule = BOX_CROP): RgbImage {
  if (rule.kind === 'aligned') {
    const a = alignedCrop(image, face.landmarks, size, rule.template);
    if (a) return a;
    return cropResizeLinear(image, face.box, size);
  }
  return cropResizeLinear(image, contextBox(face.box, rule.context), size);
}
