import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iou, nonMaxSuppression, clipBox, scaleBox } from '../../src/detection/geometry';
import { matchScene } from '../../src/evaluation/scenes';

test('iou of identical, disjoint and half-overlapping boxes', () => {
  assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
  assert.equal(iou([0, 0, 10, 10], [20, 20, 5, 5]), 0);
  assert.ok(Math.abs(iou([0, 0, 10, 10], [5, 0, 10, 10]) - 50 / 150) < 1e-9);
});

test('non-max suppression keeps the best of overlapping boxes and separate ones', () => {
  const kept = nonMaxSuppression(
    [
      { box: [0, 0, 10, 10], score: 0.6 },
      { box: [1, 1, 10, 10], score: 0.9 },
      { box: [50, 50, 10, 10], score: 0.5 },
    ],
    0.3,
  );
  assert.deepEqual(kept.map((k) => k.score), [0.9, 0.5]);
  assert.equal(nonMaxSuppression([{ box: [0, 0, 1, 1], score: 1 }, { box: [5, 5, 1, 1], score: 0.5 }], 0.3, 1).length, 1);
});

test('scaleBox keeps the centre and scales both sides', () => {
  assert.deepEqual(scaleBox([10, 20, 40, 20], 1.5), [0, 15, 60, 30]);
  assert.deepEqual(scaleBox([10, 20, 40, 20], 1), [10, 20, 40, 20]);
});

test('clipBox clips to the image and drops what is outside', () => {
  assert.deepEqual(clipBox([-5, -5, 10, 10], 100, 100), [0, 0, 5, 5]);
  assert.equal(clipBox([200, 0, 10, 10], 100, 100), null);
});

test('matching rule: IoU >= 0.3 hits; false detections overlap no face of any size', () => {
  const faces = [
    { box: [0, 0, 30, 30] as [number, number, number, number] },
    { box: [100, 100, 10, 10] as [number, number, number, number] }, // too small to count
  ];
  const m = matchScene([{ box: [2, 2, 30, 30] }, { box: [100, 100, 10, 10] }, { box: [300, 300, 20, 20] }], faces, { minSize: 24, matchIou: 0.3 });
  assert.deepEqual(m.faceHit, [0, 1]);
  assert.deepEqual(m.faceCounts, [true, false]);
  assert.equal(m.falseDetections, 1);
});
