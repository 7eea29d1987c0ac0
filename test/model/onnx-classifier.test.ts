/**
 * The classifier on ONNX Runtime (src/model/onnx-classifier.ts): the shipped model's `model.onnx`
 * gives the tfjs probabilities (within 1e-4) on real face boxes; a missing file is exported again
 * with the bytes the manifest records; a file that is not that export is refused; a model without
 * an ONNX form runs on tfjs through the same loader.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/tf';
import { createEngine } from '../../src/backend/onnx';
import type { Engine } from '../../src/backend/engine';
import { kaggleScenes } from '../../src/data/kaggle';
import { loadClassifier } from '../../src/model/classifier';
import { loadOnnxClassifier, ensureOnnx, ONNX_FILE } from '../../src/model/onnx-classifier';
import { readManifest } from '../../src/model/manifest';
import { loadFaceClassifier } from '../../src/detection/create';
import { projectPaths } from '../../src/paths';
import { decodeImage } from '../../src/util/images';
import { randomModel, tmpDir } from './helpers';

let engine: Engine;
before(async () => {
  await initBackend({ quiet: true });
  engine = await createEngine({ quiet: true });
});

test('the shipped model on ONNX Runtime gives the tfjs probabilities on real face boxes', async () => {
  const dir = projectPaths().defaultModel;
  const [onnx, tfjs] = [await loadOnnxClassifier(dir, engine), await loadClassifier(dir)];
  try {
    assert.deepEqual(onnx.classes, tfjs.classes);
    const scene = kaggleScenes('test').find((s) => s.faces.length >= 5)!;
    const img = await decodeImage(scene.file);
    const boxes = scene.faces.map((f) => f.box);
    const [a, b] = [await onnx.probabilitiesOfBoxes(img, boxes), await tfjs.probabilitiesOfBoxes(img, boxes)];
    let worst = 0;
    a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j])))));
    assert.ok(worst < 1e-4, `largest difference ${worst}`);
    assert.equal(readManifest(dir).onnx?.sha256.length, 64, 'the manifest records the export');
  } finally {
    onnx.dispose();
    tfjs.dispose();
  }
});

test('a missing model.onnx is exported again with the recorded bytes; a wrong one is refused', async () => {
  const dir = await randomModel(path.join(tmpDir('onnx'), 'model'));
  const sha = await ensureOnnx(dir);
  assert.equal(readManifest(dir).onnx?.sha256, sha, 'recorded on first export');
  fs.rmSync(path.join(dir, ONNX_FILE));
  assert.equal(await ensureOnnx(dir), sha, 'the export is deterministic');
  const bytes = fs.readFileSync(path.join(dir, ONNX_FILE));
  bytes[bytes.length - 10] ^= 0xff;
  fs.writeFileSync(path.join(dir, ONNX_FILE), bytes);
  await assert.rejects(loadOnnxClassifier(dir, engine), /model\.onnx .* is not the export the manifest records .*refusing it/);
  // the pipeline's loader says which model it could not load
  await assert.rejects(loadFaceClassifier(dir, 'onnx', async () => engine), /cannot load the classifier from .*: model .* is not the export/);
  const tfjs = await loadFaceClassifier(dir, 'tfjs', async () => engine);
  assert.equal(tfjs.runtime, 'tfjs', 'tfjs needs no ONNX file');
  tfjs.dispose();
});
