/**
 * The pipeline object (src/detection/pipeline.ts, built by createFaceMaskDetector): real models,
 * real Kaggle test photos. What it keeps is exactly what the box policy keeps; the settings come
 * from the model's manifest unless asked otherwise; and `facemask detect`, the notebook helper and
 * the bench script give the same boxes and labels on one photo.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { initBackend } from '../../src/backend/tf';
import { resolveConfig } from '../../src/config';
import { kaggleScenes } from '../../src/data/kaggle';
import { createFaceMaskDetector, loadShippedClassifier } from '../../src/detection/create';
import type { FaceMaskDetector } from '../../src/detection/pipeline';
import { labelBox, PLAIN_POLICY } from '../../src/detection/policy';
import { DETECTORS } from '../../src/detection/detectors';
import { matchScene } from '../../src/evaluation/scenes';
import type { LoadedClassifier, FaceClassifier } from '../../src/model/types';
import { annotatedSamples } from '../../src/notebook/detection';
import { projectPaths } from '../../src/paths';
import { decodeImage } from '../../src/util/images';
import { assemblePipeline } from '../../src/detection/pipeline';
import type { ResolvedSettings } from '../../src/detection/registry';
import type { FaceDetection, FaceDetector } from '../../src/detection/types';
import { ALIGNED_CROP, type Landmarks } from '../../src/model/crop';
import type { Box } from '../../src/result';

const ROOT = projectPaths().root;
const ORIGINAL = path.join(projectPaths().models, 'original');
/** A test-part street photo with masked faces the detector scores low and false boxes among them. */
const PHOTO = 219;
const cfg = resolveConfig();
const scene = () => kaggleScenes('test').find((s) => s.photo === PHOTO)!;
let model: LoadedClassifier;
let shipped: FaceMaskDetector;

before(async () => {
  await initBackend({ quiet: true });
  model = await loadShippedClassifier(cfg);
  shipped = await createFaceMaskDetector(cfg, { classifier: model });
});
after(() => {
  shipped?.dispose();
  model?.dispose();
});

test("the shipped pipeline runs the model's tuned photo setting", () => {
  const d = model.manifest.detection;
  const t = d?.photo;
  assert.ok(t && t.detector === shipped.settings.detector, 'the default model names its photo detector (facemask tune + promote)');
  assert.equal(shipped.settings.threshold, t.threshold);
  assert.deepEqual(shipped.settings.policy, { rejectAt: t.rejectAt, trustAbove: t.trustAbove });
  assert.deepEqual(shipped.settings.box, t.box ?? null);
  assert.deepEqual(shipped.settings.scales, t.scales);
  assert.equal(shipped.settings.source.threshold, 'model');
});

test('what the pipeline keeps is exactly what the box policy keeps, and what it drops at a low threshold is mostly not faces', async () => {
  const low = await createFaceMaskDetector(cfg, { classifier: model, threshold: 0.3 });
  try {
    let dropped = 0;
    let droppedFalse = 0;
    for (const sc of kaggleScenes('test', { limit: 12 })) {
      const img = await decodeImage(sc.file);
      const raw = await low.score(img);
      assert.ok(raw.detections.every((x) => x.score >= 0.3), 'the detector ran at the threshold');
      const r = await low.detect(img, sc.file);
      const probs = await model.probabilitiesOfBoxes(img, raw.detections.map((x) => x.box));
      const keep = raw.detections.filter((x, i) => labelBox(probs[i], model.classes, x.score, low.settings.policy) !== null);
      assert.deepEqual(r.faces.map((f) => f.box), keep.map((x) => x.box));
      const gone = raw.detections.filter((x) => !keep.includes(x));
      dropped += gone.length;
      droppedFalse += matchScene(gone, sc.faces, cfg.faces).falseDetections;
    }
    assert.ok(dropped > 0, 'the not_face class drops boxes');
    assert.ok(droppedFalse / dropped > 0.5, `of the ${dropped} boxes dropped, ${droppedFalse} overlap no annotated face`);
  } finally {
    low.dispose();
  }
});

test("the tuned setting finds at least as many masked faces as the detector's own threshold", async () => {
  const own = await createFaceMaskDetector(cfg, { classifier: model, threshold: DETECTORS.get(shipped.settings.detector).ownThreshold(cfg.detect), rejectAt: null, trustAbove: null, box: null });
  try {
    const masked = (faces: { box: [number, number, number, number] }[], scene: ReturnType<typeof kaggleScenes>[number]) => {
      const m = matchScene(faces, scene.faces, cfg.faces);
      return scene.faces.filter((f, i) => m.faceCounts[i] && f.label === 'with_mask' && m.faceHit[i] >= 0).length;
    };
    let tuned = 0;
    let atOwn = 0;
    for (const sc of kaggleScenes('test', { limit: 20 })) {
      const img = await decodeImage(sc.file);
      tuned += masked((await shipped.detect(img)).faces, sc);
      atOwn += masked((await own.detect(img)).faces, sc);
    }
    assert.ok(tuned >= atOwn && tuned > 0, `masked faces found: ${tuned} tuned, ${atOwn} at the detector's own threshold`);
  } finally {
    own.dispose();
  }
});

test('a two-class model (models/original): no box is ever rejected', async () => {
  const p = await createFaceMaskDetector(cfg, { model: ORIGINAL, detector: 'ssd-mobilenet' });
  try {
    assert.ok(!p.classes.includes('not_face'));
    const img = await decodeImage(scene().file);
    const raw = await p.score(img);
    assert.ok(raw.detections.length > 0 && raw.detections.every((x) => x.score >= p.settings.threshold));
    assert.equal((await p.detect(img)).faces.length, raw.detections.length);
  } finally {
    p.dispose();
  }
});

function run(file: string, args: string[]) {
  const r = spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, FACEMASK_BACKEND: 'wasm' }, timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const facemask = (...args: string[]) => run(path.join(ROOT, 'bin', 'facemask.js'), args);
type Line = { box: number[]; label: string; faceScore: number };
const boxesAndLabels = (faces: Line[]) => faces.map((f) => [f.box.map(Math.round), f.label]);

test('the CLI, the notebook helper and the bench give the same boxes and labels on one photo', async () => {
  const file = scene().file;
  const cli = facemask('detect', file);
  assert.equal(cli.status, 0, cli.stderr);
  assert.ok(cli.stderr.includes(`facemask detect: ${shipped.describe()}`), `the CLI says what runs, as the pipeline describes itself: ${cli.stderr}`);
  const fromCli = JSON.parse(cli.stdout.trim()).faces as Line[];
  const nb = await annotatedSamples([file], shipped);
  const fromNotebook = (nb.results[0] as { faces: Line[] }).faces;
  const bench = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'detect-default.ts'), '--photos', String(PHOTO), '--jsonl'], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, FACEMASK_BACKEND: 'wasm' }, timeout: 240_000 });
  assert.equal(bench.status, 0, bench.stderr);
  const fromBench = JSON.parse(bench.stdout.trim().split('\n').find((l) => l.startsWith('{"file"'))!).faces as Line[];
  assert.ok(fromCli.length > 0);
  assert.deepEqual(boxesAndLabels(fromNotebook), boxesAndLabels(fromCli));
  assert.deepEqual(boxesAndLabels(fromBench), boxesAndLabels(fromCli));
});

test('CLI: the policy flags reach the pipeline; bad values exit 2 with the valid form', async () => {
  for (const [flag, bad] of [['--not-face', '1.5'], ['--not-face', 'high'], ['--trust-above', '-0.2'], ['--threshold', '1']]) {
    const r = facemask('detect', 'x.jpg', flag, bad);
    assert.equal(r.status, 2, `${flag} ${bad}`);
    assert.match(r.stderr, new RegExp(`${flag} must be`));
  }
  const v = facemask('video', 'x.mp4', '--not-face', '2');
  assert.equal(v.status, 2);
  assert.match(v.stderr, /--not-face must be a number between 0 and 1, or off/);
  // photo 204 has several boxes the detector is sure of: at --not-face 0 only the trusted ones stay,
  // and with trust off too, none
  const trust = shipped.settings.policy.trustAbove;
  assert.ok(trust !== null, 'the tuned setting trusts sure boxes');
  const sure = kaggleScenes('test').find((s) => s.photo === 204)!.file;
  const all = JSON.parse(facemask('detect', sure).stdout.trim()).faces as Line[];
  const strict = facemask('detect', sure, '--not-face', '0');
  assert.equal(strict.status, 0, strict.stderr);
  const strictFaces = JSON.parse(strict.stdout.trim()).faces as Line[];
  assert.ok(strictFaces.length > 0 && strictFaces.length < all.length, `${strictFaces.length} of ${all.length} kept`);
  assert.deepEqual(strictFaces.map((f) => f.box), all.filter((f) => f.faceScore >= trust).map((f) => f.box));
  const none = facemask('detect', sure, '--not-face', '0', '--trust-above', 'off');
  assert.equal(none.status, 0, none.stderr);
  assert.deepEqual(JSON.parse(none.stdout.trim()).faces, []);
  assert.doesNotMatch(none.stderr, /unless the detector scores/);
});

// the aligned crop rule: landmarks travel with their boxes (a scripted detector, a recording classifier)
const LM: [number, number][] = [
  [10, 10],
  [20, 10],
  [15, 15],
  [11, 20],
  [19, 20],
];
const DETS: FaceDetection[] = [
  { box: [0, 0, 30, 30], score: 0.9, landmarks: LM },
  { box: [40, 0, 30, 30], score: 0.8 },
];

test('detect, score and classifyBoxes pass every detection\'s landmarks (or none) with its box', async () => {
  const seen: (readonly (Landmarks | undefined)[] | undefined)[] = [];
  const detector: FaceDetector = { name: 'scripted', detectFaces: async () => DETS, dispose() {} };
  const classifier: FaceClassifier = {
    classes: ['with_mask', 'without_mask'],
    inputSize: 8,
    crop: ALIGNED_CROP,
    probabilities: async (imgs) => imgs.map(() => Float32Array.from([0.7, 0.3])),
    async probabilitiesOfBoxes(_img, boxes: readonly Box[], landmarks) {
      seen.push(landmarks);
      return boxes.map(() => Float32Array.from([0.7, 0.3]));
    },
    dispose() {},
  };
  const settings: ResolvedSettings = { detector: 'scripted', threshold: 0.5, policy: PLAIN_POLICY, box: null, scales: null, fineBox: null, source: { detector: 'asked', threshold: 'asked', policy: 'plain', scales: 'none' } };
  const p = assemblePipeline(detector, classifier, settings);
  const img = { data: new Uint8Array(80 * 40 * 3), width: 80, height: 40 };
  const r = await p.detect(img);
  assert.equal(r.faces.length, 2);
  await p.classifyBoxes(img, DETS);
  assert.deepEqual(seen, [
    [LM, undefined],
    [LM, undefined],
  ]);
  p.dispose();
});

test("video's networks run on their own thread counts (video.detectorThreads, video.classifierThreads), the detector on its own thread or not; photos read none of them", async () => {
  for (const detectorThread of [true, false]) {
    const bad = resolveConfig({ video: { detectorThreads: 0, detectorThread } });
    await assert.rejects(createFaceMaskDetector(bad, { classifier: model, use: 'video' }), /threads must be a positive whole number, got 0/);
    const photo = await createFaceMaskDetector(bad, { classifier: model, use: 'photo' });
    photo.dispose();
  }
  await assert.rejects(createFaceMaskDetector(resolveConfig({ video: { classifierThreads: 0 } }), { use: 'video' }), /threads must be a positive whole number, got 0/);
  const video = await createFaceMaskDetector(resolveConfig({ video: { detectorThreads: 1 } }), { classifier: model, use: 'video' });
  assert.equal(video.settings.scales, null, 'video runs one scale');
  video.dispose();
});
