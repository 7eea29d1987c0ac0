/**
 * A one-stage alternative, measured side by side with the shipped two-stage pipeline: a class head on
 * YuNet's own multi-scale features (src/detection/yunet-features.ts, src/training/onestage-head.ts)
 * against the shipped classifier on crops, on the same boxes (src/training/onestage-data.ts), by the
 * field's measure (mAP@0.5 over every face, src/evaluation/voc.ts).
 *
 * Three ways to label a box, each scored face score x p(class) down to the floor:
 * - `head`: the head's probabilities alone, YuNet's face score (the one-stage detector);
 * - `shipped`: the shipped classifier's (what `facemask evaluate --scenes` measures);
 * - `mix`: the two averaged, w·head + (1 − w)·shipped.
 *
 * The protocol (`runOneStage`): heads are trained on the Kaggle fitting photos (0–159) and ilc2021's
 * train scenes; every choice — features, hidden units, class weights, epochs, the mix's w — is made
 * on the pooled validation scenes (Kaggle 160–199 + ilc2021's validation scenes); the test scenes are
 * measured once, at the end, when asked.
 */
import type { Config } from '../config';
import { LABELS, type Label } from '../labels';
import { kaggleScenes, KAGGLE } from '../data/kaggle';
import { ilc2021Scenes, ILC2021 } from '../data/ilc2021';
import { sceneSet, validationScenes, TEST_SCENE_SETS, type SceneSetName } from '../data/scenes';
import { selectFeatures, type FeatureSpec } from '../detection/yunet-features';
import { classAp, fieldMeasure, meanAp, scoredBox, FIELD_BANDS, type FieldResult, type VocImage } from '../evaluation/voc';
import { countedBand } from '../evaluation/field';
import { boxLabels, sceneRecords, type OneStageSetting, type PhotoRecord, type RecordScene, type RecordSet } from './onestage-data';
import { mulberry32 } from '../util/random';
import { HEAD_CLASSES, predictHead, trainHead, type ClassWeighting, type HeadSpec, type Matrix, type TrainedHead } from './onestage-head';

/** Every box of every photo as rows of the selected features, photo by photo. */
export function rowsOf(set: RecordSet, spec: FeatureSpec): Matrix {
  const rows = set.photos.flatMap((p) => p.features.map((f) => selectFeatures(f, set.channels, spec)));
  const dim = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(r, i * dim));
  return { data, n: rows.length, dim };
}

/** The training class (`HEAD_CLASSES` index) of every box, photo by photo (src/training/onestage-data.ts `boxLabels`). */
export function labelsOf(set: RecordSet): Int32Array {
  return Int32Array.from(set.photos.flatMap((p) => boxLabels(p.boxes, p.faces).map((l) => HEAD_CLASSES.indexOf(l))));
}

/** Rows of all photos cut back into photos. */
export function perPhoto<T>(set: RecordSet, flat: readonly T[]): T[][] {
  let at = 0;
  const out = set.photos.map((p) => flat.slice(at, (at += p.boxes.length)));
  if (at !== flat.length) throw new Error(`perPhoto: ${flat.length} rows for ${at} boxes`);
  return out;
}

/** The field's images: each photo's faces and boxes, a box's class probabilities from `probs` (`classes` order). */
export function vocOf(photos: readonly PhotoRecord[], probs: readonly (readonly Float32Array[])[], classes: readonly string[]): VocImage[] {
  return photos.map((p, i) => ({ faces: p.faces, boxes: p.boxes.map((b, j) => scoredBox(b, p.faceScores[j], probs[i][j], classes)) }));
}

/** w·a + (1 − w)·b, row by row (the same classes in the same order). */
export function mixProbs(a: readonly (readonly Float32Array[])[], b: readonly (readonly Float32Array[])[], w: number): Float32Array[][] {
  return a.map((rows, i) => rows.map((r, j) => r.map((v, k) => w * v + (1 - w) * b[i][j][k])));
}

/** The mAP alone (no bands): what choices compare. */
export function quickMap(images: readonly VocImage[], floor: number): number {
  return meanAp(LABELS.map((l) => classAp(images, l, { floor }).ap));
}

/**
 * mAP of `b` minus that of `a` on the same photos, with a seeded paired percentile bootstrap 95 %
 * interval: photos resampled with replacement, each resample scored under both (a photo's faces and
 * boxes stay together, as the measure pairs them).
 */
export function pairedMapGain(a: readonly VocImage[], b: readonly VocImage[], floor: number, resamples = 1000, seed = 42): { value: number; low: number; high: number } {
  if (a.length !== b.length) throw new Error(`pairedMapGain: ${a.length} photos against ${b.length}`);
  const rng = mulberry32(seed);
  const gains: number[] = [];
  for (let r = 0; r < resamples && a.length > 0; r++) {
    const pick = a.map(() => Math.floor(rng() * a.length));
    const g = quickMap(pick.map((i) => b[i]), floor) - quickMap(pick.map((i) => a[i]), floor);
    if (Number.isFinite(g)) gains.push(g);
  }
  gains.sort((x, y) => x - y);
  const q = (p: number) => (gains.length ? gains[Math.min(gains.length - 1, Math.floor(p * gains.length))] : NaN);
  return { value: quickMap(b, floor) - quickMap(a, floor), low: q(0.025), high: q(0.975) };
}

/** A measurement as the summary keeps it: mAP, AP per class, the detector's AP, the bands. */
export interface MeasureSummary {
  mAP: number;
  ap: Record<Label, number>;
  detectorAp: number;
  bands: { band: string; faces: number; mAP: number; ap: Record<Label, number>; recall: number }[];
}

export function measureSummary(f: FieldResult): MeasureSummary {
  const ap = (r: Record<Label, { ap: number }>) => Object.fromEntries(LABELS.map((l) => [l, r[l].ap])) as Record<Label, number>;
  return { mAP: f.mAP, ap: ap(f.perClass), detectorAp: f.agnostic.ap, bands: f.bands.map((b) => ({ band: b.band, faces: b.faces, mAP: b.mAP, ap: ap(b.perClass), recall: b.agnostic.recall })) };
}

/** The head's probabilities of every box of a set, photo by photo, in the shipped classifier's class order. */
export function headProbs(head: TrainedHead, set: RecordSet, spec: FeatureSpec): Float32Array[][] {
  const order = set.classes.map((c) => (HEAD_CLASSES as readonly string[]).indexOf(c));
  if (order.some((k) => k < 0) || set.classes.length !== HEAD_CLASSES.length) throw new Error(`the shipped classes (${set.classes.join(', ')}) are not the head's (${HEAD_CLASSES.join(', ')})`);
  return perPhoto(set, predictHead(head, rowsOf(set, spec))).map((rows) => rows.map((r) => Float32Array.from(order, (k) => r[k])));
}

/** The three ways measured on a set: pooled, and per dataset. */
export interface SideBySide {
  head: MeasureSummary;
  shipped: MeasureSummary;
  mix: MeasureSummary;
  byDataset: Record<string, { head: number; shipped: number; mix: number }>;
  /** mAP gains over the shipped classifier with their paired bootstrap 95 % intervals (`pairedMapGain`). */
  gainOverShipped: { head: { value: number; low: number; high: number }; mix: { value: number; low: number; high: number } };
}

/** `head`, `shipped` and `mix` (at `w`) on a set by the field's measure. */
export function sideBySide(set: RecordSet, head: Float32Array[][], w: number, floor: number, minSize = 24): SideBySide {
  const shipped = set.photos.map((p) => p.shipped);
  const mix = mixProbs(head, shipped, w);
  const all = { head, shipped, mix };
  const images = Object.fromEntries(Object.entries(all).map(([k, probs]) => [k, vocOf(set.photos, probs, set.classes)])) as Record<keyof typeof all, VocImage[]>;
  const byDataset: SideBySide['byDataset'] = {};
  for (const ds of [...new Set(set.photos.map((p) => p.dataset))]) {
    const pick = (xs: VocImage[]) => xs.filter((_, i) => set.photos[i].dataset === ds);
    byDataset[ds] = { head: quickMap(pick(images.head), floor), shipped: quickMap(pick(images.shipped), floor), mix: quickMap(pick(images.mix), floor) };
  }
  const m = (xs: VocImage[]) => measureSummary(fieldMeasure(xs, { floor, bands: [...FIELD_BANDS, countedBand(minSize)] }));
  const gainOverShipped = { head: pairedMapGain(images.shipped, images.head, floor), mix: pairedMapGain(images.shipped, images.mix, floor) };
  return { head: m(images.head), shipped: m(images.shipped), mix: m(images.mix), byDataset, gainOverShipped };
}

/** The training scenes: the Kaggle fitting photos and ilc2021's train scenes (never a validation or test photo); `mirror`: each also mirrored. */
export function trainingScenes(opts: { limit?: number; mirror?: boolean } = {}): RecordScene[] {
  const scenes: RecordScene[] = [...kaggleScenes('fit', { limit: opts.limit }).map((s) => ({ ...s, dataset: KAGGLE })), ...ilc2021Scenes('train', { limit: opts.limit }).map((s) => ({ ...s, dataset: ILC2021 }))];
  return opts.mirror ? [...scenes, ...scenes.map((s) => ({ ...s, mirror: true }))] : scenes;
}

/** A head to try: its features (a name in `HeadGrid.features`), size, class weights, and whether training sees mirrored photos too. */
export interface HeadCandidate {
  features: string;
  hidden: number;
  classWeights: ClassWeighting;
  mirror: boolean;
}

/**
 * The heads tried on validation, in three stages (each keeps the best so far, the first of equals):
 * 1. every feature set at `start`'s size, weights and mirroring;
 * 2. every size x class weighting on the best features;
 * 3. mirrored photos added to training, or not.
 */
export interface HeadGrid {
  features: Record<string, FeatureSpec>;
  start: Omit<HeadCandidate, 'features'>;
  hidden: number[];
  classWeights: ClassWeighting[];
  /** The rest of the head's recipe (epochs: the most tried; the best epoch is kept). */
  base: Omit<HeadSpec, 'hidden' | 'classWeights'>;
  /** The mix's weights of the head tried. */
  mixWeights: number[];
  /** More seeds the chosen head is trained with, to show the spread on validation. */
  extraSeeds: number[];
}

export const DEFAULT_GRID: HeadGrid = {
  features: {
    'own stride, cell': { strides: 'own', pools: ['centre'], meta: true },
    'own stride, cell + 3x3 mean, max': { strides: 'own', pools: ['centre', 'mean', 'max'], meta: true },
    'three strides, cell + 3x3 mean, max': { strides: 'all', pools: ['centre', 'mean', 'max'], meta: true },
    'three strides, three bands': { strides: 'all', pools: ['top', 'middle', 'bottom'], meta: true },
    'three strides, all': { strides: 'all', pools: ['centre', 'mean', 'max', 'top', 'middle', 'bottom'], meta: true },
  },
  start: { hidden: 64, classWeights: 'sqrt', mirror: false },
  hidden: [0, 64],
  classWeights: ['sqrt', 'balanced'],
  base: { dropout: 0.3, epochs: 20, batch: 128, learningRate: 1e-3, l2: 1e-4, seed: 1 },
  mixWeights: [0.25, 0.5, 0.75],
  extraSeeds: [2],
};

/** A head tried: what it was, the epoch kept and its validation mAP (pooled). */
export interface TriedHead extends HeadCandidate {
  stage: number;
  epoch: number;
  mAP: number;
}

/** Training data: the records, and with mirrored photos. */
export interface TrainingData {
  plain: RecordSet;
  mirrored: RecordSet;
}

/** Train one candidate, scored on `val` after every epoch. */
export async function trainCandidate(data: TrainingData, val: RecordSet, grid: HeadGrid, c: HeadCandidate, floor: number, seed = grid.base.seed): Promise<TrainedHead> {
  const spec = grid.features[c.features];
  const train = c.mirror ? data.mirrored : data.plain;
  const score = (h: TrainedHead) => quickMap(vocOf(val.photos, headProbs(h, val, spec), val.classes), floor);
  return trainHead(rowsOf(train, spec), labelsOf(train), { ...grid.base, seed, hidden: c.hidden, classWeights: c.classWeights }, score);
}

/** The staged search (see `HeadGrid`): every head tried, and the best with its trained weights. */
export async function searchHeads(data: TrainingData, val: RecordSet, grid: HeadGrid, floor: number, log: (line: string) => void = () => undefined): Promise<{ tried: TriedHead[]; best: { tried: TriedHead; head: TrainedHead } }> {
  const tried: TriedHead[] = [];
  let best: { tried: TriedHead; head: TrainedHead } | undefined;
  const run = async (stage: number, c: HeadCandidate) => {
    if (tried.some((t) => t.features === c.features && t.hidden === c.hidden && t.classWeights === c.classWeights && t.mirror === c.mirror)) return;
    const t0 = Date.now();
    const head = await trainCandidate(data, val, grid, c, floor);
    const t: TriedHead = { ...c, stage, epoch: head.epoch, mAP: head.scores[head.epoch - 1] };
    tried.push(t);
    log(`  stage ${stage}: ${c.features}, hidden ${c.hidden}, weights ${c.classWeights}${c.mirror ? ', mirrored too' : ''}: epoch ${t.epoch}, validation mAP ${t.mAP.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    if (!best || t.mAP > best.tried.mAP) best = { tried: t, head };
  };
  for (const features of Object.keys(grid.features)) await run(1, { ...grid.start, features });
  const f = best!.tried.features;
  for (const hidden of grid.hidden) for (const classWeights of grid.classWeights) await run(2, { features: f, hidden, classWeights, mirror: grid.start.mirror });
  await run(3, { ...best!.tried, mirror: !grid.start.mirror });
  return { tried, best: best! };
}

/** What `runOneStage` reports for one setting of boxes. */
export interface SettingResult {
  name: string;
  setting: OneStageSetting;
  training: { photos: number; boxes: number; byClass: Record<string, number> };
  tried: TriedHead[];
  chosen: TriedHead & { mixWeight: number; mixes: { w: number; mAP: number }[]; seeds: { seed: number; epoch: number; mAP: number }[] };
  validation: SideBySide;
  test?: Partial<Record<SceneSetName, SideBySide>>;
}

/** Class counts of the training boxes. */
function classCounts(y: Int32Array): Record<string, number> {
  return Object.fromEntries(HEAD_CLASSES.map((c, k) => [c, y.filter((v) => v === k).length]));
}

export interface OneStageOptions {
  /** The settings of boxes measured (one scale, two scales, …), by name. */
  settings: Record<string, OneStageSetting>;
  grid?: HeadGrid;
  /** Measure the test scenes (once, after every choice). default: false */
  test?: boolean;
  /** The first N photos of each part or side (small-data mode). */
  limit?: number;
  quiet?: boolean;
  log?: (line: string) => void;
}

/** The chosen head of a setting: the mix's weight on validation, and the spread over other seeds. */
async function chooseMix(data: TrainingData, val: RecordSet, grid: HeadGrid, best: { tried: TriedHead; head: TrainedHead }, floor: number) {
  const probs = headProbs(best.head, val, grid.features[best.tried.features]);
  const shipped = val.photos.map((p) => p.shipped);
  const mixes = grid.mixWeights.map((w) => ({ w, mAP: quickMap(vocOf(val.photos, mixProbs(probs, shipped, w), val.classes), floor) }));
  const mixWeight = mixes.reduce((a, b) => (b.mAP > a.mAP ? b : a)).w;
  const seeds = [{ seed: grid.base.seed, epoch: best.head.epoch, mAP: best.tried.mAP }];
  for (const seed of grid.extraSeeds) {
    const h = await trainCandidate(data, val, grid, best.tried, floor, seed);
    seeds.push({ seed, epoch: h.epoch, mAP: h.scores[h.epoch - 1] });
  }
  return { mixWeight, mixes, seeds, probs };
}

/** The whole experiment, setting by setting (see the module comment). */
export async function runOneStage(config: Config, opts: OneStageOptions): Promise<SettingResult[]> {
  const grid = opts.grid ?? DEFAULT_GRID;
  const floor = config.faces.scoreFloor;
  const log = opts.log ?? (() => undefined);
  const out: SettingResult[] = [];
  for (const [name, setting] of Object.entries(opts.settings)) {
    const ro = { setting, quiet: opts.quiet, limit: opts.limit };
    const mirrored = await sceneRecords(config, trainingScenes({ limit: opts.limit, mirror: true }), ro);
    const data: TrainingData = { plain: { ...mirrored, photos: mirrored.photos.filter((p) => !p.mirror) }, mirrored };
    const val = await sceneRecords(config, validationScenes({ limit: opts.limit }), ro);
    const y = labelsOf(data.plain);
    log(`${name}: ${data.plain.photos.length} training photos, ${y.length} boxes; ${val.photos.length} validation photos`);
    const { tried, best } = await searchHeads(data, val, grid, floor, log);
    const { mixWeight, mixes, seeds, probs } = await chooseMix(data, val, grid, best, floor);
    const result: SettingResult = {
      name,
      setting,
      training: { photos: data.plain.photos.length, boxes: y.length, byClass: classCounts(y) },
      tried,
      chosen: { ...best.tried, mixWeight, mixes, seeds },
      validation: sideBySide(val, probs, mixWeight, floor, config.faces.minSize),
    };
    if (opts.test) {
      result.test = {};
      for (const t of TEST_SCENE_SETS) {
        const set = await sceneRecords(config, sceneSet(t, { limit: opts.limit }), ro);
        result.test[t] = sideBySide(set, headProbs(best.head, set, grid.features[best.tried.features]), mixWeight, floor, config.faces.minSize);
      }
    }
    out.push(result);
  }
  return out;
}
