/**
 * Perceptual fingerprints: 64-bit difference hashes (dHash) of an image, for finding the same
 * photo again after re-encoding, resizing or a pasted mask.
 *
 * One decode gives a 9x16 grey thumbnail (EXIF orientation applied, alpha flattened on white);
 * from it come two hashes:
 * - `whole`: rows averaged in pairs → 9x8, one bit per horizontal neighbour pair (left < right);
 * - `upper`: the top 8 rows only, i.e. the upper half of the image — eyes and forehead, where a
 *   pasted mask does not reach. This is what finds `N.jpg` ↔ `N-with-mask.jpg` in `observations`
 *   (see notebook 01 for the measurement of the two).
 */
import sharp from 'sharp';
import { ImageError } from '../util/images';

sharp.cache(false);

export const GRID_W = 9;
export const GRID_H = 16;

/** A fingerprint: the thumbnail it came from and its two hashes (16 hex digits each). */
export interface Fingerprint {
  /** 9x16 grey thumbnail, row-major, as hex (288 characters). */
  grid: string;
  whole: string;
  upper: string;
}

export type HashKind = 'whole' | 'upper';

/** dHash of an 8-row, 9-column grid given by `rowsAt`: 64 bits (left < right), as 16 hex digits. */
function dhashRows(rowsAt: (r: number, c: number) => number): string {
  let hex = '';
  let nibble = 0;
  let nb = 0;
  for (let r = 0; r < 8; r++) {
    for (let c = 0; c < 8; c++) {
      nibble = (nibble << 1) | (rowsAt(r, c) < rowsAt(r, c + 1) ? 1 : 0);
      if (++nb === 4) {
        hex += nibble.toString(16);
        nibble = 0;
        nb = 0;
      }
    }
  }
  return hex;
}

/** Both hashes from a 9x16 grey grid. */
export function hashesFromGrid(grid: Uint8Array): { whole: string; upper: string } {
  if (grid.length !== GRID_W * GRID_H) throw new Error(`grid must be ${GRID_W}x${GRID_H}`);
  const at = (r: number, c: number) => grid[r * GRID_W + c];
  const whole = dhashRows((r, c) => at(2 * r, c) + at(2 * r + 1, c));
  const upper = dhashRows((r, c) => at(r, c));
  return { whole, upper };
}

export function gridToHex(grid: Uint8Array): string {
  return Buffer.from(grid.buffer, grid.byteOffset, grid.length).toString('hex');
}

export function gridFromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/**
 * Decode `buf` to the 9x16 grey grid. The caller has checked the pixel limit; `maxPixels` is
 * passed to sharp as a second guard. Throws `ImageError`.
 */
export async function thumbnailGrid(buf: Uint8Array, maxPixels: number, fmt = 'image'): Promise<Uint8Array> {
  try {
    const { data, info } = await sharp(buf, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .greyscale()
      .resize(GRID_W, GRID_H, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1) throw new ImageError(`unexpected ${info.channels} channels in the grey thumbnail`);
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError(`corrupt ${fmt} image: ${(e as Error).message}`);
  }
}

/** The hashes of the mirror image (the grid flipped left to right): finds a photo and its reflection. */
export function mirroredHashes(gridHex: string): { whole: string; upper: string } {
  const g = gridFromHex(gridHex);
  const flipped = new Uint8Array(g.length);
  for (let r = 0; r < GRID_H; r++) for (let c = 0; c < GRID_W; c++) flipped[r * GRID_W + c] = g[r * GRID_W + (GRID_W - 1 - c)];
  return hashesFromGrid(flipped);
}

export function fingerprintFromGrid(grid: Uint8Array): Fingerprint {
  return { grid: gridToHex(grid), ...hashesFromGrid(grid) };
}

/** A hash as two 32-bit halves (for fast Hamming distances). */
export function hashWords(hex: string): [number, number] {
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0];
}

export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance of two 16-hex-digit hashes. */
export function hammingHex(a: string, b: string): number {
  const [a0, a1] = hashWords(a);
  const [b0, b1] = hashWords(b);
  return popcount32(a0 ^ b0) + popcount32(a1 ^ b1);
}
