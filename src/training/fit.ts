/**
 * Fitting a head on cached base features: each epoch every item is seen through a different cached
 * view (`viewSchedule`), in a seeded order, with seeded dropout masks drawn per step and Keras'
 * legacy time-based learning-rate decay; optionally class-weighted cross-entropy. Events (per epoch)
 * go to callbacks — the CSV log, the curves plot, a notebook's live chart.
 */
import { tf } from '../backend/tf';
import { progress } from '../util/progress';
import { hashSeed, mulberry32 } from '../util/random';
import { featureRow, type FeatureMatrix } from '../model/learn/features';

export interface EpochLog {
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss: number | null;
  val_accuracy: number | null;
  lr: number;
  seconds: number;
}

/** Named training events (ultralytics-style callbacks). */
export interface TrainCallbacks {
  /** After each epoch (the CSV log, live curves in a notebook). */
  onEpochEnd?: (log: EpochLog) => void | Promise<void>;
  /** After the last epoch, with every epoch's log and a title line (the curves plot). */
  onTrainEnd?: (history: EpochLog[], title: string) => void | Promise<void>;
}

/** Several callbacks as one, called in order. */
export function allCallbacks(...cbs: (TrainCallbacks | undefined)[]): TrainCallbacks {
  return {
    async onEpochEnd(log) {
      for (const c of cbs) await c?.onEpochEnd?.(log);
    },
    async onTrainEnd(history, title) {
      for (const c of cbs) await c?.onTrainEnd?.(history, title);
    },
  };
}

/** Which cached view each item uses in each epoch: a random start per item, then the next view each epoch. */
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

/** Class weights for a weighted loss: n / (k * n_c) ("balanced", as sklearn). */
export function balancedClassWeights(y: number[], nClasses: number): number[] {
  const counts = new Array<number>(nClasses).fill(0);
  for (const c of y) counts[c]++;
  return counts.map((c) => (c ? y.length / (nClasses * c) : 0));
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

/** Adam whose learning rate the schedule sets before each step. */
class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

export interface FitOptions {
  epochs: number;
  learningRate: number;
  decay: 'lr/epochs' | 'none';
  batchSize: number;
  views: number;
  seed: number;
  classWeights: number[] | null;
  /** The head's dropout rate and hidden units (the recipe's `head`). */
  dropout: number;
  units: number;
  nClasses: number;
  quiet: boolean;
  /** Label of the progress bar and the epoch numbers' offset (phases go on counting). */
  label: string;
  epochOffset: number;
  callbacks: TrainCallbacks;
  /**
   * What runs before the head (a fine-tuned tail of the base, src/model/tail.ts): features → the
   * head's pooled input, in inference mode, and the variables it trains. default: none (features go
   * to the head as they are)
   */
  trunk?: Trunk;
}

/** A trainable part between the cached features and the head. */
export interface Trunk {
  apply: (x: tf.Tensor2D) => tf.Tensor2D;
  variables: tf.Variable[];
}

/** Fit a head on cached features (each epoch a different view of every item); returns one log per epoch. */
export async function fitHead(model: tf.LayersModel, trainF: FeatureMatrix, yTrain: number[], valF: FeatureMatrix, yVal: number[], o: FitOptions): Promise<EpochLog[]> {
  const optimizer = new ScheduledAdam(o.learningRate, 0.9, 0.999);
  const decay = o.decay === 'lr/epochs' ? o.learningRate / o.epochs : 0;
  const schedule = viewSchedule(trainF.n, o.views, o.seed + o.epochOffset);
  const dropRng = mulberry32(hashSeed(o.seed, 'dropout', o.epochOffset));
  const stepsPerEpoch = Math.ceil(trainF.n / o.batchSize);
  const ebar = progress(o.label, o.epochs * stepsPerEpoch, { quiet: o.quiet, unit: 'step' });
  const logs: EpochLog[] = [];
  let step = 0;
  for (let e = 0; e < o.epochs; e++) {
    const epoch = e + o.epochOffset;
    const te = performance.now();
    const order = shuffled(trainF.n, hashSeed(o.seed, 'shuffle', epoch));
    let lossSum = 0;
    let correct = 0;
    for (let b = 0; b < order.length; b += o.batchSize) {
      const idx = order.slice(b, b + o.batchSize);
      optimizer.setLearningRate(o.learningRate / (1 + decay * step));
      const x = gather(trainF, idx.map((i) => ({ view: schedule(e, i), i })));
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(idx.map((i) => yTrain[i]), 'int32'), o.nClasses).toFloat());
      let hits: tf.Tensor | undefined;
      const mask = dropoutMask(idx.length, o.units, o.dropout, dropRng);
      const loss = optimizer.minimize(() => {
        const p = headForward(model, o.trunk ? o.trunk.apply(x) : x, mask);
        hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(p, 1), tf.argMax(y, 1)), 'float32')));
        const ce = tf.metrics.categoricalCrossentropy(y, p) as tf.Tensor1D;
        if (!o.classWeights) return tf.mean(ce) as tf.Scalar;
        // weighted cross-entropy: each item counts with its class weight (normalised per batch)
        const w = tf.tensor1d(idx.map((i) => o.classWeights![yTrain[i]]));
        return tf.div(tf.sum(tf.mul(ce, w)), tf.sum(w)) as tf.Scalar;
      }, true, o.trunk ? [...o.trunk.variables, ...model.trainableWeights.map((v) => v.read() as tf.Variable)] : undefined)!;
      lossSum += (await loss.data())[0] * idx.length;
      correct += (await hits!.data())[0];
      tf.dispose([x, y, loss, hits!, mask]);
      step++;
      ebar.tick(1, `epoch ${e + 1}/${o.epochs}`);
    }
    const v = evaluateFeatures(model, valF, yVal, o.nClasses, o.trunk);
    const log: EpochLog = {
      epoch: epoch + 1,
      loss: lossSum / trainF.n,
      accuracy: correct / trainF.n,
      val_loss: valF.n ? v.loss : null,
      val_accuracy: valF.n ? v.accuracy : null,
      lr: o.learningRate / (1 + decay * step),
      seconds: (performance.now() - te) / 1000,
    };
    logs.push(log);
    await o.callbacks.onEpochEnd?.(log);
  }
  ebar.done();
  optimizer.dispose();
  return logs;
}

/** Loss, accuracy and probabilities of the head (inference mode; after the trunk when given) on plain features (view 0). */
export function evaluateFeatures(pooledHead: tf.LayersModel, m: FeatureMatrix, y: number[], nClasses: number, trunk?: Trunk): { loss: number; accuracy: number; probs: Float32Array[] } {
  if (m.n === 0) return { loss: NaN, accuracy: NaN, probs: [] };
  const chunk = trunk ? 128 : m.n; // a trunk's maps are large: a few rows at a time
  const data = new Float32Array(m.n * nClasses);
  for (let s = 0; s < m.n; s += chunk) {
    const rows = y.slice(s, s + chunk).map((_, k) => ({ view: 0, i: s + k }));
    tf.tidy(() => {
      const x = gather(m, rows);
      const p = pooledHead.predict(trunk ? trunk.apply(x) : x, { batchSize: 256 }) as tf.Tensor2D;
      data.set(p.dataSync() as Float32Array, s * nClasses);
    });
  }
  return tf.tidy(() => {
    const p = tf.tensor2d(data, [m.n, nClasses]);
    const yt = tf.oneHot(tf.tensor1d(y, 'int32'), nClasses).toFloat();
    const loss = tf.mean(tf.metrics.categoricalCrossentropy(yt, p)).dataSync()[0];
    const probs = y.map((_, i) => data.slice(i * nClasses, (i + 1) * nClasses));
    const acc = probs.filter((row, i) => row.indexOf(Math.max(...row)) === y[i]).length / y.length;
    return { loss, accuracy: acc, probs };
  });
}
