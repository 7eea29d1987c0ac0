/** Fitting pieces: seeded dropout masks that change every step, the explicit-mask forward pass. (Balanced class weights: fit.fast.test.ts.) */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/backend/tf';
import { buildHead } from '../../src/model/head';
import { dropoutMask, headForward } from '../../src/training/fit';
import { mulberry32 } from '../../src/model/learn/augment';

before(async () => {
  await initBackend({ quiet: true });
});

test('dropout masks: seeded, about half zeros, scaled by 1/(1-rate), different at every step', () => {
  const rng = mulberry32(9);
  const a = dropoutMask(32, 128, 0.5, rng).dataSync();
  const b = dropoutMask(32, 128, 0.5, rng).dataSync();
  assert.notDeepEqual(a, b);
  const zeros = a.filter((v) => v === 0).length / a.length;
  assert.ok(zeros > 0.45 && zeros < 0.55, `share dropped ${zeros}`);
  assert.ok(a.every((v) => v === 0 || v === 2));
  const again = mulberry32(9);
  assert.deepEqual(dropoutMask(32, 128, 0.5, again).dataSync(), a);
});

test('the explicit-mask forward pass is the head: with a mask of ones it equals predict', () => {
  const { pooledHead, head } = buildHead(3, { seed: 4 });
  const x = tf.randomNormal([5, 1280], 0, 1, 'float32', 2) as tf.Tensor2D;
  const ones = tf.ones([5, 128]) as tf.Tensor2D;
  const a = headForward(pooledHead, x, ones);
  const b = pooledHead.predict(x) as tf.Tensor;
  assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] < 1e-6);
  const zeros = tf.zeros([5, 128]) as tf.Tensor2D;
  const c = headForward(pooledHead, x, zeros).arraySync() as number[][];
  assert.ok(c.every((row) => row.every((v, j) => Math.abs(v - c[0][j]) < 1e-6)), 'all-dropped rows depend only on the output bias');
  tf.dispose([x, ones, a, b, zeros]);
  head.dispose();
});
