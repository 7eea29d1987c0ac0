/**
 * Ensembles (src/training/ensemble.ts, `averageHeads` in src/model/head.ts): two small trained
 * models — a mean head and a band head — averaged into one model whose probabilities, on tfjs and on
 * ONNX Runtime, are the mean of the members'; models that cannot share a base pass are refused with
 * the reason, and nothing is written for them.
 */
process.env.FACEMASK_SMALL = '1'; // this file runs in its own process (node --test)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { train } from '../../src/training/train';
import { ensembleModels } from '../../src/training/ensemble';
import { loadClassifier } from '../../src/model/classifier';
import { loadOnnxClassifier } from '../../src/model/onnx-classifier';
import { createEngine } from '../../src/backend/onnx';
import { decodeImage } from '../../src/util/images';
import { projectPaths } from '../../src/paths';
import { tmpDir } from '../model/helpers';

const runs = tmpDir('ensemble');
const opts = { epochs: 2, views: 1, workers: 1, quiet: true, runsDir: runs, cacheDir: tmpDir('ensemble-features') };

test('a mean head and a band head averaged: one model whose tfjs and ONNX probabilities are the mean of the two', async () => {
  const a = await train({ ...opts, seed: 3, name: 'mean' });
  const b = await train({ ...opts, seed: 4, name: 'bands', overrides: { features: 'bands' } });
  const e = await ensembleModels([a.runDir, b.runDir], { runsDir: runs, name: 'both' });
  assert.equal(path.basename(e.runDir), 'both');
  assert.deepEqual(e.manifest.training.ensemble?.map((m) => [m.run, m.seed]), [['mean', 3], ['bands', 4]]);
  assert.equal(e.manifest.calibration, undefined, 'an ensemble is calibrated on its own');
  assert.ok(e.manifest.onnx && fs.existsSync(path.join(e.modelDir, 'model.onnx')));
  const images = await Promise.all(a.valItems.slice(0, 6).map((it) => decodeImage(it.file)));
  assert.equal(images.length, 6);
  const [ca, cb, ce] = await Promise.all([a.modelDir, b.modelDir, e.modelDir].map((d) => loadClassifier(d, { calibrated: false })));
  const engine = await createEngine({ quiet: true });
  const onnx = await loadOnnxClassifier(e.modelDir, engine, { calibrated: false });
  try {
    const [pa, pb, pe, po] = [await ca.probabilities(images), await cb.probabilities(images), await ce.probabilities(images), await onnx.probabilities(images)];
    let dMean = 0, dOnnx = 0, dMembers = 0;
    pe.forEach((row, i) =>
      row.forEach((x, j) => {
        dMean = Math.max(dMean, Math.abs(x - (pa[i][j] + pb[i][j]) / 2));
        dOnnx = Math.max(dOnnx, Math.abs(x - po[i][j]));
        dMembers = Math.max(dMembers, Math.abs(pa[i][j] - pb[i][j]));
      }),
    );
    assert.ok(dMembers > 1e-3, 'the two members differ, so the mean is a test');
    assert.ok(dMean < 1e-5, `ensemble vs the members' mean: ${dMean}`);
    assert.ok(dOnnx < 1e-4, `ONNX vs tfjs: ${dOnnx}`);
  } finally {
    [ca, cb, ce].forEach((c) => c.dispose());
    onnx.dispose();
  }
});

test('models that cannot be averaged are refused with the reason, and no run folder is written', async () => {
  const models = projectPaths().models;
  const before = fs.readdirSync(runs).length;
  await assert.rejects(ensembleModels([path.join(models, 'original'), path.join(models, 'default')], { runsDir: runs }), /cannot average these models: .*an ensemble averages the same classes/);
  await assert.rejects(ensembleModels([path.join(models, 'default')], { runsDir: runs }), /at least 2 models/);
  await assert.rejects(ensembleModels(['no-such-run', path.join(models, 'default')], { runsDir: runs }), /no such run or model: no-such-run/);
  assert.equal(fs.readdirSync(runs).length, before);
});
