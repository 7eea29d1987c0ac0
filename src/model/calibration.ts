/**
 * Calibrated class probabilities (pure maths, browser-safe): bias-corrected temperature scaling
 * (Alexandari, Kundaje & Shrikumar 2020), p' = softmax(log(p) / T + b), one temperature T for every
 * class and a log-bias b per class (the first class's fixed at 0). Fitted by `facemask calibrate`
 * on validation faces (src/training/calibrate.ts), stored in the model's manifest
 * (`calibration`), applied by every classifier after the network (src/model/classifier.ts,
 * src/model/onnx-classifier.ts, src/web/page/classifier.ts): the ONNX file is not changed.
 *
 * The fit minimises the mean negative log-likelihood over (1/T, b), which is convex (a multinomial
 * logistic regression on the log-probabilities), by damped Newton steps with a backtracking line
 * search from the identity (T = 1, b = 0): the NLL never increases.
 */

/** What a model's manifest records (`calibration`). */
export interface Calibration {
  /** T > 0: the log-probabilities are divided by it (T > 1 softens, T < 1 sharpens). */
  temperature: number;
  /** Log-bias per class, added after dividing by T (the reference class: 0). */
  bias: Record<string, number>;
  /** The sets it was fitted on (validation only), e.g. ["ilc2021-val", "real-val"]. */
  fittedOn: string[];
  /** Items fitted on. */
  n: number;
  /** Mean negative log-likelihood (nats) and expected calibration error (10 bins, top class) on those items, before and after. */
  nllBefore: number;
  nllAfter: number;
  eceBefore: number;
  eceAfter: number;
  /** The calibrate run it came from. */
  run?: string;
}

/** Probabilities below this are treated as this before the log (a softmax never gives exact 0 but float32 can). */
export const MIN_PROBABILITY = 1e-12;

/** Bins of the reliability diagram and the ECE. */
export const ECE_BINS = 10;

/** Whether a calibration changes nothing (T = 1, every bias 0). */
export function isIdentity(c: Pick<Calibration, 'temperature' | 'bias'>): boolean {
  return c.temperature === 1 && Object.values(c.bias).every((b) => b === 0);
}

/** A calibration's fields are valid for a model with `classes` (throws naming the field otherwise). */
export function checkCalibration(c: unknown, classes: readonly string[], where: string): Calibration {
  const form = '{ temperature > 0, bias: { <class>: number }, fittedOn: [set, ...], n, nllBefore, nllAfter, eceBefore, eceAfter }';
  const x = c as Partial<Calibration> | null;
  if (!x || typeof x !== 'object') throw new Error(`${where}: "calibration" must be ${form}`);
  if (!(typeof x.temperature === 'number' && Number.isFinite(x.temperature) && x.temperature > 0)) throw new Error(`${where}: calibration.temperature must be a number > 0, got ${JSON.stringify(x.temperature)}`);
  if (!x.bias || typeof x.bias !== 'object') throw new Error(`${where}: calibration.bias must be { <class>: number } over the model's classes (${classes.join(', ')})`);
  for (const [k, v] of Object.entries(x.bias)) {
    if (!classes.includes(k)) throw new Error(`${where}: calibration.bias names "${k}", not a class of the model (${classes.join(', ')})`);
    if (!(typeof v === 'number' && Number.isFinite(v))) throw new Error(`${where}: calibration.bias.${k} must be a finite number, got ${JSON.stringify(v)}`);
  }
  if (!Array.isArray(x.fittedOn) || x.fittedOn.length === 0 || !x.fittedOn.every((s) => typeof s === 'string')) throw new Error(`${where}: calibration.fittedOn must list the validation sets it was fitted on`);
  if (x.fittedOn.some((s) => /test/i.test(s))) throw new Error(`${where}: calibration.fittedOn names a test part (${x.fittedOn.join(', ')}): a calibration is fitted on validation only`);
  for (const k of ['n', 'nllBefore', 'nllAfter', 'eceBefore', 'eceAfter'] as const) {
    if (!(typeof x[k] === 'number' && Number.isFinite(x[k]) && (x[k] as number) >= 0)) throw new Error(`${where}: calibration.${k} must be a number >= 0, got ${JSON.stringify(x[k])}`);
  }
  return x as Calibration;
}

/** The per-class bias in the model's class order (a class it does not name: 0). */
export function biasVector(c: Pick<Calibration, 'bias'>, classes: readonly string[]): Float64Array {
  return Float64Array.from(classes, (k) => c.bias[k] ?? 0);
}

/** softmax(a·log(p) + b) of one row, with a = 1/T. */
function scaledSoftmax(p: ArrayLike<number>, a: number, b: ArrayLike<number>, out: Float64Array): Float64Array {
  let max = -Infinity;
  for (let j = 0; j < p.length; j++) {
    out[j] = a * Math.log(Math.max(p[j], MIN_PROBABILITY)) + b[j];
    if (out[j] > max) max = out[j];
  }
  let sum = 0;
  for (let j = 0; j < p.length; j++) sum += out[j] = Math.exp(out[j] - max);
  for (let j = 0; j < p.length; j++) out[j] /= sum;
  return out;
}

/** One probability row calibrated: softmax(log(p) / T + b), in the model's class order. */
export function calibrateRow(p: ArrayLike<number>, classes: readonly string[], c: Pick<Calibration, 'temperature' | 'bias'>): Float32Array {
  if (p.length !== classes.length) throw new Error(`calibrateRow: ${p.length} probabilities for ${classes.length} classes`);
  return Float32Array.from(scaledSoftmax(p, 1 / c.temperature, biasVector(c, classes), new Float64Array(p.length)));
}

/** Rows calibrated; without a calibration (or with the identity) the very rows, unchanged. */
export function calibrateRows(rows: Float32Array[], classes: readonly string[], c: Pick<Calibration, 'temperature' | 'bias'> | undefined): Float32Array[] {
  if (!c || isIdentity(c)) return rows;
  return rows.map((p) => calibrateRow(p, classes, c));
}

/** Mean negative log-likelihood (nats) of the true classes. */
export function meanNll(rows: readonly ArrayLike<number>[], truth: readonly number[]): number {
  if (rows.length !== truth.length) throw new Error(`meanNll: ${rows.length} rows but ${truth.length} labels`);
  if (rows.length === 0) return 0;
  let s = 0;
  rows.forEach((p, i) => (s -= Math.log(Math.max(p[truth[i]], MIN_PROBABILITY))));
  return s / rows.length;
}

/** One bin of a reliability diagram: items whose top probability falls in [from, to). */
export interface ReliabilityBin {
  from: number;
  to: number;
  n: number;
  /** Mean top probability of the bin's items (null when empty). */
  confidence: number | null;
  /** Share of them whose top class is the true one (null when empty). */
  accuracy: number | null;
}

/** The reliability diagram's bins (top class, equal widths; a top probability of 1 goes in the last bin). */
export function reliabilityBins(rows: readonly ArrayLike<number>[], truth: readonly number[], bins = ECE_BINS): ReliabilityBin[] {
  const n = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const right = new Array<number>(bins).fill(0);
  rows.forEach((p, i) => {
    let top = 0;
    for (let j = 1; j < p.length; j++) if (p[j] > p[top]) top = j;
    const k = Math.min(bins - 1, Math.floor(p[top] * bins));
    n[k]++;
    conf[k] += p[top];
    if (top === truth[i]) right[k]++;
  });
  return n.map((m, k) => ({ from: k / bins, to: (k + 1) / bins, n: m, confidence: m ? conf[k] / m : null, accuracy: m ? right[k] / m : null }));
}

/** Expected calibration error: Σ (bin size / N) · |accuracy − confidence| over the bins. */
export function expectedCalibrationError(rows: readonly ArrayLike<number>[], truth: readonly number[], bins = ECE_BINS): number {
  if (rows.length === 0) return 0;
  return reliabilityBins(rows, truth, bins).reduce((a, b) => a + (b.n ? (b.n / rows.length) * Math.abs(b.accuracy! - b.confidence!) : 0), 0);
}

export interface FitOptions {
  /** The class whose bias stays 0. default: the first class */
  reference?: number;
  /** Classes whose bias stays 0 besides the reference (e.g. one without validation items). default: every class with no item */
  fixed?: number[];
  /** Fit the per-class biases (false: temperature only). default: true */
  bias?: boolean;
  /** default: 100 */
  maxIterations?: number;
  /** Stop when a step lowers the NLL by less than this. default: 1e-10 */
  tolerance?: number;
}

export interface FitResult {
  temperature: number;
  /** Per class in the given order. */
  bias: number[];
  nllBefore: number;
  nllAfter: number;
  iterations: number;
  /** Classes whose bias was held at 0. */
  fixed: number[];
}

/** Solve A x = y (A symmetric positive definite, small) by Gaussian elimination with partial pivoting. */
function solve(A: number[][], y: number[]): number[] {
  const n = y.length;
  const M = A.map((r, i) => [...r, y[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    [M[c], M[piv]] = [M[piv], M[c]];
    if (Math.abs(M[c][c]) < 1e-300) throw new Error('singular system');
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}

/** Rows of K probabilities and one class index per row, or a refusal saying what is wrong. */
function checkFitInput(rows: readonly ArrayLike<number>[], truth: readonly number[], K: number): void {
  if (rows.length === 0) throw new Error('fitCalibration: no items to fit on');
  if (rows.length !== truth.length) throw new Error(`fitCalibration: ${rows.length} rows but ${truth.length} labels`);
  for (const [i, p] of rows.entries()) if (p.length !== K) throw new Error(`fitCalibration: row ${i} has ${p.length} probabilities for ${K} classes`);
  for (const t of truth) if (!(Number.isInteger(t) && t >= 0 && t < K)) throw new Error(`fitCalibration: label index ${t} is not a class (0–${K - 1})`);
}

/**
 * Fit T and the per-class biases minimising the mean NLL of `truth` under softmax(log(p)/T + b).
 * Parameters: a = 1/T and the free biases; Newton steps (gradient and Hessian of the convex NLL,
 * a small ridge for safety), halved until the NLL does not increase and a stays > 0.
 */
export function fitCalibration(rows: readonly ArrayLike<number>[], truth: readonly number[], classes: readonly string[], opts: FitOptions = {}): FitResult {
  const K = classes.length;
  checkFitInput(rows, truth, K);
  const reference = opts.reference ?? 0;
  const seen = new Set(truth);
  const fixed = [...new Set([reference, ...(opts.fixed ?? classes.map((_, k) => k).filter((k) => !seen.has(k))), ...(opts.bias === false ? classes.map((_, k) => k) : [])])].sort((x, y) => x - y);
  const free = classes.map((_, k) => k).filter((k) => !fixed.includes(k));
  const logs = rows.map((p) => Float64Array.from({ length: K }, (_, j) => Math.log(Math.max(p[j], MIN_PROBABILITY))));
  const N = rows.length;
  const q = new Float64Array(K);
  const objective = (a: number, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < N; i++) {
      let max = -Infinity;
      for (let j = 0; j < K; j++) max = Math.max(max, a * logs[i][j] + b[j]);
      let sum = 0;
      for (let j = 0; j < K; j++) sum += Math.exp(a * logs[i][j] + b[j] - max);
      s += max + Math.log(sum) - (a * logs[i][truth[i]] + b[truth[i]]);
    }
    return s / N;
  };
  let a = 1;
  let b = new Float64Array(K);
  const nllBefore = objective(a, b);
  let f = nllBefore;
  const P = 1 + free.length;
  let it = 0;
  for (; it < (opts.maxIterations ?? 100); it++) {
    const g = new Array<number>(P).fill(0);
    const H = Array.from({ length: P }, () => new Array<number>(P).fill(0));
    for (let i = 0; i < N; i++) {
      const l = logs[i];
      scaledSoftmax(rows[i], a, b, q);
      // d/ds_j of the NLL = q_j − y_j; s_j = a·l_j + b_j; the Hessian in s is diag(q) − q qᵀ
      const J = (p: number, j: number) => (p === 0 ? l[j] : free[p - 1] === j ? 1 : 0);
      const ql = l.reduce((acc, v, j) => acc + q[j] * v, 0);
      // the Jacobian's columns: l (for a) and unit vectors (for each free bias)
      const Jq = (p: number) => (p === 0 ? ql : q[free[p - 1]]);
      for (let p = 0; p < P; p++) {
        g[p] += Jq(p) - J(p, truth[i]);
        for (let r = p; r < P; r++) {
          let s = 0;
          if (p === 0 && r === 0) for (let j = 0; j < K; j++) s += q[j] * l[j] * l[j];
          else if (p === 0) s = q[free[r - 1]] * l[free[r - 1]];
          else s = p === r ? q[free[p - 1]] : 0;
          H[p][r] += s - Jq(p) * Jq(r);
        }
      }
    }
    for (let p = 0; p < P; p++) {
      g[p] /= N;
      for (let r = p; r < P; r++) H[r][p] = H[p][r] /= N;
      H[p][p] += 1e-9;
    }
    let step: number[];
    try {
      step = solve(H, g);
    } catch {
      step = g;
    }
    let t = 1;
    let accepted = false;
    for (let k = 0; k < 40; k++, t /= 2) {
      const a2 = a - t * step[0];
      if (!(a2 > 0)) continue;
      const b2 = Float64Array.from(b);
      free.forEach((j, p) => (b2[j] -= t * step[p + 1]));
      const f2 = objective(a2, b2);
      if (f2 <= f) {
        accepted = f - f2 >= (opts.tolerance ?? 1e-10);
        a = a2;
        b = b2;
        f = f2;
        break;
      }
    }
    if (!accepted) break;
  }
  return { temperature: 1 / a, bias: Array.from(b), nllBefore, nllAfter: f, iterations: it, fixed };
}
