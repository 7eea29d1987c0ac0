/**
 * The page's pure pieces against the Node originals they mirror: the classifier crop
 * (cropResizeLinear vs sharp's `cropResize`, on real photos, shrinking and enlarging), RGBA → RGB,
 * the label sizes (vs src/detection/draw.ts) and the frames-per-second meter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { cropResize, decodeImage, type RgbImage } from '../../src/util/images';
import { labelTextPx } from '../../src/detection/draw';
import { cropRegion, cropResizeLinear, resizeLinear } from '../../src/model/resize';
import { rgbFromRgba } from '../../src/web/page/pixels';
import { labelStyle } from '../../src/web/page/draw';
import { FpsMeter } from '../../src/web/page/fps';
import { projectPaths } from '../../src/paths';
import type { Box } from '../../src/result';

const ROOT = projectPaths().root;
const PHOTOS = [path.join(ROOT, 'node_modules/@vladmandic/face-api/demo/sample2.jpg'), path.join(projectPaths().dataset, 'kaggle-face-mask-dev/images/maksssksksss219.jpg')];

function diff(a: RgbImage, b: RgbImage) {
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.data.length };
}

test('cropResizeLinear gives the pixels of sharp\'s linear crop-resize (mean difference < 0.4 levels, at most 3)', async () => {
  let worst = { max: 0, mean: 0, box: '' };
  for (const file of PHOTOS) {
    const img = await decodeImage(file);
    // faces smaller and larger than 224 px, square and not, fractional, cut by the edges, boxes reaching past the image
    const boxes: Box[] = [
      [10.4, 20.7, 31, 40],
      [50, 30, 99.5, 130.2],
      [img.width / 3, img.height / 4, 223, 250],
      [img.width / 5, 5, 250, 223],
      [30, 40, 224, 300],
      [img.width - 120, img.height - 90, 200, 150],
      [-15, -20, 140, 180],
      [20, 10, 460, 100],
      [0, 0, img.width, img.height],
      [img.width / 9, img.height / 9, (img.width * 2) / 3, (img.height * 2) / 3],
    ];
    for (const box of boxes) {
      const d = diff(cropResizeLinear(img, box, 224), await cropResize(img, box, 224));
      if (d.mean > worst.mean || d.max > worst.max) worst = { ...d, box: `${path.basename(file)} ${box.map((v) => v.toFixed(1)).join(',')}` };
      assert.ok(d.mean < 0.4 && d.max <= 3, `${path.basename(file)} box ${box}: mean ${d.mean.toFixed(3)}, max ${d.max}`);
    }
  }
  console.log(`cropResizeLinear vs sharp: worst mean ${worst.mean.toFixed(3)} levels, worst max ${worst.max} (${worst.box})`);
});

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
