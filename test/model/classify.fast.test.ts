/**
 * `classifyFiles` (src/model/classify.ts) under the two crop rules, with a classifier that records
 * what it is given: the box rule classifies whole images; the aligned rule cuts the face the
 * landmarks give, classifies the whole image when none is found (saying so), and refuses to run
 * without a way to find landmarks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { classifyFiles } from '../../src/model/classify';
import { ALIGNED_CROP, BOX_CROP, cropFace, type CropRule, type Landmarks } from '../../src/model/crop';
import type { FaceClassifier } from '../../src/model/types';
import type { Box } from '../../src/result';
import type { RgbImage } from '../../src/util/images';
import { toJsonLine, type ClassifyResult } from '../../src/result';

/** A classifier whose with_mask probability is the mean red level of the crop it cuts (/255). */
function recording(crop: CropRule): FaceClassifier & { calls: string[] } {
  const calls: string[] = [];
  const score = (im: RgbImage) => {
    let r = 0;
    for (let i = 0; i < im.data.length; i += 3) r += im.data[i];
    const p = r / (im.data.length / 3) / 255;
    return Float32Array.from([p, 1 - p]);
  };
  return {
    calls,
    classes: ['with_mask', 'without_mask'],
    inputSize: 32,
    crop,
    async probabilities(images) {
      calls.push(`whole x${images.length}`);
      return images.map((im) => score(cropFace(im, { box: [0, 0, im.width, im.height] }, 32)));
    },
    async probabilitiesOfBoxes(image: RgbImage, boxes: readonly Box[], landmarks?: readonly (Landmarks | undefined)[]) {
      calls.push(`boxes x${boxes.length} landmarks ${landmarks?.[0] ? 'yes' : 'no'}`);
      return boxes.map((box, i) => score(cropFace(image, { box, landmarks: landmarks?.[i] }, 32, crop)));
    },
    dispose() {},
  };
}

async function files(): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-classify-'));
  // left half red, right half blue: the aligned crop on the left half is redder than the whole image
  const w = 80, h = 60;
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(x < 40 ? [250, 0, 0] : [0, 0, 250], (y * w + x) * 3);
  const out = [path.join(dir, 'a.png'), path.join(dir, 'b.png')];
  for (const f of out) await sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toFile(f);
  return out;
}
const leftFace: Landmarks = [
  [12, 20],
  [28, 20],
  [20, 28],
  [14, 36],
  [26, 36],
];

test('the box rule classifies each image whole, and says nothing about crops', async () => {
  const clf = recording(BOX_CROP);
  const r = await classifyFiles(await files(), clf);
  assert.deepEqual(clf.calls, ['whole x2']);
  assert.ok(r.every((x) => !('error' in x) && x.crop === undefined));
  assert.ok(!toJsonLine(r[0]).includes('"crop"'));
});

test('the aligned rule cuts the face the landmarks give; an image with no face found is classified whole, and the line says which', async () => {
  const clf = recording(ALIGNED_CROP);
  const [a, b] = await files();
  let seen = 0;
  const r = await classifyFiles([a, b], clf, { landmarks: async () => (seen++ === 0 ? leftFace : undefined) });
  assert.deepEqual(clf.calls, ['boxes x1 landmarks yes', 'boxes x1 landmarks no']);
  const [ra, rb] = r as ClassifyResult[];
  assert.equal(ra.crop, 'aligned');
  assert.equal(rb.crop, 'whole');
  assert.equal(ra.label, 'with_mask', 'the aligned crop sits on the red half');
  assert.ok(Math.abs(rb.score - 0.5) < 0.05, `the whole image is half red: ${rb.score}`);
  assert.match(toJsonLine(rb), /"crop":"whole"/);
});

test('an aligned model without a way to find landmarks is refused with the reason', async () => {
  await assert.rejects(classifyFiles(await files(), recording(ALIGNED_CROP)), /aligned crops .* needs their landmarks/);
});
