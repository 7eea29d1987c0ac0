/**
 * `blazeface`: the real BlazeFace weights (from @vladmandic/human) on real photos — face-api's demo
 * group photo and a Kaggle test street photo with masked faces — behind the common interface. (The
 * anchor grid: blazeface.fast.test.ts.)
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { DETECTORS } from '../../src/detection/detectors';
import { DetectorError } from '../../src/detection/types';
import { iou } from '../../src/detection/geometry';
import { createBlazeFace } from '../../src/detection/blazeface';
import { MAX_NET_SIDE } from '../../src/detection/faceapi';
import { kaggleScenes } from '../../src/data/kaggle';
import { matchScene } from '../../src/evaluation/scenes';
import { resolveConfig } from '../../src/config';
import { decodeImage, resizeImage, type RgbImage } from '../../src/util/images';
import { tf, initBackend } from '../../src/backend/tf';
import { demoPhoto } from './clips';

const cfg = resolveConfig().detect;

before(async () => {
  await initBackend({ quiet: true });
});

test('finds the five faces of a group photo (as SSD does), nothing in a flat picture, no tensor leak', async () => {
  const det = await DETECTORS.create('blazeface', cfg);
  const ssd = await DETECTORS.create('ssd-mobilenet', cfg);
  try {
    const img = await resizeImage(await decodeImage(demoPhoto(5)), 960, 699);
    await det.detectFaces(img);
    const before = tf.memory().numTensors;
    const faces = await det.detectFaces(img);
    assert.equal(tf.memory().numTensors, before, 'tensor count changed across a detection');
    const ref = await ssd.detectFaces(img);
    assert.equal(ref.length, 5);
    assert.equal(faces.length, 5, `scores ${faces.map((f) => f.score.toFixed(2))}`);
    for (const r of ref) assert.ok(faces.some((f) => iou(f.box, r.box) >= 0.4), `SSD's face ${r.box.map(Math.round)} is found`);
    for (let i = 0; i < faces.length; i++) {
      const [x, y, w, h] = faces[i].box;
      assert.ok(x >= 0 && y >= 0 && x + w <= img.width + 1e-6 && y + h <= img.height + 1e-6, `box inside the image: ${faces[i].box}`);
      assert.ok(faces[i].score >= cfg.blazeface.minConfidence && faces[i].score < 1);
      if (i) assert.ok(faces[i].score <= faces[i - 1].score, 'best first');
    }
    const grey: RgbImage = { data: new Uint8Array(640 * 480 * 3).fill(128), width: 640, height: 480 };
    assert.deepEqual(await det.detectFaces(grey), []);
    // a tiny picture and a very wide one run too (padding to a square)
    assert.ok(Array.isArray(await det.detectFaces({ data: new Uint8Array(9 * 7 * 3), width: 9, height: 7 })));
    assert.ok(Array.isArray(await det.detectFaces({ data: new Uint8Array(1200 * 40 * 3).fill(90), width: 1200, height: 40 })));
  } finally {
    det.dispose();
    ssd.dispose();
  }
});

test('a picture larger than the network limit is downscaled first; boxes come back in its own pixels', async () => {
  const det = await DETECTORS.create('blazeface', cfg);
  try {
    const img = await resizeImage(await decodeImage(demoPhoto(5)), 960, 699);
    const big = await resizeImage(img, 2 * 960, 2 * 699);
    assert.ok(Math.max(big.width, big.height) > MAX_NET_SIDE);
    const a = await det.detectFaces(img);
    const b = await det.detectFaces(big);
    assert.equal(b.length, a.length);
    for (const f of a) {
      const scaled: [number, number, number, number] = [f.box[0] * 2, f.box[1] * 2, f.box[2] * 2, f.box[3] * 2];
      assert.ok(b.some((g) => iou(g.box, scaled) > 0.8), `face ${f.box.map(Math.round)} at twice the size`);
    }
  } finally {
    det.dispose();
  }
});

test('finds masked faces in a Kaggle test street photo', async () => {
  const scene = kaggleScenes('test').find((s) => s.photo === 204)!;
  const img = await decodeImage(scene.file);
  const det = await DETECTORS.create('blazeface', cfg, 0.4); // a low threshold (the not_face classifier removes false boxes)
  try {
    const faces = await det.detectFaces(img);
    const m = matchScene(faces, scene.faces, resolveConfig().faces);
    const masked = scene.faces.map((f, i) => f.label !== 'without_mask' && m.faceCounts[i]);
    const found = masked.filter((x, i) => x && m.faceHit[i] >= 0).length;
    assert.ok(masked.filter(Boolean).length >= 3);
    assert.ok(found >= masked.filter(Boolean).length - 1, `found ${found} of ${masked.filter(Boolean).length} masked faces`);
  } finally {
    det.dispose();
  }
});

test('bad settings and a missing model are refused with what to do', async () => {
  await assert.rejects(DETECTORS.create('blazeface', cfg, 0), /blazeface: the detector threshold must be in \(0, 1\)/);
  await assert.rejects(createBlazeFace({ minConfidence: 0, nmsIou: 0.3, maxResults: 10 }), /blazeface: minConfidence must be in \(0, 1\)/);
  await assert.rejects(createBlazeFace({ minConfidence: 0.5, nmsIou: 0.3, maxResults: 10, dir: '/nonexistent' }), (e: Error) => e instanceof DetectorError && /\/nonexistent\/blazeface\.json is missing \(run "npm install"/.test(e.message));
});
