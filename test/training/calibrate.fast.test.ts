/**
 * `facemask calibrate` (src/training/calibrate.ts), the pure part: the threshold search and the
 * out-of-fold comparison on synthetic faces, the rule that picks a form, test parts refused. (A real
 * small run and promoting it: calibrate.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCalibrationSets, chooseIncorrectThreshold, chooseRule, faceNumbers, studyDecision } from '../../src/training/calibrate';
import { mulberry32 } from '../../src/util/random';

const CLASSES = ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'];

/** Faces whose incorrect_mask score is systematically too low: the truth is incorrect_mask but with_mask wins by a margin. */
function underCalled(n: number, seed: number, shift: number) {
  const rng = mulberry32(seed);
  const rows: Float32Array[] = [];
  const labels: string[] = [];
  const groups: string[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % 3;
    const z = [0, 0, 0, -3].map((v, j) => v + (j === y ? 2 : 0) + rng() * 2.5);
    if (y === 2) z[0] += shift; // incorrectly worn masks look like masks to this model
    const e = z.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    rows.push(Float32Array.from(e.map((v) => v / s)));
    labels.push(CLASSES[y]);
    groups.push(`photo${Math.floor(i / 3)}`);
  }
  return { rows, labels, groups };
}

test('the threshold on incorrect_mask maximises macro F1; both forms are studied out of fold and the biases kept only when they beat temperature alone', () => {
  const { rows, labels, groups } = underCalled(600, 1, 1.6);
  const t = chooseIncorrectThreshold(rows, labels, CLASSES)!;
  assert.ok(t < 0.45, `a low threshold recovers the under-called class (${t})`);
  assert.ok(faceNumbers(rows, labels, CLASSES, { incorrect_mask: t }).macroF1 > faceNumbers(rows, labels, CLASSES, 'argmax').macroF1 + 0.02);
  const s = studyDecision(rows, labels, groups, CLASSES);
  assert.equal(s.folds, 5);
  assert.deepEqual(
    s.forms!.map((f) => f.form),
    ['temperature', 'temperature+bias'],
  );
  for (const f of s.forms!) {
    assert.equal(f.foldThresholds.length, 5);
    assert.equal(f.argmax.faces, 600);
    assert.ok(f.macroF1Gain.low <= f.macroF1Gain.value && f.macroF1Gain.value <= f.macroF1Gain.high);
  }
  // temperature alone keeps the network's argmax: out of fold it is the raw rows' argmax
  assert.ok(Math.abs(s.forms![0].argmax.macroF1 - faceNumbers(rows, labels, CLASSES, 'argmax').macroF1) < 1e-12);
  // a class shifted by the network is what a bias fixes: the biases win beyond the noise here
  assert.ok(s.biasGain!.low > 0, `the biases' gain ${JSON.stringify(s.biasGain)}`);
  assert.equal(s.form, 'temperature+bias');
  assert.deepEqual(s.argmax, s.forms![1].argmax, "the chosen form's numbers at the top level");
  // a threshold is kept only when it beats argmax out of fold beyond the noise
  if (s.macroF1Gain.low > 0) assert.deepEqual(s.chosen, { incorrect_mask: s.fullThreshold });
  else assert.equal(s.chosen, 'argmax');
  // well-separated faces: the network's argmax is already right; temperature alone and argmax
  const easy = underCalled(300, 2, -3);
  const e = studyDecision(easy.rows, easy.labels, easy.groups, CLASSES);
  assert.equal(e.form, 'temperature');
  assert.equal(e.chosen, 'argmax');
  // a model without incorrect_mask: always argmax
  const two = ['with_mask', 'without_mask'];
  const d = studyDecision(
    [Float32Array.from([0.7, 0.3]), Float32Array.from([0.2, 0.8])],
    ['with_mask', 'without_mask'],
    ['a', 'b'],
    two,
    2,
  );
  assert.equal(d.chosen, 'argmax');
  assert.equal(chooseIncorrectThreshold([Float32Array.from([0.7, 0.3])], ['with_mask'], two), null);
});

test('the rule: simplest first — the biases, then a threshold, only when their out-of-fold gain is above 0 beyond the noise', () => {
  const faces = (f1: number) => ({ faces: 100, accuracy: 0.9, macroF1: f1, incorrectRecall: 0.6, incorrectPrecision: 0.7 });
  const study = (form: 'temperature' | 'temperature+bias', gain: { value: number; low: number; high: number }, full: number | null = 0.3) => ({ form, foldThresholds: [0.3], argmax: faces(0.7), threshold: faces(0.7 + gain.value), macroF1Gain: gain, fullThreshold: full });
  const noise = { value: 0.001, low: -0.02, high: 0.02 };
  const win = { value: 0.05, low: 0.01, high: 0.09 };
  const loss = { value: -0.05, low: -0.09, high: -0.01 };
  // the biases within the noise: temperature alone, whatever the biases' threshold would do
  const a = chooseRule([study('temperature', noise), study('temperature+bias', win)], noise, 5);
  assert.deepEqual([a.form, a.chosen], ['temperature', 'argmax']);
  assert.match(a.why, /biases change argmax's macro F1 by \+0\.001, 95 % interval \[-0\.020, 0\.020\] against temperature alone, not above 0: temperature alone/);
  assert.match(a.why, /not above 0: argmax$/);
  // the biases beyond the noise, and their threshold too: both, the threshold chosen on all faces
  const b = chooseRule([study('temperature', loss), study('temperature+bias', win, 0.27)], win, 5);
  assert.deepEqual([b.form, b.chosen], ['temperature+bias', { incorrect_mask: 0.27 }]);
  // temperature alone with a threshold that wins
  assert.deepEqual(chooseRule([study('temperature', win, 0.4), study('temperature+bias', noise)], loss, 5).chosen, { incorrect_mask: 0.4 });
  assert.equal(chooseRule([study('temperature', win, null), study('temperature+bias', noise)], noise, 5).chosen, 'argmax', 'no incorrect_mask: argmax');
});

test('only validation sets: a test part or an unknown set is refused with what to use', () => {
  assert.deepEqual(checkCalibrationSets(undefined), ['ilc2021-val', 'real-val']);
  assert.deepEqual(checkCalibrationSets(['real-val', 'real-val']), ['real-val']);
  assert.throws(() => checkCalibrationSets(['ilc2021-test']), /never fitted on a test part \(ilc2021-test.*use ilc2021-val, real-val/);
  assert.throws(() => checkCalibrationSets(['real']), /unknown calibration set "real" \(known: ilc2021-val, real-val\)/);
});
