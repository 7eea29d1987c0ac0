/**
 * Notebook 04's calibration cells (src/notebook/evaluation.ts): the committed summary is read from
 * docs/results/, its rows and the out-of-fold decision table say what the run measured, the
 * reliability diagram draws it; a model without a summary gives null.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationFigure, calibrationRows, calibrationSummary, decisionRows } from '../../src/notebook/evaluation';
import { tmpDir } from '../model/helpers';

test("the committed calibration of models/default: rows per set before and after, the decision rule's table, the diagram", async () => {
  const s = calibrationSummary('default');
  assert.ok(s, 'docs/results/calibration-default.json is committed');
  assert.equal(s.file, 'calibration-default.json');
  assert.deepEqual(s.calibration.fittedOn, ['ilc2021-val', 'real-val']);
  const rows = calibrationRows(s);
  const all = rows.filter((r) => r.set === 'all');
  assert.equal(all[0].when, 'network as is');
  assert.equal(all[0].NLL, +s.calibration.nllBefore.toFixed(4));
  assert.equal(all[1].NLL, +s.calibration.nllAfter.toFixed(4));
  assert.ok(all[1].NLL <= all[0].NLL);
  assert.equal(rows.length, (s.decision.chosen === 'argmax' ? 2 : 3) * s.before.length);
  const d = decisionRows(s);
  assert.deepEqual(d.map((r) => r.chosen), s.decision.chosen === 'argmax' ? ['yes', ''] : ['', 'yes']);
  assert.equal(d[0]['macro F1'], +s.decision.argmax.macroF1.toFixed(3));
  const fig = calibrationFigure(s);
  assert.ok(fig.svg.includes(`ECE ${s.calibration.eceAfter.toFixed(3)}`));
  assert.equal(calibrationSummary('default', tmpDir('no-results')), null);
  assert.equal(calibrationSummary('no-such-model'), null);
});
