/** The crop rule's resize in TypeScript (src/model/resize.ts): the region it cuts, and a flat colour kept flat. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropRegion, resizeLinear } from '../../src/model/resize';

test('cropRegion: the whole pixels inside the image, at least 1x1, as cropResize cuts them', () => {
  assert.deepEqual(cropRegion([10.6, 20.2, 30.1, 40], 100, 100), [10, 20, 31, 40]);
  assert.deepEqual(cropRegion([-10, -5, 30, 20], 100, 100), [0, 0, 20, 15]);
  assert.deepEqual(cropRegion([90, 95, 30, 20], 100, 100), [90, 95, 10, 5]);
  assert.deepEqual(cropRegion([150, 150, 10, 10], 100, 100), [99, 99, 1, 1]);
});

test('resizeLinear keeps a flat colour flat and refuses a bad size', () => {
  const flat = { data: new Uint8Array(37 * 23 * 3).fill(77), width: 37, height: 23 };
  for (const [w, h] of [[224, 224], [5, 9], [37, 23], [100, 11]]) assert.ok(resizeLinear(flat, w, h).data.every((v) => v === 77), `${w}x${h}`);
  assert.throws(() => resizeLinear(flat, 0, 10), /positive whole numbers/);
});
