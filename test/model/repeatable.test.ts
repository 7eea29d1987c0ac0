/**
 * Seeds make runs repeatable: two small training runs with the same seed give bit-identical heads
 * (and a different seed a different head). Needs the installed `observations` dataset; runs in
 * small-data mode (FACEMASK_SMALL=1) only, as the conventions ask of slow tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSmall } from '../../src/config';
import { train } from '../../src/model/train';
import { readManifest } from '../../src/model/manifest';
import { tmpDir } from './helpers';

test('same seed, same head; the run folder holds config, metrics, curves and the model', { skip: !isSmall() && 'set FACEMASK_SMALL=1 to run this slow test' }, async () => {
  const runs = tmpDir('repeat');
  const opts = { seed: 5, epochs: 2, views: 2, workers: 1, quiet: true, runsDir: runs };
  const a = await train(opts);
  const b = await train(opts);
  const c = await train({ ...opts, seed: 6, splitSeed: 5 });
  const w = (r: { modelDir: string }) => fs.readFileSync(path.join(r.modelDir, 'weights.bin'));
  assert.deepEqual(w(a), w(b));
  assert.notDeepEqual(w(a), w(c));
  assert.deepEqual(a.history.map((h) => h.loss), b.history.map((h) => h.loss));
  for (const f of ['config.json', 'metrics.csv', 'plot.png', 'results.json', 'model/manifest.json']) assert.ok(fs.existsSync(path.join(a.runDir, f)), f);
  assert.equal(fs.readFileSync(path.join(a.runDir, 'metrics.csv'), 'utf8').trim().split('\n').length, 3);
  const m = readManifest(a.modelDir);
  assert.equal(m.training.views, 2);
  assert.equal(m.training.seed, 5);
  assert.equal(path.basename(b.runDir), 'original-s5-2');
});
