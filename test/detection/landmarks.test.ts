/**
 * Which landmarks a face gets (src/detection/landmarks.ts, pure) and the landmark finder over the real
 * YuNet-n (src/detection/landmark-finder.ts): matched by IoU to a box, the best face of a whole image,
 * none when nothing fits; detections cached per image key so a second run decodes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { matchLandmarks } from '../../src/detection/landmarks';
import { createLandmarkFinder } from '../../src/detection/landmark-finder';
import type { FaceDetection } from '../../src/detection/types';
import { LANDMARK_SOURCE } from '../../src/model/crop';
import { resolveConfig } from '../../src/config';
import { datasetDir } from '../../src/paths';
import { decodeImage } from '../../src/util/images';

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

test('the finder runs YuNet-n on a real photo once, then answers from its cache without decoding', async (t) => {
  const file = path.join(datasetDir('chandrikadeb7'), 'without_mask', '0.jpg');
  if (!fs.existsSync(file)) return t.skip('chandrikadeb7 is not installed (facemask prepare)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-landmarks-'));
  let loads = 0;
  const load = () => (loads++, decodeImage(file));
  const first = await createLandmarkFinder(LANDMARK_SOURCE, resolveConfig().detect, { cacheDir: dir });
  const a = await first.landmarks(load, null, 'key-of-0.jpg');
  first.dispose();
  assert.equal(loads, 1);
  assert.ok(a && a.length === 5, 'a portrait has a face with 5 landmarks');
  // eyes above the mouth, the subject's right eye on the image's left
  assert.ok(a[0][0] < a[1][0] && a[0][1] < a[3][1] && a[1][1] < a[4][1], JSON.stringify(a));
  assert.equal(fs.readdirSync(dir).length, 1, 'one cache file');
  const second = await createLandmarkFinder(LANDMARK_SOURCE, resolveConfig().detect, { cacheDir: dir });
  assert.deepEqual(await second.landmarks(load, null, 'key-of-0.jpg'), a);
  second.dispose();
  assert.equal(loads, 1, 'the cached detections were used');
  // another detector setting is another cache file
  const other = await createLandmarkFinder({ ...LANDMARK_SOURCE, minScore: 0.5 }, resolveConfig().detect, { cacheDir: dir });
  await other.landmarks(load, null, 'key-of-0.jpg');
  other.dispose();
  assert.equal(loads, 2);
  assert.equal(fs.readdirSync(dir).length, 2);
});

test('a detector without landmarks is refused for aligned crops', async (t) => {
  const file = path.join(datasetDir('chandrikadeb7'), 'without_mask', '0.jpg');
  if (!fs.existsSync(file)) return t.skip('chandrikadeb7 is not installed (facemask prepare)');
  const f = await createLandmarkFinder({ ...LANDMARK_SOURCE, detector: 'res10' }, resolveConfig().detect, { cacheDir: null });
  try {
    await assert.rejects(() => f.detections(() => decodeImage(file)), /gives no landmarks/);
  } finally {
    f.dispose();
  }
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
