/**
 * The rules `facemask tune` chooses by, fixed before any run and pure (src/training/tune.ts runs them):
 *
 * 1. **What photos run** (detector and scales): the candidate with the highest mAP@0.5 over every
 *    face of the validation scenes pooled (the field's measure, src/evaluation/voc.ts); a candidate
 *    within `MAP_TIE` of the best that reads fewer pixels wins (one scale before two, a smaller
 *    enlargement before a larger).
 * 2. **What video runs**: the same rule among the one-scale candidates (video keeps its frame rate).
 * 3. **What is drawn** (the detector threshold and the box policy of each): the setting with the best
 *    F1 of faces found and labelled right, faces >= `DRAW_RULES.minSize` px matched at IoU
 *    `DRAW_RULES.matchIou`: F1 = 2·right / (faces + found + false boxes), where a box is false when it
 *    overlaps no annotated face at that IoU (src/evaluation/scenes.ts `matchScene`). Ties go to the
 *    smaller change: no trusted boxes, less rejection, a higher threshold.
 */
import type { MatchRules, DetectionSetting, DetectionSummary, ScoredScenes } from '../evaluation/scenes';
import { measureSetting } from '../evaluation/scenes';
import type { ScalePlan } from '../model/setting';

/** mAP differences up to this are ties (rule 1). */
export const MAP_TIE = 0.002;

/** The faces the drawing rule counts and how a box matches one (rule 3). */
export const DRAW_RULES: MatchRules = { minSize: 12, matchIou: 0.5 };

/** The drawing settings tried: every combination. `null`: off (no rejection by probability / no trusted boxes). */
export interface TuneGrid {
  thresholds: number[];
  rejectAts: (number | null)[];
  trustAboves: (number | null)[];
}

export const DEFAULT_GRID: TuneGrid = {
  thresholds: [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8],
  rejectAts: [0.3, 0.5, 0.7, 0.9, null],
  trustAboves: [0.8, 0.9, null],
};

/** A candidate for photos: a detector at one scale or two. */
export interface Candidate {
  detector: string;
  scales: ScalePlan | null;
}

/** A candidate and its validation mAP (pooled over the sets). */
export interface CandidateResult extends Candidate {
  mAP: number;
}

/** The pixels a candidate reads relative to one scale (for ties): 1 + upscale² with two scales. */
export function candidateCost(c: Candidate): number {
  return c.scales ? 1 + c.scales.upscale ** 2 : 1;
}

/** Rule 1 (or 2, given only one-scale candidates): the best mAP, ties to the cheaper; null for none. */
export function chooseCandidate<T extends CandidateResult>(results: readonly T[]): T | null {
  const ok = results.filter((r) => Number.isFinite(r.mAP));
  if (!ok.length) return null;
  const best = Math.max(...ok.map((r) => r.mAP));
  return [...ok].filter((r) => r.mAP >= best - MAP_TIE).sort((a, b) => candidateCost(a) - candidateCost(b) || b.mAP - a.mAP)[0];
}

/** F1 of faces found and labelled right (rule 3) from a summary made with `DRAW_RULES`. */
export function drawF1(s: DetectionSummary): number {
  const d = s.all.faces + s.all.found + s.falseDetections;
  return d ? (2 * s.all.right) / d : 0;
}

/** A drawing setting and what it gave on the scenes. */
export interface DrawRow extends DetectionSetting {
  f1: number;
  summary: DetectionSummary;
}

/** Every setting of the grid on scored scenes (rejection levels skipped for a model without not_face). */
export function sweepDrawing(scored: ScoredScenes, grid: TuneGrid, rules: MatchRules = DRAW_RULES): DrawRow[] {
  const nf = scored.classes.includes('not_face');
  const rows: DrawRow[] = [];
  for (const threshold of grid.thresholds) {
    if (threshold < scored.low - 1e-9) continue;
    for (const rejectAt of nf ? grid.rejectAts : [null])
      for (const trustAbove of nf ? grid.trustAboves : [null]) {
        const summary = measureSetting(scored, { threshold, rejectAt, trustAbove }, rules);
        rows.push({ threshold, rejectAt, trustAbove, f1: drawF1(summary), summary });
      }
  }
  return rows;
}

const off = (x: number | null) => x ?? Infinity;

/** Rule 3: the best F1, ties to the smaller change; null for no rows. */
export function chooseDrawing<T extends DrawRow>(rows: readonly T[]): T | null {
  if (!rows.length) return null;
  return [...rows].sort((a, b) => b.f1 - a.f1 || off(b.trustAbove) - off(a.trustAbove) || off(b.rejectAt) - off(a.rejectAt) || b.threshold - a.threshold)[0];
}

/** The setting of a row (what the manifest stores). */
export function settingOf(r: DetectionSetting): DetectionSetting {
  return { threshold: r.threshold, rejectAt: r.rejectAt, trustAbove: r.trustAbove };
}
