/**
 * The page's pure pieces against the Node originals they mirror: RGBA → RGB, the label sizes (vs
 * src/detection/draw.ts) and the frames-per-second meter. (The crop's resize: test/model/resize*.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelTextPx } from '../../src/detection/draw';
import { rgbFromRgba, rgbFromYuv } from '../../src/web/page/pixels';
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

test('rgbFromYuv: a camera frame\'s I420 or NV12 planes (BT.601 video range) as RGB, each chroma sample shared by its 2x2 pixels', () => {
  // 4x2 pixels: the left 2x2 block BT.601 video-range red (Y 81, U 90, V 240), the right one grey (Y 126, U = V = 128), rows padded to a stride of 6
  const [w, h] = [4, 2];
  const y = [81, 81, 126, 126, 0, 0, 81, 81, 126, 126, 0, 0];
  const i420 = new Uint8Array([...y, 90, 128, 240, 128]);
  const nv12 = new Uint8Array([...y, 90, 240, 128, 128]);
  const a = rgbFromYuv({ format: 'I420', data: i420, layout: [{ offset: 0, stride: 6 }, { offset: 12, stride: 2 }, { offset: 14, stride: 2 }], width: w, height: h });
  const b = rgbFromYuv({ format: 'NV12', data: nv12, layout: [{ offset: 0, stride: 6 }, { offset: 12, stride: 4 }], width: w, height: h });
  assert.deepEqual([a.width, a.height, a.data.length], [4, 2, 24]);
  assert.deepEqual(Array.from(b.data), Array.from(a.data), 'NV12 gives what I420 gives');
  const px = (x: number, row: number) => Array.from(a.data.slice((row * w + x) * 3, (row * w + x) * 3 + 3));
  for (const [x, row] of [[0, 0], [1, 1]]) px(x, row).forEach((v, k) => assert.ok(Math.abs(v - [255, 0, 0][k]) <= 2, `red at ${x},${row}: ${px(x, row)}`));
  for (const [x, row] of [[2, 0], [3, 1]]) px(x, row).forEach((v) => assert.ok(Math.abs(v - 128) <= 2, `grey at ${x},${row}: ${px(x, row)}`));
  // full range: Y is the grey level itself
  const full = rgbFromYuv({ format: 'I420', data: new Uint8Array([200, 200, 200, 200, 128, 128]), layout: [{ offset: 0, stride: 2 }, { offset: 4, stride: 1 }, { offset: 5, stride: 1 }], width: 2, height: 2, fullRange: true });
  assert.deepEqual(Array.from(full.data), Array(12).fill(200));
});
