/**
 * The nose-and-mouth region (src/model/region.ts): its template puts the square where it says on the
 * face (through the aligned crop's transform), and the mixes keep probabilities probabilities.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignTransform, imageToCrop, type Landmarks } from '../../src/model/crop';
import { REGION_ALONG, REGION_SIDE, mixRegion, parseRegionMix, regionMixName, regionTemplate } from '../../src/model/region';

const CLASSES = ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'] as const;
const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} is not ${b}`);
const sum = (p: ArrayLike<number>) => Array.from(p).reduce((a, b) => a + b, 0);

test('regionTemplate: the square is centred `along` of the way from eyes to mouth, `side` eye-to-mouth distances wide', () => {
  const t = regionTemplate(REGION_ALONG, REGION_SIDE);
  close(t.eyeY, 0.5 - 0.68 / 1.4);
  close(t.mouthY, 0.5 + 0.32 / 1.4);
  close(t.mouthY - t.eyeY, 1 / 1.4);
  // a level face, eyes at y 100, mouth at y 160 (60 px apart): the crop spans 84 px, centred at y 140.8
  const lm: Landmarks = [[80, 100], [120, 100], [100, 130], [85, 160], [115, 160]];
  const size = 128;
  const tr = alignTransform(lm, size, t)!;
  close(tr.scale * size, 1.4 * 60, 1e-6);
  const [u, v] = imageToCrop(tr, 100, 100 + 0.68 * 60);
  close(u, size / 2, 1e-6);
  close(v, size / 2, 1e-6);
});

test('regionTemplate refuses a square that would leave the eyes or the mouth outside', () => {
  assert.throws(() => regionTemplate(0.9, 1.2), /eyeY/);
  assert.throws(() => regionTemplate(0.5, 0.5), /mouthY|eyeY/);
  assert.throws(() => regionTemplate(1.5, 2), /along/);
});

test('parseRegionMix and regionMixName round-trip; bad forms are refused with the valid one', () => {
  for (const s of ['average:0.5', 'redistribute:1', 'average:0']) assert.equal(regionMixName(parseRegionMix(s)), s);
  assert.throws(() => parseRegionMix('mean:0.5'), /average:W or redistribute:W/);
  assert.throws(() => parseRegionMix('average:1.5'), /average:W/);
});

test('mixRegion average: a weighted mean of both, still summing to 1', () => {
  const face = Float32Array.from([0.6, 0.1, 0.2, 0.1]);
  const region = Float32Array.from([0.2, 0.1, 0.6, 0.1]);
  const p = mixRegion(face, region, CLASSES, { kind: 'average', weight: 0.25 });
  close(p[0], 0.75 * 0.6 + 0.25 * 0.2);
  close(p[2], 0.75 * 0.2 + 0.25 * 0.6);
  close(sum(p), 1, 1e-6);
  assert.deepEqual(Array.from(mixRegion(face, region, CLASSES, { kind: 'average', weight: 0 })), Array.from(face));
});

test('mixRegion redistribute: with + incorrect mass kept, split as the region model says (weight 1), other classes untouched', () => {
  const face = Float32Array.from([0.6, 0.1, 0.2, 0.1]);
  const region = Float32Array.from([0.1, 0.5, 0.3, 0.1]);
  const p = mixRegion(face, region, CLASSES, { kind: 'redistribute', weight: 1 });
  close(p[0] + p[2], 0.8);
  close(p[2] / (p[0] + p[2]), 0.3 / 0.4); // the region model's share of incorrect in with + incorrect
  close(p[1], 0.1);
  close(p[3], 0.1);
  const half = mixRegion(face, region, CLASSES, { kind: 'redistribute', weight: 0.5 });
  close(half[2] / 0.8, 0.5 * 0.25 + 0.5 * 0.75);
  const none = mixRegion(face, region, CLASSES, { kind: 'redistribute', weight: 0 });
  close(none[0], 0.6);
  close(none[2], 0.2);
});

test('mixRegion: a face without region probabilities keeps the face model\'s; mismatched lengths are refused', () => {
  const face = Float32Array.from([0.6, 0.1, 0.2, 0.1]);
  assert.equal(mixRegion(face, null, CLASSES, { kind: 'average', weight: 0.5 }), face);
  assert.throws(() => mixRegion(face, Float32Array.from([1, 0]), CLASSES, { kind: 'average', weight: 0.5 }), /probabilities/);
  assert.throws(() => mixRegion(Float32Array.from([0.5, 0.5]), Float32Array.from([0.5, 0.5]), ['with_mask', 'without_mask'], { kind: 'redistribute', weight: 0.5 }), /incorrect_mask/);
});
