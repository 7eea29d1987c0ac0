/**
 * Cross-validation (src/training/cv.ts): a real small run holds out every ilc2021 train/validation
 * face once, by photo group, never a test photo. (Comparing and ensembling runs, the CLI's refusals:
 * cv.fast.test.ts.)
 */
process.env.FACEMASK_SMALL = '1'; // this file runs in its own process (node --test)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareCv, crossValidate, ensembleCv, flipCv, readCv, writeCvRun } from '../../src/training/cv';
import { readIlc2021Split } from '../../src/data/ilc2021';
import { projectPaths } from '../../src/paths';
import { tmpDir } from '../model/helpers';
import { skipOrFail } from '../skip';
import { resolveConfig } from '../../src/config';

const installed = fs.existsSync(projectPaths().splits) && fs.existsSync(path.join(projectPaths().dataset, 'ilc2021', 'crops.jsonl'));

test('a real small cross-validation: every held-out face once, by photo group, from train and validation photos only', async (t) => {
  if (skipOrFail(t, !installed && 'ilc2021 or its split is not installed (facemask prepare)')) return;
  const runs = tmpDir('cv');
  const { runDir, cv } = await crossValidate({ config: resolveConfig(), folds: 2, epochs: 1, views: 1, workers: 1, quiet: true, runsDir: runs, name: 'small' });
  assert.ok(fs.existsSync(path.join(runDir, 'fold-0', 'model', 'manifest.json')) && fs.existsSync(path.join(runDir, 'fold-1', 'model', 'manifest.json')));
  assert.deepEqual(readCv(runDir).predictions.length, cv.predictions.length);
  assert.ok(cv.predictions.length > 10, `${cv.predictions.length} faces held out`);
  const split = readIlc2021Split();
  const keys = new Set<string>();
  const foldOfGroup = new Map<string, number>();
  for (const p of cv.predictions) {
    const photo = path.basename(p.file).replace(/_\d+\.[a-z]+$/i, '');
    const key = `${p.file}|${p.box}`;
    assert.ok(!keys.has(key), `${key} held out twice`);
    keys.add(key);
    assert.notEqual(foldOfGroup.get(p.group) ?? p.fold, 1 - p.fold, `group ${p.group} in two folds`);
    foldOfGroup.set(p.group, p.fold);
    const side = split.photos[photo]?.split;
    assert.ok(side === 'train' || side === 'val', `${p.file} is on the ${side} side`);
    assert.equal(p.probs.length, cv.classes.length);
  }
  assert.deepEqual(new Set(cv.predictions.map((p) => p.fold)), new Set([0, 1]));
  assert.equal(cv.pooled.report.total, cv.predictions.length);
  // a run compared with itself gains nothing
  const same = compareCv(cv, cv);
  assert.equal(same.gain.value, 0);
  // another training seed on the same folds: the same faces in the same folds, another model (an ensemble control)
  const other = await crossValidate({ config: resolveConfig(), folds: 2, epochs: 1, views: 1, workers: 1, quiet: true, runsDir: runs, name: 'small-s7', trainSeed: 7 });
  assert.equal(other.cv.seed, cv.seed);
  assert.equal(other.cv.trainSeed, 7);
  const e = ensembleCv([{ name: 'small', cv }, { name: 'small-s7', cv: other.cv }]);
  assert.deepEqual(e.predictions.map((p) => p.fold), cv.predictions.map((p) => p.fold));
  assert.notDeepEqual(other.cv.predictions.map((p) => p.probs), cv.predictions.map((p) => p.probs), 'another seed trains another model');
  // test-time flip out of fold: the same faces and folds, each averaged with its mirror through its own fold model
  const flipped = await flipCv(runDir, { quiet: true });
  assert.equal(flipped.preset, 'flip');
  assert.deepEqual(flipped.predictions.map((p) => [p.file, p.fold]), cv.predictions.map((p) => [p.file, p.fold]));
  for (const p of flipped.predictions) assert.ok(Math.abs(p.probs.reduce((x, y) => x + y, 0) - 1) < 1e-4);
  assert.notDeepEqual(flipped.predictions.map((p) => p.probs), cv.predictions.map((p) => p.probs), 'a mirror image is another input');
  assert.equal(compareCv(cv, flipped).faces, cv.predictions.length);
  await assert.rejects(flipCv(path.join(runs, 'nowhere'), { quiet: true }), /no cv\.json/);
  const eDir = path.join(runs, 'small+small-s7');
  fs.mkdirSync(eDir);
  writeCvRun(eDir, e);
  await assert.rejects(flipCv(eDir, { quiet: true }), /an ensemble of cv runs \(small, small-s7\).*flip each member/);
  // a run written before the decision study had both forms is summarised again from its predictions, in place
  const file = path.join(runDir, 'cv.json');
  const { forms: _f, biasGain: _b, ...oldDecision } = cv.decision;
  fs.writeFileSync(file, JSON.stringify({ ...cv, decision: oldDecision }));
  const { main } = await import('../../src/cli/main');
  const log = console.log;
  console.log = () => {};
  try {
    assert.equal(await main(['cv', '--summarise', runDir]), 0);
  } finally {
    console.log = log;
  }
  const again = readCv(runDir);
  assert.deepEqual(again.decision, cv.decision);
  assert.deepEqual(again.predictions, cv.predictions, 'the predictions untouched');
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')).decision, cv.decision);
});
