/**
 * Measuring detection on annotated scene photos (the Kaggle dev set, ilc2021's scenes) by the
 * contracts' second measure (docs/contracts.md "Boxes and faces"; the headline, the field's mAP over
 * every face, is src/evaluation/voc.ts and field.ts, from `scoreScenes` below): a face counts when
 * the shorter side of its box is >= `faces.minSize` (24 px); it is found when a kept box overlaps it
 * at IoU >= `faces.matchIou` (0.3); a false detection overlaps no annotated face of any size at IoU
 * >= 0.3; end to end, a counted face is right when the box that finds it carries its label.
 *
 * Two ways, one rule: `measurePipeline` runs the pipeline (`detect`) on every photo; `scoreScenes`
 * keeps what the pipeline saw at a low threshold (boxes and probabilities, `score`) so that
 * `applySetting` can try many settings over it with the same box policy function the pipeline
 * uses (`labelBoxes`) — greedy NMS commutes with a threshold applied afterwards.
 *
 * A little over 300 lines: the counting rule, AP and size bands, and the two ways to measure, which
 * must stay together to stay one rule.
 */
import { LABELS, type Label } from '../labels';
import type { Box, DecisionRule } from '../result';
import { decodeImage } from '../util/images';
import { progress } from '../util/progress';
import type { AnnotatedScene } from '../data/types';
import type { FaceMaskDetector } from '../detection/pipeline';
import { labelBoxes, type BoxPolicy } from '../detection/policy';
import type { FaceDetection } from '../detection/types';
import { iou } from '../detection/geometry';

export interface MatchRules {
  /** default: 24 */
  minSize: number;
  /** default: 0.3 */
  matchIou: number;
}

export interface SceneMatch {
  /** For each annotated face: the index of the detection that matches it best (IoU >= matchIou), or -1. */
  faceHit: number[];
  /** Whether each face counts (shorter side >= minSize). */
  faceCounts: boolean[];
  /** Detections overlapping no annotation at IoU >= matchIou. */
  falseDetections: number;
}

/** Match detections to annotations (pure). */
export function matchScene(dets: readonly { box: Box }[], faces: readonly { box: Box }[], rules: MatchRules): SceneMatch {
  const faceHit = faces.map((f) => {
    let best = -1;
    let bestIou = rules.matchIou;
    dets.forEach((d, i) => {
      const v = iou(d.box, f.box);
      if (v >= bestIou) {
        best = i;
        bestIou = v;
      }
    });
    return best;
  });
  const falseDetections = dets.filter((d) => faces.every((f) => iou(d.box, f.box) < rules.matchIou)).length;
  return { faceHit, faceCounts: faces.map((f) => Math.min(f.box[2], f.box[3]) >= rules.minSize), falseDetections };
}

export interface ClassCount {
  faces: number;
  found: number;
  /** Found and labelled right (when the boxes carry labels). */
  right: number;
}

/** The kept boxes of one photo (labelled when a classifier ran, with p(label) as `classScore`) and the time it took. */
export interface SceneResult {
  scene: AnnotatedScene;
  detections: (FaceDetection & { label?: Label; classScore?: number })[];
  ms: number;
}

/** What a detection measurement found: counts, and the headline rates as fractions. */
export interface DetectionSummary {
  images: number;
  perClass: Record<Label, ClassCount>;
  /** All counted faces. */
  all: ClassCount;
  falseDetections: number;
  /** Headline rates (fractions; NaN where a class has no counted face). */
  maskedRecall: number;
  unmaskedRecall: number;
  incorrectRecall: number;
  allRecall: number;
  falsePerImage: number;
  /** Counted faces found and labelled right. */
  endToEnd: number;
  /** Median milliseconds per image. */
  msPerImage: number;
  /**
   * AP at IoU 0.5 per class and their mean over the **kept, labelled** boxes (one detection per box,
   * scored face score x p(its label)): over every annotated face (`all`), and over the counted faces
   * with smaller ones ignored (`counted`). Only when the boxes carry labels. Not the field's measure,
   * which scores every box down to the floor for every class before the box policy
   * (src/evaluation/voc.ts); kept for the tuning summaries that record it.
   */
  ap?: { all: ApResult; counted: ApResult };
  /** Recall of every annotated face by size band (shorter side, px): [from, to) → found / faces. */
  bySize: { band: string; faces: number; found: number }[];
}

export interface ApResult {
  perClass: Record<Label, number>;
  /** Mean over the classes that have faces. */
  mAP: number;
}

/** The face-size bands recall is reported in (shorter side of the annotated box, px). */
export const SIZE_BANDS: [string, number, number][] = [
  ['< 16', 0, 16],
  ['16–24', 16, 24],
  ['24–32', 24, 32],
  ['32–64', 32, 64],
  ['>= 64', 64, Infinity],
];

/** AP@iou per class over labelled results (see `DetectionSummary.ap`); `ignoreBelow`: faces smaller than this are ignored. */
export function detectionAP(results: readonly SceneResult[], ignoreBelow = 0, iouAt = 0.5): ApResult {
  const perClass = {} as Record<Label, number>;
  const present: number[] = [];
  for (const label of LABELS) {
    const preds: { score: number; tp: boolean }[] = [];
    let positives = 0;
    for (const r of results) {
      const gts = r.scene.faces.filter((f) => f.label === label);
      const small = gts.map((f) => Math.min(f.box[2], f.box[3]) < ignoreBelow);
      positives += small.filter((x) => !x).length;
      const used = gts.map(() => false);
      const dets = r.detections.filter((d) => d.label === label).map((d) => ({ box: d.box, score: d.score * (d.classScore ?? 1) })).sort((a, b) => b.score - a.score);
      for (const d of dets) {
        let best = -1;
        let bestIou = iouAt;
        gts.forEach((g, j) => {
          const v = iou(d.box, g.box);
          if (v >= bestIou && !used[j]) [best, bestIou] = [j, v];
        });
        if (best >= 0 && small[best]) {
          used[best] = true; // a box on an ignored face counts neither way
          continue;
        }
        if (best >= 0) used[best] = true;
        preds.push({ score: d.score, tp: best >= 0 });
      }
    }
    preds.sort((a, b) => b.score - a.score);
    let tp = 0;
    const pr = preds.map((p, i) => {
      tp += +p.tp;
      return { recall: positives ? tp / positives : 0, precision: tp / (i + 1) };
    });
    // all-point interpolation: precision made non-increasing from the right, then the area under it
    for (let i = pr.length - 2; i >= 0; i--) pr[i].precision = Math.max(pr[i].precision, pr[i + 1].precision);
    let ap = 0;
    let prev = 0;
    for (const p of pr) {
      ap += (p.recall - prev) * p.precision;
      prev = p.recall;
    }
    perClass[label] = positives ? ap : NaN;
    if (positives) present.push(ap);
  }
  return { perClass, mAP: present.length ? present.reduce((a, b) => a + b, 0) / present.length : NaN };
}

/** Recall of every annotated face (any size) per size band, by the contracts' match rule. */
export function recallBySize(results: readonly SceneResult[], rules: MatchRules): DetectionSummary['bySize'] {
  const out = SIZE_BANDS.map(([band]) => ({ band, faces: 0, found: 0 }));
  for (const r of results) {
    const m = matchScene(r.detections, r.scene.faces, { ...rules, minSize: 0 });
    r.scene.faces.forEach((f, i) => {
      const side = Math.min(f.box[2], f.box[3]);
      const b = SIZE_BANDS.findIndex(([, lo, hi]) => side >= lo && side < hi);
      out[b].faces++;
      out[b].found += +(m.faceHit[i] >= 0);
    });
  }
  return out;
}

const rate = (a: number, b: number) => (b ? a / b : NaN);

/** Aggregate per-photo results (boxes scoring below `minScore` ignored). */
export function summariseDetections(results: readonly SceneResult[], rules: MatchRules, minScore = 0): DetectionSummary {
  const blank = (): ClassCount => ({ faces: 0, found: 0, right: 0 });
  const perClass = Object.fromEntries(LABELS.map((l) => [l, blank()])) as Record<Label, ClassCount>;
  const all = blank();
  let falseDetections = 0;
  for (const r of results) {
    const dets = r.detections.filter((d) => d.score >= minScore);
    const m = matchScene(dets, r.scene.faces, rules);
    falseDetections += m.falseDetections;
    r.scene.faces.forEach((f, i) => {
      if (!m.faceCounts[i]) return;
      const hit = m.faceHit[i];
      const right = hit >= 0 && dets[hit].label === f.label ? 1 : 0;
      for (const c of [perClass[f.label], all]) {
        c.faces++;
        if (hit >= 0) c.found++;
        c.right += right;
      }
    });
  }
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const labelled = results.some((r) => r.detections.some((d) => d.label !== undefined));
  const kept = minScore > 0 ? results.map((r) => ({ ...r, detections: r.detections.filter((d) => d.score >= minScore) })) : results;
  return {
    ...(labelled ? { ap: { all: detectionAP(kept), counted: detectionAP(kept, rules.minSize) } } : {}),
    bySize: recallBySize(kept, rules),
    images: results.length,
    perClass,
    all,
    falseDetections,
    maskedRecall: rate(perClass.with_mask.found, perClass.with_mask.faces),
    unmaskedRecall: rate(perClass.without_mask.found, perClass.without_mask.faces),
    incorrectRecall: rate(perClass.incorrect_mask.found, perClass.incorrect_mask.faces),
    allRecall: rate(all.found, all.faces),
    falsePerImage: results.length ? falseDetections / results.length : 0,
    endToEnd: rate(all.right, all.faces),
    msPerImage: ms.length ? ms[Math.floor(ms.length / 2)] : NaN,
  };
}

/** A summary as a table row (percentages to 0.1, for people): the one display form. */
export function summaryRow(s: DetectionSummary, what: Record<string, string | number> = {}) {
  const pct = (x: number) => (Number.isFinite(x) ? +(100 * x).toFixed(1) : NaN);
  return {
    ...what,
    images: s.images,
    'masked found %': pct(s.maskedRecall),
    'unmasked found %': pct(s.unmaskedRecall),
    'incorrect found %': pct(s.incorrectRecall),
    'all found %': pct(s.allRecall),
    'false / image': +s.falsePerImage.toFixed(3),
    'end-to-end right %': pct(s.endToEnd),
    'ms / image': +s.msPerImage.toFixed(1),
    faces: `${s.perClass.with_mask.faces}/${s.perClass.without_mask.faces}/${s.perClass.incorrect_mask.faces}`,
    // AP over the kept boxes, one detection each: not the field's measure (src/evaluation/voc.ts), so named apart
    ...(s.ap ? { 'kept boxes mAP@0.5 all': +s.ap.all.mAP.toFixed(3), 'kept boxes mAP@0.5 >= 24 px': +s.ap.counted.mAP.toFixed(3) } : {}),
  };
}

/** Decode each scene and hand it over; the image is decoded outside any timing. */
async function eachScene(scenes: readonly AnnotatedScene[], label: string, quiet: boolean | undefined, fn: (scene: AnnotatedScene, img: Awaited<ReturnType<typeof decodeImage>>) => Promise<void>): Promise<void> {
  const bar = progress(label, scenes.length, { quiet, unit: 'img' });
  for (const scene of scenes) {
    await fn(scene, await decodeImage(scene.file));
    bar.tick();
  }
  bar.done();
}

/** Run the pipeline (`detect`, what `facemask detect` does) on every photo: its kept, labelled boxes. */
export async function runPipelineOnScenes(pipeline: FaceMaskDetector, scenes: readonly AnnotatedScene[], opts: { quiet?: boolean } = {}): Promise<SceneResult[]> {
  const out: SceneResult[] = [];
  await eachScene(scenes, `detect (${pipeline.settings.detector})`, opts.quiet, async (scene, img) => {
    const r = await pipeline.detect(img, scene.file);
    out.push({ scene, detections: r.faces.map((f) => ({ box: f.box, score: f.faceScore, label: f.label, classScore: f.score })), ms: r.ms.detect + r.ms.classify });
  });
  return out;
}

/** `runPipelineOnScenes` + `summariseDetections`. */
export async function measurePipeline(pipeline: FaceMaskDetector, scenes: readonly AnnotatedScene[], opts: { quiet?: boolean; rules: MatchRules }): Promise<DetectionSummary> {
  return summariseDetections(await runPipelineOnScenes(pipeline, scenes, opts), opts.rules);
}

/** What a pipeline saw on each photo at its (low) threshold: every box and its probabilities. */
export interface ScoredScene {
  scene: AnnotatedScene;
  detections: FaceDetection[];
  probabilities: Float32Array[];
  ms: number;
}

export interface ScoredScenes {
  detector: string;
  /** The threshold the boxes were found at (settings below it cannot be measured). */
  low: number;
  classes: readonly string[];
  /** The classifier's decision rule (its manifest's; absent: argmax). */
  decision?: DecisionRule;
  scenes: ScoredScene[];
}

/** Score every photo with the pipeline (`score`): the raw material for `applySetting`. */
export async function scoreScenes(pipeline: FaceMaskDetector, scenes: readonly AnnotatedScene[], opts: { quiet?: boolean } = {}): Promise<ScoredScenes> {
  const out: ScoredScene[] = [];
  await eachScene(scenes, `score ${pipeline.settings.detector} boxes`, opts.quiet, async (scene, img) => {
    const s = await pipeline.score(img);
    out.push({ scene, detections: s.detections, probabilities: s.probabilities, ms: s.ms.detect + s.ms.classify });
  });
  return { detector: pipeline.settings.detector, low: pipeline.settings.threshold, classes: pipeline.classes, decision: pipeline.decision, scenes: out };
}

/** A detection setting: the detector's threshold and the box policy. */
export interface DetectionSetting extends BoxPolicy {
  threshold: number;
}

/** The kept, labelled boxes of every photo under a setting (the pipeline's own policy function). */
export function applySetting(s: ScoredScenes, setting: DetectionSetting): SceneResult[] {
  if (setting.threshold < s.low - 1e-9) throw new Error(`threshold ${setting.threshold} is below the ${s.low} the boxes were found at`);
  return s.scenes.map((sc) => {
    const keep = sc.detections.map((d, i) => i).filter((i) => sc.detections[i].score >= setting.threshold);
    const faces = labelBoxes(
      keep.map((i) => sc.detections[i]),
      keep.map((i) => sc.probabilities[i]),
      s.classes,
      setting,
      s.decision,
    );
    return { scene: sc.scene, detections: faces.map((f) => ({ box: f.box, score: f.faceScore, label: f.label, classScore: f.score })), ms: sc.ms };
  });
}

/** `applySetting` + `summariseDetections`. */
export function measureSetting(s: ScoredScenes, setting: DetectionSetting, rules: MatchRules): DetectionSummary {
  return summariseDetections(applySetting(s, setting), rules);
}
