/** Pure box geometry: IoU, non-max suppression, clipping. Boxes are `[x, y, w, h]` in pixels. */
import type { Box } from '../result';

/** Intersection over union of two boxes (0 when either is empty). */
export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/** The box scaled by `k` around its centre (it may reach outside the image). */
export function scaleBox([x, y, w, h]: Box, k: number): Box {
  return [x + w / 2 - (w * k) / 2, y + h / 2 - (h * k) / 2, w * k, h * k];
}

/** Clip a box to a `width`x`height` image; returns null when nothing is left. */
export function clipBox(b: Box, width: number, height: number): Box | null {
  const x1 = Math.max(0, b[0]);
  const y1 = Math.max(0, b[1]);
  const x2 = Math.min(width, b[0] + b[2]);
  const y2 = Math.min(height, b[1] + b[3]);
  if (x2 - x1 < 1 || y2 - y1 < 1) return null;
  return [x1, y1, x2 - x1, y2 - y1];
}

/**
 * Greedy non-max suppression: keep the best-scoring item, drop every other that overlaps it at
 * IoU > `iouThreshold`, repeat. Returns at most `maxResults` items, best first.
 */
export function nonMaxSuppression<T extends { box: Box; score: number }>(items: T[], iouThreshold: number, maxResults = Infinity): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const keep: T[] = [];
  for (const it of sorted) {
    if (keep.length >= maxResults) break;
    if (keep.every((k) => iou(k.box, it.box) <= iouThreshold)) keep.push(it);
  }
  return keep;
}
