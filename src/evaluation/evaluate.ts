/**
 * Evaluating a saved classifier on two sets, side by side:
 * (a) `split` — the test split of the datasets it was trained on (same group-aware split seed);
 * (b) `real` — real faces in street scenes: the Kaggle dev set's **test** part (photos 200–299),
 *     faces whose shorter side is >= 24 px, crops = the annotated box as is. Faces whose class the
 *     model does not have (`incorrect_mask` for a two-class model) are reported separately;
 * (c) `ilc2021-val`, `ilc2021-test` — ilc2021's real crops of all three classes;
 * (d) `confusers` — the confuser test set (`dataset/confusers.tsv`, src/data/confusers.ts): real faces
 *     without a mask that show something mask-like, with a table per kind (`kinds`).
 *
 * Every set is cut with the model's crop rule: for a model with the aligned rule, each face's landmarks
 * come from its landmark detector (the manifest's crop rule; src/detection/landmark-finder.ts) on the
 * face's image — the scene photo, the ilc2021 crop, the whole image — matched to the annotated box (or
 * the best face of a whole image); a face without a match is cut to its box (`aligned` counts them).
 */
import type { Config } from '../config';
import { LABELS, isLabel, type Label } from '../labels';
import { bestEmitted, type DecisionRule } from '../result';
import { splitFor, recordsForSplit } from '../data/split';
import { KAGGLE, countedFaces, kaggleScenes, describePart } from '../data/kaggle';
import type { FaceItem } from '../data/types';
import { ilc2021Crops } from '../data/ilc2021';
import { CONFUSER_KINDS, confuserDataset, confuserFaces, type ConfuserFace } from '../data/confusers';
import type { FaceClassifier, LoadedClassifier } from '../model/types';
import { expectedCalibrationError, meanNll } from '../model/calibration';
import { decodeImage } from '../util/images';
import { mapLimit } from '../util/files';
import { progress } from '../util/progress';
import type { Box } from '../result';
import type { RgbImage } from '../util/images';
import type { Landmarks } from '../model/crop';
import { createLandmarkFinder, type LandmarkFinder } from '../detection/landmark-finder';
import type { EverydaySummary } from './everyday-summary';
import {
  averagePrecision,
  classificationReport,
  confusionMatrix,
  curvePoints,
  rocAuc,
  reportIntervals,
  thresholdTradeoff,
  withWithoutBalancedAccuracy,
  type ReportIntervals,
  type ClassificationReport,
  type CurvePoint,
  type ThresholdRow,
} from './metrics';

/** One evaluated item: a labelled face (an image file, or a box in a scene photo), its label the truth. */
export type EvalItem = FaceItem;

/** One kind of confuser (or source dataset, or `all`): faces, what the model called them, and its mean with_mask score. */
export interface ConfuserKindRow {
  /** The kind, or the source dataset in `sources`, or `all`. */
  kind: string;
  faces: number;
  /** Faces called each label (the best emitted class); null for a label the model cannot emit. */
  called: Record<Label, number | null>;
  /** Mean with_mask score (as `classify` reports it); null for a model without with_mask. */
  meanWithMask: number | null;
}

export interface SetEvaluation {
  name: 'split' | 'real' | 'ilc2021-val' | 'ilc2021-test' | 'confusers' | 'everyday-val' | 'everyday-test';
  description: string;
  /** Items of the model's classes (what the report is computed on). */
  items: EvalItem[];
  probs: Float32Array[];
  report: ClassificationReport;
  /** 95 % intervals: Wilson for precision/recall, bootstrap for F1, macro F1, balanced accuracy. */
  intervals: ReportIntervals;
  /** Balanced accuracy of with vs without (larger of those two scores), null for a model without both. */
  withWithout: ReturnType<typeof withWithoutBalancedAccuracy>;
  /**
   * How well the scores are calibrated (the model's probabilities as its classifier returns them,
   * calibrated when it has a calibration): mean negative log-likelihood of the true class (nats) and
   * expected calibration error (10 bins of the top probability; src/model/calibration.ts).
   */
  scoreCalibration: { nll: number; ece: number };
  /** Per class (one-vs-rest): curve points, ROC AUC, average precision. */
  curves: { class: string; points: CurvePoint[]; auc: number; ap: number }[];
  thresholds: ThresholdRow[];
  /** Wrong predictions, most confident first. */
  mistakes: { item: EvalItem; predicted: string; score: number }[];
  /** Faces of classes the model does not have: how it labelled them (e.g. incorrect_mask → with_mask 30). */
  outside: { truth: Label; n: number; predicted: Record<string, number> }[];
  /** The confuser set: one row per kind, then `all`. */
  kinds?: ConfuserKindRow[];
  /** The confuser set: one row per source dataset, then `all` (a model may have been trained on one of them). */
  sources?: ConfuserKindRow[];
  /** A model with the aligned crop rule: faces measured, and how many had landmarks (the others were cut to their box). */
  aligned?: { faces: number; landmarks: number };
  /** The everyday-unmasked photos (src/evaluation/everyday.ts): what the kept faces were called, large faces called incorrect_mask. */
  everyday?: EverydaySummary;
}

export interface EvaluateOptions {
  /** The configuration (its faces, data and detect sections; small-data mode). */
  config: Config;
  /** Which sets. default: both (only `real` for a model trained on Kaggle tune faces, the realworld preset) */
  sets?: SetEvaluation['name'][];
  /** default: the model manifest's datasets / split seed */
  datasets?: string[];
  splitSeed?: number;
  quiet?: boolean;
  /** Landmarks for a model with the aligned crop rule (default: its manifest's landmark detector, created per set). */
  landmarks?: LandmarkFinder;
}

/**
 * The landmarks of faces for `clf`'s crop rule: null for the box rule; else a function giving each
 * face's landmarks (its image, its box or null for a whole image) and the counts so far. The finder is
 * `opts.landmarks` or one made here (`close()` releases it).
 */
async function faceLandmarks(clf: FaceClassifier, opts: EvaluateOptions): Promise<{ of: (img: RgbImage, box: Box | null) => Promise<Landmarks | undefined>; counts: () => { faces: number; landmarks: number }; close: () => void } | null> {
  const rule = clf.crop;
  if (!rule || rule.kind !== 'aligned') return null;
  const finder = opts.landmarks ?? (await createLandmarkFinder(rule.landmarks, opts.config.detect));
  const c = { faces: 0, landmarks: 0 };
  return {
    async of(img, box) {
      const lm = await finder.landmarks(async () => img, box);
      c.faces++;
      if (lm) c.landmarks++;
      return lm;
    },
    counts: () => ({ ...c }),
    close: () => {
      if (!opts.landmarks) finder.dispose();
    },
  };
}

/** Score items given as (image, truth) with the classifier, and build every measure. */
/**
 * Only the emitted classes of a model (internal ones such as `not_face` dropped), as `classify`
 * reports them: a face classifier's measures are over the labels it can emit.
 */
export function emittedOnly(classes: readonly string[], probs: ArrayLike<number>[]): { classes: string[]; probs: Float32Array[] } {
  const keep = classes.map((c, k) => (isLabel(c) ? k : -1)).filter((k) => k >= 0);
  return { classes: keep.map((k) => classes[k]), probs: probs.map((p) => Float32Array.from(keep, (k) => p[k])) };
}

/** The label index (among `classes`, all emitted) of each row under a decision rule (`bestEmitted`, src/result.ts). */
export function decideAll(classes: readonly string[], probs: readonly ArrayLike<number>[], decision: DecisionRule = 'argmax'): number[] {
  return probs.map((p) => classes.indexOf(bestEmitted(p, classes, decision).label));
}

/** `decision`: the model's decision rule (its manifest's; default argmax), which labels every face counted. */
export function summariseSet(name: SetEvaluation['name'], description: string, allClasses: readonly string[], items: EvalItem[], allProbs: Float32Array[], allOutside: { truth: Label; probs: Float32Array }[] = [], decision: DecisionRule = 'argmax'): SetEvaluation {
  const { classes, probs } = emittedOnly(allClasses, allProbs);
  const outsideItems = allOutside.map((o) => ({ truth: o.truth, probs: emittedOnly(allClasses, [o.probs]).probs[0] }));
  const truth = items.map((it) => classes.indexOf(it.label));
  const predicted = decideAll(classes, probs, decision);
  const report = classificationReport(confusionMatrix(truth, predicted, classes.length), classes as string[]);
  const curves = classes.map((c, k) => {
    const points = curvePoints(
      probs.map((p) => p[k]),
      truth.map((t) => t === k),
    );
    return { class: c, points, auc: rocAuc(points), ap: averagePrecision(points) };
  });
  const mistakes = items
    .map((item, i) => ({ item, predicted: classes[predicted[i]], score: probs[i][predicted[i]], wrong: predicted[i] !== truth[i] }))
    .filter((m) => m.wrong)
    .sort((a, b) => b.score - a.score)
    .map(({ item, predicted, score }) => ({ item, predicted, score }));
  const outsideBy = new Map<Label, Record<string, number>>();
  for (const o of outsideItems) {
    const rec = outsideBy.get(o.truth) ?? {};
    const p = classes[decideAll(classes, [o.probs], decision)[0]];
    rec[p] = (rec[p] ?? 0) + 1;
    outsideBy.set(o.truth, rec);
  }
  const outside = [...outsideBy].map(([t, predicted]) => ({ truth: t, n: Object.values(predicted).reduce((a, b) => a + b, 0), predicted }));
  const intervals = reportIntervals(truth, predicted, classes as string[]);
  const withWithout = withWithoutBalancedAccuracy(truth, probs, classes);
  const fullTruth = items.map((it) => allClasses.indexOf(it.label));
  const scoreCalibration = { nll: meanNll(allProbs, fullTruth), ece: expectedCalibrationError(allProbs, fullTruth) };
  return { name, description, items, probs, report, intervals, withWithout, scoreCalibration, curves, thresholds: thresholdTradeoff(truth, probs), mistakes, outside };
}

/** (a) the test split of the training datasets. */
export async function evaluateSplit(clf: LoadedClassifier, opts: EvaluateOptions): Promise<SetEvaluation> {
  const t = clf.manifest.training;
  if (!opts.datasets && t.datasets.includes(KAGGLE)) {
    throw new Error(`the model was trained on all of ${t.datasets.filter((d) => d !== KAGGLE).join(', ')} and the Kaggle tune part (preset ${t.preset}): it has no held-out split; measure it on the real faces (--sets real)`);
  }
  const datasets = opts.datasets ?? t.datasets;
  const seed = opts.splitSeed ?? t.splitSeed;
  // Always the full split the model was trained with (in small-data mode a subset split would put
  // training images of a full-size model into "test"); small-data mode then keeps a few per class.
  const cfg = opts.config;
  const split = await splitFor(datasets, seed, { config: cfg, progress: !opts.quiet, perClass: Infinity });
  let recs = recordsForSplit(split, 'test').filter((r) => clf.classes.includes(r.label));
  if (cfg.small) {
    const per = Math.max(1, Math.floor(cfg.data.smallPerClass / 2));
    recs = clf.classes.flatMap((c) => recs.filter((r) => r.label === c).slice(0, per));
  }
  const bar = progress('evaluate split', recs.length, { quiet: opts.quiet, unit: 'img' });
  const probs: Float32Array[] = [];
  const lms = await faceLandmarks(clf, opts);
  try {
    for (let i = 0; i < recs.length; i += 64) {
      const imgs = await mapLimit(recs.slice(i, i + 64), cfg.data.decodeConcurrency, (r) => decodeImage(r.path));
      if (lms) for (const img of imgs) probs.push(...(await clf.probabilitiesOfBoxes(img, [[0, 0, img.width, img.height]], [await lms.of(img, null)])));
      else probs.push(...(await clf.probabilities(imgs)));
      bar.tick(imgs.length);
    }
  } finally {
    lms?.close();
  }
  bar.done();
  const items = recs.map((r) => ({ file: r.path, label: r.label }));
  return withAligned(lms, summariseSet('split', `${datasets.join('+')} test split (group-aware, seed ${seed}), ${recs.length} images${cfg.small ? ' (small-data subset)' : ''}`, clf.classes, items, probs, [], clf.decision));
}

const withAligned = (lms: { counts: () => { faces: number; landmarks: number } } | null, e: SetEvaluation): SetEvaluation => (lms ? { ...e, aligned: lms.counts() } : e);

/** The faces of the Kaggle dev set's test part that count (shorter side >= `minSize`). */
export function realFaces(minSize: number): EvalItem[] {
  return countedFaces(kaggleScenes('test'), minSize);
}

/** (b) real faces in street scenes. */
export async function evaluateReal(clf: FaceClassifier, opts: EvaluateOptions): Promise<SetEvaluation> {
  const faces = realFaces(opts.config.faces.minSize);
  const byFile = new Map<string, EvalItem[]>();
  for (const f of faces) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const bar = progress('evaluate real faces', faces.length, { quiet: opts.quiet, unit: 'face' });
  const probsOf = new Map<EvalItem, Float32Array>();
  const lms = await faceLandmarks(clf, opts);
  try {
    await mapLimit([...byFile], 2, async ([file, its]) => {
      const img = await decodeImage(file);
      const lm = lms ? await Promise.all(its.map((it) => lms.of(img, it.box!))) : undefined;
      const p = await clf.probabilitiesOfBoxes(img, its.map((it) => it.box!), lm);
      its.forEach((it, k) => probsOf.set(it, p[k]));
      bar.tick(its.length);
    });
  } finally {
    lms?.close();
  }
  bar.done();
  const inside = faces.filter((f) => clf.classes.includes(f.label));
  const outside = faces.filter((f) => !clf.classes.includes(f.label)).map((f) => ({ truth: f.label, probs: probsOf.get(f)! }));
  return withAligned(lms, summariseSet(
    'real',
    `real faces: ${describePart('test')}, faces >= ${opts.config.faces.minSize} px, ${inside.length} faces of the model's classes`,
    clf.classes,
    inside,
    inside.map((f) => probsOf.get(f)!),
    outside,
    clf.decision,
  ));
}

/** ilc2021 face crops counted (face >= `minSize` px in its photo), cut to the annotated box. */
export function ilc2021Faces(side: 'val' | 'test', config: Pick<Config, 'faces' | 'small'>): EvalItem[] {
  return ilc2021Crops(side, { limit: config.small ? 20 : undefined })
    .filter((c) => c.facePx >= config.faces.minSize)
    .map((c) => ({ file: c.file, box: c.box, label: c.label }));
}

/**
 * (c) ilc2021's real photos of all three classes (462 masks worn under the nose or on the chin):
 * its validation or test side of the recorded split, face crops >= 24 px cut to the annotated box.
 */
export async function evaluateIlc2021(clf: FaceClassifier, side: 'val' | 'test', opts: EvaluateOptions): Promise<SetEvaluation> {
  const faces = ilc2021Faces(side, opts.config);
  const bar = progress(`evaluate ilc2021 ${side}`, faces.length, { quiet: opts.quiet, unit: 'face' });
  const probs: Float32Array[] = [];
  const lms = await faceLandmarks(clf, opts);
  try {
    for (let i = 0; i < faces.length; i += 32) {
      const chunk = faces.slice(i, i + 32);
      const imgs = await mapLimit(chunk, 4, (f) => decodeImage(f.file));
      for (let k = 0; k < chunk.length; k++) probs.push(...(await clf.probabilitiesOfBoxes(imgs[k], [chunk[k].box!], lms ? [await lms.of(imgs[k], chunk[k].box!)] : undefined)));
      bar.tick(chunk.length);
    }
  } finally {
    lms?.close();
  }
  bar.done();
  const inside = faces.map((f, i) => ({ f, p: probs[i] })).filter((x) => clf.classes.includes(x.f.label));
  const outside = faces.map((f, i) => ({ f, p: probs[i] })).filter((x) => !clf.classes.includes(x.f.label)).map((x) => ({ truth: x.f.label, probs: x.p }));
  const cut = lms ? 'aligned from their landmarks (the annotated box without)' : 'cut to the annotated box';
  return withAligned(lms, summariseSet(`ilc2021-${side}`, `ilc2021 ${side === 'val' ? 'validation' : 'test'} side: ${inside.length} face crops >= ${opts.config.faces.minSize} px of the model's classes, ${cut}`, clf.classes, inside.map((x) => x.f), inside.map((x) => x.p), outside, clf.decision));
}

/**
 * Per kind (in `CONFUSER_KINDS` order, then any other, then `all`): faces, how many the model called
 * each label (under its decision rule, as `classify` reports it) and the mean with_mask score.
 * `by` groups by something else (e.g. the source dataset), in order of first appearance.
 */
export function confuserTable(items: readonly { kind: string }[], classes: readonly string[], probs: readonly ArrayLike<number>[], by?: (i: number) => string, decision: DecisionRule = 'argmax'): ConfuserKindRow[] {
  const emitted = emittedOnly(classes, probs as ArrayLike<number>[]);
  const w = emitted.classes.indexOf('with_mask');
  const row = (kind: string, idx: number[]): ConfuserKindRow => {
    const called = Object.fromEntries(LABELS.map((l) => [l, emitted.classes.includes(l) ? 0 : null])) as Record<Label, number | null>;
    for (const i of idx) {
      const l = bestEmitted(emitted.probs[i], emitted.classes, decision).label;
      called[l] = (called[l] ?? 0) + 1;
    }
    const meanWithMask = w < 0 || idx.length === 0 ? null : idx.reduce((a, i) => a + emitted.probs[i][w], 0) / idx.length;
    return { kind, faces: idx.length, called, meanWithMask };
  };
  const key = by ?? ((i: number) => items[i].kind);
  const keys = by ? [...new Set(items.map((_, i) => key(i)))] : [...(CONFUSER_KINDS as readonly string[]), ...new Set(items.map((it) => it.kind).filter((k) => !(CONFUSER_KINDS as readonly string[]).includes(k)))];
  const rows = keys.map((k) => row(k, items.map((_, i) => (key(i) === k ? i : -1)).filter((i) => i >= 0))).filter((r) => r.faces > 0);
  return [...rows, row('all', items.map((_, i) => i))];
}

/**
 * (d) the confuser test set: whole images classified as `classify` does, scene faces and ilc2021
 * crops cut to their annotated box (the crop rule).
 */
export async function evaluateConfusers(clf: FaceClassifier, opts: EvaluateOptions): Promise<SetEvaluation> {
  const faces: ConfuserFace[] = confuserFaces();
  const bar = progress('evaluate confusers', faces.length, { quiet: opts.quiet, unit: 'face' });
  const lms = await faceLandmarks(clf, opts);
  let probs: Float32Array[];
  try {
    probs = await mapLimit(faces, 2, async (f) => {
      const img = await decodeImage(f.file);
      let p: Float32Array[];
      if (lms) p = await clf.probabilitiesOfBoxes(img, [f.box ?? [0, 0, img.width, img.height]], [await lms.of(img, f.box ?? null)]);
      else p = f.box ? await clf.probabilitiesOfBoxes(img, [f.box]) : await clf.probabilities([img]);
      bar.tick();
      return p[0];
    });
  } finally {
    lms?.close();
  }
  bar.done();
  const all = faces.map((f, i) => ({ f, p: probs[i] }));
  const inside = all.filter((x) => clf.classes.includes(x.f.label));
  const outside = all.filter((x) => !clf.classes.includes(x.f.label)).map((x) => ({ truth: x.f.label, probs: x.p }));
  const ev = summariseSet(
    'confusers',
    `${faces.length} real faces without a proper mask that show something mask-like (dataset/confusers.tsv; whole images as classify sees them, scene faces and ilc2021 crops cut to the annotated box)`,
    clf.classes,
    inside.map((x) => ({ file: x.f.file, ...(x.f.box ? { box: x.f.box } : {}), label: x.f.label })),
    inside.map((x) => x.p),
    outside,
    clf.decision,
  );
  return { ...withAligned(lms, ev), kinds: confuserTable(faces, clf.classes, probs, undefined, clf.decision), sources: confuserTable(faces, clf.classes, probs, (i) => confuserDataset(faces[i].entry), clf.decision) };
}

export async function evaluateModel(clf: LoadedClassifier, opts: EvaluateOptions): Promise<SetEvaluation[]> {
  // a realworld model trained on all of chandrikadeb7 and the Kaggle tune part has no held-out
  // split: only the real scene faces measure it
  const realworld = clf.manifest.training.datasets.includes(KAGGLE);
  const sets = opts.sets ?? (realworld ? ['real'] : ['split', 'real']);
  const out: SetEvaluation[] = [];
  // one landmark detector for every set (a model with the aligned crop rule)
  const rule = clf.crop;
  const finder = !opts.landmarks && rule?.kind === 'aligned' ? await createLandmarkFinder(rule.landmarks, opts.config.detect) : undefined;
  const o = finder ? { ...opts, landmarks: finder } : opts;
  try {
    if (sets.includes('split')) out.push(await evaluateSplit(clf, o));
    if (sets.includes('real')) out.push(await evaluateReal(clf, o));
    for (const side of ['val', 'test'] as const) if (sets.includes(`ilc2021-${side}`)) out.push(await evaluateIlc2021(clf, side, o));
    if (sets.includes('confusers')) out.push(await evaluateConfusers(clf, o));
  } finally {
    finder?.dispose();
  }
  return out;
}

/** Rows for a side-by-side table: one per set. */
export function sideBySide(evals: SetEvaluation[]): Record<string, string | number>[] {
  return evals.map((e) => ({
    set: e.name,
    items: e.report.total,
    accuracy: +e.report.accuracy.toFixed(4),
    balanced_accuracy: +e.report.balancedAccuracy.toFixed(4),
    macro_f1: +e.report.macro.f1.toFixed(4),
    with_without_balanced_accuracy: e.withWithout ? +e.withWithout.value.toFixed(4) : '',
    nll: +e.scoreCalibration.nll.toFixed(4),
    ece: +e.scoreCalibration.ece.toFixed(4),
    ...Object.fromEntries(e.report.rows.map((r) => [`recall_${r.class}`, +r.recall.toFixed(4)])),
  }));
}

