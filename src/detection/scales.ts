/**
 * Photos searched at two scales: a first pass on the photo as it is (large faces), a second on the
 * photo enlarged (small faces), merged. A detector finds faces down to some size in its own input
 * (YuNet: about 10 px); enlarging the photo by k finds faces k times smaller, at k² the pixels.
 *
 * The plan (`ScalePlan`, defined with the photo setting it belongs to in src/model/setting.ts) is
 * chosen by `facemask tune` on validation scenes; video runs one pass, so the frame rate is not
 * spent on it.
 * The second pass's factor comes from the photo's own size: `upscale`, lowered so that the enlarged
 * photo holds at most `maxPixels`, and skipped when that leaves less than `MIN_FINE_UPSCALE` (a large
 * photo's small faces are already large enough for the first pass). Pure and browser-safe.
 *
 * Merge rule: a face whose shorter side is under `split` px (in the photo) is taken from the second
 * pass only, one at `2·split` or more from the first pass only; in between both passes may give it,
 * and non-max suppression keeps the better-scored box. Without a second pass the first keeps all.
 */
import type { FaceDetection } from './types';
import type { ScalePlan } from '../model/setting';

/** Below this factor the second pass is skipped (it would find little the first does not). */
export const MIN_FINE_UPSCALE = 1.25;

/** The second pass's factor for a `width`x`height` photo, or null when the pass is skipped. */
export function fineUpscale(p: ScalePlan, width: number, height: number): number | null {
  const k = Math.min(p.upscale, Math.sqrt(p.maxPixels / (width * height)));
  return k >= MIN_FINE_UPSCALE ? k : null;
}

/** A detection and the factor the photo was enlarged by when it was found (1: the first pass). */
export interface ScaledDetection extends FaceDetection {
  scale: number;
}

const side = (d: FaceDetection) => Math.min(d.box[2], d.box[3]);

/**
 * The detections both passes may keep (see the module comment), tagged with their pass's factor;
 * `fine` is null when the second pass was skipped. The caller suppresses overlaps.
 */
export function passDetections(plan: ScalePlan, first: readonly FaceDetection[], fine: { scale: number; found: readonly FaceDetection[] } | null): ScaledDetection[] {
  if (!fine) return first.map((d) => ({ ...d, scale: 1 }));
  return [...first.filter((d) => side(d) >= plan.split).map((d) => ({ ...d, scale: 1 })), ...fine.found.filter((d) => side(d) < 2 * plan.split).map((d) => ({ ...d, scale: fine.scale }))];
}

/** "two scales: x2 (at most 1.5 MP) under 24 px" — a plan in words; null: one scale. */
export function describeScales(p: ScalePlan | null): string {
  return p ? `two scales: the photo and x${p.upscale} (at most ${+(p.maxPixels / 1e6).toFixed(2)} MP) for faces under ${2 * p.split} px` : 'one scale';
}
