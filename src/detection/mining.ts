/**
 * Mining a face detector's boxes on annotated photos for training (pure): a box that overlaps no
 * annotated face (IoU < 0.3, the contracts' false-detection rule) becomes the internal class
 * `not_face` — what the classifier learns to reject; a box that matches a face well (IoU >= 0.5,
 * the face at least `minFace` px) becomes an extra crop of that face's class, with the detector's
 * own framing. Boxes in between are left out (neither clearly a face nor clearly not).
 */
import type { ModelClass } from '../labels';
import type { Box } from '../result';
import type { AnnotatedFace } from '../data/types';
import { clampBox } from '../util/images';
import { iou } from './geometry';

export interface MiningRules {
  /** Boxes the detector scores below this are ignored. */
  minScore: number;
  /** A matched face must be at least this (shorter side, px) to give an extra crop. */
  minFace: number;
  /** Below this IoU with every face: not_face. default: 0.3 */
  falseIou?: number;
  /** At least this IoU with a face: a crop of that face. default: 0.5 */
  matchIou?: number;
  /** Boxes smaller than this (shorter side, px, after clamping to the image) are ignored. default: 8 */
  minBox?: number;
}

/** The labelled boxes mined from one photo's detections (boxes clamped to whole pixels inside the image). */
export function mineBoxes(detections: readonly { box: Box; score: number }[], faces: readonly AnnotatedFace[], width: number, height: number, rules: MiningRules): { box: Box; label: ModelClass }[] {
  const out: { box: Box; label: ModelClass }[] = [];
  for (const d of detections) {
    if (d.score < rules.minScore) continue;
    const box = clampBox(d.box, width, height);
    if (Math.min(box[2], box[3]) < (rules.minBox ?? 8)) continue;
    let best = 0;
    let bestFace: AnnotatedFace | null = null;
    for (const f of faces) {
      const v = iou(box, f.box);
      if (v > best) [best, bestFace] = [v, f];
    }
    if (best < (rules.falseIou ?? 0.3)) out.push({ box, label: 'not_face' });
    else if (best >= (rules.matchIou ?? 0.5) && bestFace && Math.min(bestFace.box[2], bestFace.box[3]) >= rules.minFace) out.push({ box, label: bestFace.label });
  }
  return out;
}
