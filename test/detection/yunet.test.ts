/**
 * `yunet`: the real yunet_s / yunet_n networks (installed by `facemask prepare --only yunet`) on
 * onnxruntime-node, on face-api's demo photos (22 faces) and on Kaggle dev photos against their VOC
 * annotations, with landmarks, odd sizes, both runtimes, disposal and clear errors. (Decoding, the
 * input builder and browser safety: yunet.fast.test.ts.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, type Engine } from '../../src/backend/onnx';
import { yunetInput, createYuNet, YUNET_OUTPUTS, type YuNetDetector } from '../../src/detection/yunet';
import { loadYuNet, YUNET_VARIANTS } from '../../src/detection/yunet-node';
import { DetectorError, type FaceDetection } from '../../src/detection/types';
import { iou } from '../../src/detection/geometry';
import { kaggleScenes } from '../../src/data/kaggle';
import { matchScene } from '../../src/evaluation/scenes';
import { resolveConfig } from '../../src/config';
import { decodeImage, resizeImage, type RgbImage } from '../../src/util/images';
import type { Box } from '../../src/result';
import { demoPhoto } from './clips';

const { nmsIou, maxFaces: maxResults } = resolveConfig().detect;
const rules = resolveConfig().faces;
/** A middling threshold (OpenCV's samples use 0.9 for few false boxes; the bench sweeps 0.3–0.9). */
const OPTS = { minConfidence: 0.5, nmsIou, maxResults };
/** Faces in face-api's demo photos sample1..6.jpg, counted by eye. */
const DEMO_FACES = [3, 3, 3, 4, 5, 4];

const close = (a: number[], b: number[], eps = 1e-4) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= eps);

// ---- hand-made pictures ---------------------------------------------------------------------

function rgb(width: number, height: number, f: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y), (y * width + x) * 3);
  return { data, width, height };
}

// ---- the real networks ------------------------------------------------------------------------

let engine: Engine;
const detectors: Partial<Record<(typeof YUNET_VARIANTS)[number], YuNetDetector>> = {};
before(async () => {
  engine = await createEngine({ prefer: 'node', quiet: true });
  for (const v of YUNET_VARIANTS) detectors[v] = createYuNet(await loadYuNet(engine, v), OPTS);
});
after(async () => {
  for (const d of Object.values(detectors)) await d.dispose();
});

/** Landmarks sit on the face: inside the box grown by a quarter each way, eyes above the mouth corners. */
function checkLandmarks(f: FaceDetection, where: string) {
  const lm = f.landmarks!;
  assert.equal(lm.length, 5, where);
  const [x, y, w, h] = f.box;
  for (const [px, py] of lm) assert.ok(px >= x - w / 4 && px <= x + w * 1.25 && py >= y - h / 4 && py <= y + h * 1.25, `${where}: point ${px},${py} far from box ${f.box.map(Math.round)}`);
  const [re, le, nose, rm, lm2] = lm;
  assert.ok(Math.max(re[1], le[1]) < Math.min(rm[1], lm2[1]), `${where}: eyes above the mouth`);
  assert.ok(nose[1] > Math.min(re[1], le[1]), `${where}: nose below an eye`);
  assert.ok(re[0] < le[0] && rm[0] < lm2[0], `${where}: the subject's right eye and mouth corner come first (image left)`);
}

function inside(b: Box, img: RgbImage) {
  return b[0] >= 0 && b[1] >= 0 && b[0] + b[2] <= img.width + 1e-6 && b[1] + b[3] <= img.height + 1e-6;
}

test("both variants find most of the 22 faces in face-api's demo photos, with landmarks on the faces", async () => {
  for (const v of YUNET_VARIANTS) {
    let found = 0;
    for (let n = 1; n <= 6; n++) {
      const img = await decodeImage(demoPhoto(n));
      const faces = await detectors[v]!.detectFaces(img);
      assert.ok(faces.length >= DEMO_FACES[n - 1] - 1 && faces.length <= DEMO_FACES[n - 1] + 1, `${v} sample${n}: ${faces.length} faces for ${DEMO_FACES[n - 1]}`);
      found += Math.min(faces.length, DEMO_FACES[n - 1]);
      for (let i = 0; i < faces.length; i++) {
        assert.ok(inside(faces[i].box, img), `${v} sample${n}: box inside the image`);
        assert.ok(faces[i].score >= OPTS.minConfidence && faces[i].score <= 1);
        if (i) assert.ok(faces[i].score <= faces[i - 1].score, 'best first');
        if (faces[i].score > 0.8) checkLandmarks(faces[i], `${v} sample${n} face ${i}`);
      }
    }
    assert.ok(found >= 20, `${v}: ${found} of 22 faces`);
  }
});

test('finds the annotated faces of Kaggle dev photos (IoU >= 0.3 with the VOC boxes)', async () => {
  const scenes = kaggleScenes('fit', { limit: 20 });
  for (const v of YUNET_VARIANTS) {
    let counted = 0;
    let hit = 0;
    for (const s of scenes) {
      const img = await decodeImage(s.file);
      const faces = await detectors[v]!.detectFaces(img);
      const m = matchScene(faces, s.faces, rules);
      m.faceCounts.forEach((c, i) => {
        counted += +c;
        hit += +(c && m.faceHit[i] >= 0);
      });
      for (const f of faces) if (f.score > 0.8) checkLandmarks(f, `${v} photo ${s.photo}`);
    }
    assert.ok(counted >= 40, `${counted} faces of >= 24 px in photos 0–19`);
    assert.ok(hit >= 0.85 * counted, `${v}: found ${hit} of ${counted} faces`);
  }
});

test('odd sizes work: 641x479 as 640x480, a 1x1 and a flat image give nothing, a huge one is downscaled', async () => {
  const det = detectors.yunet_s!;
  const photo = await decodeImage(demoPhoto(4));
  const a = await det.detectFaces(await resizeImage(photo, 640, 480));
  const b = await det.detectFaces(await resizeImage(photo, 641, 479));
  assert.equal(a.length, 4);
  assert.equal(b.length, a.length);
  for (const f of a) assert.ok(b.some((g) => iou(f.box, g.box) > 0.8), `face ${f.box.map(Math.round)} at 641x479`);
  assert.deepEqual(await det.detectFaces(rgb(1, 1, () => [128, 128, 128])), []);
  assert.deepEqual(await det.detectFaces(rgb(640, 480, () => [128, 128, 128])), []);
  // 1920 px wide → 1024 for the network; boxes come back in the photo's own pixels
  const half = await resizeImage(photo, photo.width / 2, Math.round(photo.height / 2));
  const full = await det.detectFaces(photo);
  const small = await det.detectFaces(half);
  assert.equal(full.length, small.length);
  for (const f of small) assert.ok(full.some((g) => iou(g.box, [f.box[0] * 2, f.box[1] * 2, f.box[2] * 2, f.box[3] * 2]) > 0.7), `face ${f.box.map(Math.round)} at twice the size`);
  // upscaling maps back too
  const up = createYuNet(await loadYuNet(engine, 'yunet_s'), { ...OPTS, upscale: 2 });
  try {
    const c = await up.detectFaces(await resizeImage(photo, 320, 241));
    assert.equal(c.length, 4);
    for (const f of c) assert.ok(a.some((g) => iou(g.box, [f.box[0] * 2, f.box[1] * 2, f.box[2] * 2, f.box[3] * 2]) > 0.5), `upscaled face ${f.box.map(Math.round)}`);
  } finally {
    await up.dispose();
  }
});

test('onnxruntime-web gives the same faces as onnxruntime-node', async () => {
  const web = await createEngine({ prefer: 'web', quiet: true });
  const det = createYuNet(await loadYuNet(web, 'yunet_n'), OPTS);
  try {
    const img = await resizeImage(await decodeImage(demoPhoto(6)), 640, 480);
    const a = await detectors.yunet_n!.detectFaces(img);
    const b = await det.detectFaces(img);
    assert.equal(b.length, a.length);
    a.forEach((f, i) => {
      assert.ok(close(f.box, b[i].box, 0.01) && Math.abs(f.score - b[i].score) < 1e-4, `face ${i}: ${f.box} vs ${b[i].box}`);
      assert.ok(close(f.landmarks!.flat(), b[i].landmarks!.flat(), 0.01));
    });
  } finally {
    await det.dispose();
  }
});

test('dispose releases the network; later calls fail clearly; twice is harmless', async () => {
  const net = await loadYuNet(engine, 'yunet_n');
  const det = createYuNet(net, OPTS);
  const img = rgb(64, 64, () => [0, 0, 0]);
  assert.deepEqual(await det.detectFaces(img), []);
  await det.dispose();
  await det.dispose();
  await assert.rejects(det.detectFaces(img), /yunet: the detector was disposed/);
  await assert.rejects(net.run({ input: yunetInput(img).input }), /the network was disposed/);
});

test('a missing model file, an unknown variant and bad settings are refused with what to do', async () => {
  await assert.rejects(loadYuNet(engine, 'yunet_s', '/nonexistent'), (e: Error) => e instanceof DetectorError && e.message === 'yunet: /nonexistent/yunet_s_dynamic.onnx is missing (run "npx facemask prepare --only yunet")');
  await assert.rejects(loadYuNet(engine, 'yunet_xl' as never), /unknown variant "yunet_xl" \(valid: yunet_s, yunet_n\)/);
  const net = await loadYuNet(engine, 'yunet_n');
  try {
    assert.throws(() => createYuNet(net, { ...OPTS, minConfidence: 1 }), /minConfidence must be in \(0, 1\), got 1/);
    assert.throws(() => createYuNet(net, { ...OPTS, nmsIou: -0.1 }), /nmsIou must be in \[0, 1\]/);
    assert.throws(() => createYuNet(net, { ...OPTS, maxResults: 0 }), /maxResults must be a positive whole number/);
    assert.throws(() => createYuNet(net, { ...OPTS, maxSide: 0 }), /maxSide must be >= 1/);
    assert.throws(() => createYuNet(net, { ...OPTS, upscale: -1 }), /upscale must be a positive number/);
    assert.deepEqual([...YUNET_OUTPUTS].sort(), [...net.outputNames].sort());
  } finally {
    await net.dispose();
  }
});

test('two scales: faces too small for one pass are found on the enlarged photo, tagged with its factor; large ones stay with the first pass', async () => {
  const photo = await decodeImage(demoPhoto(1)); // 3 faces
  const plan = { upscale: 2, split: 24, maxPixels: 2_000_000 };
  const one = createYuNet(await loadYuNet(engine, 'yunet_n'), OPTS);
  const two = createYuNet(await loadYuNet(engine, 'yunet_n'), { ...OPTS, scales: plan });
  try {
    // shrunk until one pass misses faces
    let small: RgbImage | null = null;
    for (const w of [128, 100, 80]) {
      const img = await resizeImage(photo, w, Math.round((photo.height * w) / photo.width));
      if ((await one.detectFaces(img)).length < 3) {
        small = img;
        break;
      }
    }
    assert.ok(small, 'some size where one pass misses a face');
    const a = await one.detectFaces(small);
    const b = await two.detectFaces(small);
    assert.ok(b.length > a.length, `two scales find more: ${b.length} against ${a.length}`);
    assert.ok(b.every((d) => d.scale === 1 || d.scale === 2));
    assert.ok(b.some((d) => d.scale === 2 && Math.min(d.box[2], d.box[3]) < 2 * plan.split));
    assert.ok(b.every((d) => (d.scale === 1 ? Math.min(d.box[2], d.box[3]) >= plan.split : Math.min(d.box[2], d.box[3]) < 2 * plan.split)));
    // the full-size photo: too large for a second pass within the budget? then one pass, as before
    const big = await two.detectFaces(photo);
    if (photo.width * photo.height * 1.25 ** 2 > plan.maxPixels) assert.deepEqual(big.map((d) => d.box), (await one.detectFaces(photo)).map((d) => d.box));
  } finally {
    await one.dispose();
    await two.dispose();
  }
});
