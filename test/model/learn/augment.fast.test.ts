/** Augmentation: deterministic under a seed, different views differ, each epoch sees a different cached view. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentView, applyTransform, IDENTITY, viewTransform, ORIGINAL_AUGMENTATION, mulberry32, drawTransform, transformMatrix } from '../../../src/model/learn/augment';
import { viewSchedule, shuffled } from '../../../src/training/fit';
import { decodeImage, resizeImage, type RgbImage } from '../../../src/util/images';
import { demoPhoto } from '../../../src/detection/clips';

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

/** The plain loop applyTransform was written as first (the reference the faster loop must equal to the bit). */
function applyTransformReference(img: RgbImage, t: Parameters<typeof applyTransform>[1]): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h * 3);
  const m = transformMatrix(t, h, w);
  const clampR = (v: number) => (v < 0 ? 0 : v > h - 1 ? h - 1 : v);
  const clampC = (v: number) => (v < 0 ? 0 : v > w - 1 ? w - 1 : v);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const ir = clampR(m[0][0] * r + m[0][1] * c + m[0][2]);
      const ic = clampC(m[1][0] * r + m[1][1] * c + m[1][2]);
      const r0 = Math.floor(ir);
      const c0 = Math.floor(ic);
      const r1 = Math.min(r0 + 1, h - 1);
      const c1 = Math.min(c0 + 1, w - 1);
      const fr = ir - r0;
      const fc = ic - c0;
      const oc = t.flip ? w - 1 - c : c;
      const o = (r * w + oc) * 3;
      for (let k = 0; k < 3; k++) {
        const top = data[(r0 * w + c0) * 3 + k] * (1 - fc) + data[(r0 * w + c1) * 3 + k] * fc;
        const bot = data[(r1 * w + c0) * 3 + k] * (1 - fc) + data[(r1 * w + c1) * 3 + k] * fc;
        out[o + k] = Math.round(top * (1 - fr) + bot * fr);
      }
    }
  }
  return { data: out, width: w, height: h };
}

test('applyTransform gives the plain loop\'s pixels to the bit, on a real photo under the tutorial\'s transforms', async () => {
  const photo = await resizeImage(await decodeImage(demoPhoto(1)), 224, 224);
  const odd = await resizeImage(photo, 97, 61);
  const rng = mulberry32(7);
  for (let i = 0; i < 40; i++) {
    const img = i % 2 ? odd : photo;
    const t = drawTransform(rng, ORIGINAL_AUGMENTATION, img.height, img.width);
    assert.deepEqual(applyTransform(img, t).data, applyTransformReference(img, t).data, `transform ${i}: ${JSON.stringify(t)}`);
  }
});
