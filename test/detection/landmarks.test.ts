/**
 * The landmark finder over the real YuNet-n (src/detection/landmark-finder.ts): detections cached per
 * image key so a second run decodes nothing; a detector without landmarks refused. (Which landmarks a
 * face gets, pure: landmarks.fast.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLandmarkFinder } from '../../src/detection/landmark-finder';
import { LANDMARK_SOURCE } from '../../src/model/crop';
import { resolveConfig } from '../../src/config';
import { datasetDir } from '../../src/paths';
import { decodeImage } from '../../src/util/images';
import { skipOrFail } from '../skip';

test('the finder runs YuNet-n on a real photo once, then answers from its cache without decoding', async (t) => {
  const file = path.join(datasetDir('chandrikadeb7'), 'without_mask', '0.jpg');
  if (skipOrFail(t, !fs.existsSync(file) && 'chandrikadeb7 is not installed (facemask prepare)')) return;
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
  if (skipOrFail(t, !fs.existsSync(file) && 'chandrikadeb7 is not installed (facemask prepare)')) return;
  const f = await createLandmarkFinder({ ...LANDMARK_SOURCE, detector: 'res10' }, resolveConfig().detect, { cacheDir: null });
  try {
    await assert.rejects(() => f.detections(() => decodeImage(file)), /gives no landmarks/);
  } finally {
    f.dispose();
  }
});
