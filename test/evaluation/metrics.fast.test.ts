/** Metrics against hand-computed examples. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confusionMatrix, classificationReport, curvePoints, rocAuc, averagePrecision, thresholdTradeoff, reportFromProbabilities, pairedMacroF1Gain } from '../../src/evaluation/metrics';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test('confusion matrix and report, two classes (hand-computed)', () => {
  // truth: 4 with (0), 2 without (1); predictions: 3 of the 4 right, 1 of the 2 right
  const truth = [0, 0, 0, 0, 1, 1];
  const pred = [0, 0, 0, 1, 1, 0];
  const m = confusionMatrix(truth, pred, 2);
  assert.deepEqual(m, [
    [3, 1],
    [1, 1],
  ]);
  const r = classificationReport(m, ['with_mask', 'without_mask']);
  close(r.accuracy, 4 / 6);
  close(r.rows[0].precision, 3 / 4);
  close(r.rows[0].recall, 3 / 4);
  close(r.rows[0].f1, 0.75);
  close(r.rows[1].precision, 1 / 2);
  close(r.rows[1].recall, 1 / 2);
  close(r.rows[1].f1, 0.5);
  close(r.macro.f1, 0.625);
  close(r.weighted.f1, (4 * 0.75 + 2 * 0.5) / 6);
  close(r.balancedAccuracy, (0.75 + 0.5) / 2);
  assert.equal(r.rows[0].support, 4);
});

test('three classes, one never predicted (zero division gives 0)', () => {
  const m = confusionMatrix([0, 1, 2, 2], [0, 1, 1, 1], 3);
  const r = classificationReport(m, ['a', 'b', 'c']);
  close(r.rows[2].precision, 0);
  close(r.rows[2].recall, 0);
  close(r.rows[1].precision, 1 / 3);
  close(r.rows[1].f1, (2 * (1 / 3) * 1) / (1 / 3 + 1));
  close(r.accuracy, 0.5);
});

test('ROC AUC and average precision (hand-computed)', () => {
  // scores for positives [0.9, 0.4], negatives [0.6, 0.1]: pairs ordered right 3 of 4 → AUC 0.75
  const pts = curvePoints([0.9, 0.6, 0.4, 0.1], [true, false, true, false]);
  close(rocAuc(pts), 0.75);
  // AP: recall steps at 0.9 (P=1, R=.5) and 0.4 (P=2/3, R=1) → 0.5*1 + 0.5*2/3
  close(averagePrecision(pts), 0.5 + 0.5 * (2 / 3));
  const perfect = curvePoints([0.9, 0.8, 0.2], [true, true, false]);
  close(rocAuc(perfect), 1);
});

test('tied scores make one curve point', () => {
  const pts = curvePoints([0.5, 0.5, 0.5], [true, false, true]);
  assert.equal(pts.length, 2);
  close(pts[1].tpr, 1);
  close(pts[1].fpr, 1);
});

test('threshold trade-off', () => {
  const probs = [
    [0.95, 0.05],
    [0.6, 0.4],
    [0.3, 0.7],
    [0.45, 0.55],
  ];
  const rows = thresholdTradeoff([0, 1, 1, 0], probs, [0.5, 0.9]);
  close(rows[0].accuracy, 2 / 4);
  close(rows[0].undecided, 0);
  close(rows[1].accuracy, 1);
  close(rows[1].undecided, 3 / 4);
  const r = reportFromProbabilities([0, 1, 1, 0], probs, ['a', 'b']);
  close(r.accuracy, 0.5);
});

test('mismatched lengths are refused', () => {
  assert.throws(() => confusionMatrix([0, 1], [0], 2), /2 true labels but 1 predictions/);
});

test('Wilson interval: hand-computed values and edge cases', async () => {
  const { wilson } = await import('../../src/evaluation/metrics');
  // 8 of 10: centre (0.8 + 1.92/10) / 1.384 = 0.7167, half-width 0.2267 → [0.490, 0.943]
  const [lo, hi] = wilson(8, 10);
  close(lo, 0.4902, 1e-3);
  close(hi, 0.9433, 1e-3);
  assert.deepEqual(wilson(0, 0), [0, 1]);
  const [z0, z1] = wilson(0, 20);
  assert.equal(z0, 0);
  assert.ok(z1 > 0.1 && z1 < 0.2, `${z1}`);
  const [a, b] = wilson(20, 20);
  assert.ok(a > 0.8 && a < 0.9 && b === 1);
});

test('report intervals contain the point estimates; bootstrap is seeded', async () => {
  const { reportIntervals } = await import('../../src/evaluation/metrics');
  const truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 0, 1, 2, 0, 0, 1];
  const pred = [0, 0, 1, 0, 1, 1, 0, 2, 1, 0, 1, 2, 0, 2, 1];
  const classes = ['with_mask', 'without_mask', 'incorrect_mask'];
  const r = classificationReport(confusionMatrix(truth, pred, 3), classes);
  const iv = reportIntervals(truth, pred, classes, 500, 1);
  iv.rows.forEach((row, k) => {
    for (const [key, x] of [['precision', r.rows[k].precision], ['recall', r.rows[k].recall], ['f1', r.rows[k].f1]] as const) {
      const [lo, hi] = row[key];
      assert.ok(lo <= x + 1e-9 && x <= hi + 1e-9, `${row.class} ${key} ${x} outside [${lo}, ${hi}]`);
    }
  });
  assert.ok(iv.macroF1[0] <= r.macro.f1 && r.macro.f1 <= iv.macroF1[1]);
  assert.deepEqual(reportIntervals(truth, pred, classes, 500, 1), iv);
});

test('with/without balanced accuracy ignores the incorrect class and decides by the two scores', async () => {
  const { withWithoutBalancedAccuracy } = await import('../../src/evaluation/metrics');
  const classes = ['with_mask', 'without_mask', 'incorrect_mask'];
  // a with_mask face whose top class is incorrect_mask but with > without still counts as "with"
  const probs = [
    [0.3, 0.1, 0.6],
    [0.6, 0.3, 0.1],
    [0.2, 0.7, 0.1],
    [0.5, 0.4, 0.1],
    [0.1, 0.1, 0.8],
  ];
  const truth = [0, 0, 1, 1, 2];
  const r = withWithoutBalancedAccuracy(truth, probs, classes)!;
  assert.equal(r.n, 4);
  close(r.recallWith, 1);
  close(r.recallWithout, 0.5);
  close(r.value, 0.75);
  assert.equal(withWithoutBalancedAccuracy([0], [[1, 0]], ['with_mask', 'incorrect_mask']), null);
  // faces of one class only (the confuser set): the recall of that class, not its mean with an empty one
  const one = withWithoutBalancedAccuracy([1, 1, 1, 1], [[0.9, 0.1, 0], [0.2, 0.8, 0], [0.1, 0.6, 0.3], [0.3, 0.2, 0.5]], classes)!;
  close(one.recallWithout, 0.5);
  close(one.value, 0.5);
});

test('pairedMacroF1Gain: the same predictions gain nothing; better ones gain, with an interval around the gain', () => {
  const truth = [0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 1, 2];
  const a = [0, 1, 0, 1, 0, 1, 2, 0, 2, 0, 1, 1];
  const same = pairedMacroF1Gain(truth, a, a, ['x', 'y', 'z']);
  assert.deepEqual(same, { value: 0, low: 0, high: 0 });
  const g = pairedMacroF1Gain(truth, a, truth, ['x', 'y', 'z']);
  assert.ok(g.value > 0 && g.low <= g.value && g.value <= g.high, JSON.stringify(g));
  assert.ok(g.low > 0, 'perfect predictions against four mistakes in 12: the gain is above 0 at the 2.5th percentile');
  assert.deepEqual(pairedMacroF1Gain(truth, a, truth, ['x', 'y', 'z']), g, 'seeded');
});
