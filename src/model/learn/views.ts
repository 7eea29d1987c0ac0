/**
 * Views of a training item: what the frozen base sees of a face, as one interface (`ViewMaker`)
 * with two implementations —
 *  - `affineViews`: the tutorial's augmentation (Keras `ImageDataGenerator`, src/model/augment.ts)
 *    on the whole image resized to the input; every view is augmented;
 *  - `realViews`: views like a face detector's crops in the street — jittered boxes (tight, loose,
 *    off-centre), small faces (downscaled to 20–48 px and back), blur, JPEG noise, lighting,
 *    flips; view 0 is the item as is (the box, or the whole image).
 * With `null` parameters either gives the plain view (no augmentation). A view depends only on
 * (seed, item, view index), so cached features stay valid across runs.
 */
import sharp from 'sharp';
import type { TrainItem } from '../../data/types';
import type { Box } from '../../result';
import { clampBox, resizeImage, type RgbImage } from '../../util/images';
import { augmentView, hashSeed, mulberry32, type AugmentParams } from './augment';
import { alignedCrop, usableLandmarks, type CropRule } from '../crop';

/** What a view needs of an item: its photo's identity and the face box (absent: the whole image). */
export type ViewItem = Pick<TrainItem, 'file' | 'sha256' | 'box' | 'copy' | 'landmarks'>;

export interface ViewMaker {
  /** Names the kind of views (the feature cache's folder prefix). */
  readonly name: string;
  /** Everything that changes the views' pixels besides item, view and seed (part of the cache key). */
  readonly key: unknown;
  /** View `view` of an item cut from its decoded photo, `size` x `size`. */
  view(photo: RgbImage, item: ViewItem, view: number, size: number, seed: number): Promise<RgbImage>;
}

/**
 * The tutorial's views: the whole image resized to the input, then a random affine transform (`p`),
 * or as is with null. The resized image is made once per decoded photo and size, and shared by its
 * views (the same pixels as resizing for each view: the resize is deterministic).
 */
export function affineViews(p: AugmentParams | null): ViewMaker {
  const resized = new WeakMap<RgbImage, Map<number, Promise<RgbImage>>>();
  const resizedOnce = (photo: RgbImage, size: number): Promise<RgbImage> => {
    let bySize = resized.get(photo);
    if (!bySize) resized.set(photo, (bySize = new Map()));
    let img = bySize.get(size);
    if (!img) bySize.set(size, (img = resizeImage(photo, size, size)));
    return img;
  };
  return {
    name: 'affine',
    key: p,
    async view(photo, item, view, size, seed) {
      if (item.box) throw new Error(`affine views take whole images; ${item.file} has a box`);
      const img = photo.width === size && photo.height === size ? photo : await resizedOnce(photo, size);
      return p ? augmentView(img, seed, item.sha256, view, p) : img;
    },
  };
}

/** Parameters of the real-world views. */
export interface RealAugment {
  /** Box scale range (1 = the annotated box). */
  scale: [number, number];
  /** Box centre shift as a share of the box side (±). */
  shift: number;
  /** Probability of the small-face degradation (downscaled to `smallSide` px, upscaled back). */
  small: number;
  smallSide: [number, number];
  /** Probability and sigma range of a Gaussian blur. */
  blur: number;
  blurSigma: [number, number];
  /** Probability and quality range of a JPEG round trip. */
  jpeg: number;
  jpegQuality: [number, number];
  /** Brightness multiplier range and probability of a lighting change. */
  light: number;
  brightness: [number, number];
  /** Whole images: crop scale range (share of the image side kept). */
  wholeCrop: [number, number];
  flip: boolean;
}

export const REAL_AUGMENT: RealAugment = {
  scale: [0.9, 1.35],
  shift: 0.12,
  small: 0.3,
  smallSide: [20, 48],
  blur: 0.25,
  blurSigma: [0.6, 1.8],
  jpeg: 0.35,
  jpegQuality: [15, 60],
  light: 0.5,
  brightness: [0.6, 1.4],
  wholeCrop: [0.75, 1],
  flip: true,
};

/** The region of view `view` of an item (view 0 is the item as is: the annotated box, or the whole image). */
export function viewRegion(item: Pick<ViewItem, 'box'>, width: number, height: number, rng: () => number, view: number, p: RealAugment): Box {
  const u = (a: number, b: number) => a + (b - a) * rng();
  if (item.box) {
    const [x, y, w, h] = item.box;
    if (view === 0) return clampBox([x, y, w, h], width, height);
    const s = u(p.scale[0], p.scale[1]);
    const ax = u(0.92, 1.08);
    const nw = w * s * ax;
    const nh = (h * s) / ax;
    const cx = x + w / 2 + u(-p.shift, p.shift) * w;
    const cy = y + h / 2 + u(-p.shift, p.shift) * h;
    return clampBox([cx - nw / 2, cy - nh / 2, nw, nh], width, height);
  }
  if (view === 0) return [0, 0, width, height];
  const k = u(p.wholeCrop[0], p.wholeCrop[1]);
  const cw = width * k;
  const ch = height * k;
  return clampBox([u(0, width - cw), u(0, height - ch), cw, ch], width, height);
}

/** View `view` of an item from its decoded photo (see `realViews`). Deterministic in (seed, item, view). */
export async function realView(img: RgbImage, item: ViewItem, view: number, size: number, seed: number, p: RealAugment | null = REAL_AUGMENT): Promise<RgbImage> {
  const rng = mulberry32(hashSeed(seed, item.sha256, item.box ? item.box.join(',') : '-', item.copy ?? 0, view));
  const u = (a: number, b: number) => a + (b - a) * rng();
  const region = viewRegion(item, img.width, img.height, rng, p ? view : 0, p ?? REAL_AUGMENT);
  const raw = { raw: { width: img.width, height: img.height, channels: 3 as const } };
  let s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), raw).extract({ left: region[0], top: region[1], width: region[2], height: region[3] });
  const augmented = p && view > 0;
  if (augmented && rng() < p.small) {
    const side = Math.round(u(p.smallSide[0], p.smallSide[1]));
    if (side < Math.min(region[2], region[3])) {
      const buf = await s.resize(side, side, { fit: 'fill' }).raw().toBuffer();
      s = sharp(buf, { raw: { width: side, height: side, channels: 3 } });
    }
  }
  s = s.resize(size, size, { fit: 'fill', kernel: 'linear' });
  return finishView(s, augmented ? p : null, rng, size, item.file);
}

/** The last steps of a view, in this order (the random draws too): flip, blur, lighting, JPEG — with `p` null, none. */
async function finishView(s: ReturnType<typeof sharp>, p: RealAugment | null, rng: () => number, size: number, file: string): Promise<RgbImage> {
  const u = (a: number, b: number) => a + (b - a) * rng();
  if (p) {
    if (p.flip && rng() < 0.5) s = s.flop();
    if (rng() < p.blur) s = s.blur(u(p.blurSigma[0], p.blurSigma[1]));
    if (rng() < p.light) s = s.linear(u(p.brightness[0], p.brightness[1]), u(-20, 20));
    if (rng() < p.jpeg) {
      const jpg = await s.jpeg({ quality: Math.round(u(p.jpegQuality[0], p.jpegQuality[1])) }).toBuffer();
      s = sharp(jpg).removeAlpha();
    }
  }
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== size || info.height !== size || info.channels !== 3) throw new Error(`view of ${file}: got ${info.width}x${info.height}x${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: size, height: size };
}

/** Real-world views (`p`), or the plain box / whole image with null. */
export function realViews(p: RealAugment | null): ViewMaker {
  return { name: 'real', key: p, view: (photo, item, view, size, seed) => realView(photo, item, view, size, seed, p) };
}

/** How an aligned view's transform is jittered (view 0 is not): scale (> 1 shows more), rotation (radians), centre shift (share of the side). */
export interface AlignedJitter {
  scale: [number, number];
  rotate: number;
  shift: number;
}

/** Mild, since the alignment already fixes the geometry: about YuNet's landmark noise on small faces. */
export const ALIGNED_JITTER: AlignedJitter = { scale: [0.92, 1.12], rotate: 0.14, shift: 0.05 };

/**
 * View `view` of an item under the aligned crop rule: with landmarks, the aligned crop (view 0 exactly
 * what inference cuts, `cropFace`), jittered for later views (`jitter`), then the same small-face,
 * flip, blur, lighting and JPEG steps as `realView`; without landmarks, `realView` (the box).
 * Deterministic in (seed, item, view).
 */
export async function alignedView(img: RgbImage, item: ViewItem, view: number, size: number, seed: number, rule: CropRule, p: RealAugment | null = REAL_AUGMENT, jitter: AlignedJitter = ALIGNED_JITTER): Promise<RgbImage> {
  if (rule.kind !== 'aligned' || !usableLandmarks(item.landmarks)) return realView(img, item, view, size, seed, p);
  const rng = mulberry32(hashSeed(seed, item.sha256, item.box ? item.box.join(',') : '-', item.copy ?? 0, view, 'aligned'));
  const u = (a: number, b: number) => a + (b - a) * rng();
  const augmented = p !== null && view > 0;
  const j = augmented ? { scale: u(jitter.scale[0], jitter.scale[1]), rotate: u(-jitter.rotate, jitter.rotate), shiftX: u(-jitter.shift, jitter.shift), shiftY: u(-jitter.shift, jitter.shift) } : {};
  const crop = alignedCrop(img, item.landmarks, size, rule.template, j)!;
  if (!augmented) return crop;
  const raw = { raw: { width: size, height: size, channels: 3 as const } };
  let s = sharp(Buffer.from(crop.data.buffer, crop.data.byteOffset, crop.data.length), raw);
  if (rng() < p.small) {
    // the face's own size in the photo bounds how small a view may get (never enlarge a small face's detail)
    const side = Math.round(u(p.smallSide[0], p.smallSide[1]));
    const facePx = item.box ? Math.min(item.box[2], item.box[3]) : Math.min(img.width, img.height);
    if (side < Math.min(size, facePx * 1.3)) {
      const buf = await s.resize(side, side, { fit: 'fill' }).raw().toBuffer();
      s = sharp(buf, { raw: { width: side, height: side, channels: 3 } }).resize(size, size, { fit: 'fill', kernel: 'linear' });
    }
  }
  return finishView(s, p, rng, size, item.file);
}

/** Views under the aligned crop rule (`alignedView`), or the plain aligned crop with null `p`. */
export function alignedViews(rule: CropRule, p: RealAugment | null, jitter: AlignedJitter = ALIGNED_JITTER): ViewMaker {
  return { name: 'aligned', key: { real: p, crop: rule, jitter: p ? jitter : null }, view: (photo, item, view, size, seed) => alignedView(photo, item, view, size, seed, rule, p, jitter) };
}
