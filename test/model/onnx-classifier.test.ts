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
import { exportModelOnnx } from '../../src/model/onnx/export';
import { ONNX_FILE } from '../../src/model/io';
import { loadOnnxClassifier, loadFaceClassifier } from '../../src/model/load';
import { readManifest } from '../../src/model/manifest-files';
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
  const sha = await exportModelOnnx(dir);
  assert.equal(readManifest(dir).onnx?.sha256, sha, 'recorded on first export');
  fs.rmSync(path.join(dir, ONNX_FILE));
  assert.equal(await exportModelOnnx(dir), sha, 'the export is deterministic');
  const bytes = fs.readFileSync(path.join(dir, ONNX_FILE));
  bytes[bytes.length - 10] ^= 0xff;
  fs.writeFileSync(path.join(dir, ONNX_FILE), bytes);
  await assert.rejects(loadOnnxClassifier(dir, engine), /model\.onnx .*is not the export .*manifest records.*refusing it/);
  // the pipeline's loader says which model it could not load
  await assert.rejects(loadFaceClassifier(dir, 'onnx', async () => engine), /cannot load the classifier from .*: model .*model\.onnx .*is not the export/);
  // tfjs does not run the ONNX file, but a model folder holding a damaged export is refused as a whole
  await assert.rejects(loadFaceClassifier(dir, 'tfjs', async () => engine), /model\.onnx is not the export its manifest records/);
});

test("a manifest's calibration and decision rule are applied by both engines; model.onnx stays valid; uncalibrated on request", async () => {
  const { recordCalibration } = await import('../../src/model/manifest-files');
  const { calibrateRows } = await import('../../src/model/calibration');
  const { classifyFiles } = await import('../../src/model/classify');
  const { WITH_MASK_JPG, WITHOUT_MASK_JPG } = await import('./helpers');
  const dir = await randomModel(path.join(tmpDir('onnx-cal'), 'model'), ['with_mask', 'without_mask', 'incorrect_mask'], 11);
  const sha = await exportModelOnnx(dir);
  const imgs = [await decodeImage(WITH_MASK_JPG), await decodeImage(WITHOUT_MASK_JPG)];
  const before = await loadOnnxClassifier(dir, engine);
  const raw = await before.probabilities(imgs);
  before.dispose();
  const cal = { temperature: 0.5, bias: { without_mask: 0.4, incorrect_mask: -0.3 }, fittedOn: ['ilc2021-val'], n: 3, nllBefore: 1, nllAfter: 0.9, eceBefore: 0.2, eceAfter: 0.1 };
  recordCalibration(dir, cal, { incorrect_mask: 0.01 });
  assert.equal(await exportModelOnnx(dir), sha, 'the ONNX file and its recorded SHA-256 are unchanged');
  const want = calibrateRows(raw, ['with_mask', 'without_mask', 'incorrect_mask'], cal);
  for (const clf of [await loadOnnxClassifier(dir, engine), await loadClassifier(dir)]) {
    try {
      const got = await clf.probabilities(imgs);
      got.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - want[i][j]) < 1e-4, `${clf.runtime} ${i},${j}: ${v} vs ${want[i][j]}`)));
      assert.notDeepEqual(Array.from(got[0]), Array.from(raw[0]), 'calibrated, not raw');
      assert.deepEqual(clf.decision, { incorrect_mask: 0.01 });
      // classify reports the label under the decision rule: incorrect_mask >= 0.01
      const lines = await classifyFiles([WITH_MASK_JPG], clf);
      assert.equal((lines[0] as { label: string }).label, want[0][2] >= 0.01 ? 'incorrect_mask' : 'with_mask');
    } finally {
      clf.dispose();
    }
  }
  const plain = await loadOnnxClassifier(dir, engine, { calibrated: false });
  const again = await plain.probabilities(imgs);
  again.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - raw[i][j]) < 1e-6)));
  assert.equal(plain.decision, undefined);
  assert.equal(plain.calibration, undefined);
  plain.dispose();
  // a bad calibration is refused when the manifest is read
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...m, calibration: { ...cal, bias: { not_face: 1 } } }));
  assert.throws(() => readManifest(dir), /calibration.bias names "not_face", not a class of the model/);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...m, decision: { incorrect_mask: 0 } }));
  assert.throws(() => readManifest(dir), /decision: the decision rule must be/);
});
