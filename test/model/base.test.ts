/**
 * The base: the 128 px variant shares the installed weights; a model made with the retired "rich"
 * base features is refused.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { tf, initBackend } from '../../src/backend/tf';
import * as fs from 'node:fs';
import { loadBase, pooledFeatures, baseDir, MOBILENET_V2_035, MOBILENET_V2_035_128, type LoadedBase } from '../../src/model/base';
import { buildHead } from '../../src/model/head';
import { loadClassifier, saveClassifier } from '../../src/model/classifier';
import { facePixels, manifestFor, tmpDir } from './helpers';

let base: LoadedBase;
let pixels: tf.Tensor4D;
before(async () => {
  await initBackend({ quiet: true });
  base = await loadBase();
  pixels = await facePixels();
});

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

test('a model whose head took the retired "rich" base features is refused, saying so', async () => {
  const { pooledHead } = buildHead(2, { seed: 1, hidden: 8 });
  const dir = path.join(tmpDir('rich'), 'model');
  await saveClassifier(dir, pooledHead, manifestFor(['with_mask', 'without_mask']));
  const mf = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(mf, 'utf8'));
  m.features = { kind: 'rich', columns: [[0, 1280]] };
  delete m.integrity;
  fs.writeFileSync(mf, JSON.stringify(m));
  await assert.rejects(loadClassifier(dir), /"features": a head on "rich" base features is no longer supported/);
  pooledHead.dispose();
});

test('the 128 px base: the same installed weights, every convolution the same, a 4x4 last map', async () => {
  assert.equal(baseDir(MOBILENET_V2_035_128.name), baseDir(MOBILENET_V2_035.name), 'one folder of weights');
  const small = await loadBase(MOBILENET_V2_035_128.name);
  try {
    assert.equal(small.sha256, base.sha256);
    assert.deepEqual(small.model.inputs[0].shape, [null, 128, 128, 3]);
    assert.deepEqual(small.model.outputs[0].shape, [null, 4, 4, 1280]);
    const w = (m: tf.LayersModel) => m.getLayer('block_16_project').getWeights()[0].dataSync();
    assert.deepEqual(w(small.model), w(base.model));
    // a 128 px face through it: features of the same size, not the 224 px ones
    const px = tf.image.resizeBilinear(pixels, [128, 128]) as tf.Tensor4D;
    const a = pooledFeatures(small.model, px);
    const b = pooledFeatures(base.model, pixels);
    assert.deepEqual(a.shape, b.shape);
    assert.ok(maxAbs(a.dataSync(), b.dataSync()) > 1e-3, 'another input size, other features');
    tf.dispose([px, a, b]);
  } finally {
    small.model.dispose();
  }
});
