/**
 * `rich` base features (bands, inner layers, the map before Conv_1), the fine-tuning head that
 * starts equal to the frozen base + head, and a saved rich-feature model classifying as trained.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { tf, initBackend } from '../../src/backend/tf';
import { loadBase, pooledFeatures, richFeatureFn, baseDir, RICH_DIM, RICH_LAYOUT, MOBILENET_V2_035, MOBILENET_V2_035_128, type LoadedBase } from '../../src/model/base';
import { buildHead, buildFinetuneHead } from '../../src/model/head';
import { joinColumns, meanFromBands, selectColumns } from '../../src/training/fit';
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

test('rich features: the band means weigh back to the pooled features; the layout adds up', async () => {
  assert.equal(RICH_DIM, 3 * 1280 + 192 + 336 + 7 * 7 * 112);
  const rich = richFeatureFn(base.model)(pixels);
  assert.deepEqual(rich.shape, [2, RICH_DIM]);
  const pooled = pooledFeatures(base.model, pixels);
  const m = { n: 2, views: 1, dim: RICH_DIM, data: (await rich.data()) as Float32Array };
  const mean = meanFromBands(m);
  const diff = maxAbs(mean.data, (await pooled.data()) as Float32Array);
  assert.ok(diff < 1e-4, `mean of bands vs pooled: ${diff}`);
  // the three bands differ on a face (the lower one sees the mask or the mouth)
  const b = selectColumns(m, [[0, 1280], [2560, 3840]]);
  assert.ok(maxAbs(b.data.subarray(0, 1280), b.data.subarray(1280, 2560)) > 0.1);
  // joining the selections back gives the original columns in order
  const whole = joinColumns(selectColumns(m, [[0, 1280]]), selectColumns(m, [[1280, RICH_DIM]]));
  assert.deepEqual(whole.data, m.data);
  assert.throws(() => joinColumns(m, { ...m, n: 1 }), /rows do not match/);
  tf.dispose([rich, pooled]);
});

test('the fine-tuning head (Conv_1 + folded BatchNorm as Dense) starts equal to the frozen base + head', async () => {
  const { head, pooledHead } = buildHead(3, { seed: 3, hidden: 16 });
  const ft = buildFinetuneHead(base.model, 3, { seed: 3, hidden: 16, mapShape: RICH_LAYOUT.maps.shape, from: pooledHead });
  const rich = richFeatureFn(base.model)(pixels);
  const maps = tf.slice(rich, [0, RICH_LAYOUT.maps.offset], [-1, RICH_LAYOUT.maps.size]);
  const a = ft.predict(maps) as tf.Tensor;
  const b = pooledHead.predict(pooledFeatures(base.model, pixels)) as tf.Tensor;
  const diff = maxAbs((await a.data()) as Float32Array, (await b.data()) as Float32Array);
  assert.ok(diff < 1e-4, `fine-tuning head vs frozen path: ${diff}`);
  assert.equal(ft.trainableWeights.length, 6, 'Conv_1 (kernel, bias) and the two Dense layers train');
  tf.dispose([rich, maps, a, b]);
  head.dispose();
  ft.dispose();
});

test('a saved rich-feature model (bands) loads and classifies exactly as its head on the training features', async () => {
  const { pooledHead } = buildHead(2, { seed: 9, featureShape: [7, 7, RICH_LAYOUT.bands.size] });
  const dir = path.join(tmpDir('rich'), 'model');
  const columns: [number, number][] = [[0, RICH_LAYOUT.bands.size]];
  await saveClassifier(dir, pooledHead, { ...manifestFor(['with_mask', 'without_mask']), features: { kind: 'rich', columns } });
  const rich = richFeatureFn(base.model)(pixels);
  const expected = pooledHead.predict(tf.slice(rich, [0, 0], [-1, RICH_LAYOUT.bands.size])) as tf.Tensor;
  const clf = await loadClassifier(dir);
  const got = clf.predictPixels(pixels);
  assert.ok(maxAbs((await got.data()) as Float32Array, (await expected.data()) as Float32Array) < 1e-5);
  tf.dispose([rich, expected, got]);
  clf.dispose();
});

test('a manifest whose feature columns do not fit the head is refused', async () => {
  const { pooledHead } = buildHead(2, { seed: 9, featureShape: [7, 7, 100] });
  const dir = path.join(tmpDir('rich-bad'), 'model');
  await saveClassifier(dir, pooledHead, { ...manifestFor(['with_mask', 'without_mask']), features: { kind: 'rich', columns: [[0, 99]] } });
  await assert.rejects(loadClassifier(dir), /does not match the manifest's feature columns/);
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
