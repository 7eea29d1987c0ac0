/**
 * Notebook 04's calibration cells (src/notebook/evaluation.ts): the committed summary is read from
 * docs/results/, its rows and the out-of-fold decision table say what the run measured, the
 * reliability diagram draws it; a model without a summary gives null.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { calibrationFigure, calibrationRows, calibrationSummary, decisionRows, hardFacesApproaches, hardFacesRows, cvResults, cvRows, cvCompareRows } from '../../src/notebook/evaluation';
import { tmpDir } from '../model/helpers';
import { CV_FORMAT, cvSummary, summariseCv, type CvPrediction } from '../../src/training/cv';
import type { ModelClass } from '../../src/labels';
import { getRecipe } from '../../src/training/presets';

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
  assert.deepEqual(
    d.map((r) => r.form),
    ['temperature', 'temperature', 'temperature+bias', 'temperature+bias'],
    'both forms, argmax and threshold each',
  );
  assert.equal(d.filter((r) => r.chosen === 'yes').length, 1);
  const chosen = d.find((r) => r.chosen === 'yes')!;
  assert.equal(chosen.form, s.decision.form);
  assert.equal(chosen['macro F1'], +(s.decision.chosen === 'argmax' ? s.decision.argmax : s.decision.threshold).macroF1.toFixed(3));
  if (s.decision.form === 'temperature') assert.ok(Object.values(s.calibration.bias).every((b) => b === 0), 'temperature alone: no biases');
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

test('cross-validations: summaries and comparisons read apart, rows say whether a gain is beyond the noise', () => {
  const dir = tmpDir('cv-results');
  const classes = ['with_mask', 'without_mask', 'incorrect_mask'];
  const predictions = Array.from({ length: 30 }, (_, i) => ({ file: `f${i}.jpg`, label: classes[i % 3], fold: i % 3, group: `g${i}`, probs: classes.map((_, j) => (j === i % 3 ? 0.8 : 0.1)) }));
  const s = summariseCv(predictions as CvPrediction[], classes as ModelClass[], 3);
  const run = cvSummary({ format: CV_FORMAT, preset: 'realworld', overrides: { 'data.ilc2021Copies': 1 }, recipe: getRecipe('realworld', { 'data.ilc2021Copies': 1 }), synth: ['.cache/synth-realworld', '.cache/synth-confusers'], folds: 3, seed: 42, classes: classes as ModelClass[], ...s, predictions: predictions as CvPrediction[], seconds: 1 }, 'rw-conf');
  fs.writeFileSync(path.join(dir, 'rw-conf.json'), JSON.stringify(run));
  fs.writeFileSync(path.join(dir, 'compare.json'), JSON.stringify({ kind: 'cv-compare', runs: { a: 'rw', b: 'rw-conf' }, faces: 30, a: { macroF1: 0.8, incorrectRecall: 0.5, incorrectPrecision: 0.7 }, b: { macroF1: 0.85, incorrectRecall: 0.6, incorrectPrecision: 0.7 }, gain: { value: 0.05, low: 0.01, high: 0.09 } }));
  const { runs, comparisons } = cvResults(dir);
  assert.equal(runs.length, 1);
  assert.equal(comparisons.length, 1);
  assert.ok(!('predictions' in runs[0]), 'a summary holds no per-face predictions');
  const [row] = cvRows(runs);
  assert.equal(row.faces, 30);
  assert.equal(row['macro F1 (argmax)'], 1);
  assert.equal(row.synth, 'synth-realworld + synth-confusers');
  assert.equal(row.overrides, 'data.ilc2021Copies=1');
  assert.equal(row['ilc2021 copies'], 1, 'the recipe as trained, whatever the default is now');
  assert.equal(cvCompareRows(comparisons)[0]['beyond noise'], 'B better');
  assert.equal(cvCompareRows([{ ...comparisons[0], gain: { value: 0.01, low: -0.02, high: 0.04 } }])[0]['beyond noise'], 'no');
  assert.deepEqual(cvResults(path.join(dir, 'none')), { runs: [], comparisons: [] });
});
