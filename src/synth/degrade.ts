/**
 * Street-size degradation of a generated face (`facemask synth --degrade`): real faces in street
 * photos are small — the Kaggle dev set's counted faces are mostly 24–40 px — and what a classifier
 * sees of them is an upscaled, blurred, JPEG-compressed crop. So the whole crop is scaled down
 * until the face's shorter side is `facePx`, blurred (`blur`, a Gaussian sigma in those small
 * pixels; below 0.3 none), JPEG-encoded at `jpegQuality` at that size, then scaled back up to its
 * size: the result carries no detail finer than a face of `facePx` pixels.
 */
import sharp from 'sharp';
import type { RgbImage } from '../util/images';
import type { Rng } from './rng';

sharp.cache(false);

/** The ranges each image's degradation is drawn from (uniformly). */
export interface DegradeRanges {
  /** Shorter side of the face after scaling down (px). default: [24, 40] */
  facePx: [number, number];
  /** Gaussian blur sigma at the small size (px); below 0.3 no blur. default: [0, 1] */
  blur: [number, number];
  /** JPEG quality at the small size. default: [30, 85] */
  jpegQuality: [number, number];
}

export const DEGRADE_RANGES: DegradeRanges = { facePx: [24, 40], blur: [0, 1], jpegQuality: [30, 85] };

/** Below this sigma sharp cannot blur (and the eye sees none). */
export const MIN_BLUR = 0.3;

/** What was done to one image (recorded in the manifest). */
export interface Degradation {
  /** Shorter side of the face at the small size (px). */
  facePx: number;
  /** Gaussian sigma at the small size (px), 0 = none. */
  blur: number;
  jpegQuality: number;
  /** The crop's size at the small size, [w, h]. */
  small: [number, number];
}

/** Check ranges (throws naming the bad one). */
export function checkDegradeRanges(r: DegradeRanges): void {
  const ok = (k: keyof DegradeRanges, lo: number, hi: number) => {
    const [a, b] = r[k];
    if (!(Number.isFinite(a) && Number.isFinite(b) && a <= b && a >= lo && b <= hi)) throw new Error(`degrade.${k} must be [min, max] within ${lo}..${hi} (got ${JSON.stringify(r[k])})`);
  };
  ok('facePx', 4, 1000);
  ok('blur', 0, 10);
  ok('jpegQuality', 1, 100);
}

/** Draw one image's degradation: whole pixels and quality, sigma to 0.01 (so the manifest re-creates it exactly). */
export function planDegradation(rng: Rng, r: DegradeRanges = DEGRADE_RANGES): Omit<Degradation, 'small'> {
  const int = (a: number, b: number) => a + Math.floor(rng() * (b - a + 1));
  const facePx = int(r.facePx[0], r.facePx[1]);
  const s = Math.round((r.blur[0] + rng() * (r.blur[1] - r.blur[0])) * 100) / 100;
  const jpegQuality = int(r.jpegQuality[0], r.jpegQuality[1]);
  return { facePx, blur: s < MIN_BLUR ? 0 : s, jpegQuality };
}

/**
 * Degrade `img` (a crop whose face has shorter side `faceSide` px) as `d` says. A face already no
 * larger than `d.facePx` is not scaled (only blurred and compressed). Returns a new image of the
 * same size and the size it went through.
 */
export async function degradeImage(img: RgbImage, faceSide: number, d: Omit<Degradation, 'small'>): Promise<{ image: RgbImage; small: [number, number] }> {
  const s = Math.min(1, d.facePx / Math.max(1, faceSide));
  const sw = Math.max(1, Math.round(img.width * s)), sh = Math.max(1, Math.round(img.height * s));
  const raw = { raw: { width: img.width, height: img.height, channels: 3 as const } };
  let small = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), raw).resize(sw, sh, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  if (d.blur >= MIN_BLUR) small = await sharp(small, { raw: { width: sw, height: sh, channels: 3 } }).blur(d.blur).raw().toBuffer();
  const jpeg = await sharp(small, { raw: { width: sw, height: sh, channels: 3 } }).jpeg({ quality: d.jpegQuality }).toBuffer();
  const { data, info } = await sharp(jpeg).resize(img.width, img.height, { fit: 'fill', kernel: 'cubic' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== img.width || info.height !== img.height) throw new Error(`degradation gave a ${info.width}x${info.height}x${info.channels} image for ${img.width}x${img.height}x3`);
  return { image: { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: img.width, height: img.height }, small: [sw, sh] };
}
