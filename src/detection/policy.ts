/**
 * The box policy: what a detected box becomes, given the classifier's probabilities — the one owner
 * of the rule, used by the pipeline (so `facemask detect`, `video`, the notebooks) and by every
 * measurement that sweeps settings (src/evaluation/scenes.ts). Pure.
 *
 * A box is dropped when an internal class (`not_face`) is the classifier's top class, or when the
 * model has `not_face` and p(not_face) >= `rejectAt` — unless the face detector scored the box
 * >= `trustAbove`: the detector is sure of it, so it is kept. A kept box is labelled by the model's
 * decision rule over its emitted classes (`bestEmitted`, src/result.ts: argmax, or a threshold on
 * incorrect_mask; docs/contracts.md "Labels": internal classes are never reported).
 */
import { isLabel } from '../labels';
import { bestEmitted, type Classification, type DecisionRule, type FaceResult } from '../result';
import type { FaceDetection } from './types';

export interface BoxPolicy {
  /** Drop a box when p(not_face) >= this; null: only when not_face is the top class. */
  rejectAt: number | null;
  /** Keep every box the detector scores >= this, whatever the classifier says; null: none. */
  trustAbove: number | null;
}

/** No rejection by probability, no trusted boxes: a box is dropped only when not_face is on top. */
export const PLAIN_POLICY: BoxPolicy = { rejectAt: null, trustAbove: null };

/** The decision for one box: its classification, or null when the box is dropped. */
export function labelBox(probs: ArrayLike<number>, classes: readonly string[], faceScore: number, policy: BoxPolicy, decision: DecisionRule = 'argmax'): Classification | null {
  const trusted = policy.trustAbove !== null && faceScore >= policy.trustAbove;
  if (!trusted) {
    let top = 0;
    for (let j = 1; j < classes.length; j++) if (probs[j] > probs[top]) top = j;
    if (!isLabel(classes[top])) return null;
    const nf = classes.indexOf('not_face');
    if (nf >= 0 && policy.rejectAt !== null && probs[nf] >= policy.rejectAt) return null;
  }
  return bestEmitted(probs, classes, decision);
}

/** Detections with their probabilities (same order) → the faces kept, labelled, in order. */
export function labelBoxes(detections: readonly FaceDetection[], probabilities: readonly ArrayLike<number>[], classes: readonly string[], policy: BoxPolicy, decision: DecisionRule = 'argmax'): FaceResult[] {
  if (detections.length !== probabilities.length) throw new Error(`labelBoxes: ${detections.length} detections but ${probabilities.length} probability rows`);
  const out: FaceResult[] = [];
  detections.forEach((d, i) => {
    const c = labelBox(probabilities[i], classes, d.score, policy, decision);
    if (c) out.push({ box: d.box, faceScore: d.score, label: c.label, score: c.score, scores: c.scores, ...(d.landmarks ? { landmarks: d.landmarks } : {}) });
  });
  return out;
}

/** "not_face >= 0.2, trusted >= 0.9" — a policy in words. */
export function describePolicy(p: BoxPolicy, classes: readonly string[]): string {
  if (!classes.includes('not_face')) return 'no not_face class: every box kept';
  const parts = [p.rejectAt === null ? 'boxes dropped when not_face is the top class' : `boxes dropped when p(not_face) >= ${p.rejectAt} or not_face is the top class`];
  if (p.trustAbove !== null) parts.push(`unless the detector scores them >= ${p.trustAbove}`);
  return parts.join(', ');
}
