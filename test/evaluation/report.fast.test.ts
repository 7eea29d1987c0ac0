/** An evaluation summarised (src/evaluation/evaluate.ts `summariseSet`): the pure part. (Written to files with its pictures: report.test.ts.) */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summariseSet, sideBySide, type EvalItem } from '../../src/evaluation/evaluate';

/** File names only: summariseSet never opens them. */
const WITH_MASK_JPG = 'observations/with_mask/0-with-mask.jpg';
const WITHOUT_MASK_JPG = 'observations/without_mask/0.jpg';

test('summariseSet: report, curves, mistakes (most confident first), faces of other classes apart', () => {
  const items: EvalItem[] = [
    { file: WITH_MASK_JPG, label: 'with_mask' },
    { file: WITH_MASK_JPG, box: [10, 10, 60, 60], label: 'with_mask' },
    { file: WITHOUT_MASK_JPG, label: 'without_mask' },
    { file: WITHOUT_MASK_JPG, label: 'without_mask' },
  ];
  const probs = [
    [0.9, 0.1],
    [0.2, 0.8],
    [0.4, 0.6],
    [0.7, 0.3],
  ].map((r) => Float32Array.from(r));
  const e = summariseSet('real', 'test set', ['with_mask', 'without_mask'], items, probs, [{ truth: 'incorrect_mask', probs: Float32Array.from([0.8, 0.2]) }]);
  assert.deepEqual(e.report.confusion, [
    [1, 1],
    [1, 1],
  ]);
  assert.equal(e.report.accuracy, 0.5);
  assert.deepEqual(e.mistakes.map((m) => m.score.toFixed(1)), ['0.8', '0.7']);
  assert.deepEqual(e.outside, [{ truth: 'incorrect_mask', n: 1, predicted: { with_mask: 1 } }]);
  assert.equal(e.curves.length, 2);
  assert.equal(sideBySide([e])[0].accuracy, 0.5);
  // score calibration of the rows as given: NLL of the true class, ECE over 10 bins of the top probability
  assert.ok(Math.abs(e.scoreCalibration.nll - -(Math.log(0.9) + Math.log(0.2) + Math.log(0.6) + Math.log(0.3)) / 4) < 1e-6);
  // (float32 0.9 and 0.7 fall just below their bins' edges: bins 8 and 6 hold two items each)
  assert.ok(Math.abs(e.scoreCalibration.ece - ((2 / 4) * (0.85 - 0.5) + (2 / 4) * (0.65 - 0.5))) < 1e-6);
  assert.equal(sideBySide([e])[0].ece, 0.25);
});
