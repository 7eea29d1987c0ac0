/**
 * Training a head on the frozen base (transfer learning; the tutorial's recipe by default), as four
 * steps: build the data (src/training/data.ts) → embed K views of every item with the base
 * (src/model/features.ts, cached) → fit the head (src/training/fit.ts) → measure and save into a
 * fresh run folder `runs/train/<name>/` (`config.json`, `metrics.csv`, `plot.png`, `results.json`,
 * `model/`). The CSV log and a notebook's live chart are epoch callbacks.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, initBackend } from '../backend/tf';
import type { Config } from '../config';
import { projectPaths } from '../paths';
import { isLabel, type ModelClass } from '../labels';
import { writeFileAtomic } from '../util/atomic';
import { inFreshRunDir } from '../util/runs';
import { progress } from '../util/progress';
import { lineChart } from '../charts/index';
import { KAGGLE_EXCLUDED, KAGGLE_PARTS } from '../data/kaggle';
import type { TrainItem } from '../data/types';
import { loadBase, featureDim, BANDS_POOL, type FeatureKind, type LoadedBase } from '../model/base';
import { buildFoldedTail, tailPooled, tailSpec, unfoldTail } from '../model/tail';
import { buildHead } from '../model/head';
import { embedItems, startBaseRunner, type FeatureMatrix } from '../model/learn/features';
import { affineViews, alignedViews, realViews, type ViewMaker } from '../model/learn/views';
import { ALIGN_TEMPLATE, ALIGNED_CROP, BOX_CROP, checkAlignTemplate, checkBoxContext, type CropRule } from '../model/crop';
import { attachLandmarks } from './landmarks';
import { saveClassifier } from '../model/classifier';
import type { ModelManifest } from '../model/manifest';
import { exportModelOnnx } from '../model/onnx/export';
import { readManifest } from '../model/manifest-files';
import { reportFromProbabilities, withWithoutBalancedAccuracy, type ClassificationReport } from '../evaluation/metrics';
import { emittedOnly } from '../evaluation/evaluate';
import { getRecipe, recipeDatasets, type Recipe, type FeatureSelection } from './presets';
import { classesOf, labelCounts, realworldData, splitData, type TrainingData } from './data';
import { allCallbacks, balancedClassWeights, evaluateFeatures, fitHead, type EpochLog, type TrainCallbacks, type Trunk } from './fit';

export type { EpochLog };

export interface TrainOptions extends TrainCallbacks {
  /** The configuration (its train, data, split, detect and faces sections; small-data mode). */
  config: Config;
  /** default: config `train.preset` ('original') */
  preset?: string;
  /** Recipe overrides (`{ 'head.units': 256 }`), recorded in the run. default: none */
  overrides?: Record<string, unknown>;
  /** Shorthands for overrides: the split's datasets, epochs, batch size, cached views per item. */
  datasets?: string[];
  epochs?: number;
  batchSize?: number;
  views?: number;
  /** Seed of initialisation, augmentation and shuffling. default: config `seed` (42) */
  seed?: number;
  /** Seed of the group-aware split. default: `seed` */
  splitSeed?: number;
  /** Worker threads for the base on tfjs (0 = calling thread). default: config `train.workers` (2) */
  workers?: number;
  /** Where the base runs while caching features. default: config `train.runtime` ('onnx') */
  runtime?: 'onnx' | 'tfjs';
  /** Run folder name under `runs/train/`. default: `<preset>-s<seed>` (+ `-2`, `-3`… if taken) */
  name?: string;
  /** default: `projectPaths().runsTrain` */
  runsDir?: string;
  /** No progress bars. default: false */
  quiet?: boolean;
  /** realworld: the `facemask synth` output folder(s) to use (null: none). default: `.cache/synth-realworld` when present */
  synthDir?: string | string[] | null;
  /** realworld: hold out one fold of ilc2021's train + validation photos as validation (cross-validation, src/training/cv.ts). default: off */
  ilc2021Fold?: { fold: number; folds: number; seed?: number };
  /** Feature cache folder (null: none). default: `.cache/features` */
  cacheDir?: string | null;
}

export interface TrainResult {
  runDir: string;
  modelDir: string;
  manifest: ModelManifest;
  history: EpochLog[];
  test: ClassificationReport;
  /** Validation faces (emitted classes), with/without balanced accuracy there, and not_face rejection on validation boxes. */
  val: ClassificationReport | null;
  valWithWithout: number | null;
  valNotFace: { boxes: number; rejected: number; facesRejected: number } | null;
  settings: RunSettings;
  seconds: { data: number; features: number; fit: number; total: number };
  /** The validation items and the model's probabilities for each (full class order, before any calibration). */
  valItems: TrainItem[];
  valProbs: Float32Array[];
}

/** What a run was asked and what it used (`config.json`). */
export interface RunSettings {
  preset: string;
  overrides: Record<string, unknown>;
  recipe: Recipe;
  datasets: string[];
  classes: ModelClass[];
  epochs: number;
  views: number;
  seed: number;
  splitSeed: number;
  workers: number;
  runtime: string;
  small: boolean;
  base: { name: string; sha256: string };
  counts: Record<'train' | 'val' | 'test', Partial<Record<string, number>>>;
  data: Record<string, unknown>;
  backend: string;
  machine: string;
  started: string;
}

/** The recipe a run uses: the preset, the overrides, and the option shorthands. */
export function runRecipe(opts: TrainOptions, preset: string): { recipe: Recipe; overrides: Record<string, unknown> } {
  const overrides: Record<string, unknown> = { ...(opts.overrides ?? {}) };
  if (opts.datasets) overrides['data.datasets'] = opts.datasets;
  if (opts.epochs !== undefined) overrides['fit.epochs'] = opts.epochs;
  if (opts.batchSize !== undefined) overrides['fit.batchSize'] = opts.batchSize;
  return { recipe: getRecipe(preset, overrides), overrides };
}

/** The crop rule a recipe trains (and its model is run) with. */
export function recipeCropRule(r: Recipe): CropRule {
  if (r.crop === 'aligned') return { ...ALIGNED_CROP, template: checkAlignTemplate(r.alignTemplate ?? ALIGN_TEMPLATE) };
  return r.cropContext ? { kind: 'box', context: checkBoxContext(r.cropContext, 'recipe field "cropContext"') } : BOX_CROP;
}

/** What the base computes for a feature selection: the mean or the bands of its last map (the head pools the same, so the saved head takes the map). */
export function baseFeatureKind(sel: FeatureSelection): 'pooled' | 'bands' {
  return sel === 'bands' ? 'bands' : 'pooled';
}

/** The views a recipe makes of training items, and of validation/test items (plain). */
function viewMakers(r: Recipe): { train: ViewMaker; plain: ViewMaker } {
  if (r.data.kind === 'split') return { train: affineViews(r.views.affine), plain: affineViews(null) };
  const rule = recipeCropRule(r);
  if (rule.kind === 'aligned') return { train: alignedViews(rule, r.views.real), plain: alignedViews(rule, null) };
  return { train: realViews(r.views.real, rule.context), plain: realViews(null, rule.context) };
}

/** Step 2: base features (`kind`) of `views` views of every training item and the plain validation/test items. */
async function embedAll(data: { train: TrainItem[]; val: TrainItem[]; test: TrainItem[] }, r: Recipe, base: LoadedBase, kind: FeatureKind, o: { views: number; seed: number; workers: number; runtime: 'onnx' | 'tfjs'; quiet: boolean; cacheDir?: string | null; label?: string }) {
  const dim = featureDim(kind, base.spec, base.model);
  const makers = viewMakers(r);
  const bar = progress(o.label ?? 'base features', data.train.length * o.views + data.val.length + data.test.length, { quiet: o.quiet, unit: 'img' });
  const runner = await startBaseRunner(base, o.workers, kind, o.runtime);
  try {
    const common = { seed: o.seed, size: base.spec.inputSize, baseSha256: base.sha256, cacheDir: o.cacheDir, onProgress: (n: number) => bar.tick(n), ...(kind.startsWith('map:') || kind === 'bands' ? { kind } : {}) };
    const train = await embedItems(data.train, runner, dim, { ...common, views: makers.train, count: o.views });
    const val = await embedItems(data.val, runner, dim, { ...common, views: makers.plain, count: 1 });
    const test = await embedItems(data.test, runner, dim, { ...common, views: makers.plain, count: 1 });
    return { train, val, test };
  } finally {
    await runner.close();
    bar.done();
  }
}

/** Cached maps for fine-tuning blocks above this size are refused (they live in memory during training). */
export const MAX_MAP_CACHE_BYTES = 8 * 2 ** 30;

/** What every run writes as it goes: `metrics.csv` after each epoch, `plot.png` (the curves) at the end. */
export function runFolderCallbacks(runDir: string): TrainCallbacks {
  const csv = ['epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds'];
  return {
    onEpochEnd(log) {
      csv.push([log.epoch, log.loss, log.accuracy, log.val_loss ?? '', log.val_accuracy ?? '', log.lr, log.seconds].map((z) => (typeof z === 'number' ? +z.toPrecision(6) : z)).join(','));
      writeFileAtomic(path.join(runDir, 'metrics.csv'), csv.join('\n') + '\n');
    },
    async onTrainEnd(history, title) {
      await lineChart(history as unknown as Record<string, unknown>[], { x: 'epoch', y: ['loss', 'val_loss', 'accuracy', 'val_accuracy'], title, zero: true }).save(path.join(runDir, 'plot.png'));
    },
  };
}

/** A run ready to start: its recipe and numbers, the base, the data and the classes (everything before the run folder). */
interface PreparedRun {
  cfg: Config;
  recipe: Recipe;
  overrides: Record<string, unknown>;
  seed: number;
  splitSeed: number;
  epochs: number;
  views: number;
  workers: number;
  runtime: Config['train']['runtime'];
  quiet: boolean;
  backend: string;
  base: LoadedBase;
  /** 'blocks': which of the base's layers train. */
  tail: ReturnType<typeof tailSpec> | null;
  crop: CropRule;
  data: TrainingData;
  classes: ModelClass[];
  val: TrainItem[];
  test: TrainItem[];
}

/** Step 1: the recipe, its numbers, the base and the data (a bad setting is refused before any work). */
async function prepareRun(opts: TrainOptions): Promise<PreparedRun> {
  const cfg = opts.config;
  const backend = await initBackend({ quiet: opts.quiet });
  const { recipe, overrides } = runRecipe(opts, opts.preset ?? cfg.train.preset);
  const seed = opts.seed ?? cfg.seed;
  const splitSeed = opts.splitSeed ?? seed;
  const augmented = recipe.views.affine !== null || recipe.views.real !== null;
  const views = opts.views ?? (augmented ? (cfg.small ? recipe.views.smallCount : recipe.views.count) : 1);
  const quiet = opts.quiet ?? false;
  if (!Number.isInteger(views) || views < 1) throw new Error(`views must be a positive integer, got ${views}`);
  const base = await loadBase(recipe.base);
  const side = base.spec.outputShape[0];
  if (recipe.features === 'bands' && side !== BANDS_POOL.side) throw new Error(`features "bands" cut the base's last map in bands of a ${BANDS_POOL.side}x${BANDS_POOL.side} map; base "${base.spec.name}" gives ${side}x${side}: use features=pooled or blocks with it`);
  const tail = recipe.features === 'blocks' ? tailSpec(base.model, recipe.finetune.blocks) : null;
  const data: TrainingData = recipe.data.kind === 'realworld' ? await realworldData(recipe.data, { config: cfg, progress: !quiet, synthDir: opts.synthDir, ilc2021Fold: opts.ilc2021Fold }) : await splitData(recipe.data, splitSeed, { config: cfg, progress: !quiet });
  const classes = classesOf(data.train);
  if (classes.length < 2) throw new Error(`training needs at least 2 classes; the training data has [${classes.join(', ')}]`);
  // faces of a class the model lacks cannot be scored: measured only on the model's classes
  let val = data.val.filter((r) => classes.includes(r.label as ModelClass));
  let test = data.test.filter((r) => classes.includes(r.label as ModelClass));
  const crop = recipeCropRule(recipe);
  if (crop.kind === 'aligned') {
    // 1b. landmarks of every face for the aligned crop (faces without: the box)
    const found = await attachLandmarks({ train: data.train, val, test }, crop.landmarks, cfg.detect, { quiet });
    [data.train, val, test] = [found.lists.train, found.lists.val, found.lists.test];
    data.notes.landmarks = { source: crop.landmarks, ...found.counts };
    if (!quiet) for (const [name, c] of Object.entries(found.counts)) process.stderr.write(`landmarks ${name}: ${Object.entries(c).map(([k, v]) => `${k} ${v.landmarks}/${v.faces}`).join(', ')}\n`);
  }
  const epochs = opts.epochs ?? (cfg.small ? cfg.train.smallEpochs : recipe.fit.epochs);
  return { cfg, recipe, overrides, seed, splitSeed, epochs, views, workers: opts.workers ?? cfg.train.workers, runtime: opts.runtime ?? cfg.train.runtime, quiet, backend, base, tail, crop, data, classes, val, test };
}

/** What the run was asked and what it used (`config.json`). */
function runSettings(p: PreparedRun): RunSettings {
  return {
    preset: p.recipe.name, overrides: p.overrides, recipe: p.recipe, datasets: recipeDatasets(p.recipe), classes: p.classes,
    epochs: p.epochs, views: p.views, seed: p.seed, splitSeed: p.splitSeed, workers: p.workers, runtime: p.runtime, small: p.cfg.small,
    base: { name: p.base.spec.name, sha256: p.base.sha256 },
    counts: { train: labelCounts(p.data.train), val: labelCounts(p.val), test: labelCounts(p.test) },
    data: p.data.notes,
    backend: p.backend,
    machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.versions.node}`,
    started: new Date().toISOString(),
  };
}

type Split3 = { train: FeatureMatrix; val: FeatureMatrix; test: FeatureMatrix };

/** Step 2: base features of every view (for 'blocks' also the map that feeds the fine-tuned blocks, cached per view). */
async function embedFeatures(p: PreparedRun, cacheDir: string | null | undefined): Promise<{ F: Split3; maps: Split3 | null }> {
  const items = { train: p.data.train, val: p.val, test: p.test };
  const embedOpts = { views: p.views, seed: p.seed, workers: p.workers, runtime: p.runtime, quiet: p.quiet, cacheDir };
  const F = await embedAll(items, p.recipe, p.base, baseFeatureKind(p.recipe.features), embedOpts);
  if (!p.tail) return { F, maps: null };
  const bytes = (items.train.length * p.views + items.val.length + items.test.length) * p.tail.inputShape.reduce((a, b) => a * b, 1) * 4;
  if (bytes > MAX_MAP_CACHE_BYTES) {
    throw new Error(`fine-tuning ${p.tail.blocks} blocks caches the "${p.tail.input}" map [${p.tail.inputShape.join(', ')}] of every view: ${(bytes / 2 ** 30).toFixed(1)} GiB, over ${MAX_MAP_CACHE_BYTES / 2 ** 30} GiB; use fewer blocks (finetune.blocks) or views`);
  }
  return { F, maps: await embedAll(items, p.recipe, p.base, `map:${p.tail.input}`, { ...embedOpts, label: `${p.tail.input} maps` }) };
}

/** The fitted model: the heads, the learning curves, what the saved head takes (and a trained tail before it). */
interface FittedModel {
  mapHead: tf.LayersModel;
  pooledHead: tf.LayersModel;
  history: EpochLog[];
  valX: FeatureMatrix;
  testX: FeatureMatrix;
  trunk?: Trunk;
  tailModel?: tf.LayersModel;
  beforeFinetune?: ReturnType<typeof validationNumbers>;
  callbacks: TrainCallbacks;
}

/** Step 3: fit the head on pooled (or band) features; for 'blocks', then the base's last blocks with it. */
async function fitModel(p: PreparedRun, F: Split3, maps: Split3 | null, runDir: string, opts: TrainOptions): Promise<FittedModel> {
  const y = (xs: TrainItem[]) => xs.map((r) => p.classes.indexOf(r.label as ModelClass));
  const [yTrain, yVal] = [y(p.data.train), y(p.val)];
  const mapShape = p.base.spec.outputShape;
  const bands = p.recipe.features === 'bands';
  const { head: mapHead, pooledHead } = buildHead(p.classes.length, { seed: p.seed, hidden: p.recipe.head.units, dropout: p.recipe.head.dropout, featureShape: bands ? mapShape : [mapShape[0], mapShape[1], F.train.dim], pool: bands ? 'bands' : 'mean' });
  const callbacks = allCallbacks(runFolderCallbacks(runDir), { onEpochEnd: opts.onEpochEnd, onTrainEnd: opts.onTrainEnd });
  const fit = {
    decay: p.recipe.fit.decay, batchSize: p.recipe.fit.batchSize, views: p.views, seed: p.seed,
    classWeights: p.recipe.fit.classWeights === 'balanced' ? balancedClassWeights(yTrain, p.classes.length) : null,
    dropout: p.recipe.head.dropout, units: p.recipe.head.units, nClasses: p.classes.length, quiet: p.quiet, callbacks,
  };
  const history = await fitHead(pooledHead, F.train, yTrain, F.val, yVal, { ...fit, epochs: p.epochs, learningRate: p.recipe.fit.learningRate, label: 'train', epochOffset: 0 });
  if (!(p.tail && maps)) return { mapHead, pooledHead, history, valX: F.val, testX: F.test, callbacks };
  // the head from the pooled phase goes on training, now behind the base's last blocks (starting as the frozen base)
  const beforeFinetune = validationNumbers(pooledHead, F.val, yVal, p.classes);
  // trained with BatchNorm folded into the convolutions (the same function, faster on wasm), saved in the base's layers
  const folded = await buildFoldedTail(p.base.model, p.tail.blocks);
  const training: Trunk = { apply: (x) => tailPooled(folded, x), variables: folded.trainableWeights.map((w) => w.read() as tf.Variable) };
  const more = await fitHead(pooledHead, maps.train, yTrain, maps.val, yVal, { ...fit, trunk: training, epochs: p.cfg.small ? 1 : p.recipe.finetune.epochs, learningRate: p.recipe.finetune.learningRate, decay: 'none', label: `fine-tune ${p.tail.blocks} blocks`, epochOffset: p.epochs });
  history.push(...more);
  const tailModel = await unfoldTail(p.base.model, folded, p.tail.blocks);
  folded.dispose();
  return { mapHead, pooledHead, history, valX: maps.val, testX: maps.test, trunk: { apply: (x) => tailPooled(tailModel, x), variables: [] }, tailModel, beforeFinetune, callbacks };
}

/** The manifest of a trained model (before its head and tail files are added by `saveClassifier`). */
function trainedManifest(p: PreparedRun, runDir: string, test: ReturnType<typeof measureTest>): Omit<ModelManifest, 'head' | 'tail'> {
  const r = p.recipe;
  return {
    format: 'facemask-classifier/1',
    classes: p.classes,
    base: { name: p.base.spec.name, sha256: p.base.sha256, alpha: p.base.spec.alpha, inputSize: p.base.spec.inputSize, preprocessing: p.base.spec.preprocessing },
    ...(p.crop.kind === 'aligned' || p.crop.context ? { crop: p.crop } : {}),
    training: {
      preset: r.name, seed: p.seed, splitSeed: p.splitSeed, datasets: recipeDatasets(r), epochs: p.epochs, views: p.views, run: path.basename(runDir),
      ...(r.data.kind === 'realworld' ? { kaggle: { fit: [...KAGGLE_PARTS.fit] as [number, number], validation: [...KAGGLE_PARTS.validation] as [number, number], excluded: [...KAGGLE_EXCLUDED.keys()] } } : {}),
      ...(Object.keys(p.overrides).length ? { overrides: p.overrides } : {}),
    },
    test: { split: p.data.testDescription, n: test.report.total, accuracy: test.report.accuracy, balancedAccuracy: test.report.balancedAccuracy, macroF1: test.report.macro.f1, withWithoutBalancedAccuracy: test.withWithout, loss: test.loss },
    createdAt: new Date().toISOString(),
  };
}

/** Step 4a: the model on the test items, over the emitted classes only (an internal class such as not_face is never reported). */
function measureTest(p: PreparedRun, m: FittedModel) {
  const yTest = p.test.map((r) => p.classes.indexOf(r.label as ModelClass));
  const t = evaluateFeatures(m.pooledHead, m.testX, yTest, p.classes.length, m.trunk);
  const emitted = emittedOnly(p.classes, t.probs);
  const truth = yTest.map((k) => emitted.classes.indexOf(p.classes[k]));
  return { report: reportFromProbabilities(truth, emitted.probs, emitted.classes), withWithout: withWithoutBalancedAccuracy(truth, emitted.probs, emitted.classes)?.value ?? null, loss: t.loss };
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const p = await prepareRun(opts);
  return inFreshRunDir(opts.runsDir ?? projectPaths().runsTrain, opts.name ?? `${p.recipe.name}-s${p.seed}`, async (runDir) => {
    const settings = runSettings(p);
    writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(settings, null, 2) + '\n');
    const tData = performance.now();
    const { F, maps } = await embedFeatures(p, opts.cacheDir);
    const tFeatures = performance.now();
    const m = await fitModel(p, F, maps, runDir, opts);
    const tFit = performance.now();
    // 4. Measure, save (with model.onnx beside the tfjs files, its SHA-256 in the manifest).
    const test = measureTest(p, m);
    const yVal = p.val.map((r) => p.classes.indexOf(r.label as ModelClass));
    const v = validationNumbers(m.pooledHead, m.valX, yVal, p.classes, m.trunk);
    const modelDir = path.join(runDir, 'model');
    const manifest = await saveClassifier(modelDir, m.mapHead, trainedManifest(p, runDir, test), m.tailModel && p.tail ? { model: m.tailModel, spec: p.tail } : undefined);
    await exportModelOnnx(modelDir);
    await m.callbacks.onTrainEnd!(m.history, `${p.recipe.name}, seed ${p.seed}: test accuracy ${(test.report.accuracy * 100).toFixed(2)} %`);
    const seconds = { data: (tData - t0) / 1000, features: (tFeatures - tData) / 1000, fit: (tFit - tFeatures) / 1000, total: (performance.now() - t0) / 1000 };
    const pooledPhase = m.beforeFinetune ? { beforeFinetune: { val: m.beforeFinetune.report, valWithWithout: m.beforeFinetune.withWithout, valNotFace: m.beforeFinetune.notFace } } : {};
    writeFileAtomic(path.join(runDir, 'results.json'), JSON.stringify({ test: test.report, testWithWithout: manifest.test.withWithoutBalancedAccuracy, val: v.report, valWithWithout: v.withWithout, valNotFace: v.notFace, ...pooledPhase, seconds, history: m.history }, null, 2) + '\n');
    m.mapHead.dispose();
    m.tailModel?.dispose();
    p.base.model.dispose();
    return { runDir, modelDir, manifest: readManifest(modelDir), history: m.history, test: test.report, val: v.report, valWithWithout: v.withWithout, valNotFace: v.notFace, settings, seconds, valItems: p.val, valProbs: v.probs };
  });
}

/** Validation numbers: the faces (emitted classes) as a report and with/without, and how the not_face boxes and the faces fare against rejection. */
function validationNumbers(head: tf.LayersModel, valX: FeatureMatrix, yVal: number[], classes: ModelClass[], trunk?: Trunk) {
  const e = evaluateFeatures(head, valX, yVal, classes.length, trunk);
  const faces = yVal.map((k, i) => ({ k, i })).filter((r) => isLabel(classes[r.k]));
  const em = emittedOnly(classes, faces.map((r) => e.probs[r.i]));
  const truth = faces.map((r) => em.classes.indexOf(classes[r.k]));
  const top = (i: number) => e.probs[i].indexOf(Math.max(...e.probs[i]));
  const nf = classes.indexOf('not_face');
  return {
    report: faces.length ? reportFromProbabilities(truth, em.probs, em.classes) : null,
    withWithout: faces.length ? (withWithoutBalancedAccuracy(truth, em.probs, em.classes)?.value ?? null) : null,
    probs: e.probs,
    notFace: nf < 0 ? null : { boxes: yVal.filter((k) => k === nf).length, rejected: yVal.filter((k, i) => k === nf && top(i) === nf).length, facesRejected: faces.filter((r) => top(r.i) === nf).length },
  };
}

