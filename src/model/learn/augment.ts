/**
 * The tutorial's augmentation (Keras `ImageDataGenerator(rotation_range=20, zoom_range=0.15,
 * width_shift_range=0.2, height_shift_range=0.2, shear_range=0.15, horizontal_flip=True,
 * fill_mode="nearest")`), reproduced on RGB images: one random affine transform per view,
 * bilinear sampling, edges filled with the nearest pixel. Deterministic under a seed: a view's
 * transform depends only on (seed, image key, view index).
 */
import type { RgbImage } from '../../util/images';

export interface AugmentParams {
  /** Rotation range in degrees (uniform in ±). default: 20 */
  rotation: number;
  /** Zoom range: x and y scales drawn independently from [1 - z, 1 + z]. default: 0.15 */
  zoom: number;
  /** Horizontal shift as a fraction of the width (±). default: 0.2 */
  widthShift: number;
  /** Vertical shift as a fraction of the height (±). default: 0.2 */
  heightShift: number;
  /** Shear angle in degrees (±), as Keras' `shear_range` (which is in degrees). default: 0.15 */
  shear: number;
  /** Flip left-right with probability 0.5. default: true */
  horizontalFlip: boolean;
}

export const ORIGINAL_AUGMENTATION: AugmentParams = {
  rotation: 20,
  zoom: 0.15,
  widthShift: 0.2,
  heightShift: 0.2,
  shear: 0.15,
  horizontalFlip: true,
};

/** One drawn transform. */
export interface Transform {
  theta: number;
  /** Shift in rows (pixels) and columns (pixels). */
  tx: number;
  ty: number;
  shear: number;
  zx: number;
  zy: number;
  flip: boolean;
}

export const IDENTITY: Transform = { theta: 0, tx: 0, ty: 0, shear: 0, zx: 1, zy: 1, flip: false };

import { mulberry32, hashSeed } from '../../util/random';

export { mulberry32, hashSeed };

/** Draw a transform for an image of `h` x `w` (Keras' `random_transform`). */
export function drawTransform(rng: () => number, p: AugmentParams, h: number, w: number): Transform {
  const u = (a: number, b: number) => a + (b - a) * rng();
  const theta = p.rotation ? u(-p.rotation, p.rotation) : 0;
  const tx = p.heightShift ? u(-p.heightShift, p.heightShift) * h : 0;
  const ty = p.widthShift ? u(-p.widthShift, p.widthShift) * w : 0;
  const shear = p.shear ? u(-p.shear, p.shear) : 0;
  const zx = p.zoom ? u(1 - p.zoom, 1 + p.zoom) : 1;
  const zy = p.zoom ? u(1 - p.zoom, 1 + p.zoom) : 1;
  const flip = p.horizontalFlip ? rng() < 0.5 : false;
  return { theta, tx, ty, shear, zx, zy, flip };
}

type M3 = number[][];
const mul = (a: M3, b: M3): M3 => a.map((r) => [0, 1, 2].map((j) => r[0] * b[0][j] + r[1] * b[1][j] + r[2] * b[2][j]));

/**
 * The matrix mapping output (row, col, 1) to input (row, col, 1), centred as Keras'
 * `transform_matrix_offset_center` does.
 */
export function transformMatrix(t: Transform, h: number, w: number): M3 {
  const th = (t.theta * Math.PI) / 180;
  const sh = (t.shear * Math.PI) / 180;
  let m: M3 = [
    [Math.cos(th), -Math.sin(th), 0],
    [Math.sin(th), Math.cos(th), 0],
    [0, 0, 1],
  ];
  m = mul(m, [
    [1, 0, t.tx],
    [0, 1, t.ty],
    [0, 0, 1],
  ]);
  m = mul(m, [
    [1, -Math.sin(sh), 0],
    [0, Math.cos(sh), 0],
    [0, 0, 1],
  ]);
  m = mul(m, [
    [t.zx, 0, 0],
    [0, t.zy, 0],
    [0, 0, 1],
  ]);
  const ox = h / 2 + 0.5;
  const oy = w / 2 + 0.5;
  return mul(
    mul(
      [
        [1, 0, ox],
        [0, 1, oy],
        [0, 0, 1],
      ],
      m,
    ),
    [
      [1, 0, -ox],
      [0, 1, -oy],
      [0, 0, 1],
    ],
  );
}

/**
 * Apply a transform (bilinear, fill "nearest"); the output has the input's size. The matrix's
 * entries and each row's products are hoisted out of the pixel loop; every pixel is computed with
 * the same floating-point operations in the same order as the plain loop, so the output is the same
 * to the bit (test/model/learn/augment.fast.test.ts holds the plain loop as its reference).
 */
export function applyTransform(img: RgbImage, t: Transform): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h * 3);
  const m = transformMatrix(t, h, w);
  const [m00, m01, m02] = m[0];
  const [m10, m11, m12] = m[1];
  const maxR = h - 1;
  const maxC = w - 1;
  const flip = t.flip;
  for (let r = 0; r < h; r++) {
    const a0 = m00 * r;
    const a1 = m10 * r;
    for (let c = 0; c < w; c++) {
      let ir = a0 + m01 * c + m02;
      let ic = a1 + m11 * c + m12;
      ir = ir < 0 ? 0 : ir > maxR ? maxR : ir;
      ic = ic < 0 ? 0 : ic > maxC ? maxC : ic;
      // ir, ic >= 0: truncation is the floor
      const r0 = ir | 0;
      const c0 = ic | 0;
      const fr = ir - r0;
      const fc = ic - c0;
      const gr = 1 - fr;
      const gc = 1 - fc;
      const o = (r * w + (flip ? maxC - c : c)) * 3;
      const p00 = (r0 * w + c0) * 3;
      const p01 = c0 < maxC ? p00 + 3 : p00;
      const dr = r0 < maxR ? w * 3 : 0;
      const p10 = p00 + dr;
      const p11 = p01 + dr;
      out[o] = Math.round((data[p00] * gc + data[p01] * fc) * gr + (data[p10] * gc + data[p11] * fc) * fr);
      out[o + 1] = Math.round((data[p00 + 1] * gc + data[p01 + 1] * fc) * gr + (data[p10 + 1] * gc + data[p11 + 1] * fc) * fr);
      out[o + 2] = Math.round((data[p00 + 2] * gc + data[p01 + 2] * fc) * gr + (data[p10 + 2] * gc + data[p11 + 2] * fc) * fr);
    }
  }
  return { data: out, width: w, height: h };
}

/** The transform of view `view` of the image `key` under `seed` (view 0 is not special). */
export function viewTransform(seed: number, key: string, view: number, p: AugmentParams, h: number, w: number): Transform {
  return drawTransform(mulberry32(hashSeed(seed, key, view)), p, h, w);
}

/** Augmented view `view` of an image. */
export function augmentView(img: RgbImage, seed: number, key: string, view: number, p: AugmentParams = ORIGINAL_AUGMENTATION): RgbImage {
  return applyTransform(img, viewTransform(seed, key, view, p, img.height, img.width));
}
