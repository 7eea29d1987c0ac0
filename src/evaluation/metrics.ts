/**
 * Classification metrics as pure functions over true labels and predicted probabilities:
 * confusion matrix, per-class precision/recall/F1/support with macro and weighted averages
 * (sklearn's `classification_report`), ROC and precision–recall curves with their areas, and the
 * threshold trade-off of a one-vs-rest score.
 */
import { mulberry32 } from '../util/random';

/** `m[t][p]`: how many items of true class t were predicted as class p. */
export function confusionMatrix(truth: number[], predicted: number[], nClasses: number): number[][] {
  if (truth.length !== predicted.length) throw new Error(`confusionMatrix: ${truth.length} true labels but ${predicted.length} predictions`);
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  truth.forEach((t, i) => {
    const p = predicted[i];
    if (!(t >= 0 && t < nClasses && p >= 0 && p < nClasses)) throw new Error(`confusionMatrix: class index out of range at ${i} (${t}, ${p})`);
    m[t][p]++;
  });
  return m;
}

export interface ClassRow {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  classes: string[];
  rows: ClassRow[];
  accuracy: number;
  /** Mean of recalls over classes with support. */
  balancedAccuracy: number;
  macro: Omit<ClassRow, 'class'>;
  weighted: Omit<ClassRow, 'class'>;
  total: number;
  confusion: number[][];
}

const safeDiv = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** sklearn-style report (0 where a ratio is undefined, as `zero_division=0`). */
export function classificationReport(confusion: number[][], classes: string[]): ClassificationReport {
  const n = classes.length;
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  const rows: ClassRow[] = classes.map((c, k) => {
    const tp = confusion[k][k];
    const support = confusion[k].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[k], 0);
    const precision = safeDiv(tp, predicted);
    const recall = safeDiv(tp, support);
    return { class: c, precision, recall, f1: safeDiv(2 * precision * recall, precision + recall), support };
  });
  const correct = classes.reduce((a, _, k) => a + confusion[k][k], 0);
  const avg = (w: (r: ClassRow) => number) => {
    const ws = rows.reduce((a, r) => a + w(r), 0);
    return {
      precision: safeDiv(rows.reduce((a, r) => a + w(r) * r.precision, 0), ws),
      recall: safeDiv(rows.reduce((a, r) => a + w(r) * r.recall, 0), ws),
      f1: safeDiv(rows.reduce((a, r) => a + w(r) * r.f1, 0), ws),
      support: total,
    };
  };
  const withSupport = rows.filter((r) => r.support > 0);
  return {
    classes: classes.slice(),
    rows,
    accuracy: safeDiv(correct, total),
    balancedAccuracy: safeDiv(withSupport.reduce((a, r) => a + r.recall, 0), withSupport.length),
    macro: avg(() => 1),
    weighted: avg((r) => r.support),
    total,
    confusion: confusion.map((r) => r.slice()),
  };
  void n;
}

export function argmax(row: ArrayLike<number>): number {
  let b = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[b]) b = j;
  return b;
}

/** Report straight from true class indices and probability rows. */
export function reportFromProbabilities(truth: number[], probs: ArrayLike<number>[], classes: string[]): ClassificationReport {
  return classificationReport(confusionMatrix(truth, probs.map(argmax), classes.length), classes);
}

export interface CurvePoint {
  threshold: number;
  /** ROC: false-positive rate and true-positive rate. */
  fpr: number;
  tpr: number;
  /** PR: precision and recall (= tpr). */
  precision: number;
  recall: number;
}

/**
 * One-vs-rest curve points of `scores` for `positives` (true where the item is of the class),
 * one point per distinct threshold (score >= threshold is predicted positive), from the highest
 * threshold down, starting at (fpr 0, tpr 0, precision 1).
 */
export function curvePoints(scores: number[], positives: boolean[]): CurvePoint[] {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const P = positives.filter(Boolean).length;
  const N = positives.length - P;
  const pts: CurvePoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0, precision: 1, recall: 0 }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < idx.length; k++) {
    if (positives[idx[k]]) tp++;
    else fp++;
    if (k + 1 < idx.length && scores[idx[k + 1]] === scores[idx[k]]) continue;
    pts.push({ threshold: scores[idx[k]], fpr: safeDiv(fp, N), tpr: safeDiv(tp, P), precision: safeDiv(tp, tp + fp), recall: safeDiv(tp, P) });
  }
  return pts;
}

/** Area under the ROC curve (trapezoids). */
export function rocAuc(points: CurvePoint[]): number {
  let a = 0;
  for (let i = 1; i < points.length; i++) a += ((points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr)) / 2;
  return a;
}

/** Average precision (sklearn's step-wise sum: Σ (R_n − R_{n−1}) P_n). */
export function averagePrecision(points: CurvePoint[]): number {
  let a = 0;
  for (let i = 1; i < points.length; i++) a += (points[i].recall - points[i - 1].recall) * points[i].precision;
  return a;
}

export interface ThresholdRow {
  threshold: number;
  /** Share of items whose top score is below the threshold (left undecided). */
  undecided: number;
  /** Accuracy on the items decided. */
  accuracy: number;
  decided: number;
}

/** The trade-off of refusing low-confidence predictions: accuracy of the rest vs share refused. */
export function thresholdTradeoff(truth: number[], probs: ArrayLike<number>[], thresholds: number[] = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]): ThresholdRow[] {
  return thresholds.map((t) => {
    let decided = 0;
    let correct = 0;
    probs.forEach((p, i) => {
      const b = argmax(p);
      if (p[b] >= t) {
        decided++;
        if (b === truth[i]) correct++;
      }
    });
    return { threshold: t, undecided: safeDiv(probs.length - decided, probs.length), accuracy: safeDiv(correct, decided), decided };
  });
}

/** Wilson score interval of a proportion k / n (95 % by default); [0, 1] when n = 0. */
export function wilson(k: number, n: number, z = 1.959964): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

export interface ClassIntervals {
  class: string;
  /** Wilson 95 % intervals of precision (k = true positives of the predicted) and recall (of the support). */
  precision: [number, number];
  recall: [number, number];
  /** Percentile bootstrap 95 % interval of F1 (items resampled with replacement). */
  f1: [number, number];
}

export interface ReportIntervals {
  rows: ClassIntervals[];
  macroF1: [number, number];
  balancedAccuracy: [number, number];
  resamples: number;
}

/**
 * 95 % intervals of a confusion-matrix report: Wilson for per-class precision and recall, a
 * seeded percentile bootstrap (items resampled) for F1, macro F1 and balanced accuracy.
 */
export function reportIntervals(truth: number[], predicted: number[], classes: string[], resamples = 1000, seed = 42): ReportIntervals {
  const n = truth.length;
  const k = classes.length;
  const base = classificationReport(confusionMatrix(truth, predicted, k), classes);
  let a = seed >>> 0;
  const rng = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const f1s: number[][] = classes.map(() => []);
  const macro: number[] = [];
  const bal: number[] = [];
  for (let r = 0; r < (n ? resamples : 0); r++) {
    const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rng() * n);
      m[truth[j]][predicted[j]]++;
    }
    const rep = classificationReport(m, classes);
    rep.rows.forEach((row, c) => f1s[c].push(row.f1));
    macro.push(rep.macro.f1);
    bal.push(rep.balancedAccuracy);
  }
  const pct = (xs: number[]): [number, number] => {
    if (!xs.length) return [0, 1];
    const s = xs.slice().sort((x, y) => x - y);
    return [s[Math.floor(0.025 * (s.length - 1))], s[Math.ceil(0.975 * (s.length - 1))]];
  };
  return {
    rows: base.rows.map((row, c) => {
      const tp = base.confusion[c][c];
      const predictedC = base.confusion.reduce((acc, rw) => acc + rw[c], 0);
      return { class: row.class, precision: wilson(tp, predictedC), recall: wilson(tp, row.support), f1: pct(f1s[c]) };
    }),
    macroF1: pct(macro),
    balancedAccuracy: pct(bal),
    resamples,
  };
}

/**
 * Balanced accuracy of the with/without question: items whose truth is `with_mask` or
 * `without_mask`, each decided by the larger of the model's two scores for those classes (an
 * `incorrect_mask` or internal class score is ignored); the mean recall over the two classes, or
 * over the one that has items. null when the model lacks either class.
 */
export function withWithoutBalancedAccuracy(truth: number[], probs: ArrayLike<number>[], classes: readonly string[]): { value: number; n: number; recallWith: number; recallWithout: number } | null {
  const w = classes.indexOf('with_mask');
  const o = classes.indexOf('without_mask');
  if (w < 0 || o < 0) return null;
  let nw = 0, nwOk = 0, no = 0, noOk = 0;
  truth.forEach((t, i) => {
    const saysWith = probs[i][w] >= probs[i][o];
    if (t === w) {
      nw++;
      if (saysWith) nwOk++;
    } else if (t === o) {
      no++;
      if (!saysWith) noOk++;
    }
  });
  const rw = nw ? nwOk / nw : 0;
  const ro = no ? noOk / no : 0;
  // the mean over the classes that have items (a set of faces of one class, such as the confusers, gets its one recall)
  const present = [nw ? rw : null, no ? ro : null].filter((r): r is number => r !== null);
  return { value: present.length ? present.reduce((x, y) => x + y, 0) / present.length : 0, n: nw + no, recallWith: rw, recallWithout: ro };
}

/**
 * Macro F1 of `b` minus that of `a` on the same items, with a seeded paired percentile bootstrap
 * 95 % interval (the same resampled items scored under both predictions).
 */
export function pairedMacroF1Gain(truth: number[], a: number[], b: number[], classes: string[], resamples = 1000, seed = 42): { value: number; low: number; high: number } {
  const k = classes.length;
  const f1 = (items: number[], pred: number[]) => classificationReport(confusionMatrix(items.map((i) => truth[i]), items.map((i) => pred[i]), k), classes).macro.f1;
  const all = truth.map((_, i) => i);
  const rng = mulberry32(seed);
  const gains: number[] = [];
  for (let r = 0; r < resamples && truth.length > 0; r++) {
    const pick = truth.map(() => Math.floor(rng() * truth.length));
    gains.push(f1(pick, b) - f1(pick, a));
  }
  gains.sort((x, y) => x - y);
  const q = (p: number) => (gains.length ? gains[Math.min(gains.length - 1, Math.floor(p * gains.length))] : 0);
  return { value: f1(all, b) - f1(all, a), low: q(0.025), high: q(0.975) };
}
