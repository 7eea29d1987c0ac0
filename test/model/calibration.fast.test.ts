/**
 * Calibration maths (src/model/calibration.ts) on synthetic data: a known temperature and bias are
 * recovered, the NLL never increases, the identity changes nothing, bad calibrations are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, type Rng } from '../../src/util/random';
import {
  calibrateRow,
  calibrateRows,
  checkCalibration,
  expectedCalibrationError,
  fitCalibration,
  meanNll,
  reliabilityBins,
  type Calibration,
} from '../../src/model/calibration';

const CLASSES = ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'];

function gauss(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}
const softmax = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
function sample(rng: Rng, p: number[]): number {
  let u = rng();
  for (let j = 0; j < p.length; j++) if ((u -= p[j]) < 0) return j;
  return p.length - 1;
}

/** A model's probabilities softmax(z), with labels drawn from the truly calibrated softmax(z/T + b). */
function synthetic(n: number, T: number, b: number[], seed = 1): { rows: Float32Array[]; truth: number[] } {
  const rng = mulberry32(seed);
  const rows: Float32Array[] = [];
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const y0 = Math.floor(rng() * b.length);
    const z = b.map((_, j) => 2.5 * gauss(rng) + (j === y0 ? 4 : 0));
    rows.push(Float32Array.from(softmax(z)));
    truth.push(sample(rng, softmax(z.map((v, j) => v / T + b[j]))));
  }
  return { rows, truth };
}

test('a known temperature and per-class bias are recovered from 20,000 synthetic items', () => {
  const b = [0, 0.6, -0.8, 0.3];
  const { rows, truth } = synthetic(20000, 2.2, b);
  const fit = fitCalibration(rows, truth, CLASSES);
  assert.ok(Math.abs(fit.temperature - 2.2) < 0.1, `temperature ${fit.temperature}`);
  fit.bias.forEach((v, j) => assert.ok(Math.abs(v - b[j]) < 0.1, `bias ${j}: ${v} vs ${b[j]}`));
  assert.equal(fit.bias[0], 0, 'the reference class stays at 0');
  assert.ok(fit.nllAfter < fit.nllBefore - 0.05, `${fit.nllBefore} → ${fit.nllAfter}`);
  const after = rows.map((p) => calibrateRow(p, CLASSES, { temperature: fit.temperature, bias: Object.fromEntries(CLASSES.map((c, j) => [c, fit.bias[j]])) }));
  assert.ok(Math.abs(meanNll(after, truth) - fit.nllAfter) < 1e-6, 'the recorded NLL is the NLL of the calibrated rows');
  assert.ok(expectedCalibrationError(after, truth) < expectedCalibrationError(rows, truth) / 3, 'ECE falls');
});

test('a sharpening temperature (T < 1) is recovered too, temperature only when asked', () => {
  const { rows, truth } = synthetic(10000, 0.5, [0, 0, 0, 0], 7);
  const fit = fitCalibration(rows, truth, CLASSES, { bias: false });
  assert.ok(Math.abs(fit.temperature - 0.5) < 0.05, `temperature ${fit.temperature}`);
  assert.deepEqual(fit.bias, [0, 0, 0, 0]);
});

test('the NLL never increases, and an already calibrated model stays near the identity', () => {
  for (const seed of [2, 3, 4, 5, 6]) {
    const { rows, truth } = synthetic(300, 1, [0, 0, 0, 0], seed);
    const fit = fitCalibration(rows, truth, CLASSES);
    assert.ok(fit.nllAfter <= fit.nllBefore, `seed ${seed}: ${fit.nllBefore} → ${fit.nllAfter}`);
    assert.ok(Math.abs(fit.temperature - 1) < 0.25, `seed ${seed}: temperature ${fit.temperature}`);
  }
  // a degenerate set (one item) still never gets worse
  const one = fitCalibration([Float32Array.from([0.7, 0.1, 0.1, 0.1])], [0], CLASSES);
  assert.ok(one.nllAfter <= one.nllBefore);
});

test('a class without items keeps bias 0 (not driven to minus infinity)', () => {
  const { rows, truth } = synthetic(2000, 1.5, [0, 0.5, -0.5, 0], 9);
  const keep = truth.map((t, i) => (t === 3 ? -1 : i)).filter((i) => i >= 0);
  const fit = fitCalibration(
    keep.map((i) => rows[i]),
    keep.map((i) => truth[i]),
    CLASSES,
  );
  assert.deepEqual(fit.fixed, [0, 3]);
  assert.equal(fit.bias[3], 0);
  assert.ok(Number.isFinite(fit.temperature) && fit.temperature > 0);
});

test('no calibration, or the identity, leaves the rows exactly as they are', () => {
  const rows = [Float32Array.from([0.5, 0.2, 0.2, 0.1]), Float32Array.from([0.01, 0.01, 0.97, 0.01])];
  assert.equal(calibrateRows(rows, CLASSES, undefined), rows);
  assert.equal(calibrateRows(rows, CLASSES, { temperature: 1, bias: { with_mask: 0, not_face: 0 } }), rows);
  const c = calibrateRows(rows, CLASSES, { temperature: 2, bias: { incorrect_mask: 0.5 } });
  assert.notEqual(c, rows);
  for (const r of c) assert.ok(Math.abs(r.reduce((a, b) => a + b, 0) - 1) < 1e-6, 'rows still sum to 1');
  // softmax(log p / 2 + b) by hand for the first row
  const z = [0.5, 0.2, 0.2, 0.1].map((p, j) => Math.log(p) / 2 + (j === 2 ? 0.5 : 0));
  softmax(z).forEach((v, j) => assert.ok(Math.abs(c[0][j] - v) < 1e-6));
  assert.throws(() => calibrateRow([0.5, 0.5], CLASSES, { temperature: 2, bias: {} }), /2 probabilities for 4 classes/);
});

test('reliability bins and ECE by hand', () => {
  const rows = [
    [0.95, 0.05],
    [0.92, 0.08],
    [0.35, 0.65],
    [0.3, 0.7],
  ];
  const truth = [0, 1, 1, 0];
  const bins = reliabilityBins(rows, truth);
  assert.equal(bins.length, 10);
  assert.deepEqual(
    bins.filter((b) => b.n).map((b) => [b.from, b.n, +b.confidence!.toFixed(3), b.accuracy]),
    [
      [0.6, 1, 0.65, 1],
      [0.7, 1, 0.7, 0],
      [0.9, 2, 0.935, 0.5],
    ],
  );
  const ece = (1 / 4) * 0.35 + (1 / 4) * 0.7 + (2 / 4) * 0.435;
  assert.ok(Math.abs(expectedCalibrationError(rows, truth) - ece) < 1e-9);
  assert.equal(reliabilityBins([[1, 0]], [0])[9].n, 1, 'a top probability of 1 is in the last bin');
});

test('checkCalibration refuses bad values and a fit on a test part, naming the field', () => {
  const good: Calibration = { temperature: 1.3, bias: { with_mask: 0, without_mask: 0.2 }, fittedOn: ['ilc2021-val'], n: 10, nllBefore: 0.5, nllAfter: 0.4, eceBefore: 0.1, eceAfter: 0.05 };
  assert.equal(checkCalibration(good, CLASSES, 'm'), good);
  assert.throws(() => checkCalibration({ ...good, temperature: 0 }, CLASSES, 'm'), /m: calibration.temperature must be a number > 0/);
  assert.throws(() => checkCalibration({ ...good, bias: { beard: 1 } }, CLASSES, 'm'), /names "beard", not a class/);
  assert.throws(() => checkCalibration({ ...good, bias: { with_mask: 'x' } }, CLASSES, 'm'), /bias.with_mask must be a finite number/);
  assert.throws(() => checkCalibration({ ...good, fittedOn: ['ilc2021-test'] }, CLASSES, 'm'), /names a test part/);
  assert.throws(() => checkCalibration({ ...good, nllAfter: undefined }, CLASSES, 'm'), /calibration.nllAfter must be a number/);
  assert.throws(() => checkCalibration(null, CLASSES, 'm'), /"calibration" must be/);
});
