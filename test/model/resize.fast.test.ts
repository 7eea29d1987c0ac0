/** The crop rule's resize in TypeScript (src/model/resize.ts): the region it cuts, and a flat colour kept flat. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropRegion, resizeLinear, resizeLinearSteps } from '../../src/model/resize';

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

test('an enlargement runs in one pass with the step form\'s arithmetic: the same bytes, whatever the sizes', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let enlarged = 0;
  for (let t = 0; t < 120; t++) {
    const w = 1 + Math.floor(rand() * 120);
    const h = 1 + Math.floor(rand() * 120);
    // mostly enlargements (a face box under the input size), some equal sides and some reductions
    const tw = t % 10 === 0 ? w : Math.max(1, w + Math.floor(rand() * 140) - 20);
    const th = t % 15 === 0 ? h : Math.max(1, h + Math.floor(rand() * 140) - 20);
    if (tw >= w && th >= h && (tw > w || th > h)) enlarged++;
    const image = { data: Uint8Array.from({ length: w * h * 3 }, () => Math.floor(rand() * 256)), width: w, height: h };
    assert.deepEqual(resizeLinear(image, tw, th).data, resizeLinearSteps(image, tw, th).data, `${w}x${h} → ${tw}x${th}`);
  }
  assert.ok(enlarged >= 60, `the one-pass form was compared on ${enlarged} enlargements`);
});
