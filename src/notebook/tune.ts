/**
 * Notebook 04's view of the committed tuning summaries (`docs/results/tune-<model>.json`, written by
 * `facemask promote` of a tune run, src/training/promote.ts): the candidates tried for photos with
 * their validation mAP, the two choices (photos, video) with their drawing settings and the test
 * scenes at them, and the drawing threshold's F1 curve.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../paths';
import { lineChart, type Figure } from '../charts/index';
import { describeScales } from '../detection/scales';
import type { DetectionSummary } from '../evaluation/scenes';
import type { PhotoSetting } from '../model/setting';
import { DRAW_RULES } from '../training/tune-rules';
import { candidateLabel, type TriedCandidate, type TuneConfig } from '../training/tune';

/** One choice in a summary: the detector, the setting written into the manifest, validation and test numbers. */
export interface TuneSummaryChoice {
  detector: string;
  setting: Omit<PhotoSetting, 'detector'>;
  validation: { mAP: number; sets: Record<string, number>; f1: number; kept: DetectionSummary };
  test: Record<string, { mAP: number; f1: number; kept: DetectionSummary }>;
}

/** A committed tuning summary. */
export interface TuneSummary {
  /** Its file name in docs/results/. */
  file: string;
  run: string;
  config: TuneConfig;
  candidates: TriedCandidate[];
  photo: TuneSummaryChoice;
  video: TuneSummaryChoice;
  /** Every drawing setting tried for each choice, with its validation F1. */
  photoRows: { threshold: number; rejectAt: number | null; trustAbove: number | null; f1: number }[];
  videoRows: { threshold: number; rejectAt: number | null; trustAbove: number | null; f1: number }[];
}

/** Every committed tuning summary in docs/results/ (those of the earlier one-detector tune, without `photo`, are left out). */
export function tuneSummaries(dir: string = projectPaths().results): TuneSummary[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^tune-.*\.json$/.test(f))
    .sort()
    .map((f) => ({ ...JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')), file: f }) as TuneSummary)
    .filter((s) => s.photo !== undefined);
}

const r3 = (x: number) => (Number.isFinite(x) ? +x.toFixed(3) : NaN);

/** The candidates of a summary: validation mAP pooled and per set, which one each use got. */
export function tuneCandidateRows(s: TuneSummary) {
  const same = (c: TriedCandidate, ch: TuneSummaryChoice) => c.detector === ch.detector && JSON.stringify(c.scales) === JSON.stringify(ch.setting.scales) && c.fineBox === (ch.setting.fineBox !== undefined);
  return s.candidates.map((c) => ({
    candidate: candidateLabel(c),
    'validation mAP@0.5': r3(c.mAP),
    ...Object.fromEntries(Object.entries(c.sets).map(([k, v]) => [k, r3(v)])),
    choice: [same(c, s.photo) ? 'photos' : '', same(c, s.video) && !c.scales ? 'video' : ''].filter(Boolean).join(', '),
  }));
}

/** The two choices: what runs, the drawing setting, validation F1 and the test scenes as they fell. */
export function tuneChoiceRows(s: TuneSummary) {
  return (['photo', 'video'] as const).map((w) => {
    const c = s[w];
    return {
      use: w,
      detector: c.detector,
      scales: describeScales(c.setting.scales),
      'drawn from': c.setting.threshold,
      'not_face >=': c.setting.rejectAt ?? 'off',
      'trusted >=': c.setting.trustAbove ?? 'off',
      'validation mAP@0.5': r3(c.validation.mAP),
      'validation F1': r3(c.validation.f1),
      ...Object.fromEntries(Object.entries(c.test).flatMap(([k, t]) => [[`${k} mAP@0.5`, r3(t.mAP)], [`${k} F1`, r3(t.f1)]])),
    };
  });
}

/** The photo choice's drawing settings: F1 against the threshold, one line per box policy (hover for the value). */
export function tuneDrawing(s: TuneSummary): Figure {
  const rows = s.photoRows.map((r) => ({ threshold: r.threshold, F1: r.f1, policy: `not_face ${r.rejectAt ?? 'off'}, trust ${r.trustAbove ?? 'off'}` }));
  return lineChart(rows, { x: 'threshold', y: 'F1', series: 'policy', title: `${s.config.model}, photos: F1 of faces >= ${DRAW_RULES.minSize} px found and labelled right (validation); drawn from ${s.photo.setting.threshold}` });
}
