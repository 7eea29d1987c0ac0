/**
 * A recipe's detector over training photos (src/detection/mine-scenes.ts): `scanPhotos` gives, photo by
 * photo, the boxes the pipeline's raw `findFaces` gives with the same detector and threshold, from the
 * disk cache the second time; `mineScenes` labels them against the annotated faces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scanPhotos, mineScenes } from '../../src/detection/mine-scenes';
import { createFaceMaskDetector } from '../../src/detection/create';
import { demoPhoto } from '../../src/detection/clips';
import { resolveConfig } from '../../src/config';
import { decodeImage } from '../../src/util/images';

const config = resolveConfig();
const spec = { detector: 'yunet-n', minScore: 0.5 };
const photos = [demoPhoto(1), demoPhoto(2)];

test("scanPhotos: each photo's boxes as the pipeline finds them raw, in order, the same from the cache; an early end releases the detector", async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-scan-'));
  try {
    const pipeline = await createFaceMaskDetector(config, { detector: spec.detector, threshold: spec.minScore, box: null, scales: null });
    const want = [];
    try {
      for (const f of photos) want.push(await pipeline.findFaces(await decodeImage(f), { raw: true }));
    } finally {
      pipeline.dispose();
    }
    const scan = async () => {
      const got = [];
      for await (const p of scanPhotos(photos, spec, config.detect, cache)) got.push(p);
      return got;
    };
    const first = await scan();
    assert.deepEqual(first.map((p) => p.file), photos);
    assert.deepEqual(first.map((p) => p.detections), want);
    assert.ok(want.every((d) => d.length > 0), 'the demo photos have faces');
    assert.ok(fs.readdirSync(cache).length > 0, 'the boxes are cached');
    assert.deepEqual(await scan(), first, 'the second pass, from the cache');
    for await (const p of scanPhotos(photos, spec, config.detect, cache)) {
      assert.equal(p.file, photos[0]);
      break; // the generator's finally releases the detector
    }
    // mining: every box on an annotated face is that face's class; with no face annotated every box is not_face
    const mined = await mineScenes(photos.map((file) => ({ file, faces: [] })), spec, config.detect, 12, cache);
    assert.deepEqual(mined.map((m) => m.boxes.length), first.map((p) => p.detections.length));
    assert.ok(mined.every((m) => m.boxes.every((b) => b.label === 'not_face')));
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
