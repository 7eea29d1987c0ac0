/** An evaluation summarised and written: report files, confusion matrix, curves and the mistakes picture. (summariseSet alone: report.fast.test.ts.) */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { summariseSet, type EvalItem } from '../../src/evaluation/evaluate';
import { writeEvaluation } from '../../src/evaluation/report';
import { WITH_MASK_JPG, WITHOUT_MASK_JPG } from '../model/helpers';

test('writeEvaluation writes the report and every picture', async () => {
  const items: EvalItem[] = [
    { file: WITH_MASK_JPG, box: [20, 20, 100, 100], label: 'with_mask' },
    { file: WITHOUT_MASK_JPG, label: 'without_mask' },
    { file: WITHOUT_MASK_JPG, label: 'without_mask' },
  ];
  const probs = [Float32Array.from([0.3, 0.7]), Float32Array.from([0.1, 0.9]), Float32Array.from([0.2, 0.8])];
  const e = summariseSet('real', 'three faces', ['with_mask', 'without_mask'], items, probs);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-eval-'));
  const files = await writeEvaluation([e], out, 'some/model');
  for (const f of ['confusion-real.png', 'roc-real.png', 'pr-real.png', 'threshold-real.png', 'mistakes-real.png', 'report.json', 'report.md']) {
    assert.ok(files.includes(path.join(out, f)), f);
    assert.ok(fs.statSync(path.join(out, f)).size > 100, f);
  }
  const png = fs.readFileSync(path.join(out, 'confusion-real.png'));
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(md, /\| with_mask \| 0\.0000 \[0\.000, 1\.000\] \| 0\.0000 \[0\.000, 0\.793\] \| 0\.0000 \[0\.000, 0\.000\] \| 1 \|/);
  assert.match(md, /\| without_mask \| 0\.6667 \[0\.208, 0\.939\] \| 1\.0000 \[0\.342, 1\.000\] \| 0\.8000 \[[0-9.]+, [0-9.]+\] \| 2 \|/);
  assert.match(md, /Wilson for precision and recall/);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  assert.equal(json.sets[0].intervals.rows.length, 2);
});
