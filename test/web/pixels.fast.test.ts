/**
 * The page's pure pieces against the Node originals they mirror: the crop region, linear resizing,
 * RGBA → RGB, the label sizes (vs src/detection/draw.ts) and the frames-per-second meter. (The
 * classifier crop against sharp's on real photos: pixels.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelTextPx } from '../../src/detection/draw';
import { cropRegion, resizeLinear } from '../../src/model/crop';
import { rgbFromRgba } from '../../src/web/page/pixels';
import { labelStyle } from '../../src/web/page/draw';
import { FpsMeter } from '../../src/web/page/fps';

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

test('rgbFromRgba drops alpha and checks the size', () => {
  const rgb = rgbFromRgba(new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 0]), 2, 1);
  assert.deepEqual([...rgb.data], [1, 2, 3, 4, 5, 6]);
  assert.throws(() => rgbFromRgba(new Uint8ClampedArray(7), 2, 1), /expected 8/);
});

test('labels on the page have the sizes the CLI draws', () => {
  for (const [w, h] of [[100, 80], [640, 428], [1920, 1280], [4000, 3000]]) assert.equal(labelStyle(w, h).textPx, labelTextPx(w, h), `${w}x${h}`);
});

test('FpsMeter: frames per second over a sliding window', () => {
  const m = new FpsMeter(2000, 60);
  assert.equal(m.fps(), 0);
  m.tick(0);
  assert.equal(m.fps(), 0, 'one frame is no rate');
  for (let t = 100; t <= 1000; t += 100) m.tick(t);
  assert.equal(m.fps(), 10);
  for (let t = 1500; t <= 5000; t += 500) m.tick(t); // slower now; the window forgets the fast frames
  assert.equal(m.fps(), 2);
  m.reset();
  assert.equal(m.fps(), 0);
});
