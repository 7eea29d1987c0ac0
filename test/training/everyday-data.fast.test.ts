/** everyday-unmasked's train-side faces (src/training/everyday-data.ts), the pure part: which detector boxes become faces. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVERYDAY_MIN_SCORE, everydayFaces } from '../../src/training/everyday-data';

test('a face is a box scored at least EVERYDAY_MIN_SCORE, clamped inside the photo, at least minFace px', () => {
  const dets = [
    { box: [10, 10, 50, 60] as [number, number, number, number], score: 0.95 },
    { box: [100, 10, 50, 60] as [number, number, number, number], score: EVERYDAY_MIN_SCORE - 0.01 }, // not sure enough
    { box: [-20, 5, 40, 40] as [number, number, number, number], score: 0.9 }, // half outside: 20 px wide once clamped
    { box: [150, 150, 8, 8] as [number, number, number, number], score: 0.99 }, // too small
  ];
  const faces = everydayFaces(dets, 200, 200, 12);
  assert.equal(faces.length, 2);
  assert.deepEqual(faces[0], [10, 10, 50, 60]);
  assert.equal(faces[1][0], 0);
  assert.equal(faces[1][2], 20);
  assert.equal(everydayFaces(dets, 200, 200, 25).length, 1); // the clamped box is now too narrow
});
