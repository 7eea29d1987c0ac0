/**
 * `facemask tune` (src/training/tune.ts) and promoting its choice (src/training/promote.ts): a sweep
 * over scored scenes; a real (small) run writes its folder; settings are
 * never chosen on test photos; promote writes the choice into the manifest and a summary, refuses a
 * small-data run and a model whose head changed, and names the better detector the default. (The rule alone: tune.fast.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sweep, tune } from '../../src/training/tune';
import { promoteTune, promoteTunes } from '../../src/training/promote';
import { readManifest } from '../../src/model/manifest-files';
import { installModel } from '../../src/model/classifier';
import { kaggleScenes } from '../../src/data/kaggle';
import type { ScoredScenes } from '../../src/evaluation/scenes';
import { projectPaths } from '../../src/paths';
import { changeModelIdentity, tmpDir } from '../model/helpers';
import { resolveConfig } from '../../src/config';

test('a sweep tries every combination, and only thresholds for a model without not_face', () => {
  const scene = kaggleScenes('validation')[0];
  const scored = (classes: string[]): ScoredScenes => ({ detector: 'x', low: 0.1, classes, scenes: [{ scene, detections: [{ box: scene.faces[0].box, score: 0.5 }], probabilities: [Float32Array.from(classes.map((_, i) => (i === 0 ? 1 : 0)))], ms: 1 }] });
  const grid = { thresholds: [0.2, 0.6], rejectAts: [0.3, null], trustAboves: [0.9, null] };
  assert.equal(sweep(scored(['with_mask', 'without_mask', 'not_face']), grid, resolveConfig().faces).length, 8);
  const two = sweep(scored(['with_mask', 'without_mask']), grid, resolveConfig().faces);
  assert.deepEqual(two.map((r) => [r.threshold, r.rejectAt, r.trustAbove]), [[0.2, null, null], [0.6, null, null]]);
  assert.ok(two[0].summary.allRecall > two[1].summary.allRecall, 'the box at 0.5 counts only below the threshold 0.6');
});

test('a real small tune run writes its folder; promote writes the manifest and a summary and refuses what it must', async () => {
  const runs = tmpDir('tune-runs');
  const model = path.join(tmpDir('tune-model'), 'model');
  await installModel(projectPaths().defaultModel, model);
  const r = await tune({ config: resolveConfig(), model, detector: 'blazeface', grid: { thresholds: [0.4, 0.6], rejectAts: [0.3, null], trustAboves: [null] }, limit: 3, runsDir: runs, quiet: true, maxFalse: 10 });
  for (const f of ['config.json', 'results.json', 'tradeoff.png']) assert.ok(fs.existsSync(path.join(r.runDir, f)), f);
  assert.equal(r.rows.length, 4);
  assert.ok(r.chosen, 'a generous budget lets a setting through');
  assert.equal(r.config.choose.part, 'validation');
  assert.ok(r.config.choose.n === 3 && r.reported !== null);
  await assert.rejects(tune({ config: resolveConfig(), model, choose: 'test', runsDir: runs, quiet: true }), /never chosen on the test part/);
  await assert.rejects(tune({ config: resolveConfig(), model, choose: 'fit', runsDir: runs, quiet: true }), /was fitted on Kaggle photos 0–159/);
  // a small-data run is never promoted; the same run marked full-size is
  const config = JSON.parse(fs.readFileSync(path.join(r.runDir, 'config.json'), 'utf8'));
  if (config.small) assert.throws(() => promoteTune(r.runDir, { target: model }), /small-data run/);
  fs.writeFileSync(path.join(r.runDir, 'config.json'), JSON.stringify({ ...config, small: false }));
  const results = tmpDir('tune-results');
  const { manifest, summary: file } = promoteTune(r.runDir, { target: model, resultsDir: results });
  const { threshold, rejectAt, trustAbove } = manifest.detection!.settings.blazeface;
  assert.deepEqual({ threshold, rejectAt, trustAbove }, { threshold: r.chosen!.threshold, rejectAt: r.chosen!.rejectAt, trustAbove: r.chosen!.trustAbove });
  assert.ok(fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')).rows.length === 4);
  // promoting several runs names the better detector the default
  const { best } = promoteTunes([r.runDir], { target: model, makeDefault: true, resultsDir: results });
  assert.equal(best, 'blazeface');
  assert.equal(readManifest(model).detection?.detector, 'blazeface');
  // a model whose identity changed since the run (its head, or a composite's member) is refused
  changeModelIdentity(model);
  assert.throws(() => promoteTune(r.runDir, { target: model, resultsDir: results }), /tune this model again/);
});
