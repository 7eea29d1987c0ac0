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
import { loadBase, featureDim, BANDS_POOL, RICH_LAYOUT, type FeatureKind, type LoadedBase } from '../model/base';
import { buildFoldedTail, tailPooled, tailSpec, unfoldTail } from '../model/tail';
import { buildHead, buildFinetuneHead } from '../model/head';
import { embedItems, startBaseRunner, type FeatureMatrix } from '../model/learn/features';
import { affineViews, alignedViews, realViews, type ViewMaker } from '../model/learn/views';
import { ALIGN_TEMPLATE, ALIGNED_CROP, BOX_CROP, checkAlignTemplate, type CropRule } from '../model/crop';
import { attachLandmarks } from './landmarks';
import { saveClassifier } from '../model/classifier';
import { hasOnnxForm, type ModelManifest } from '../model/manifest';
import { exportModelOnnx } from '../model/onnx/export';
import { readManifest } from '../model/manifest-files';
import { reportFromProbabilities, withWithoutBalancedAccuracy, type ClassificationReport } from '../evaluation/metrics';
import { emittedOnly } from '../evaluation/evaluate';
import { getRecipe, recipeDatasets, type Recipe, type FeatureSelection } from './presets';
import { classesOf, labelCounts, realworldData, splitData, type TrainingData } from './data';
import { allCallbacks, balancedClassWeights, evaluateFeatures, fitHead, meanFromBands, selectColumns, selectionColumns, type EpochLog, type TrainCallbacks, type Trunk } from './fit';

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
  return r.crop === 'aligned' ? { ...ALIGNED_CROP, template: checkAlignTemplate(r.alignTemplate ?? ALIGN_TEMPLATE) } : BOX_CROP;
}

/** What the base computes for a feature selection: the mean or the bands of its last map (the head pools the same, so the saved head takes the map), or the `rich` layout that a head on columns of it takes. */
export function baseFeatureKind(sel: FeatureSelection): 'pooled' | 'bands' | 'rich' {
  return sel === 'pooled' || sel === 'blocks' ? 'pooled' : sel === 'bands' ? 'bands' : 'rich';
}

/** The views a recipe makes of training items, and of validation/test items (plain). */
function viewMakers(r: Recipe): { train: ViewMaker; plain: ViewMaker } {
  if (r.data.kind === 'split') return { train: affineViews(r.views.affine), plain: affineViews(null) };
  const rule = recipeCropRule(r);
  return rule.kind === 'aligned' ? { train: alignedViews(rule, r.views.real), plain: alignedViews(rule, null) } : { train: realViews(r.views.real), plain: realViews(null) };
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

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const cfg = opts.config;
  const backend = await initBackend({ quiet: opts.quiet });
  const { recipe, overrides } = runRecipe(opts, opts.preset ?? cfg.train.preset);
  const seed = opts.seed ?? cfg.seed;
  const splitSeed = opts.splitSeed ?? seed;
  const epochs = opts.epochs ?? (cfg.small ? cfg.train.smallEpochs : recipe.fit.epochs);
  const augmented = recipe.views.affine !== null || recipe.views.real !== null;
  const views = opts.views ?? (augmented ? (cfg.small ? recipe.views.smallCount : recipe.views.count) : 1);
  const workers = opts.workers ?? cfg.train.workers;
  const quiet = opts.quiet ?? false;
  if (!Number.isInteger(views) || views < 1) throw new Error(`views must be a positive integer, got ${views}`);
  if (baseFeatureKind(recipe.features) === 'rich' && recipe.data.kind !== 'realworld') throw new Error(`features "${recipe.features}" need the realworld data`);

  // 1. Data.
  const base = await loadBase(recipe.base);
  const side = base.spec.outputShape[0];
  if (baseFeatureKind(recipe.features) !== 'pooled' && side !== BANDS_POOL.side) throw new Error(`features "${recipe.features}" cut the base's last map in bands of a ${BANDS_POOL.side}x${BANDS_POOL.side} map; base "${base.spec.name}" gives ${side}x${side}: use features=pooled or blocks with it`);
  // 'blocks': which of the base's layers train (a bad number of blocks is refused before any work)
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
    if (!quiet) for (const [name, c] of Object.entries(found.counts)) process.stderr.write(`landmarks ${name}: ${Object.entries(c).map(([s, v]) => `${s} ${v.landmarks}/${v.faces}`).join(', ')}\n`);
  }
  return inFreshRunDir(opts.runsDir ?? projectPaths().runsTrain, opts.name ?? `${recipe.name}-s${seed}`, async (runDir) => {
    const settings: RunSettings = {
      preset: recipe.name,
      overrides,
      recipe,
      datasets: recipeDatasets(recipe),
      classes,
      epochs,
      views,
      seed,
      splitSeed,
      workers,
      runtime: opts.runtime ?? cfg.train.runtime,
      small: cfg.small,
      base: { name: base.spec.name, sha256: base.sha256 },
      counts: { train: labelCounts(data.train), val: labelCounts(val), test: labelCounts(test) },
      data: data.notes,
      backend,
      machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.versions.node}`,
      started: new Date().toISOString(),
    };
    writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(settings, null, 2) + '\n');
    const tData = performance.now();

    // 2. Base features (for 'blocks' also the map that feeds the fine-tuned blocks, cached per view).
    const embedOpts = { views, seed, workers, runtime: opts.runtime ?? cfg.train.runtime, quiet, cacheDir: opts.cacheDir };
    const F = await embedAll({ train: data.train, val, test }, recipe, base, baseFeatureKind(recipe.features), embedOpts);
    let maps: { train: FeatureMatrix; val: FeatureMatrix; test: FeatureMatrix } | null = null;
    if (tail) {
      const bytes = (data.train.length * views + val.length + test.length) * tail.inputShape.reduce((a, b) => a * b, 1) * 4;
      if (bytes > MAX_MAP_CACHE_BYTES) {
        throw new Error(`fine-tuning ${tail.blocks} blocks caches the "${tail.input}" map [${tail.inputShape.join(', ')}] of every view: ${(bytes / 2 ** 30).toFixed(1)} GiB, over ${MAX_MAP_CACHE_BYTES / 2 ** 30} GiB; use fewer blocks (finetune.blocks) or views`);
      }
      maps = await embedAll({ train: data.train, val, test }, recipe, base, `map:${tail.input}`, { ...embedOpts, label: `${tail.input} maps` });
    }
    const tFeatures = performance.now();

    // 3. Fit the head (for 'finetune': on pooled features first, then Conv_1 with it; for 'blocks': then the base's last blocks with it).
    const y = (xs: TrainItem[]) => xs.map((r) => classes.indexOf(r.label as ModelClass));
    const [yTrain, yVal, yTest] = [y(data.train), y(val), y(test)];
    const cols = selectionColumns(recipe.features);
    const phase1 = (m: FeatureMatrix) => (recipe.features === 'finetune' ? meanFromBands(m) : cols ? selectColumns(m, cols) : m);
    const [train1, val1, test1] = [F.train, F.val, F.test].map(phase1);
    const mapShape = base.spec.outputShape;
    const bands = baseFeatureKind(recipe.features) === 'bands';
    const { head: mapHead, pooledHead } = buildHead(classes.length, {
      seed,
      hidden: recipe.head.units,
      dropout: recipe.head.dropout,
      featureShape: bands ? mapShape : [mapShape[0], mapShape[1], train1.dim],
      pool: bands ? 'bands' : 'mean',
    });
    const callbacks = allCallbacks(runFolderCallbacks(runDir), { onEpochEnd: opts.onEpochEnd, onTrainEnd: opts.onTrainEnd });
    const fit = {
      decay: recipe.fit.decay,
      batchSize: recipe.fit.batchSize,
      views,
      seed,
      classWeights: recipe.fit.classWeights === 'balanced' ? balancedClassWeights(yTrain, classes.length) : null,
      dropout: recipe.head.dropout,
      units: recipe.head.units,
      nClasses: classes.length,
      quiet,
      callbacks,
    };
    const history = await fitHead(pooledHead, train1, yTrain, val1, yVal, { ...fit, epochs, learningRate: recipe.fit.learningRate, label: 'train', epochOffset: 0 });
    // the model that is measured and saved, the features it takes, and what runs before it
    let finalHead = pooledHead;
    let [valX, testX] = [val1, test1];
    let trunk: Trunk | undefined;
    let tailModel: tf.LayersModel | undefined;
    let beforeFinetune: ReturnType<typeof validationNumbers> | undefined;
    if (recipe.features === 'finetune') {
      [valX, testX] = [selectColumns(F.val, cols!), selectColumns(F.test, cols!)];
      finalHead = buildFinetuneHead(base.model, classes.length, { seed, hidden: recipe.head.units, dropout: recipe.head.dropout, mapShape: RICH_LAYOUT.maps.shape, from: pooledHead });
      const more = await fitHead(finalHead, selectColumns(F.train, cols!), yTrain, valX, yVal, { ...fit, epochs: cfg.small ? 1 : recipe.finetune.epochs, learningRate: recipe.finetune.learningRate, decay: 'none', label: 'fine-tune', epochOffset: epochs });
      history.push(...more);
    } else if (tail && maps) {
      // the head from the pooled phase goes on training, now behind the base's last blocks (starting as the frozen base)
      beforeFinetune = validationNumbers(pooledHead, val1, yVal, classes);
      // trained with BatchNorm folded into the convolutions (the same function, faster on wasm), saved in the base's layers
      const folded = await buildFoldedTail(base.model, tail.blocks);
      trunk = { apply: (x) => tailPooled(folded, x), variables: folded.trainableWeights.map((w) => w.read() as tf.Variable) };
      [valX, testX] = [maps.val, maps.test];
      const more = await fitHead(pooledHead, maps.train, yTrain, valX, yVal, { ...fit, trunk, epochs: cfg.small ? 1 : recipe.finetune.epochs, learningRate: recipe.finetune.learningRate, decay: 'none', label: `fine-tune ${tail.blocks} blocks`, epochOffset: epochs });
      history.push(...more);
      tailModel = await unfoldTail(base.model, folded, tail.blocks);
      folded.dispose();
      trunk = { apply: (x) => tailPooled(tailModel!, x), variables: [] };
    }
    const tFit = performance.now();

    // 4. Measure (over the emitted classes only: an internal class such as not_face is never reported), save.
    const t = evaluateFeatures(finalHead, testX, yTest, classes.length, trunk);
    const emitted = emittedOnly(classes, t.probs);
    const testTruth = yTest.map((k) => emitted.classes.indexOf(classes[k]));
    const report = reportFromProbabilities(testTruth, emitted.probs, emitted.classes);
    const v = validationNumbers(finalHead, valX, yVal, classes, trunk);
    const modelDir = path.join(runDir, 'model');
    const manifest = await saveClassifier(modelDir, baseFeatureKind(recipe.features) === 'rich' ? finalHead : mapHead, {
      format: 'facemask-classifier/1',
      classes,
      base: { name: base.spec.name, sha256: base.sha256, alpha: base.spec.alpha, inputSize: base.spec.inputSize, preprocessing: base.spec.preprocessing },
      ...(crop.kind === 'aligned' ? { crop } : {}),
      ...(cols ? { features: { kind: 'rich' as const, columns: cols } } : {}),
      training: {
        preset: recipe.name,
        seed,
        splitSeed,
        datasets: recipeDatasets(recipe),
        epochs,
        views,
        run: path.basename(runDir),
        ...(recipe.data.kind === 'realworld' ? { kaggle: { fit: [...KAGGLE_PARTS.fit] as [number, number], validation: [...KAGGLE_PARTS.validation] as [number, number], excluded: [...KAGGLE_EXCLUDED.keys()] } } : {}),
        ...(Object.keys(overrides).length ? { overrides } : {}),
      },
      test: {
        split: data.testDescription,
        n: report.total,
        accuracy: report.accuracy,
        balancedAccuracy: report.balancedAccuracy,
        macroF1: report.macro.f1,
        withWithoutBalancedAccuracy: withWithoutBalancedAccuracy(testTruth, emitted.probs, emitted.classes)?.value ?? null,
        loss: t.loss,
      },
      createdAt: new Date().toISOString(),
    }, tailModel && tail ? { model: tailModel, spec: tail } : undefined);
    if (hasOnnxForm(manifest)) await exportModelOnnx(modelDir); // model.onnx beside the tfjs files, its SHA-256 in the manifest
    await callbacks.onTrainEnd!(history, `${recipe.name}, seed ${seed}: test accuracy ${(report.accuracy * 100).toFixed(2)} %`);
    const seconds = { data: (tData - t0) / 1000, features: (tFeatures - tData) / 1000, fit: (tFit - tFeatures) / 1000, total: (performance.now() - t0) / 1000 };
    const pooledPhase = beforeFinetune ? { beforeFinetune: { val: beforeFinetune.report, valWithWithout: beforeFinetune.withWithout, valNotFace: beforeFinetune.notFace } } : {};
    writeFileAtomic(path.join(runDir, 'results.json'), JSON.stringify({ test: report, testWithWithout: manifest.test.withWithoutBalancedAccuracy, val: v.report, valWithWithout: v.withWithout, valNotFace: v.notFace, ...pooledPhase, seconds, history }, null, 2) + '\n');
    mapHead.dispose();
    tailModel?.dispose();
    if (finalHead !== pooledHead) finalHead.dispose();
    base.model.dispose();
    return { runDir, modelDir, manifest: readManifest(modelDir), history, test: report, val: v.report, valWithWithout: v.withWithout, valNotFace: v.notFace, settings, seconds, valItems: val, valProbs: v.probs };
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

