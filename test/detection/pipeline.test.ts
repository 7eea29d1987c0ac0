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
import { createFaceMaskDetector } from '../../src/detection/create';
import type { FaceMaskDetector } from '../../src/detection/pipeline';
import { labelBox } from '../../src/detection/policy';
import { matchScene } from '../../src/evaluation/scenes';
import { loadClassifier, type MaskClassifier } from '../../src/model/classifier';
import { annotatedSamples } from '../../src/notebook/detection';
import { projectPaths } from '../../src/paths';
import { decodeImage } from '../../src/util/images';

const ROOT = projectPaths().root;
const ORIGINAL = path.join(projectPaths().models, 'original');
/** A test-part street photo with masked faces the detector scores low and false boxes among them. */
const PHOTO = 219;
const cfg = resolveConfig();
const scene = () => kaggleScenes('test').find((s) => s.photo === PHOTO)!;
let model: MaskClassifier;
let shipped: FaceMaskDetector;

before(async () => {
  await initBackend({ quiet: true });
  model = await loadClassifier(projectPaths().defaultModel);
  shipped = await createFaceMaskDetector(cfg, { classifier: model });
});
after(() => {
  shipped?.dispose();
  model?.dispose();
});

test("the shipped pipeline runs the model's tuned setting, and keeps exactly the boxes the policy keeps", async () => {
  const d = model.manifest.detection;
  assert.ok(d && d.settings[shipped.settings.detector], 'the default model carries a tuned setting for its detector (facemask tune + promote)');
  const t = d.settings[shipped.settings.detector];
  assert.equal(shipped.settings.threshold, t.threshold);
  assert.deepEqual(shipped.settings.policy, { rejectAt: t.rejectAt, trustAbove: t.trustAbove });
  const img = await decodeImage(scene().file);
  const raw = await shipped.score(img);
  assert.ok(raw.detections.every((x) => x.score >= t.threshold), 'the detector ran at the threshold');
  const r = await shipped.detect(img, scene().file);
  const probs = await model.probabilitiesOfBoxes(img, raw.detections.map((x) => x.box));
  const keep = raw.detections.filter((x, i) => labelBox(probs[i], model.classes, x.score, shipped.settings.policy) !== null);
  assert.deepEqual(r.faces.map((f) => f.box), keep.map((x) => x.box));
  assert.ok(r.faces.length < raw.detections.length, `the policy dropped some of the ${raw.detections.length} boxes`);
});

test("on a street photo the tuned setting finds more masked faces than the detector's own threshold, and the classifier removes false boxes", async () => {
  const img = await decodeImage(scene().file);
  const own = await createFaceMaskDetector(cfg, { classifier: model, threshold: resolveConfig().detect.ssdMobilenet.minConfidence, rejectAt: null, trustAbove: null, detector: shipped.settings.detector });
  try {
    const rules = cfg.faces;
    const masked = (faces: { box: [number, number, number, number] }[]) => {
      const m = matchScene(faces, scene().faces, rules);
      return { found: scene().faces.filter((f, i) => m.faceCounts[i] && f.label === 'with_mask' && m.faceHit[i] >= 0).length, false: m.falseDetections };
    };
    const tuned = masked((await shipped.detect(img)).faces);
    const atOwn = masked((await own.detect(img)).faces);
    const raw = masked((await shipped.score(img)).detections);
    assert.ok(tuned.found > atOwn.found, `masked faces found: ${tuned.found} tuned, ${atOwn.found} at the detector's own threshold`);
    assert.ok(tuned.false < raw.false, `false boxes: ${tuned.false} kept, ${raw.false} from the detector`);
    assert.equal(tuned.found, raw.found, 'no masked face the detector found is lost to the policy');
  } finally {
    own.dispose();
  }
});

test("a two-class model (models/original): the detector's own threshold, no box rejected", async () => {
  const p = await createFaceMaskDetector(cfg, { model: ORIGINAL, detector: 'ssd-mobilenet' });
  try {
    assert.ok(!p.classifier.classes.includes('not_face'));
    assert.equal(p.settings.source.threshold, 'detector');
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
  assert.match(cli.stderr, new RegExp(`${shipped.settings.detector} at ${shipped.settings.threshold} \\(the model's tuned setting\\)`));
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
