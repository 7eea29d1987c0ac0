/**
 * The field's measure on scored scenes (src/evaluation/field.ts), hand-made: boxes below the floor
 * are left out, the second measure keeps what the box policy keeps, and the summary file round-trips
 * (NaN written as null, recognised as a summary) and feeds the table rows and the chart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Box } from '../../src/result';
import type { Label } from '../../src/labels';
import type { ScoredScenes } from '../../src/evaluation/scenes';
import { fieldBandRows, fieldPrFigure, fieldRows, fieldSummary, isFieldSummary, measureFieldSet, readFieldSummary, vocImages, writeFieldSummary, type FieldProvenance } from '../../src/evaluation/field';

const sq = (x: number, side: number): Box => [x, 0, side, side];
const face = (x: number, side: number, label: Label) => ({ file: 'a.jpg', box: sq(x, side), label });
const det = (x: number, side: number, score: number) => ({ box: sq(x, side), score });

/** One photo: a masked and an unmasked face found, a small masked face missed, a false box the classifier calls not_face, and a box below the floor. */
const scored: ScoredScenes = {
  detector: 'hand',
  low: 0.01,
  classes: ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'],
  scenes: [{
    scene: { file: 'a.jpg', faces: [face(0, 40, 'with_mask'), face(100, 40, 'without_mask'), face(200, 10, 'with_mask')] },
    detections: [det(0, 40, 0.9), det(100, 40, 0.7), det(300, 40, 0.5), det(200, 10, 0.03)],
    probabilities: [[0.9, 0.05, 0.03, 0.02], [0.1, 0.8, 0.05, 0.05], [0.1, 0.1, 0, 0.8], [1, 0, 0, 0]].map((p) => Float32Array.from(p)),
    ms: 1,
  }],
};
const setting = { threshold: 0.6, rejectAt: null, trustAbove: null };
const rules = { minSize: 24, matchIou: 0.3 };
const provenance: FieldProvenance = { command: 'npx facemask evaluate --scenes kaggle-test', model: { dir: 'models/x', identity: 'abc', classes: scored.classes, calibrated: false, decision: 'argmax' }, detector: { name: 'hand', floor: 0.05, maxBoxes: 100, boxCorrection: false }, small: false };

test('every box down to the floor, before the box policy; the second measure keeps what the policy keeps', () => {
  const images = vocImages(scored, 0.05);
  assert.equal(images[0].boxes.length, 3, 'the box at 0.03 is below the floor');
  assert.equal(images[0].boxes[2].scores.not_face, Float32Array.from([0.8])[0], 'not_face is kept in the scores');
  assert.throws(() => vocImages(scored, 0.005), /below the 0.01 the boxes were found at/);
  const s = measureFieldSet('kaggle-test', 'hand-made', scored, { floor: 0.05, setting, rules });
  assert.deepEqual(s.faces, { with_mask: 2, without_mask: 1, incorrect_mask: 0 });
  // with_mask: the true box first (0.81), then two false ones; one of two masked faces found
  assert.ok(Math.abs(s.field.perClass.with_mask.ap - 0.5) < 1e-6);
  assert.equal(s.field.perClass.without_mask.ap, 1);
  assert.ok(Number.isNaN(s.field.perClass.incorrect_mask.ap));
  assert.ok(Math.abs(s.field.mAP - 0.75) < 1e-6);
  // the detector alone: two true boxes, then the false one
  assert.ok(Math.abs(s.field.agnostic.ap - 2 / 3) < 1e-6);
  // the second measure: faces >= 24 px, both found and labelled right by the two kept boxes
  assert.deepEqual([s.kept.all.faces, s.kept.all.found, s.kept.all.right, s.kept.falseDetections], [2, 2, 2, 0]);
});

test('the summary file: written atomically, NaN as null, recognised, read back into the same rows and a chart', () => {
  const s = measureFieldSet('kaggle-test', 'hand-made', scored, { floor: 0.05, setting, rules });
  const summary = fieldSummary([s], provenance);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-field-'));
  try {
    const file = path.join(dir, 'field-map-x-hand.json');
    writeFieldSummary(file, summary);
    assert.deepEqual(fs.readdirSync(dir), ['field-map-x-hand.json'], 'nothing else left behind');
    assert.ok(isFieldSummary(file));
    const other = path.join(dir, 'other.json');
    fs.writeFileSync(other, '{"kind": "tune"}');
    assert.equal(isFieldSummary(other), false);
    const back = readFieldSummary(file);
    assert.equal(back.sets[0].perClass.incorrect_mask.ap, null);
    assert.equal(back.sets[0].mAP, 0.75);
    assert.equal(back.detector.floor, 0.05);
    assert.equal(back.command, provenance.command);
    assert.deepEqual(fieldRows(back.sets), fieldRows([s]), 'the rows of the summary are the rows of the measurement');
    assert.deepEqual(fieldBandRows(back.sets), fieldBandRows([s]));
    assert.match(fs.readFileSync(file, 'utf8'), /\[0\.5, 1, 0\.81\]/, 'curve points on one line, [recall, precision, score]');
    const svg = fieldPrFigure(back.sets[0]).svg;
    assert.match(svg, /with_mask 0\.500/);
    assert.match(svg, /face \(detector alone\) 0\.667/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('rows: the field measure, then the second measure; bands with their faces', () => {
  const rows = fieldRows([measureFieldSet('kaggle-test', 'hand-made', scored, { floor: 0.05, setting, rules })]);
  assert.equal(rows.length, 2);
  assert.deepEqual([rows[0].with_mask, rows[0].without_mask, rows[0]['mean (mAP) / all'], rows[0]['detector alone']], [0.5, 1, 0.75, 0.667]);
  assert.match(rows[1].measure, /faces >= 24 px, IoU 0.3/);
  assert.deepEqual([rows[1].with_mask, rows[1].without_mask, rows[1]['false / photo']], [100, 100, 0]);
  const bands = fieldBandRows([measureFieldSet('kaggle-test', 'hand-made', scored, { floor: 0.05, setting, rules })]);
  assert.deepEqual(bands.map((b) => [b.band, b.faces]), [['< 12 px', 1], ['12–24 px', 0], ['24–48 px', 2], ['>= 48 px', 0], [`>= ${rules.minSize} (all) px`, 2]], 'the four size bands, then the counted faces together');
  assert.equal(bands[4].mAP, 1, 'without the small face nobody boxed, both classes are found first: 1');
  assert.equal(bands[0]['found %'], 0, 'the small face was never boxed above the floor');
});
