/**
 * The aligned crop (src/model/crop.ts): a face rotated, scaled and moved in the image lands on the
 * template — landmarks through the transform, and pixels through the warp — and a face without
 * usable landmarks gets exactly the box crop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALIGN_TEMPLATE, ALIGNED_CROP, alignTransform, alignedCrop, checkCropRule, contextBox, cropFace, imageToCrop, cropToImage, warpCrop, type Landmarks } from '../../src/model/crop';
import { cropResizeLinear } from '../../src/model/resize';
import type { RgbImage } from '../../src/util/images';

const SIZE = 224;
/** A face in template coordinates (fractions of the side), YuNet order: eyes, nose tip, mouth corners. */
const CANON: [number, number][] = [
  [0.33, ALIGN_TEMPLATE.eyeY],
  [0.67, ALIGN_TEMPLATE.eyeY],
  [0.5, 0.53],
  [0.37, ALIGN_TEMPLATE.mouthY],
  [0.63, ALIGN_TEMPLATE.mouthY],
];

/** The canonical face moved into an image: rotated by `angle`, `side` px per template unit, centre at (cx, cy). */
function placed(angle: number, side: number, cx: number, cy: number): Landmarks {
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  return CANON.map(([u, v]) => {
    const du = (u - 0.5) * side;
    const dv = (v - 0.5) * side;
    return [cx + c * du - s * dv, cy + s * du + c * dv] as [number, number];
  });
}

function blank(w: number, h: number, value = 40): RgbImage {
  return { data: new Uint8Array(w * h * 3).fill(value), width: w, height: h };
}

/** Paint a filled disc of one colour. */
function disc(img: RgbImage, x: number, y: number, r: number, rgb: [number, number, number]) {
  for (let j = Math.floor(y - r); j <= Math.ceil(y + r); j++)
    for (let i = Math.floor(x - r); i <= Math.ceil(x + r); i++) {
      if (i < 0 || j < 0 || i >= img.width || j >= img.height || Math.hypot(i + 0.5 - x, j + 0.5 - y) > r) continue;
      img.data.set(rgb, (j * img.width + i) * 3);
    }
}

for (const [angle, side, cx, cy] of [
  [0, 224, 112, 112],
  [0.5, 90, 300, 200],
  [-0.9, 400, 250, 260],
  [2.8, 33, 60, 50],
] as const) {
  test(`a face rotated ${angle} rad at ${side} px maps its 5 landmarks onto the template`, () => {
    const lm = placed(angle, side, cx, cy);
    const t = alignTransform(lm, SIZE)!;
    assert.ok(t, 'usable landmarks give a transform');
    assert.ok(Math.abs(t.scale - side / SIZE) < 1e-9, `scale ${t.scale} vs ${side / SIZE}`);
    lm.forEach(([x, y], k) => {
      const [u, v] = imageToCrop(t, x, y);
      assert.ok(Math.abs(u - CANON[k][0] * SIZE) < 1e-6 && Math.abs(v - CANON[k][1] * SIZE) < 1e-6, `landmark ${k}: (${u}, ${v}) vs template (${CANON[k][0] * SIZE}, ${CANON[k][1] * SIZE})`);
      const back = cropToImage(t, u, v);
      assert.ok(Math.abs(back[0] - x) < 1e-6 && Math.abs(back[1] - y) < 1e-6);
    });
  });
}

test('the warp puts painted eyes and mouth of a rotated, scaled face where the template says (within 2 px)', () => {
  const img = blank(640, 480);
  const lm = placed(0.7, 300, 330, 240);
  const colours: [number, number, number][] = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 0],
    [0, 255, 255],
  ];
  lm.forEach(([x, y], k) => disc(img, x, y, 6, colours[k]));
  const crop = alignedCrop(img, lm, SIZE)!;
  assert.equal(crop.width, SIZE);
  colours.forEach((rgb, k) => {
    // the centroid of pixels close to this colour
    let sx = 0, sy = 0, n = 0;
    for (let v = 0; v < SIZE; v++)
      for (let u = 0; u < SIZE; u++) {
        const o = (v * SIZE + u) * 3;
        if (Math.abs(crop.data[o] - rgb[0]) + Math.abs(crop.data[o + 1] - rgb[1]) + Math.abs(crop.data[o + 2] - rgb[2]) < 60) {
          sx += u + 0.5;
          sy += v + 0.5;
          n++;
        }
      }
    assert.ok(n > 5, `colour ${k} is in the crop`);
    const [ex, ey] = [CANON[k][0] * SIZE, CANON[k][1] * SIZE];
    assert.ok(Math.hypot(sx / n - ex, sy / n - ey) < 2, `landmark ${k} at (${(sx / n).toFixed(1)}, ${(sy / n).toFixed(1)}), template (${ex.toFixed(1)}, ${ey.toFixed(1)})`);
  });
});

test('shrinking a large face averages (a fine stripe pattern becomes its mean grey, no aliasing)', () => {
  const img = blank(2000, 2000);
  for (let y = 0; y < 2000; y++) for (let x = 0; x < 2000; x++) img.data.fill(x % 2 ? 255 : 0, (y * 2000 + x) * 3, (y * 2000 + x) * 3 + 3);
  const crop = alignedCrop(img, placed(0, 1800, 1000, 1000), 64)!;
  let min = 255, max = 0;
  for (const v of crop.data) [min, max] = [Math.min(min, v), Math.max(max, v)];
  assert.ok(min >= 110 && max <= 145, `stripes averaged to grey: ${min}–${max}`);
});

test('outside the image the edge pixels repeat, and identity-like transforms keep pixels', () => {
  const img = blank(10, 10);
  for (let i = 0; i < 100; i++) img.data.set([i, 2 * i, 255 - i], i * 3);
  // a transform of scale 1 with the crop exactly on the image: the same pixels
  const t = { origin: [0, 0] as [number, number], ux: [1, 0] as [number, number], vx: [0, 1] as [number, number], scale: 1 };
  assert.deepEqual(warpCrop(img, t, 10).data, img.data);
  const shifted = warpCrop(img, { ...t, origin: [-5, -5] }, 10);
  assert.deepEqual([...shifted.data.subarray(0, 3)], [...img.data.subarray(0, 3)], 'top-left outside: the corner pixel');
});

test('no landmarks, too few, non-finite or collapsed ones: the box crop, pixel for pixel', () => {
  const img = blank(120, 90);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37) % 251;
  const box: [number, number, number, number] = [20, 10, 50, 60];
  const rule = checkCropRule(ALIGNED_CROP);
  const plain = cropResizeLinear(img, box, SIZE);
  for (const landmarks of [undefined, [[1, 2]] as Landmarks, placed(0, 60, 40, 40).map(([x, y], k) => (k === 2 ? [NaN, y] : [x, y])) as Landmarks, placed(0, 0.5, 40, 40)]) {
    assert.deepEqual(cropFace(img, { box, landmarks }, SIZE, rule).data, plain.data, JSON.stringify(landmarks));
  }
  // with usable landmarks the aligned crop is used, and the box rule ignores landmarks
  const lm = placed(0.2, 60, 45, 40);
  assert.notDeepEqual(cropFace(img, { box, landmarks: lm }, SIZE, rule).data, plain.data);
  assert.deepEqual(cropFace(img, { box, landmarks: lm }, SIZE, { kind: 'box' }).data, plain.data);
});

test('a crop rule that is not one of the two forms is refused with the valid form', () => {
  assert.deepEqual(checkCropRule({ kind: 'box' }), { kind: 'box' });
  assert.throws(() => checkCropRule({ kind: 'tight' }), /must be \{ "kind": "box" \} \(optionally with "context".*\) or \{ "kind": "aligned"/);
  assert.deepEqual(checkCropRule({ kind: 'box', context: { below: 24, scale: 1.3 } }), { kind: 'box', context: { below: 24, scale: 1.3 } });
  assert.throws(() => checkCropRule({ kind: 'box', context: { below: 24, scale: 0.5 } }), /crop\.context must be \{ below, scale \}.*1 <= scale <= 4/);
  assert.throws(() => checkCropRule({ kind: 'box', context: { scale: 1.2 } }), /crop\.context/);
  assert.throws(() => checkCropRule({ kind: 'aligned', template: { eyeY: 0.7, mouthY: 0.4 } }), /0 < eyeY < mouthY < 1/);
});

test("the box rule's small-face context: a box below the size is cut scaled around its centre in whole pixels, a larger one as is", () => {
  const img = blank(120, 90);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37) % 251;
  const context = { below: 24, scale: 1.5 };
  const small: [number, number, number, number] = [40.4, 30, 16, 20];
  assert.deepEqual(contextBox(small, context), [36, 25, 24, 30]); // centre (48.4, 40) kept, sides 24 x 30, whole pixels
  assert.deepEqual(contextBox([10, 10, 30, 24], context), [10, 10, 30, 24]); // shorter side 24: not below
  assert.deepEqual(contextBox(small, undefined), small);
  const rule = checkCropRule({ kind: 'box', context });
  assert.deepEqual(cropFace(img, { box: small }, SIZE, rule).data, cropResizeLinear(img, [36, 25, 24, 30], SIZE).data);
  assert.deepEqual(cropFace(img, { box: [10, 10, 30, 24] }, SIZE, rule).data, cropResizeLinear(img, [10, 10, 30, 24], SIZE).data);
  // near the edge the scaled box is cut to the part inside the image, as any box
  assert.deepEqual(cropFace(img, { box: [0, 0, 10, 10] }, SIZE, rule).data, cropResizeLinear(img, [-2, -2, 15, 15], SIZE).data);
});
