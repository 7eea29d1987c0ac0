/**
 * Notebook 04's calibration cells (src/notebook/evaluation.ts): the committed summary is read from
 * docs/results/, its rows and the out-of-fold decision table say what the run measured, the
 * reliability diagram draws it; a model without a summary gives null.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { calibrationFigure, calibrationRows, calibrationSummary, decisionRows, hardFacesApproaches, hardFacesRows } from '../../src/notebook/evaluation';
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

test('the hard-faces approaches: read in their order, one row each from their evaluate sets, NaN where a set was not measured', () => {
  const dir = tmpDir('hard-faces');
  const set = (name: string, f1: number, recall: number, precision: number, ww: number) => ({
    name,
    report: { macro: { f1 }, rows: [{ class: 'with_mask', recall: 0.9, precision: 0.9 }, { class: 'incorrect_mask', recall, precision }] },
    withWithout: { value: ww },
  });
  const write = (o: Record<string, unknown> & { id: string }) => fs.writeFileSync(path.join(dir, `${o.id}.json`), JSON.stringify(o));
  write({ order: 1, id: 'b', approach: 'second', command: 'x', shipped: true, kaggleValidation: null, sets: { 'ilc2021-val': set('ilc2021-val', 0.8, 0.6, 0.7, 0.95) } });
  write({
    order: 0,
    id: 'a',
    approach: 'first',
    command: 'y',
    shipped: false,
    kaggleValidation: { report: { macro: { f1: 0.5 } }, withWithout: 0.9 },
    sets: { 'ilc2021-test': set('ilc2021-test', 0.7, 0.25, 0.5, 0.9), confusers: { ...set('confusers', 0.3, 0, 0, 0.9), kinds: [{ kind: 'all', faces: 100, called: { with_mask: 10, without_mask: 85, incorrect_mask: 5 } }] } },
  });
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an approach');
  const a = hardFacesApproaches(dir);
  assert.deepEqual(a.map((x) => x.id), ['a', 'b']);
  const rows = hardFacesRows(a);
  assert.equal(rows[0].approach, 'first');
  assert.equal(rows[1].approach, 'second (shipped)');
  assert.equal(rows[0]['Kaggle val macro F1'], 0.5);
  assert.ok(Number.isNaN(rows[1]['Kaggle val macro F1']));
  assert.equal(rows[0]['ilc test incorrect recall %'], 25);
  assert.equal(rows[0]['confusers called without %'], 85);
  assert.ok(Number.isNaN(rows[0]['ilc val macro F1']));
  assert.equal(rows[1]['ilc val incorrect precision %'], 70);
  assert.equal(rows[1]['ilc val with/without %'], 95);
  assert.deepEqual(hardFacesApproaches(path.join(dir, 'none')), []);
});
