/**
 * Training views under the aligned crop rule (src/model/views.ts `alignedView`): view 0 is exactly the
 * crop inference cuts (`cropFace`), later views are jittered and degraded yet deterministic, and a face
 * without landmarks gets the box views (`realView`). Affine views (the tutorial's) share one resize of
 * the photo and give the views of resizing it for each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALIGNED_CROP, BOX_CROP, cropFace } from '../../../src/model/crop';
import { affineViews, alignedView, alignedViews, realView, REAL_AUGMENT } from '../../../src/model/learn/views';
import { augmentView, ORIGINAL_AUGMENTATION } from '../../../src/model/learn/augment';
import { itemKey } from '../../../src/model/learn/features';
import { resizeImage, type RgbImage } from '../../../src/util/images';

function photo(): RgbImage {
  const w = 320, h = 240;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([(x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256], (y * w + x) * 3);
  return { data, width: w, height: h };
}
const landmarks: [number, number][] = [
  [140, 100],
  [180, 104],
  [160, 125],
  [145, 150],
  [175, 152],
];
const item = { file: 'p.jpg', sha256: 'ab'.repeat(32), box: [120, 70, 80, 100] as [number, number, number, number], landmarks };

test('view 0 of an aligned item is the crop inference cuts, pixel for pixel', async () => {
  const img = photo();
  const v0 = await alignedView(img, item, 0, 96, 1, ALIGNED_CROP);
  assert.deepEqual(v0.data, cropFace(img, { box: item.box, landmarks }, 96, ALIGNED_CROP).data);
  // the plain views (null augmentation) are view 0 whatever the index
  assert.deepEqual((await alignedViews(ALIGNED_CROP, null).view(img, item, 3, 96, 1)).data, v0.data);
});

test('later views differ from view 0, and the same (seed, item, view) gives the same pixels', async () => {
  const img = photo();
  const v0 = await alignedView(img, item, 0, 96, 1, ALIGNED_CROP);
  const a = await alignedView(img, item, 1, 96, 1, ALIGNED_CROP, REAL_AUGMENT);
  const b = await alignedView(img, item, 1, 96, 1, ALIGNED_CROP, REAL_AUGMENT);
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, v0.data);
  assert.notDeepEqual((await alignedView(img, item, 2, 96, 1, ALIGNED_CROP)).data, a.data);
  assert.equal(a.width, 96);
});

test('a face without landmarks (or the box rule) gets the box views', async () => {
  const img = photo();
  const bare = { ...item, landmarks: undefined };
  for (const v of [0, 1]) {
    assert.deepEqual((await alignedView(img, bare, v, 96, 1, ALIGNED_CROP)).data, (await realView(img, bare, v, 96, 1)).data);
    assert.deepEqual((await alignedView(img, item, v, 96, 1, BOX_CROP)).data, (await realView(img, item, v, 96, 1)).data);
  }
});

test('the feature cache tells items apart by their landmarks, and box items keep their old keys', () => {
  const bare = { ...item, landmarks: undefined };
  assert.notEqual(itemKey(item), itemKey(bare));
  assert.notEqual(itemKey(item), itemKey({ ...item, landmarks: landmarks.map(([x, y]) => [x + 1, y] as [number, number]) }));
  assert.equal(itemKey(bare), itemKey({ file: 'other.jpg', sha256: item.sha256, box: item.box }));
  assert.notDeepEqual(alignedViews(ALIGNED_CROP, REAL_AUGMENT).key, alignedViews(ALIGNED_CROP, null).key);
});

test('affine views: the photo resized once and shared by its views gives the views of resizing it for each view', async () => {
  const img = photo();
  const whole = { file: 'p.jpg', sha256: 'cd'.repeat(32) };
  const shared = affineViews(ORIGINAL_AUGMENTATION);
  for (let v = 0; v < 4; v++) {
    const once = await shared.view(img, whole, v, 96, 3);
    const alone = augmentView(await resizeImage(img, 96, 96), 3, whole.sha256, v, ORIGINAL_AUGMENTATION);
    assert.deepEqual(once.data, alone.data, `view ${v}`);
  }
  const other = await shared.view(img, whole, 0, 64, 3);
  assert.equal(other.width, 64, 'another size is resized anew');
  assert.deepEqual((await affineViews(null).view(img, whole, 2, 96, 3)).data, (await resizeImage(img, 96, 96)).data, 'plain: the resized photo');
});
