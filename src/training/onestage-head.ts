/**
 * The one-stage head: a small MLP on YuNet's features of a box (src/detection/yunet-features.ts)
 * giving the probabilities of `with_mask`, `without_mask`, `incorrect_mask` and `not_face`, trained
 * in tfjs (on whatever backend `initBackend` chose; wasm here). Plain variables, no layers: inputs
 * standardised by the training rows' mean and deviation, one hidden ReLU layer (or none: softmax
 * regression), dropout, weighted cross-entropy (class weights), Adam, L2 on the weights.
 * Deterministic for a seed: weights drawn from the project's seeded generator, batches shuffled by it,
 * dropout masks drawn by it.
 *
 * `trainHead` calls `score` after every epoch with the head as it stands and keeps the epoch that
 * scored best (the epochs are chosen on what `score` measures: validation only).
 */
import { tf } from '../backend/tf';
import { hashSeed, mulberry32, type Rng } from '../util/random';

/** The head's classes, in output order (the shipped classifier's order). */
export const HEAD_CLASSES = ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'] as const;

export type ClassWeighting = 'none' | 'sqrt' | 'balanced';

export interface HeadSpec {
  /** Hidden ReLU units; 0: none (softmax regression). */
  hidden: number;
  /** Dropout on the hidden layer. */
  dropout: number;
  classWeights: ClassWeighting;
  /** Most epochs; the best by `score` is kept. */
  epochs: number;
  batch: number;
  learningRate: number;
  /** L2 penalty on the weight matrices. */
  l2: number;
  seed: number;
}

/** Rows of features: `n` rows of `dim` numbers. */
export interface Matrix {
  data: Float32Array;
  n: number;
  dim: number;
}

/** A trained head: its standardisation and weights (plain arrays), and how it was chosen. */
export interface TrainedHead {
  spec: HeadSpec;
  dim: number;
  mean: Float32Array;
  std: Float32Array;
  /** [W1, b1, W2, b2] or [W, b] without a hidden layer, row-major. */
  weights: { data: Float32Array; shape: number[] }[];
  /** The epoch kept (1-based) and the score of every epoch. */
  epoch: number;
  scores: number[];
}

/** Class weights for labels `y` (class indices): `balanced` N / (K·n_k), `sqrt` its square root, normalised to mean 1 over the rows. */
export function classWeights(y: ArrayLike<number>, nClasses: number, how: ClassWeighting): number[] {
  const counts = new Array<number>(nClasses).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  const raw = counts.map((c) => (how === 'none' || c === 0 ? 1 : how === 'balanced' ? y.length / (nClasses * c) : Math.sqrt(y.length / (nClasses * c))));
  const mean = counts.reduce((s, c, k) => s + c * raw[k], 0) / Math.max(1, y.length);
  return raw.map((w) => w / mean);
}

/** Per-column mean and standard deviation (at least 1e-6). */
export function standardisation(x: Matrix): { mean: Float32Array; std: Float32Array } {
  const mean = new Float32Array(x.dim);
  const std = new Float32Array(x.dim);
  for (let i = 0; i < x.n; i++) for (let j = 0; j < x.dim; j++) mean[j] += x.data[i * x.dim + j] / x.n;
  for (let i = 0; i < x.n; i++) for (let j = 0; j < x.dim; j++) std[j] += (x.data[i * x.dim + j] - mean[j]) ** 2 / x.n;
  for (let j = 0; j < x.dim; j++) std[j] = Math.max(1e-6, Math.sqrt(std[j]));
  return { mean, std };
}

function standardised(x: Matrix, mean: Float32Array, std: Float32Array): Float32Array {
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < x.n; i++) for (let j = 0; j < x.dim; j++) out[i * x.dim + j] = (x.data[i * x.dim + j] - mean[j]) / std[j];
  return out;
}

/** Glorot-uniform weights from `rng`. */
function glorot(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: fanIn * fanOut }, () => (2 * rng() - 1) * a);
}

/** The forward pass on standardised rows; `mask` (dropout, already scaled) only while training. */
function forward(vars: tf.Tensor[], x: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor2D {
  if (vars.length === 2) return tf.softmax(tf.add(tf.matMul(x, vars[0] as tf.Tensor2D), vars[1]) as tf.Tensor2D);
  let h = tf.relu(tf.add(tf.matMul(x, vars[0] as tf.Tensor2D), vars[1])) as tf.Tensor2D;
  if (mask) h = tf.mul(h, mask);
  return tf.softmax(tf.add(tf.matMul(h, vars[2] as tf.Tensor2D), vars[3]) as tf.Tensor2D);
}

/** Probabilities of every row under a trained head (`HEAD_CLASSES` order). */
export function predictHead(head: TrainedHead, x: Matrix): Float32Array[] {
  if (x.dim !== head.dim) throw new Error(`predictHead: rows of ${x.dim} numbers for a head on ${head.dim}`);
  if (x.n === 0) return [];
  const K = HEAD_CLASSES.length;
  const probs = tf.tidy(() => {
    const vars = head.weights.map((w) => tf.tensor(w.data, w.shape));
    return forward(vars, tf.tensor2d(standardised(x, head.mean, head.std), [x.n, x.dim])).dataSync() as Float32Array;
  });
  return Array.from({ length: x.n }, (_, i) => probs.slice(i * K, (i + 1) * K));
}

/** A seeded permutation of 0..n-1. */
function shuffled(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function initialVariables(spec: HeadSpec, dim: number, rng: Rng): tf.Variable[] {
  const K = HEAD_CLASSES.length;
  const layers = spec.hidden > 0 ? [[dim, spec.hidden], [spec.hidden, K]] : [[dim, K]];
  return layers.flatMap(([i, o]) => [tf.variable(tf.tensor2d(glorot(rng, i, o), [i, o])), tf.variable(tf.zeros([o]))]);
}

/** One epoch of mini-batches over the standardised rows. */
function epoch(vars: tf.Variable[], opt: tf.Optimizer, xs: Float32Array, y: Int32Array, w: number[], dim: number, spec: HeadSpec, rng: Rng): void {
  const K = HEAD_CLASSES.length;
  const order = shuffled(y.length, rng);
  for (let b = 0; b < order.length; b += spec.batch) {
    const idx = order.slice(b, b + spec.batch);
    const xb = new Float32Array(idx.length * dim);
    idx.forEach((i, k) => xb.set(xs.subarray(i * dim, (i + 1) * dim), k * dim));
    const keep = 1 - spec.dropout;
    const maskData = spec.hidden > 0 ? Float32Array.from({ length: idx.length * spec.hidden }, () => (rng() < keep ? 1 / keep : 0)) : null;
    tf.tidy(() => {
      const x = tf.tensor2d(xb, [idx.length, dim]);
      const yt = tf.oneHot(tf.tensor1d(idx.map((i) => y[i]), 'int32'), K).toFloat();
      const wt = tf.tensor1d(idx.map((i) => w[y[i]]));
      const mask = maskData ? tf.tensor2d(maskData, [idx.length, spec.hidden]) : undefined;
      opt.minimize(() => {
        const p = forward(vars, x, mask);
        const ce = tf.neg(tf.sum(tf.mul(yt, tf.log(tf.clipByValue(p, 1e-7, 1))), 1));
        const l2 = vars.filter((v) => v.rank === 2).reduce((s, v) => tf.add(s, tf.sum(tf.square(v))), tf.scalar(0));
        return tf.add(tf.div(tf.sum(tf.mul(ce, wt)), tf.sum(wt)), tf.mul(spec.l2, l2)) as tf.Scalar;
      }, false, vars);
    });
  }
}

/**
 * Train a head on rows `x` with class indices `y` (`HEAD_CLASSES`), calling `score(head)` after every
 * epoch; returns the head of the best-scoring epoch (the first of equals).
 */
export async function trainHead(x: Matrix, y: Int32Array, spec: HeadSpec, score: (head: TrainedHead) => number | Promise<number>): Promise<TrainedHead> {
  if (y.length !== x.n) throw new Error(`trainHead: ${x.n} rows and ${y.length} labels`);
  const { mean, std } = standardisation(x);
  const xs = standardised(x, mean, std);
  const rng = mulberry32(hashSeed(spec.seed, 'onestage-head'));
  const w = classWeights(y, HEAD_CLASSES.length, spec.classWeights);
  const vars = initialVariables(spec, x.dim, rng);
  const opt = tf.train.adam(spec.learningRate);
  const scores: number[] = [];
  let best: TrainedHead | undefined;
  try {
    for (let e = 0; e < spec.epochs; e++) {
      epoch(vars, opt, xs, y, w, x.dim, spec, rng);
      const head: TrainedHead = { spec, dim: x.dim, mean, std, weights: vars.map((v) => ({ data: Float32Array.from(v.dataSync() as Float32Array), shape: [...v.shape] })), epoch: e + 1, scores };
      const s = await score(head);
      scores.push(s);
      if (!best || s > best.scores[best.epoch - 1]) best = head;
    }
  } finally {
    opt.dispose();
    tf.dispose(vars);
  }
  return { ...best!, scores };
}
