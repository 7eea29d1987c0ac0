/**
 * `facemask tune` (src/training/tune.ts) and promoting its choice (src/training/promote.ts): a real
 * small run tries every candidate on validation scenes, picks photo and video by the rules
 * (src/training/tune-rules.ts, tested alone in tune-rules.fast.test.ts) and reports the test scenes;
 * promote writes the photo and video settings into the manifest and a summary, refuses a small-data
 * run, a run of the earlier tune and a model whose head changed; the pipeline then runs them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { candidatesOf, tune } from '../../src/training/tune';
import { chooseCandidate } from '../../src/training/tune-rules';
import { promoteTune } from '../../src/training/promote';
import { installModel } from '../../src/model/classifier';
import { projectPaths } from '../../src/paths';
import { changeModelIdentity, tmpDir } from '../model/helpers';
import { resolveConfig } from '../../src/config';
import { createFaceMaskDetector } from '../../src/detection/create';

test('candidates: each detector at one scale, and at two with and without a correction of their own', () => {
  const c = candidatesOf(['a', 'b'], [1, 2], { split: 24, maxPixels: 1_000_000 });
  assert.equal(c.length, 6);
  assert.deepEqual(c.filter((x) => x.detector === 'a').map((x) => [x.scales?.upscale ?? 1, x.fineBox]), [[1, false], [2, false], [2, true]]);
});

test('a real small tune run: candidates measured on validation, photo and video chosen, test reported; promote writes both and refuses what it must', async () => {
  const runs = tmpDir('tune-runs');
  const model = path.join(tmpDir('tune-model'), 'model');
  await installModel(projectPaths().defaultModel, model);
  const config = resolveConfig();
  const r = await tune({ config, model, detectors: ['yunet'], upscales: [1, 2], grid: { thresholds: [0.5, 0.7], rejectAts: [null], trustAboves: [null] }, limit: 3, runsDir: runs, quiet: true });
  for (const f of ['config.json', 'results.json', 'candidates.png', 'drawing.png']) assert.ok(fs.existsSync(path.join(r.runDir, f)), f);
  assert.equal(r.candidates.length, 3);
  assert.ok(r.candidates.every((c) => Number.isFinite(c.mAP) && c.mAP >= 0 && c.mAP <= 1));
  assert.equal(r.photo.candidate, chooseCandidate(r.candidates), 'photos: the rule over every candidate');
  assert.equal(r.video.candidate.scales, null, 'video: one scale');
  assert.equal(r.config.validation.photos, 6, 'three scenes of each validation set');
  assert.deepEqual(Object.keys(r.photo.test).sort(), ['ilc2021-test', 'kaggle-test']);
  assert.ok(r.photo.rows.length === 2 && [0.5, 0.7].includes(r.photo.setting.threshold));
  // a small-data run is never promoted; the same run marked full-size is
  const cfgFile = path.join(r.runDir, 'config.json');
  const written = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  if (written.small) assert.throws(() => promoteTune(r.runDir, { target: model }), /small-data run/);
  fs.writeFileSync(cfgFile, JSON.stringify({ ...written, small: false }));
  const results = tmpDir('tune-results');
  const { manifest, summary } = promoteTune(r.runDir, { target: model, resultsDir: results });
  const d = manifest.detection!;
  assert.equal(d.photo!.detector, 'yunet');
  assert.deepEqual(d.photo!.scales, r.photo.setting.scales);
  assert.equal(d.photo!.threshold, r.photo.setting.threshold);
  assert.equal(d.detector, 'yunet');
  assert.equal(d.settings.yunet.threshold, r.video.setting.threshold);
  assert.ok(fs.existsSync(summary) && JSON.parse(fs.readFileSync(summary, 'utf8')).photoRows.length === 2);
  // the pipeline runs what was promoted: photos the photo setting, video the one-scale one
  const photo = await createFaceMaskDetector(config, { model });
  const video = await createFaceMaskDetector(config, { model, use: 'video' });
  assert.deepEqual([photo.settings.scales, photo.settings.threshold], [d.photo!.scales, d.photo!.threshold]);
  assert.deepEqual([video.settings.scales, video.settings.threshold], [null, d.settings.yunet.threshold]);
  photo.dispose();
  video.dispose();
  // a run of the earlier tune (no version) is refused with what to do
  const resFile = path.join(r.runDir, 'results.json');
  const res = JSON.parse(fs.readFileSync(resFile, 'utf8'));
  fs.writeFileSync(resFile, JSON.stringify({ ...res, version: undefined }));
  assert.throws(() => promoteTune(r.runDir, { target: model, resultsDir: results }), /earlier facemask tune.*tune again/);
  fs.writeFileSync(resFile, JSON.stringify(res));
  // a model whose identity changed since the run is refused
  changeModelIdentity(model);
  assert.throws(() => promoteTune(r.runDir, { target: model, resultsDir: results }), /tune this model again/);
});
