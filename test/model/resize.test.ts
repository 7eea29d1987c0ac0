/**
 * The page's classifier crop against the Node original it mirrors (cropResizeLinear vs sharp's
 * `cropResize`, on real photos, shrinking and enlarging). (The other pure pieces: pixels.fast.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { cropResize, decodeImage, type RgbImage } from '../../src/util/images';
import { cropResizeLinear } from '../../src/model/resize';
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
