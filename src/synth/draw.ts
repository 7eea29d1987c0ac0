/**
 * Drawing on RGB images for figures: landmark dots, polylines (outlines, jaw), crosses (anchors).
 * Small raster helpers, anti-aliased by distance; the input image is not modified.
 */
import type { RgbImage } from '../util/images';
import type { Pt } from './geometry';

export type Colour = [number, number, number];

function blend(img: RgbImage, x: number, y: number, c: Colour, a: number): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height || a <= 0) return;
  const k = 3 * (y * img.width + x);
  for (let i = 0; i < 3; i++) img.data[k + i] = Math.round(c[i] * a + img.data[k + i] * (1 - a));
}

export function copyImage(img: RgbImage): RgbImage {
  return { width: img.width, height: img.height, data: new Uint8Array(img.data) };
}

/** Filled discs of radius `r` at each point. */
export function drawPoints(img: RgbImage, pts: Pt[], c: Colour, r = 2): RgbImage {
  const out = copyImage(img);
  for (const [px, py] of pts) {
    for (let y = Math.floor(py - r - 1); y <= Math.ceil(py + r + 1); y++) {
      for (let x = Math.floor(px - r - 1); x <= Math.ceil(px + r + 1); x++) {
        blend(out, x, y, c, Math.max(0, Math.min(1, r + 0.5 - Math.hypot(x + 0.5 - px, y + 0.5 - py))));
      }
    }
  }
  return out;
}

/** A polyline of width `w` (closed: back to the first point). */
export function drawPolyline(img: RgbImage, pts: Pt[], c: Colour, w = 2, closed = true): RgbImage {
  const out = copyImage(img);
  const n = closed ? pts.length : pts.length - 1;
  const half = w / 2;
  for (let i = 0; i < n; i++) {
    const a = pts[i], b = pts[(i + 1) % pts.length];
    const dx = b[0] - a[0], dy = b[1] - a[1], len2 = dx * dx + dy * dy || 1;
    for (let y = Math.floor(Math.min(a[1], b[1]) - half - 1); y <= Math.ceil(Math.max(a[1], b[1]) + half + 1); y++) {
      for (let x = Math.floor(Math.min(a[0], b[0]) - half - 1); x <= Math.ceil(Math.max(a[0], b[0]) + half + 1); x++) {
        const t = Math.max(0, Math.min(1, ((x + 0.5 - a[0]) * dx + (y + 0.5 - a[1]) * dy) / len2));
        const d = Math.hypot(x + 0.5 - a[0] - t * dx, y + 0.5 - a[1] - t * dy);
        const alpha = Math.max(0, Math.min(1, half + 0.5 - d));
        if (alpha > 0) {
          const k = 3 * (y * out.width + x);
          if (x >= 0 && y >= 0 && x < out.width && y < out.height) {
            // keep the strongest coverage when segments overlap at joints
            for (let ch = 0; ch < 3; ch++) out.data[k + ch] = Math.round(c[ch] * alpha + out.data[k + ch] * (1 - alpha));
          }
        }
      }
    }
  }
  return out;
}

/** Crosses of half-size `r` at each point. */
export function drawCrosses(img: RgbImage, pts: Pt[], c: Colour, r = 5, w = 2): RgbImage {
  let out = img;
  for (const [x, y] of pts) {
    out = drawPolyline(out, [[x - r, y - r], [x + r, y + r]], c, w, false);
    out = drawPolyline(out, [[x - r, y + r], [x + r, y - r]], c, w, false);
  }
  return out;
}
