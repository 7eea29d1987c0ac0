/** Shapes, N classes, BatchNorm of the frozen base in inference mode, and the composed model taking raw pixels. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/backend/tf';
import { loadBase, pooledFeatures, PixelBase, type LoadedBase } from '../../src/model/base';
import { buildHead, composeModel } from '../../src/model/head';

let base: LoadedBase;
before(async () => {
  await initBackend({ quiet: true });
  base = await loadBase();
});

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

test('the base outputs 7x7x1280 for 224x224 input', () => {
  assert.deepEqual(base.model.outputs[0].shape, [null, 7, 7, 1280]);
  assert.equal(base.sha256.length, 64);
});

for (const n of [2, 3, 4]) {
  test(`head and composed model for ${n} classes: shapes and softmax rows`, () => {
    const { head, pooledHead } = buildHead(n, { seed: 1 });
    assert.deepEqual(head.inputs[0].shape, [null, 7, 7, 1280]);
    assert.deepEqual(head.outputs[0].shape, [null, n]);
    assert.deepEqual(pooledHead.inputs[0].shape, [null, 1280]);
    const model = composeModel(base.model, head);
    assert.deepEqual(model.inputs[0].shape, [null, 224, 224, 3]);
    assert.deepEqual(model.outputs[0].shape, [null, n]);
    assert.equal(model.trainableWeights.length, 4, 'only the two Dense layers of the head train');
    const x = tf.randomUniform([2, 224, 224, 3], 0, 255, 'float32', 3);
    const p = model.predict(x) as tf.Tensor;
    assert.deepEqual(p.shape, [2, n]);
    for (const s of tf.sum(p, 1).arraySync() as number[]) assert.ok(Math.abs(s - 1) < 1e-5);
    tf.dispose([x, p]);
    head.dispose();
  });
}

test('fewer than two classes is refused', () => {
  assert.throws(() => buildHead(1), /at least 2 classes/);
});

test('pooled features + pooled head equal the composed model on raw pixels (scaling inside)', () => {
  const { head, pooledHead } = buildHead(2, { seed: 5 });
  const model = composeModel(base.model, head);
  const x = tf.randomUniform([3, 224, 224, 3], 0, 255, 'float32', 11);
  const a = model.predict(x) as tf.Tensor;
  const f = pooledFeatures(base.model, x as tf.Tensor4D);
  const b = pooledHead.predict(f) as tf.Tensor;
  assert.ok(maxAbsDiff(a, b) < 1e-5, `composed vs pooled path differ by ${maxAbsDiff(a, b)}`);
  tf.dispose([x, a, f, b]);
  head.dispose();
});

test('the base stays in inference mode: identical outputs in fit and in predict, BatchNorm statistics unchanged', async () => {
  const x = tf.randomUniform([4, 224, 224, 3], 0, 255, 'float32', 21);
  const layer = new PixelBase(base.model);
  const inFit = layer.apply(x, { training: true }) as tf.Tensor;
  const inPredict = layer.apply(x, { training: false }) as tf.Tensor;
  assert.equal(maxAbsDiff(inFit, inPredict), 0);

  const before = base.model.getWeights().map((w) => w.dataSync().slice());
  const { head } = buildHead(2, { seed: 2 });
  const model = composeModel(base.model, head);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2).toFloat();
  const headBefore = head.getWeights()[0].dataSync().slice();
  await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
  const after = base.model.getWeights().map((w) => w.dataSync());
  before.forEach((w, i) => assert.deepEqual(after[i], w, `base weight ${i} changed during fit`));
  assert.notDeepEqual(head.getWeights()[0].dataSync(), headBefore, 'the head did train');
  const again = layer.apply(x, { training: false }) as tf.Tensor;
  assert.equal(maxAbsDiff(again, inPredict), 0);
  // Control (on a fresh copy: training mode also moves the BatchNorm statistics): had the base been
  // called in training mode, BatchNorm would use batch statistics and the outputs would differ.
  const copy = await loadBase();
  const scaled = tf.tidy(() => tf.sub(tf.div(x, 127.5), 1));
  const raw = copy.model.apply(scaled, { training: true }) as tf.Tensor;
  assert.ok(maxAbsDiff(raw, inPredict) > 1e-3, 'control: training-mode BatchNorm should differ');
  copy.model.dispose();
  tf.dispose([x, inFit, inPredict, scaled, raw, y, again]);
  head.dispose();
});
