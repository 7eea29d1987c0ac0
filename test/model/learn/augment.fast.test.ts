/** Augmentation: deterministic under a seed, different views differ, each epoch sees a different cached view. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentView, applyTransform, IDENTITY, viewTransform, ORIGINAL_AUGMENTATION, mulberry32, drawTransform } from '../../../src/model/learn/augment';
import { viewSchedule, shuffled } from '../../../src/training/fit';
import type { RgbImage } from '../../../src/util/images';

function gradient(w = 32, h = 24): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) data.set([c * 7, r * 9, (r * c) % 256], (r * w + c) * 3);
  return { data, width: w, height: h };
}

test('the identity transform returns the image unchanged', () => {
  const img = gradient();
  assert.deepEqual(applyTransform(img, IDENTITY).data, img.data);
});

test('a flip mirrors the columns', () => {
  const img = gradient();
  const f = applyTransform(img, { ...IDENTITY, flip: true });
  const px = (im: RgbImage, r: number, c: number) => Array.from(im.data.subarray((r * im.width + c) * 3, (r * im.width + c) * 3 + 3));
  assert.deepEqual(px(f, 3, 0), px(img, 3, img.width - 1));
  assert.deepEqual(px(f, 5, 10), px(img, 5, img.width - 11));
});

test('a shift of whole pixels moves the content (edges filled with the nearest pixel)', () => {
  const img = gradient();
  const s = applyTransform(img, { ...IDENTITY, ty: 2 }); // output (r, c) reads input (r, c + 2)
  const px = (im: RgbImage, r: number, c: number) => Array.from(im.data.subarray((r * im.width + c) * 3, (r * im.width + c) * 3 + 3));
  assert.deepEqual(px(s, 4, 3), px(img, 4, 5));
  assert.deepEqual(px(s, 4, img.width - 1), px(img, 4, img.width - 1), 'nearest fill at the edge');
});

test('augmentation is deterministic under a seed and differs between views and seeds', () => {
  const img = gradient(64, 64);
  const a = augmentView(img, 42, 'sha-a', 0);
  const b = augmentView(img, 42, 'sha-a', 0);
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(augmentView(img, 42, 'sha-a', 1).data, a.data);
  assert.notDeepEqual(augmentView(img, 43, 'sha-a', 0).data, a.data);
  assert.notDeepEqual(augmentView(img, 42, 'sha-b', 0).data, a.data);
});

test('drawn transforms stay in the tutorial\'s ranges', () => {
  const rng = mulberry32(1);
  for (let i = 0; i < 500; i++) {
    const t = drawTransform(rng, ORIGINAL_AUGMENTATION, 224, 224);
    assert.ok(Math.abs(t.theta) <= 20 && Math.abs(t.shear) <= 0.15);
    assert.ok(Math.abs(t.tx) <= 0.2 * 224 && Math.abs(t.ty) <= 0.2 * 224);
    assert.ok(t.zx >= 0.85 && t.zx <= 1.15 && t.zy >= 0.85 && t.zy <= 1.15);
  }
  assert.deepEqual(viewTransform(5, 'k', 3, ORIGINAL_AUGMENTATION, 224, 224), viewTransform(5, 'k', 3, ORIGINAL_AUGMENTATION, 224, 224));
});

test('two consecutive epochs see different augmented views of every image', () => {
  const n = 50;
  const K = 8;
  const view = viewSchedule(n, K, 42);
  const img = gradient(48, 48);
  for (let e = 0; e < 19; e++) {
    for (let i = 0; i < n; i++) {
      assert.notEqual(view(e, i), view(e + 1, i));
      assert.ok(view(e, i) >= 0 && view(e, i) < K);
    }
  }
  // the pixels fed in epoch 0 and epoch 1 differ
  const v0 = augmentView(img, 42, 'img0', view(0, 0));
  const v1 = augmentView(img, 42, 'img0', view(1, 0));
  assert.notDeepEqual(v0.data, v1.data);
  // and over K epochs every cached view is used once
  assert.equal(new Set(Array.from({ length: K }, (_, e) => view(e, 7))).size, K);
});

test('shuffling is a seeded permutation', () => {
  const a = shuffled(100, 3);
  assert.deepEqual(a, shuffled(100, 3));
  assert.notDeepEqual(a, shuffled(100, 4));
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
});
