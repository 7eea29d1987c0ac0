/**
 * Training a head on the frozen base (transfer learning, the tutorial's recipe by default).
 *
 * Steps: split (group-aware, `splitFor(datasets, splitSeed)`) → decode every image once in
 * parallel, resized to 224x224 → base features of K augmented views per training image (and the
 * plain val/test images), batched, on worker threads → the head trained on pooled features,
 * each epoch picking a different cached view of every image → test numbers → run folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, initBackend, backendName } from '../backend/tf';
import { resolveConfig } from '../config';
import { projectPaths } from '../paths';
import { LABELS, isLabel, type Label, type ModelClass } from '../labels';
import { splitFor, recordsForSplit, type SplitRecord } from '../data/split';
import { writeFileAtomic } from '../util/atomic';
import { progress } from '../util/progress';
import { lineChart } from '../charts/index';
import { loadBase, MOBILENET_V2_035, RICH_LAYOUT, featureDim } from './base';
import { buildHead, buildFinetuneHead } from './head';
import { decodeForModel, embedViews, featureRow, startBaseRunner, type FeatureMatrix } from './features';
import { getPreset, type Preset, type FeatureSelection } from './presets';
import { hashSeed, mulberry32 } from './augment';
import { saveClassifier } from './classifier';
import type { ModelManifest } from './manifest';
import { realworldData, detectorScenes, embedRealItems, labelCounts, balancedClassWeights, type RealItem } from './realworld';
import { reportFromProbabilities, withWithoutBalancedAccuracy, type ClassificationReport } from '../evaluation/metrics';
import { emittedOnly } from '../evaluation/evaluate';

export interface EpochLog {
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss: number | null;
  val_accuracy: number | null;
  lr: number;
  seconds: number;
}

export interface TrainOptions {
  /** default: config `train.preset` ('original') */
  preset?: string;
  /** default: the preset's */
  datasets?: string[];
  /** default: the preset's (config `train.epochs` in small-data mode) */
  epochs?: number;
  /** default: the preset's */
  batchSize?: number;
  /** Seed of initialisation, augmentation and shuffling. default: config `seed` (42) */
  seed?: number;
  /** Seed of the group-aware split. default: `seed` */
  splitSeed?: number;
  /** Cached augmented views per training image. default: the preset's */
  views?: number;
  /** Worker threads for the base (0 = calling thread). default: config `train.workers` (2) */
  workers?: number;
  /** Run folder name under `runs/train/`. default: `<preset>-s<seed>` (+ `-2`, `-3`… if taken) */
  name?: string;
  /** default: `projectPaths().runsTrain` */
  runsDir?: string;
  /** No progress bars. default: false */
  quiet?: boolean;
  /** realworld preset: the `facemask synth` output folder to use (null: none). default: `.cache/synth-realworld` when present */
  synthDir?: string | null;
  /** Called after each epoch (live curves in the notebook). */
  onEpochEnd?: (log: EpochLog) => void | Promise<void>;
}

export interface TrainResult {
  runDir: string;
  modelDir: string;
  manifest: ModelManifest;
  history: EpochLog[];
  test: ClassificationReport;
  /** Validation faces (emitted classes), with/without balanced accuracy there, and not_face rejection on val boxes. */
  val: ClassificationReport | null;
  valWithWithout: number | null;
  valNotFace: { boxes: number; rejected: number; facesRejected: number } | null;
  settings: RunSettings;
  seconds: { split: number; decode: number; features: number; fit: number; total: number };
}

export interface RunSettings {
  preset: string;
  datasets: string[];
  classes: ModelClass[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  decay: Preset['decay'];
  augment: Preset['augment'];
  views: number;
  seed: number;
  splitSeed: number;
  workers: number;
  small: boolean;
  base: { name: string; sha256: string };
  counts: Record<'train' | 'val' | 'test', Partial<Record<Label, number>>>;
  backend: string;
  machine: string;
  started: string;
}

/** A fresh run folder: `<preset>-s<seed>`, then `-2`, `-3`… — nothing is overwritten. */
export function freshRunDir(runsDir: string, name: string): string {
  fs.mkdirSync(runsDir, { recursive: true });
  for (let k = 1; ; k++) {
    const dir = path.join(runsDir, k === 1 ? name : `${name}-${k}`);
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Which cached view each image uses in each epoch: a random start per image, then the next view each epoch. */
export function viewSchedule(n: number, views: number, seed: number): (epoch: number, i: number) => number {
  const rng = mulberry32(hashSeed(seed, 'views'));
  const start = Array.from({ length: n }, () => Math.floor(rng() * views));
  return (epoch, i) => (start[i] + epoch) % views;
}

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function shuffled(n: number, seed: number): number[] {
  const rng = mulberry32(seed);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function counts(recs: SplitRecord[]): Partial<Record<Label, number>> {
  const c: Partial<Record<Label, number>> = {};
  for (const r of recs) c[r.label] = (c[r.label] ?? 0) + 1;
  return c;
}

function sourceCounts(items: RealItem[]): Record<string, Partial<Record<string, number>>> {
  const out: Record<string, Partial<Record<string, number>>> = {};
  for (const it of items) {
    const c = (out[it.source] ??= {});
    c[it.label] = (c[it.label] ?? 0) + 1;
  }
  return out;
}

export function gather(m: FeatureMatrix, rows: { view: number; i: number }[]): tf.Tensor2D {
  const out = new Float32Array(rows.length * m.dim);
  rows.forEach((r, k) => out.set(featureRow(m, r.view, r.i), k * m.dim));
  return tf.tensor2d(out, [rows.length, m.dim]);
}

/**
 * A seeded inverted-dropout mask [n, units]: 0 with probability `rate`, else 1 / (1 - rate). Drawn
 * afresh for every training step from the run's PRNG (tfjs' seeded Dropout would repeat one mask).
 */
export function dropoutMask(n: number, units: number, rate: number, rng: () => number): tf.Tensor2D {
  const keep = 1 / (1 - rate);
  const m = new Float32Array(n * units);
  for (let i = 0; i < m.length; i++) m[i] = rng() < rate ? 0 : keep;
  return tf.tensor2d(m, [n, units]);
}

/**
 * A head (a chain of layers from its input to `head_output`) in training mode with an explicit
 * dropout mask: every layer is applied in order, and `head_dropout` multiplies by `mask` (the same
 * layers and weights as the saved head).
 */
export function headForward(pooledHead: tf.LayersModel, x: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  let h: tf.Tensor = x;
  for (const layer of pooledHead.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    h = layer.name === 'head_dropout' ? tf.mul(h, mask) : (layer.apply(h) as tf.Tensor);
  }
  return h as tf.Tensor2D;
}

/** Columns [from, to) of every row of a feature matrix, as a new matrix. */
export function selectColumns(m: FeatureMatrix, ranges: [number, number][]): FeatureMatrix {
  const dim = ranges.reduce((a, [f, t]) => a + t - f, 0);
  const rows = m.n * m.views;
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let o = r * dim;
    for (const [f, t] of ranges) {
      data.set(m.data.subarray(r * m.dim + f, r * m.dim + t), o);
      o += t - f;
    }
  }
  return { n: m.n, views: m.views, dim, data };
}

/** Feature matrices of the same items and views side by side (row r = row r of each, in order). */
export function joinColumns(...ms: FeatureMatrix[]): FeatureMatrix {
  const [first] = ms;
  if (!first) throw new Error('joinColumns: no matrix given');
  const rows = first.n * first.views;
  for (const m of ms) if (m.n !== first.n || m.views !== first.views) throw new Error(`joinColumns: ${m.n}x${m.views} rows do not match ${first.n}x${first.views}`);
  const dim = ms.reduce((a, m) => a + m.dim, 0);
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let o = r * dim;
    for (const m of ms) {
      data.set(m.data.subarray(r * m.dim, (r + 1) * m.dim), o);
      o += m.dim;
    }
  }
  return { n: first.n, views: first.views, dim, data };
}

/** The mean of the last map from its three band means (bands of 2, 3 and 2 rows of 7). */
export function meanFromBands(m: FeatureMatrix): FeatureMatrix {
  const c = RICH_LAYOUT.bands.size / RICH_LAYOUT.bands.rows.length;
  const rows = m.n * m.views;
  const data = new Float32Array(rows * c);
  const w = RICH_LAYOUT.bands.rows.map(([a, b]) => (b - a) / 7);
  for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) data[r * c + j] = w[0] * m.data[r * m.dim + j] + w[1] * m.data[r * m.dim + c + j] + w[2] * m.data[r * m.dim + 2 * c + j];
  return { n: m.n, views: m.views, dim: c, data };
}

/** The feature columns a selection feeds the head (the `rich` layout; 'pooled' uses pooled features as they are). */
export function selectionColumns(sel: FeatureSelection): [number, number][] | null {
  const L = RICH_LAYOUT;
  switch (sel) {
    case 'pooled':
      return null;
    case 'bands':
      return [[L.bands.offset, L.bands.offset + L.bands.size]];
    case 'bands+mid':
      return [[L.bands.offset, L.mid.offset + L.mid.size]];
    case 'finetune':
      return [[L.maps.offset, L.maps.offset + L.maps.size]];
  }
}

export interface FitOptions {
  epochs: number;
  learningRate: number;
  decay: Preset['decay'];
  batchSize: number;
  views: number;
  seed: number;
  classWeights: number[] | null;
  dropoutRate: number;
  hiddenUnits: number;
  nClasses: number;
  quiet: boolean;
  /** Label of the progress bar and the epoch numbers' offset (phases go on counting). */
  label: string;
  epochOffset: number;
  csv: string[];
  runDir: string;
  history: EpochLog[];
  onEpochEnd?: TrainOptions['onEpochEnd'];
}

/** Fit a head on cached features (each epoch a different view of every item); appends to history and metrics.csv. */
export async function fitHead(model: tf.LayersModel, trainF: FeatureMatrix, yTrain: number[], valF: FeatureMatrix, yVal: number[], o: FitOptions): Promise<void> {
  const optimizer = tf.train.adam(o.learningRate);
  const decay = o.decay === 'lr/epochs' ? o.learningRate / o.epochs : 0;
  const schedule = viewSchedule(trainF.n, o.views, o.seed + o.epochOffset);
  const dropRng = mulberry32(hashSeed(o.seed, 'dropout', o.epochOffset));
  const stepsPerEpoch = Math.ceil(trainF.n / o.batchSize);
  const ebar = progress(o.label, o.epochs * stepsPerEpoch, { quiet: o.quiet, unit: 'step' });
  let step = 0;
  for (let e = 0; e < o.epochs; e++) {
    const epoch = e + o.epochOffset;
    const te = performance.now();
    const order = shuffled(trainF.n, hashSeed(o.seed, 'shuffle', epoch));
    let lossSum = 0;
    let correct = 0;
    for (let b = 0; b < order.length; b += o.batchSize) {
      const idx = order.slice(b, b + o.batchSize);
      const lr = o.learningRate / (1 + decay * step);
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const x = gather(trainF, idx.map((i) => ({ view: schedule(e, i), i })));
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(idx.map((i) => yTrain[i]), 'int32'), o.nClasses).toFloat());
      let hits: tf.Tensor | undefined;
      const mask = dropoutMask(idx.length, o.hiddenUnits, o.dropoutRate, dropRng);
      const loss = optimizer.minimize(() => {
        const p = headForward(model, x, mask);
        hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(p, 1), tf.argMax(y, 1)), 'float32')));
        const ce = tf.metrics.categoricalCrossentropy(y, p) as tf.Tensor1D;
        if (!o.classWeights) return tf.mean(ce) as tf.Scalar;
        // weighted cross-entropy: each item counts with its class weight (normalised per batch)
        const w = tf.tensor1d(idx.map((i) => o.classWeights![yTrain[i]]));
        return tf.div(tf.sum(tf.mul(ce, w)), tf.sum(w)) as tf.Scalar;
      }, true)!;
      lossSum += (await loss.data())[0] * idx.length;
      correct += (await hits!.data())[0];
      tf.dispose([x, y, loss, hits!, mask]);
      step++;
      ebar.tick(1, `epoch ${e + 1}/${o.epochs}`);
    }
    const v = evaluateFeatures(model, valF, yVal, o.nClasses);
    const log: EpochLog = {
      epoch: epoch + 1,
      loss: lossSum / trainF.n,
      accuracy: correct / trainF.n,
      val_loss: valF.n ? v.loss : null,
      val_accuracy: valF.n ? v.accuracy : null,
      lr: o.learningRate / (1 + decay * step),
      seconds: (performance.now() - te) / 1000,
    };
    o.history.push(log);
    o.csv.push([log.epoch, log.loss, log.accuracy, log.val_loss ?? '', log.val_accuracy ?? '', log.lr, log.seconds].map((z) => (typeof z === 'number' ? +z.toPrecision(6) : z)).join(','));
    writeFileAtomic(path.join(o.runDir, 'metrics.csv'), o.csv.join('\n') + '\n');
    await o.onEpochEnd?.(log);
  }
  ebar.done();
  optimizer.dispose();
}

/** Loss and accuracy of the head (inference mode) on plain features. */
export function evaluateFeatures(pooledHead: tf.LayersModel, m: FeatureMatrix, y: number[], nClasses: number): { loss: number; accuracy: number; probs: Float32Array[] } {
  if (m.n === 0) return { loss: NaN, accuracy: NaN, probs: [] };
  return tf.tidy(() => {
    const x = gather(m, y.map((_, i) => ({ view: 0, i })));
    const p = pooledHead.predict(x, { batchSize: 256 }) as tf.Tensor2D;
    const yt = tf.oneHot(tf.tensor1d(y, 'int32'), nClasses).toFloat();
    const loss = tf.mean(tf.metrics.categoricalCrossentropy(yt, p)).dataSync()[0];
    const data = p.dataSync() as Float32Array;
    const probs = y.map((_, i) => data.slice(i * nClasses, (i + 1) * nClasses));
    const acc = probs.filter((row, i) => row.indexOf(Math.max(...row)) === y[i]).length / y.length;
    return { loss, accuracy: acc, probs };
  });
}

export async function train(opts: TrainOptions = {}): Promise<TrainResult> {
  const t0 = performance.now();
  const cfg = resolveConfig();
  const backend = await initBackend({ quiet: opts.quiet });
  const preset = getPreset(opts.preset ?? cfg.train.preset);
  const seed = opts.seed ?? cfg.seed;
  const splitSeed = opts.splitSeed ?? seed;
  const datasets = opts.datasets ?? preset.datasets;
  const epochs = opts.epochs ?? (cfg.small ? cfg.train.epochs : preset.epochs);
  const batchSize = opts.batchSize ?? preset.batchSize;
  const views = opts.views ?? (preset.augment || preset.realAugment ? (cfg.small ? preset.smallViews : preset.views) : 1);
  const workers = opts.workers ?? cfg.train.workers;
  const quiet = opts.quiet ?? false;
  if (!Number.isInteger(views) || views < 1) throw new Error(`views must be a positive integer, got ${views}`);

  // 1–3. Data and base features: the group-aware split of the preset's datasets, or the
  // realworld mix (src/model/realworld.ts).
  const base = await loadBase(preset.base);
  const size = base.spec.inputSize;
  const kind = (preset.features ?? 'pooled') === 'pooled' ? 'pooled' : 'rich';
  if (kind === 'rich' && preset.data !== 'realworld') throw new Error(`preset ${preset.name}: features "${preset.features}" need the realworld data`);
  const dim = featureDim(kind, base.spec);
  let classes: ModelClass[];
  let counted: RunSettings['counts'];
  let yTrain: number[], yVal: number[], yTest: number[];
  let trainF: FeatureMatrix, valF: FeatureMatrix, testF: FeatureMatrix;
  let tSplit: number, tDecode: number;
  let runDir: string;
  let settings: RunSettings;
  let testDescription: string;
  const makeSettings = (cls: ModelClass[], c: RunSettings['counts']): RunSettings => ({
    preset: preset.name,
    datasets,
    classes: cls,
    epochs,
    batchSize,
    learningRate: preset.learningRate,
    decay: preset.decay,
    augment: preset.augment,
    views,
    seed,
    splitSeed,
    workers,
    small: cfg.small,
    base: { name: base.spec.name, sha256: base.sha256 },
    counts: c,
    backend,
    machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.versions.node}`,
    started: new Date().toISOString(),
    ...(preset.data === 'realworld' ? { classWeights: preset.classWeights ?? 'none', hidden: preset.hidden ?? 128, realAugment: preset.realAugment ?? null } : {}),
  });
  if (preset.data === 'realworld') {
    const detector = preset.notFace ? { scenes: await detectorScenes('tune', preset.notFace.detector), minScore: preset.notFace.minScore } : null;
    const rw = await realworldData({ progress: !quiet, synthDir: opts.synthDir, kaggleTune: preset.kaggleTune ?? true, tuneCopies: preset.tuneCopies, detector, extraDatasets: preset.extraDatasets });
    tSplit = performance.now();
    const present = (xs: RealItem[]) => LABELS.filter((l) => xs.some((r) => r.label === l)) as Label[];
    classes = [...present(rw.train), ...(rw.train.some((r) => r.label === 'not_face') ? (['not_face'] as const) : [])];
    if (classes.length < 2) throw new Error(`training needs at least 2 classes; the realworld training data has [${classes.join(', ')}]`);
    // faces of a class the model lacks cannot be scored: measured only on the model's classes
    const val = rw.val.filter((r) => classes.includes(r.label));
    const test = rw.test.filter((r) => classes.includes(r.label));
    counted = { train: labelCounts(rw.train) as Partial<Record<Label, number>>, val: labelCounts(val) as Partial<Record<Label, number>>, test: labelCounts(test) as Partial<Record<Label, number>> };
    runDir = freshRunDir(opts.runsDir ?? projectPaths().runsTrain, opts.name ?? `${preset.name}-s${seed}`);
    settings = { ...makeSettings(classes, counted), realworld: { synthDir: rw.synthDir, excluded: rw.excluded, sources: sourceCounts(rw.train) } } as RunSettings;
    writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(settings, null, 2) + '\n');
    tDecode = performance.now();
    const fbar = progress('base features', rw.train.length * views + val.length + test.length, { quiet, unit: 'img' });
    const runner = await startBaseRunner(base, workers, kind);
    try {
      const common = { size, seed, baseSha256: base.sha256, onProgress: (n: number) => fbar.tick(n) };
      trainF = await embedRealItems(rw.train, runner, dim, { ...common, views, augment: preset.realAugment ?? null });
      valF = await embedRealItems(val, runner, dim, { ...common, views: 1, augment: null });
      testF = await embedRealItems(test, runner, dim, { ...common, views: 1, augment: null });
    } finally {
      await runner.close();
    }
    fbar.done();
    yTrain = rw.train.map((r) => classes.indexOf(r.label));
    yVal = val.map((r) => classes.indexOf(r.label));
    yTest = test.map((r) => classes.indexOf(r.label));
    testDescription = `real faces: Kaggle dev set test part (photos 200–299), faces >= ${cfg.faces.minSize} px, annotated boxes${cfg.small ? ', small-data mode' : ''}`;
  } else {
    // 1. Split.
    const split = await splitFor(datasets, splitSeed, { progress: !quiet });
    const sets = { train: recordsForSplit(split, 'train'), val: recordsForSplit(split, 'val'), test: recordsForSplit(split, 'test') };
    classes = LABELS.filter((l) => sets.train.some((r) => r.label === l)) as Label[];
    if (classes.length < 2) throw new Error(`training needs at least 2 classes; the train split of ${datasets.join('+')} has [${classes.join(', ')}]`);
    tSplit = performance.now();
    counted = { train: counts(sets.train), val: counts(sets.val), test: counts(sets.test) };
    runDir = freshRunDir(opts.runsDir ?? projectPaths().runsTrain, opts.name ?? `${preset.name}-s${seed}`);
    settings = makeSettings(classes, counted);
    writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(settings, null, 2) + '\n');

    // 2. Decode once, in parallel.
    const all = [...sets.train, ...sets.val, ...sets.test];
    const bar = progress('decode', all.length, { quiet, unit: 'img' });
    const imgs = await decodeForModel(all.map((r) => r.path), size, cfg.data.decodeConcurrency * 2, () => bar.tick()).then((x) => {
      bar.done();
      return x;
    });
    tDecode = performance.now();
    const trainImgs = imgs.slice(0, sets.train.length);
    const valImgs = imgs.slice(sets.train.length, sets.train.length + sets.val.length);
    const testImgs = imgs.slice(sets.train.length + sets.val.length);

    // 3. Base features: K augmented views of each training image, the plain val/test images.
    const totalViews = trainImgs.length * views + valImgs.length + testImgs.length;
    const fbar = progress('base features', totalViews, { quiet, unit: 'img' });
    const runner = await startBaseRunner(base, workers);
    try {
      const tick = (n: number) => fbar.tick(n);
      trainF = await embedViews(trainImgs, sets.train.map((r) => r.sha256), runner, dim, { views, augment: preset.augment, seed, onProgress: tick });
      valF = await embedViews(valImgs, [], runner, dim, { onProgress: tick });
      testF = await embedViews(testImgs, [], runner, dim, { onProgress: tick });
    } finally {
      await runner.close();
    }
    fbar.done();
    yTrain = sets.train.map((r) => classes.indexOf(r.label));
    yVal = sets.val.map((r) => classes.indexOf(r.label));
    yTest = sets.test.map((r) => classes.indexOf(r.label));
    testDescription = `${datasets.join('+')} test (group-aware split, seed ${splitSeed}${cfg.small ? ', small-data mode' : ''})`;
  }
  const tFeatures = performance.now();

  // 4. Fit the head (for 'finetune': the head on pooled features first, then Conv_1 with it).
  const selection = preset.features ?? 'pooled';
  const cols = selectionColumns(selection);
  const phase1 = (m: FeatureMatrix) => (selection === 'finetune' ? meanFromBands(m) : cols ? selectColumns(m, cols) : m);
  const [train1, val1, test1] = [trainF, valF, testF].map(phase1);
  const { head: mapHead, pooledHead } = buildHead(classes.length, { seed, hidden: preset.hidden, dropout: preset.dropout, featureShape: [7, 7, train1.dim] });
  const classWeights = preset.classWeights === 'balanced' ? balancedClassWeights(yTrain, classes.length) : null;
  const history: EpochLog[] = [];
  const csv = ['epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds'];
  const fit = {
    decay: preset.decay,
    batchSize,
    views,
    seed,
    classWeights,
    dropoutRate: (pooledHead.getLayer('head_dropout') as unknown as { rate: number }).rate,
    hiddenUnits: (pooledHead.getLayer('head_dense') as unknown as { units: number }).units,
    nClasses: classes.length,
    quiet,
    csv,
    runDir,
    history,
    onEpochEnd: opts.onEpochEnd,
  };
  await fitHead(pooledHead, train1, yTrain, val1, yVal, { ...fit, epochs, learningRate: preset.learningRate, label: 'train', epochOffset: 0 });
  // the model that is measured and saved, and the features it takes
  let finalHead = pooledHead;
  let [valX, testX] = [val1, test1];
  if (selection === 'finetune') {
    const ft = preset.finetune ?? { epochs: 4, learningRate: 1e-4 };
    const ftEpochs = cfg.small ? 1 : ft.epochs;
    [valX, testX] = [selectColumns(valF, cols!), selectColumns(testF, cols!)];
    finalHead = buildFinetuneHead(base.model, classes.length, { seed, hidden: preset.hidden, dropout: preset.dropout, mapShape: RICH_LAYOUT.maps.shape, from: pooledHead });
    await fitHead(finalHead, selectColumns(trainF, cols!), yTrain, valX, yVal, { ...fit, epochs: ftEpochs, learningRate: ft.learningRate, decay: 'none', label: 'fine-tune', epochOffset: epochs });
  }
  const tFit = performance.now();

  // 5. Test numbers, model, curves.
  const t = evaluateFeatures(finalHead, testX, yTest, classes.length);
  // measured over the emitted classes only (an internal class such as not_face is never reported)
  const emitted = emittedOnly(classes, t.probs);
  const report = reportFromProbabilities(yTest.map((y) => emitted.classes.indexOf(classes[y])), emitted.probs, emitted.classes);
  // validation numbers (the realworld preset chooses on these: Kaggle tune photos >= 160)
  const vEval = evaluateFeatures(finalHead, valX, yVal, classes.length);
  const vFaces = yVal.map((y, i) => ({ y, i })).filter((r) => isLabel(classes[r.y]));
  const vEm = emittedOnly(classes, vFaces.map((r) => vEval.probs[r.i]));
  const vTruth = vFaces.map((r) => vEm.classes.indexOf(classes[r.y]));
  const valReport = vFaces.length ? reportFromProbabilities(vTruth, vEm.probs, vEm.classes) : null;
  const valWithWithout = vFaces.length ? withWithoutBalancedAccuracy(vTruth, vEm.probs, vEm.classes) : null;
  const nf = classes.indexOf('not_face' as ModelClass);
  const valNotFace = nf < 0 ? null : { boxes: yVal.filter((y) => y === nf).length, rejected: yVal.filter((y, i) => y === nf && vEval.probs[i].indexOf(Math.max(...vEval.probs[i])) === nf).length, facesRejected: vFaces.filter((r) => vEval.probs[r.i].indexOf(Math.max(...vEval.probs[r.i])) === nf).length };
  const modelDir = path.join(runDir, 'model');
  const manifest = await saveClassifier(modelDir, selection === 'pooled' ? mapHead : finalHead, {
    format: 'facemask-classifier/1',
    classes,
    base: { name: base.spec.name, sha256: base.sha256, alpha: base.spec.alpha, inputSize: size, preprocessing: base.spec.preprocessing },
    ...(cols ? { features: { kind: 'rich' as const, columns: cols } } : {}),
    training: { preset: preset.name, seed, splitSeed, datasets, epochs, views, run: path.basename(runDir) },
    test: {
      split: testDescription,
      n: report.total,
      accuracy: report.accuracy,
      balancedAccuracy: report.balancedAccuracy,
      macroF1: report.macro.f1,
      withWithoutBalancedAccuracy: withWithoutBalancedAccuracy(yTest.map((y) => emitted.classes.indexOf(classes[y])), emitted.probs, emitted.classes)?.value ?? null,
      loss: t.loss,
    },
    createdAt: new Date().toISOString(),
  });
  await lineChart(history as unknown as Record<string, unknown>[], {
    x: 'epoch',
    y: ['loss', 'val_loss', 'accuracy', 'val_accuracy'],
    title: `${preset.name}, seed ${seed}: test accuracy ${(report.accuracy * 100).toFixed(2)} %`,
    zero: true,
  }).save(path.join(runDir, 'plot.png'));
  const seconds = {
    split: (tSplit - t0) / 1000,
    decode: (tDecode - tSplit) / 1000,
    features: (tFeatures - tDecode) / 1000,
    fit: (tFit - tFeatures) / 1000,
    total: (performance.now() - t0) / 1000,
  };
  writeFileAtomic(path.join(runDir, 'results.json'), JSON.stringify({ test: report, testWithWithout: manifest.test.withWithoutBalancedAccuracy, val: valReport, valWithWithout, valNotFace, seconds, history }, null, 2) + '\n');
  mapHead.dispose();
  if (finalHead !== pooledHead) finalHead.dispose();
  base.model.dispose();
  void MOBILENET_V2_035;
  void backendName;
  return { runDir, modelDir, manifest, history, test: report, val: valReport, valWithWithout: valWithWithout?.value ?? null, valNotFace, settings, seconds };
}
