/**
 * Which landmarks a face gets (src/detection/landmarks.ts, pure): matched by IoU to a box, the best
 * face of a whole image, none when nothing fits; landmark-less boxes get a landmarker's. (The
 * landmark finder over the real YuNet-n: landmarks.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchLandmarks } from '../../src/detection/landmarks';
import type { FaceDetection } from '../../src/detection/types';

const lm = (k: number): [number, number][] => Array.from({ length: 5 }, (_, i) => [k * 100 + i, k * 100 + i] as [number, number]);
const DETS: FaceDetection[] = [
  { box: [0, 0, 50, 50], score: 0.9, landmarks: lm(1) },
  { box: [100, 100, 40, 40], score: 0.95, landmarks: lm(2) },
  { box: [200, 0, 40, 40], score: 0.99 }, // no landmarks: never chosen
];

test('a box gets the landmarks of the detection overlapping it most (IoU >= matchIou), or none', () => {
  assert.deepEqual(matchLandmarks(DETS, [2, 2, 50, 50]), lm(1));
  assert.deepEqual(matchLandmarks(DETS, [104, 98, 40, 44]), lm(2));
  assert.equal(matchLandmarks(DETS, [30, 30, 50, 50]), undefined, 'IoU about 0.1: no match');
  assert.equal(matchLandmarks(DETS, [200, 0, 40, 40]), undefined, 'the only overlap has no landmarks');
  assert.deepEqual(matchLandmarks(DETS, [30, 30, 50, 50], 0.05), lm(1), 'a lower matchIou accepts it');
});

test('a whole image gets the best-scoring face with landmarks; no faces, none', () => {
  assert.deepEqual(matchLandmarks(DETS, null), lm(2));
  assert.equal(matchLandmarks([], null), undefined);
});

test('withLandmarks gives a detector\'s landmark-less boxes the landmarker\'s matching landmarks, running it only when needed', async () => {
  const { withLandmarks } = await import('../../src/detection/landmarks');
  let marks = 0;
  let disposed = 0;
  const plain = (dets: FaceDetection[]) => ({ name: 'plain', detectFaces: async () => dets, dispose: () => void disposed++ });
  const landmarker = { name: 'lm', detectFaces: async () => (marks++, DETS), dispose: () => void disposed++ };
  const img = { data: new Uint8Array(3), width: 1, height: 1 };
  const d = withLandmarks(plain([{ box: [1, 1, 50, 50], score: 0.5 }, { box: [300, 300, 10, 10], score: 0.4 }]), landmarker);
  const got = await d.detectFaces(img);
  assert.equal(d.name, 'plain');
  assert.deepEqual(got[0].landmarks, lm(1));
  assert.equal(got[1].landmarks, undefined, 'no match, no landmarks');
  assert.equal(marks, 1);
  const own = withLandmarks(plain([{ box: [1, 1, 50, 50], score: 0.5, landmarks: lm(3) }]), landmarker);
  assert.deepEqual((await own.detectFaces(img))[0].landmarks, lm(3), 'a detection\'s own landmarks stay');
  assert.equal(marks, 1, 'not run when every box has landmarks');
  d.dispose();
  assert.equal(disposed, 2);
});
