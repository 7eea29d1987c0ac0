/**
 * The confuser set in the evaluation (src/evaluation/evaluate.ts; the table per kind alone:
 * evaluate.fast.test.ts): `facemask evaluate --sets confusers` runs the shipped models on the
 * committed list end to end and writes the tables (skipping, with the reason, when a dataset is
 * absent). Behaviours only: no measured number is asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { confuserTable, summariseSet } from '../../src/evaluation/evaluate';
import { writeEvaluation } from '../../src/evaluation/report';
import { confuserDataset, confuserKindCounts, readConfuserList } from '../../src/data/confusers';
import { datasetDir, projectPaths } from '../../src/paths';
import { WITHOUT_MASK_JPG } from '../model/helpers';
import { skipOrFail } from '../skip';

const BIN = path.join(projectPaths().root, 'bin', 'facemask.js');
const list = readConfuserList();
const absent = [...new Set(list.map((e) => confuserDataset(e.file)))].filter((d) => !fs.existsSync(datasetDir(d)));
const skipData = absent.length ? `not installed: ${absent.join(', ')} (run "facemask prepare --mirror ../shared")` : false;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-eval-confusers-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

test('a set of one class is written without ROC and PR curves, with its tables', async (t) => {
  if (skipOrFail(t, !fs.existsSync(WITHOUT_MASK_JPG) && 'observations is not installed')) return;
  const items = [{ file: WITHOUT_MASK_JPG, label: 'without_mask' as const }, { file: WITHOUT_MASK_JPG, label: 'without_mask' as const }];
  const probs = [Float32Array.from([0.8, 0.2]), Float32Array.from([0.1, 0.9])];
  const e = { ...summariseSet('confusers', 'two faces', ['with_mask', 'without_mask'], items, probs), kinds: confuserTable([{ kind: 'scarf' }, { kind: 'hand' }], ['with_mask', 'without_mask'], probs) };
  assert.equal(e.withWithout!.value, 0.5, 'the recall of the one class');
  const out = path.join(tmp, 'one-class');
  fs.mkdirSync(out);
  const files = (await writeEvaluation([e], out, 'some/model')).map((f) => path.basename(f)).sort();
  assert.deepEqual(files, ['confusion-confusers.png', 'mistakes-confusers.png', 'report.json', 'report.md', 'threshold-confusers.png']);
  const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(md, /\| kind \| faces \| called with_mask \| called without_mask \| called incorrect_mask \| mean with_mask score \|/);
  assert.doesNotMatch(md, /ROC AUC/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).sets[0].kinds.length, 3);
});

for (const model of ['models/default', 'models/original']) {
  test(`facemask evaluate --sets confusers --model ${model}: every listed face classified, tables per kind and source`, (t) => {
    if (skipOrFail(t, skipData)) return;
    const out = path.join(tmp, path.basename(model));
    const r = spawnSync(process.execPath, [BIN, 'evaluate', '--model', path.join(projectPaths().root, model), '--sets', 'confusers', '--output', out], { encoding: 'utf8', env: { ...process.env, FACEMASK_SMALL: '' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /confusers, per kind:\n\| kind \| faces \|/);
    assert.match(r.stdout, /confusers, per source dataset:\n\| source \| faces \|/);
    const set = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).sets[0];
    assert.equal(set.name, 'confusers');
    assert.equal(set.report.total, list.length);
    // one row per kind of the list, then all; each face called exactly one label
    assert.deepEqual(set.kinds.map((k: { kind: string }) => k.kind), [...confuserKindCounts(list).map((k) => k.kind), 'all']);
    for (const k of set.kinds) {
      const called = Object.values(k.called as Record<string, number | null>).reduce<number>((a, v) => a + (v ?? 0), 0);
      assert.equal(called, k.faces, k.kind);
      assert.ok(k.meanWithMask >= 0 && k.meanWithMask <= 1);
    }
    assert.equal(set.kinds.at(-1).faces, list.length);
    assert.deepEqual(set.sources.map((s: { kind: string }) => s.kind), [...new Set(list.map((e) => confuserDataset(e.file))), 'all']);
    // what was called wrong is listed (a mistake is a face called anything but without_mask)
    assert.equal(set.mistakes.length, Math.min(50, set.report.total - set.report.confusion[set.report.classes.indexOf('without_mask')][set.report.classes.indexOf('without_mask')]));
  });
}
