/**
 * `facemask calibrate` (src/training/calibrate.ts) and promoting it (src/training/promote.ts; the
 * threshold search, the out-of-fold comparison and the rule on synthetic faces:
 * calibrate.fast.test.ts): a real small run writes its folder from the network's own
 * probabilities; promote writes the manifest (the ONNX file untouched) and a summary, and refuses
 * a small-data run and a model whose head changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { calibrate } from '../../src/training/calibrate';
import { isCalibrateRun, promoteCalibration } from '../../src/training/promote';
import { readManifest } from '../../src/model/manifest-files';
import { projectPaths } from '../../src/paths';
import { changeModelIdentity, tmpDir } from '../model/helpers';
import { installModel } from '../../src/model/classifier';
import { resolveConfig } from '../../src/config';

test('a real small calibrate run writes its folder; promote writes the manifest and a summary and refuses what it must', async () => {
  const runs = tmpDir('calibrate-runs');
  const model = path.join(tmpDir('calibrate-model'), 'model');
  await installModel(projectPaths().defaultModel, model);
  const r = await calibrate({ config: resolveConfig(), model, limit: 3, runsDir: runs, quiet: true, name: 'small' });
  for (const f of ['config.json', 'calibration.json', 'results.json', 'reliability.png', 'reliability.html', 'report.md']) assert.ok(fs.existsSync(path.join(r.runDir, f)), f);
  assert.ok(isCalibrateRun(r.runDir));
  assert.deepEqual(r.config.sets, ['ilc2021-val', 'real-val']);
  assert.ok(r.calibration.n > 0 && r.calibration.nllAfter <= r.calibration.nllBefore, 'the NLL does not increase');
  assert.ok(r.config.items['real-val']?.not_face !== undefined || /no not_face|0 /.test(r.config.notFace), 'not_face boxes mined, or said why not');
  assert.match(fs.readFileSync(path.join(r.runDir, 'report.md'), 'utf8'), /Fitted on validation only: ilc2021-val, real-val/);
  await assert.rejects(calibrate({ config: resolveConfig(), model, sets: ['ilc2021-test'], runsDir: runs, quiet: true }), /never fitted on a test part/);
  const onnxBefore = readManifest(model).onnx!.sha256;
  // a small-data run is never promoted; the same run marked full-size is
  const cf = path.join(r.runDir, 'config.json');
  const config = JSON.parse(fs.readFileSync(cf, 'utf8'));
  fs.writeFileSync(cf, JSON.stringify({ ...config, small: true }));
  assert.throws(() => promoteCalibration(r.runDir, { target: model }), /small-data run/);
  fs.writeFileSync(cf, JSON.stringify({ ...config, small: false }));
  const results = tmpDir('calibrate-results');
  const { manifest, summary } = promoteCalibration(r.runDir, { target: model, resultsDir: results });
  assert.equal(manifest.calibration!.temperature, r.calibration.temperature);
  assert.deepEqual(manifest.decision, r.decision.chosen);
  assert.equal(readManifest(model).onnx!.sha256, onnxBefore, 'the ONNX file is untouched');
  assert.equal(path.basename(summary), `calibration-${path.basename(path.dirname(model))}.json`, 'named after the model (…/x/model → x)');
  assert.equal(JSON.parse(fs.readFileSync(summary, 'utf8')).calibration.temperature, r.calibration.temperature);
  // calibrating the promoted model fits on the network's own probabilities again: the same calibration
  const again = await calibrate({ config: resolveConfig(), model, limit: 3, runsDir: runs, quiet: true, name: 'again' });
  assert.ok(Math.abs(again.calibration.temperature - r.calibration.temperature) < 1e-9);
  // a model whose identity changed since the run (its head, or a composite's member) is refused
  changeModelIdentity(model);
  assert.throws(() => promoteCalibration(r.runDir, { target: model, resultsDir: results }), /calibrate this model again/);
});
