/**
 * Drawing detections on RGB pixels (docs/contracts.md "Drawn labels"): a box in the class colour and a
 * filled label ("Mask 97%") above it. Raw pixel operations, fast enough for every video frame; the
 * text is rendered once per (text, size) by sharp/pango and cached as an alpha mask.
 * Labels keep a minimum text size so they stay readable on small faces (they may be wider than the box).
 */
import sharp from 'sharp';
import type { Box } from '../result';
import type { Label } from '../labels';
import { DISPLAY, displayText } from '../labels';
import type { RgbImage } from '../util/images';

/** Smallest label text height in pixels (readable on 24 px faces). */
export const MIN_TEXT_PX = 12;
/** Largest label text height in pixels. */
export const MAX_TEXT_PX = 32;
/** Text height relative to the image's shorter side (so labels scale with the picture). */
export const TEXT_PER_IMAGE_SIDE = 1 / 36;
export const LABEL_FONT = 'DejaVu Sans Bold';

interface TextMask {
  width: number;
  height: number;
  alpha: Uint8Array;
}

const textCache = new Map<string, TextMask>();

/** The rendered alpha mask of `text` at `px` pixels (cached). */
export async function textMask(text: string, px: number): Promise<TextMask> {
  const key = `${px}|${text}`;
  const hit = textCache.get(key);
  if (hit) return hit;
  // pango sizes are in points at `dpi`; 72 dpi makes one point one pixel.
  const { data, info } = await sharp({ text: { text: text.replace(/&/g, '&amp;').replace(/</g, '&lt;'), font: `${LABEL_FONT} ${px}px`, dpi: 72 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const alpha = new Uint8Array(info.width * info.height);
  for (let i = 0; i < alpha.length; i++) alpha[i] = data[i * info.channels];
  const m = { width: info.width, height: info.height, alpha };
  if (textCache.size > 5000) textCache.clear();
  textCache.set(key, m);
  return m;
}

function fillRect(img: RgbImage, x0: number, y0: number, x1: number, y1: number, c: readonly number[]): void {
  const xa = Math.max(0, Math.round(x0));
  const ya = Math.max(0, Math.round(y0));
  const xb = Math.min(img.width, Math.round(x1));
  const yb = Math.min(img.height, Math.round(y1));
  const d = img.data;
  for (let y = ya; y < yb; y++) {
    let p = (y * img.width + xa) * 3;
    for (let x = xa; x < xb; x++, p += 3) {
      d[p] = c[0];
      d[p + 1] = c[1];
      d[p + 2] = c[2];
    }
  }
}

/** Blend `colour` into the image through `mask` placed at (x, y). */
function blendMask(img: RgbImage, m: TextMask, x: number, y: number, c: readonly number[]): void {
  const d = img.data;
  for (let j = 0; j < m.height; j++) {
    const yy = y + j;
    if (yy < 0 || yy >= img.height) continue;
    for (let i = 0; i < m.width; i++) {
      const xx = x + i;
      if (xx < 0 || xx >= img.width) continue;
      const a = m.alpha[j * m.width + i];
      if (a === 0) continue;
      const p = (yy * img.width + xx) * 3;
      d[p] = (d[p] * (255 - a) + c[0] * a) / 255;
      d[p + 1] = (d[p + 1] * (255 - a) + c[1] * a) / 255;
      d[p + 2] = (d[p + 2] * (255 - a) + c[2] * a) / 255;
    }
  }
}

/** A box outline `t` pixels thick, inside the box. */
export function drawBox(img: RgbImage, [x, y, w, h]: Box, colour: readonly number[], t: number): void {
  fillRect(img, x, y, x + w, y + t, colour);
  fillRect(img, x, y + h - t, x + w, y + h, colour);
  fillRect(img, x, y, x + t, y + h, colour);
  fillRect(img, x + w - t, y, x + w, y + h, colour);
}

/** Text on a filled background at (x, y) = top-left of the background. Returns its size. */
export async function drawLabel(img: RgbImage, text: string, x: number, y: number, px: number, bg: readonly number[], fg: readonly number[] = [255, 255, 255]) {
  const m = await textMask(text, px);
  const pad = Math.max(2, Math.round(px / 6));
  const w = m.width + 2 * pad;
  const h = m.height + 2 * pad;
  // keep the label inside the picture
  const lx = Math.max(0, Math.min(img.width - w, Math.round(x)));
  const ly = Math.max(0, Math.min(img.height - h, Math.round(y)));
  fillRect(img, lx, ly, lx + w, ly + h, bg);
  blendMask(img, m, lx + pad, ly + pad, fg);
  return { width: w, height: h };
}

export interface DrawnFace {
  box: Box;
  label: Label;
  score: number;
  landmarks?: [number, number][];
}

/** Text height for a picture: scales with the picture, never below MIN_TEXT_PX. */
export function labelTextPx(width: number, height: number): number {
  return Math.max(MIN_TEXT_PX, Math.min(MAX_TEXT_PX, Math.round(Math.min(width, height) * TEXT_PER_IMAGE_SIDE)));
}

/**
 * Draw every face on `img` in place (boxes first, then labels so none is hidden by another box).
 * Returns `img`.
 */
export async function drawFaces(img: RgbImage, faces: DrawnFace[], opts: { landmarks?: boolean } = {}): Promise<RgbImage> {
  const px = labelTextPx(img.width, img.height);
  const t = Math.max(2, Math.round(Math.min(img.width, img.height) / 240));
  for (const f of faces) drawBox(img, f.box, DISPLAY[f.label].colour, t);
  if (opts.landmarks) {
    // a small white square with a dark edge at each landmark
    const r = Math.max(1, t);
    for (const f of faces) for (const [x, y] of f.landmarks ?? []) {
      fillRect(img, Math.round(x) - r - 1, Math.round(y) - r - 1, Math.round(x) + r + 2, Math.round(y) + r + 2, [20, 20, 20]);
      fillRect(img, Math.round(x) - r, Math.round(y) - r, Math.round(x) + r + 1, Math.round(y) + r + 1, [255, 255, 255]);
    }
  }
  for (const f of faces) {
    const m = await textMask(displayText(f.label, f.score), px);
    const pad = Math.max(2, Math.round(px / 6));
    const h = m.height + 2 * pad;
    // above the box when there is room, else inside its top edge
    const y = f.box[1] - h >= 0 ? f.box[1] - h : f.box[1];
    await drawLabel(img, displayText(f.label, f.score), f.box[0], y, px, DISPLAY[f.label].colour);
  }
  return img;
}

/** A copy of an image (to draw on without touching the original). */
export function copyImage(img: RgbImage): RgbImage {
  return { data: new Uint8Array(img.data), width: img.width, height: img.height };
}
