import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/backend/tf';
import { loadFaceApi } from '../../src/backend/faceapi';

test('tests run on wasm, and face-api shares the one tfjs instance', async () => {
  assert.equal(await initBackend({ quiet: true }), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  const faceapi = await loadFaceApi(['ssdMobilenetv1']);
  assert.equal((faceapi.tf as unknown as typeof tf).engine(), tf.engine());
  // A tensor made through face-api's tf is counted by ours.
  const before = tf.memory().numTensors;
  const t = (faceapi.tf as unknown as typeof tf).zeros([2, 2]);
  assert.equal(tf.memory().numTensors, before + 1);
  t.dispose();
  assert.equal(tf.memory().numTensors, before);
});
