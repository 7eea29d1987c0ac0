/**
 * The everyday-unmasked measurement (src/evaluation/everyday.ts), the pure part: what the kept faces
 * were called, the share called without_mask, and large faces called incorrect_mask. (End to end on
 * the installed photos: the evaluate verb's tests.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVERYDAY_LARGE_PX, everydayLine, summariseEveryday, type EverydayFace } from '../../src/evaluation/everyday-summary';
import type { Label } from '../../src/labels';

const face = (file: string, side: number, label: Label): EverydayFace => ({ file, box: [0, 0, side, side + 10], faceScore: 0.9, label, score: 0.8 });

test('the summary: faces kept, what each was called, large faces (> 100 px) called incorrect_mask listed', () => {
  const faces = [face('a.jpg', 150, 'without_mask'), face('a.jpg', 150, 'incorrect_mask'), face('b.jpg', 40, 'incorrect_mask'), face('b.jpg', 100, 'with_mask'), face('b.jpg', 101, 'without_mask')];
  const s = summariseEveryday('val', ['a.jpg', 'b.jpg', 'c.jpg'], faces);
  assert.equal(s.largePx, EVERYDAY_LARGE_PX);
  assert.deepEqual(s.called, { with_mask: 1, without_mask: 2, incorrect_mask: 2 });
  assert.equal(s.faces, 5);
  assert.equal(s.withoutShare, 2 / 5);
  assert.equal(s.large, 3); // 150, 150, 101 — 100 is not above 100
  assert.deepEqual(s.largeIncorrect.map((f) => f.file), ['a.jpg']); // the 40 px incorrect face is not large
  assert.equal(s.photosWithoutFaces, 1);
  assert.match(everydayLine('everyday-val', s), /^everyday-val: 5 faces kept on 3 photos \(1 with none\), 2 called without_mask \(40\.0 %\); with_mask 1, incorrect_mask 2; faces > 100 px: 3, 1 called incorrect_mask$/);
});

test('no face kept: the share is not a number, not 0 or 1', () => {
  const s = summariseEveryday('test', ['a.jpg'], []);
  assert.ok(Number.isNaN(s.withoutShare));
  assert.equal(s.photosWithoutFaces, 1);
  assert.match(everydayLine('everyday-test', s), /called without_mask \(—\)/);
});
