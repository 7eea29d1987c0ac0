/**
 * The page's pure pieces against the Node originals they mirror: RGBA → RGB, the label sizes (vs
 * src/detection/draw.ts) and the frames-per-second meter. (The crop's resize: test/model/resize*.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelTextPx } from '../../src/detection/draw';
import { rgbFromRgba } from '../../src/web/page/pixels';
import { labelStyle } from '../../src/web/page/draw';
import { FpsMeter } from '../../src/web/page/fps';

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
