/**
 * Images in and out. Decoding is done with sharp (libvips; see README for the measured choice
 * against jimp): EXIF orientation applied, alpha flattened on white, grey/CMYK turned into sRGB,
 * a pixel limit checked before decoding. Every failure is an `ImageError` with a readable reason.
 */
import * as fs from 'node:fs';
import sharp from 'sharp';
import { decode as bmpDecode } from 'bmp-ts';

sharp.cache(false);

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'bmp' | 'tiff' | 'avif';

/** An RGB image in memory: `data` is height*width*3 bytes, row-major. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export class ImageError extends Error {}

/** The image format from the first bytes of a file, or null when it is not an image we read. */
export function sniffImageFormat(head: Uint8Array): ImageFormat | null {
  const b = head;
  const s = (i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && s(1, 3) === 'PNG') return 'png';
  if (b.length >= 12 && s(0, 4) === 'RIFF' && s(8, 4) === 'WEBP') return 'webp';
  if (b.length >= 6 && (s(0, 6) === 'GIF87a' || s(0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 2 && s(0, 2) === 'BM') return 'bmp';
  if (b.length >= 4 && ((s(0, 2) === 'II' && b[2] === 42 && b[3] === 0) || (s(0, 2) === 'MM' && b[2] === 0 && b[3] === 42))) return 'tiff';
  if (b.length >= 12 && s(4, 4) === 'ftyp' && ['avif', 'avis', 'heic', 'heix', 'mif1'].includes(s(8, 4))) return 'avif';
  return null;
}

/** Read the first bytes of a file and tell whether it is an image (by content, not by name). */
export function sniffFile(file: string): ImageFormat | null {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    const n = fs.readSync(fd, head, 0, 16, 0);
    return sniffImageFormat(head.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

export interface DecodeOptions {
  /** Refuse images with more pixels than this. default: 50_000_000 */
  maxPixels?: number;
}

/** Decode a file or buffer to RGB. Throws `ImageError` with the reason on any failure. */
export async function decodeImage(input: string | Uint8Array, opts: DecodeOptions = {}): Promise<RgbImage> {
  return (await decodeImageWithin(input, opts)).image;
}

/**
 * Decode a file or buffer to RGB, scaled down (aspect kept) to at most `fitPixels` pixels when it
 * has more — JPEGs shrink while loading, so a large photo never sits in memory at full size.
 * `scale` is the decoded size over the original (1 when not scaled). Throws `ImageError`.
 */
export async function decodeImageWithin(input: string | Uint8Array, opts: DecodeOptions & { fitPixels?: number } = {}): Promise<{ image: RgbImage; scale: number }> {
  const maxPixels = opts.maxPixels ?? 50_000_000;
  let buf: Uint8Array;
  try {
    buf = typeof input === 'string' ? fs.readFileSync(input) : input;
  } catch (e) {
    throw new ImageError(`cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (buf.length === 0) throw new ImageError('empty file (0 bytes)');
  const fmt = sniffImageFormat(buf.subarray(0, 16));
  if (!fmt) throw new ImageError('not an image (unrecognised content)');
  if (fmt === 'bmp') return fitWithin(decodeBmp(buf, maxPixels), opts.fitPixels);
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ImageError(`corrupt ${fmt} image: ${(e as Error).message}`);
  }
  const px = (meta.width ?? 0) * (meta.height ?? 0);
  if (px > maxPixels) throw new ImageError(`image too large: ${meta.width}x${meta.height} = ${px} pixels (limit ${maxPixels})`);
  const scale = opts.fitPixels && px > opts.fitPixels ? Math.sqrt(opts.fitPixels / px) : 1;
  try {
    let pipeline = sharp(buf, { limitInputPixels: maxPixels, failOn: 'error' }).rotate();
    if (scale < 1) {
      // the box the oriented image must fit in (EXIF orientations 5-8 swap the sides)
      const swap = (meta.orientation ?? 1) >= 5;
      const [w, h] = swap ? [meta.height!, meta.width!] : [meta.width!, meta.height!];
      pipeline = pipeline.resize(Math.max(1, Math.floor(w * scale)), Math.max(1, Math.floor(h * scale)), { fit: 'inside' });
    }
    const { data, info } = await pipeline.flatten({ background: '#ffffff' }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageError(`unexpected ${info.channels} channels after conversion`);
    const image = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
    return { image, scale: scale < 1 ? image.width / ((meta.orientation ?? 1) >= 5 ? meta.height! : meta.width!) : 1 };
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError(`corrupt ${fmt} image: ${(e as Error).message}`);
  }
}

/**
 * BMP, which libvips (sharp) does not read: decoded by bmp-ts (jimp's decoder; 1, 4, 8, 16, 24 and
 * 32 bits per pixel, uncompressed), its size checked from the header before any pixel is allocated.
 * The alpha byte of 32-bit files is ignored (most leave it 0).
 */
function decodeBmp(buf: Uint8Array, maxPixels: number): RgbImage {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  if (b.length < 26) throw new ImageError('corrupt bmp image: the header is cut short');
  const w = b.readInt32LE(18);
  const h = Math.abs(b.readInt32LE(22));
  if (!(w > 0 && h > 0)) throw new ImageError(`corrupt bmp image: ${w}x${h} pixels in its header`);
  if (w * h > maxPixels) throw new ImageError(`image too large: ${w}x${h} = ${w * h} pixels (limit ${maxPixels})`);
  const bits = b.length >= 30 ? b.readUInt16LE(28) : 0;
  const offset = b.readUInt32LE(10);
  const needed = offset + Math.ceil((w * bits) / 32) * 4 * h;
  if (b.length < 54 || needed > b.length) throw new ImageError(`corrupt bmp image: cut short (${b.length} bytes of the ${needed} its header announces)`);
  const compression = b.length >= 34 ? b.readUInt32LE(30) : 0;
  if (compression === 1 || compression === 2) throw new ImageError('RLE-compressed bmp images are not read: save it as PNG or JPEG');
  let abgr: Buffer;
  try {
    // bmp-ts writes A, B, G, R per pixel in every mode when not asked for RGBA (its RGBA option skips paletted files)
    const d = bmpDecode(b, { toRGBA: false });
    if (d.width !== w || d.data.length < w * h * 4) throw new Error('pixel data missing');
    abgr = d.data;
  } catch (e) {
    throw new ImageError(`corrupt bmp image: ${(e as Error).message}`);
  }
  const data = new Uint8Array(w * h * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = abgr[i + 3];
    data[j + 1] = abgr[i + 2];
    data[j + 2] = abgr[i + 1];
  }
  return { data, width: w, height: h };
}

/** An already decoded image scaled down to at most `fitPixels` pixels. */
async function fitWithin(img: RgbImage, fitPixels?: number): Promise<{ image: RgbImage; scale: number }> {
  const px = img.width * img.height;
  if (!fitPixels || px <= fitPixels) return { image: img, scale: 1 };
  const s = Math.sqrt(fitPixels / px);
  const image = await resizeImage(img, Math.max(1, Math.floor(img.width * s)), Math.max(1, Math.floor(img.height * s)));
  return { image, scale: image.width / img.width };
}

/** Encode RGB to PNG or JPEG bytes. */
export async function encodeImage(img: RgbImage, format: 'png' | 'jpeg' = 'png', quality = 90): Promise<Buffer> {
  const s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } });
  return format === 'png' ? s.png().toBuffer() : s.jpeg({ quality }).toBuffer();
}

/** Crop `[x, y, w, h]` (clipped to the image) and resize to `size`x`size` (bilinear). */
export async function cropResize(img: RgbImage, box: [number, number, number, number], size: number): Promise<RgbImage> {
  // the part of the box inside the image (a box reaching past an edge is cut there, not shifted)
  const x0 = Math.floor(box[0]);
  const y0 = Math.floor(box[1]);
  const x = Math.min(img.width - 1, Math.max(0, x0));
  const y = Math.min(img.height - 1, Math.max(0, y0));
  const w = Math.max(1, Math.min(img.width, x0 + Math.ceil(box[2])) - x);
  const h = Math.max(1, Math.min(img.height, y0 + Math.ceil(box[3])) - y);
  const { data, info } = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left: x, top: y, width: w, height: h })
    .resize(size, size, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/**
 * The whole-pixel region `[x, y, w, h]` of a box inside a `width`x`height` image: corners rounded
 * outwards, clipped to the image, at least 1x1 (the region the training views cut).
 */
export function clampBox([x, y, w, h]: [number, number, number, number], width: number, height: number): [number, number, number, number] {
  const x0 = Math.max(0, Math.min(width - 1, Math.floor(x)));
  const y0 = Math.max(0, Math.min(height - 1, Math.floor(y)));
  const x1 = Math.max(x0 + 1, Math.min(width, Math.ceil(x + w)));
  const y1 = Math.max(y0 + 1, Math.min(height, Math.ceil(y + h)));
  return [x0, y0, x1 - x0, y1 - y0];
}

/** The image mirrored left-right (a new image; the input is untouched). */
export function mirrorImage(img: RgbImage): RgbImage {
  const { width: w, height: h } = img;
  const data = new Uint8Array(img.data.length);
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0; x < w; x++) {
      const to = row + x * 3;
      const from = row + (w - 1 - x) * 3;
      data[to] = img.data[from];
      data[to + 1] = img.data[from + 1];
      data[to + 2] = img.data[from + 2];
    }
  }
  return { data, width: w, height: h };
}

/** Where a box `[x, y, w, h]` lies in the image mirrored by `mirrorImage` (`width` the image's). */
export function mirrorBox([x, y, w, h]: readonly [number, number, number, number], width: number): [number, number, number, number] {
  return [width - x - w, y, w, h];
}

/** Resize a whole image to `width`x`height` (aspect not kept). */
export async function resizeImage(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}
