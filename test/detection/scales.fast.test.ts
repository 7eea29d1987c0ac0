/** Two scales for photos (src/detection/scales.ts): the second pass's factor from the photo's size, which pass keeps which faces, the plan's checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_FINE_UPSCALE, describeScales, fineUpscale, passDetections } from '../../src/detection/scales';
import { checkScalePlan } from '../../src/model/setting';
import type { Box } from '../../src/result';

const plan = { upscale: 2, split: 24, maxPixels: 1_000_000 };
const det = (side: number, score = 0.9) => ({ box: [0, 0, side, side] as Box, score });

test("the factor: the plan's, lowered to fit the pixel budget, none when that leaves too little", () => {
  assert.equal(fineUpscale(plan, 400, 300), 2, '400x300 x2 is 480,000 pixels: within the budget');
  assert.ok(Math.abs(fineUpscale(plan, 800, 600)! - Math.sqrt(1_000_000 / 480_000)) < 1e-12, 'lowered to the budget');
  assert.equal(fineUpscale(plan, 1920, 1080), null, 'a large photo: its small faces are large enough already');
  const k = fineUpscale(plan, 800, 800);
  assert.ok(k === null || k >= MIN_FINE_UPSCALE);
});

test('the merge: small faces from the enlarged pass, large from the first, both in between; one pass keeps all', () => {
  const first = [det(10), det(30), det(100)];
  const fine = [det(10), det(30), det(60)];
  const got = passDetections(plan, first, { scale: 2, found: fine });
  assert.deepEqual(got.map((d) => [d.box[2], d.scale]), [[30, 1], [100, 1], [10, 2], [30, 2]], 'first: >= 24; enlarged: < 48');
  assert.deepEqual(passDetections(plan, first, null).map((d) => [d.box[2], d.scale]), [[10, 1], [30, 1], [100, 1]]);
});

test('a plan is checked field by field, and described in words', () => {
  assert.equal(checkScalePlan(plan, 'x'), plan);
  assert.throws(() => checkScalePlan({ ...plan, upscale: 1 }, 'model'), /model: scales.upscale must be in \(1, 4\], got 1/);
  assert.throws(() => checkScalePlan({ ...plan, split: 0 }, 'model'), /scales.split must be in \(0, 1000\] px/);
  assert.throws(() => checkScalePlan({ ...plan, maxPixels: 5.5 }, 'model'), /scales.maxPixels must be a whole number >= 10000/);
  assert.equal(describeScales(null), 'one scale');
  assert.equal(describeScales(plan), 'two scales: the photo and x2 (at most 1 MP) for faces under 48 px');
});
