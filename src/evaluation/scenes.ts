/**
 * Detection + classification on real street scenes (the Kaggle dev set), for the realworld
 * targets: a detector's boxes at a low threshold, each box classified, boxes the classifier calls
 * `not_face` dropped (CONVENTIONS.md: rejected boxes are dropped), then per threshold: detection
 * recall per class, false detections per image and end-to-end accuracy (faces >= 24 px found and
 * labelled right). Thresholds are chosen on the **tune** part and reported on the **test** part.
 */
import { resolveConfig } from '../config';
import type { Label, ModelClass } from '../labels';
import { decodeImage, cropResize } from '../util/images';
import { summariseDetections, summaryRow, type DetectionSummary, type SceneResult } from '../detection/evaluate';
import { detectorScenes } from '../model/realworld';
import { toClassification, type MaskClassifier } from '../model/classifier';
import { progress } from '../util/progress';

export interface ScoredScenes {
  detector: string;
  part: 'tune' | 'test';
  /** Raw detections (score >= the cache's low threshold) with the classifier's probabilities. */
  scenes: (SceneResult & { probs: Float32Array[] })[];
  classes: readonly string[];
}

/** Classify every box of the detector's cached raw detections (score >= `minScore`) on one part. */
export async function scoreScenes(clf: MaskClassifier, part: 'tune' | 'test', detector = 'ssd-mobilenet', minScore = 0.05, opts: { quiet?: boolean; limit?: number; fromPhoto?: number } = {}): Promise<ScoredScenes> {
  // a realworld model trained on tune photos < 160 is tuned on the held-out tune photos only
  const raw = await detectorScenes(part, detector, 0.05, { fromPhoto: opts.fromPhoto, limit: opts.limit });
  const bar = progress(`classify ${detector} boxes (${part})`, raw.length, { quiet: opts.quiet, unit: 'img' });
  const scenes: ScoredScenes['scenes'] = [];
  for (const r of raw) {
    const dets = r.detections.filter((d) => d.score >= minScore);
    let probs: Float32Array[] = [];
    if (dets.length) {
      const img = await decodeImage(r.scene.file);
      const crops = await Promise.all(dets.map((d) => cropResize(img, d.box, clf.inputSize)));
      probs = await clf.probabilities(crops);
    }
    scenes.push({ ...r, detections: dets, probs });
    bar.tick();
  }
  bar.done();
  return { detector, part, scenes, classes: clf.classes };
}

export interface RejectionSetting {
  /** Detector confidence threshold. */
  threshold: number;
  /** Drop a box when its `not_face` probability is at least this (1.01 = only when not_face is the top class; only when the model has `not_face`). */
  rejectAt: number;
  /** Never drop a box the detector scores at least this (1.01 = no box is trusted). default: 1.01 */
  trustAbove?: number;
}

/** The grid every tune-part choice sweeps (bench/realworld.ts, notebook 04): detector thresholds, not_face rejection levels, trusted detector scores. */
export const SWEEP = {
  thresholds: [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.65, 0.7],
  rejectAts: [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01],
  trustAboves: [0.5, 0.65, 0.8, 0.9, 1.01],
};

/**
 * Summary of one setting: boxes above the threshold, each kept or dropped and labelled by the same
 * rule `facemask detect` ships (`toClassification`: dropped when not_face is the top class or
 * p(not_face) >= rejectAt, else labelled by the best emitted class).
 */
export function summariseSetting(s: ScoredScenes, setting: RejectionSetting): DetectionSummary {
  const nf = s.classes.indexOf('not_face');
  const results: SceneResult[] = s.scenes.map((sc) => {
    const kept: (SceneResult['detections'][number] & { label?: Label })[] = [];
    sc.detections.forEach((d, i) => {
      if (d.score < setting.threshold) return;
      const c = toClassification(sc.probs[i], s.classes as readonly ModelClass[], setting.rejectAt, d.score >= (setting.trustAbove ?? 1.01));
      if (c) kept.push({ ...d, label: c.label });
    });
    return { scene: sc.scene, detections: kept, ms: sc.ms };
  });
  return summariseDetections(`${s.detector}@${setting.threshold}${nf >= 0 && setting.rejectAt <= 1 ? `+not_face>=${setting.rejectAt}` : ''}${nf >= 0 && (setting.trustAbove ?? 1.01) <= 1 ? `(kept if score>=${setting.trustAbove})` : ''}`, results, resolveConfig().faces);
}

/** Every (threshold, rejectAt, trustAbove) setting's summary row. */
export function sweepSettings(s: ScoredScenes, thresholds: number[], rejectAts: number[], trustAboves: number[] = [1.01]): (ReturnType<typeof summaryRow> & Required<RejectionSetting>)[] {
  const rows: (ReturnType<typeof summaryRow> & Required<RejectionSetting>)[] = [];
  for (const threshold of thresholds)
    for (const rejectAt of rejectAts)
      for (const trustAbove of trustAboves) rows.push({ ...summaryRow(summariseSetting(s, { threshold, rejectAt, trustAbove }), s.part), threshold, rejectAt, trustAbove });
  return rows;
}

/**
 * The setting chosen on tune: among those with at most `maxFalse` false detections per image, the
 * highest masked-face recall, ties broken by end-to-end accuracy, then toward the smaller change
 * (fewer trusted boxes, less rejection, a higher detector threshold). null when none qualifies.
 */
export function chooseSetting(rows: (ReturnType<typeof summaryRow> & RejectionSetting)[], maxFalse = 0.1): Required<RejectionSetting> | null {
  const ok = rows.filter((r) => r['false / image'] <= maxFalse);
  if (!ok.length) return null;
  ok.sort(
    (a, b) =>
      b['masked found %'] - a['masked found %'] ||
      b['end-to-end right %'] - a['end-to-end right %'] ||
      (b.trustAbove ?? 1.01) - (a.trustAbove ?? 1.01) ||
      b.rejectAt - a.rejectAt ||
      b.threshold - a.threshold,
  );
  return { threshold: ok[0].threshold, rejectAt: ok[0].rejectAt, trustAbove: ok[0].trustAbove ?? 1.01 };
}

/** The setting chosen on a model's tune scenes over the whole `SWEEP` grid (only the threshold for a model without not_face). */
export function chooseOnTune(tune: ScoredScenes, maxFalse = 0.1): Required<RejectionSetting> | null {
  const nf = tune.classes.includes('not_face');
  return chooseSetting(sweepSettings(tune, SWEEP.thresholds, nf ? SWEEP.rejectAts : [1.01], nf ? SWEEP.trustAboves : [1.01]), maxFalse);
}
