/**
 * The realworld recipe's data (src/training/data.ts): no image used in training or validation (nor
 * a near-duplicate group member or a synthetic variant of one) is in the measured set (Kaggle test
 * part); the views are deterministic; and the three-class path works end to end (a three-class +
 * not_face model through classify, the evaluation report and the pipeline) on a few real faces.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { realworldData } from '../../src/training/data';
import { PRESETS, type RealworldDataSpec } from '../../src/training/presets';
import { realView, REAL_AUGMENT } from '../../src/model/learn/views';
import { readSynthManifest } from '../../src/synth/synth';
import { loadDataset } from '../../src/data/load';
import { KAGGLE, kagglePartOf, kagglePhotoNumber } from '../../src/data/kaggle';
import { ilc2021LinkedImages, readIlc2021Split } from '../../src/data/ilc2021';
import { confuserDataset, confuserIlc2021Photo, isConfuserExcluded, readConfuserList } from '../../src/data/confusers';
import type { TrainItem } from '../../src/data/types';
import { projectPaths, datasetDir } from '../../src/paths';
import { initBackend } from '../../src/backend/tf';
import { resolveConfig } from '../../src/config';
import { buildHead } from '../../src/model/head';
import { saveClassifier, loadClassifier } from '../../src/model/classifier';
import { summariseSet } from '../../src/evaluation/evaluate';
import { reportMarkdown } from '../../src/evaluation/report';
import { createFaceMaskDetector } from '../../src/detection/create';
import { labelBox } from '../../src/detection/policy';
import { decodeImage, cropResize } from '../../src/util/images';
import { manifestFor, tmpDir } from '../model/helpers';
import { skipOrFail } from '../skip';

const kaggleInstalled = fs.existsSync(path.join(datasetDir(KAGGLE), 'annotations'));
/** ilc2021 installed and its split recorded (`facemask inspect`): then the recipe also trains on its train side. */
const ilcSplit = (() => {
  try {
    return readIlc2021Split();
  } catch {
    return null;
  }
})();
const BIN = path.join(projectPaths().root, 'bin', 'facemask.js');

let data: Awaited<ReturnType<typeof realworldData>>;
before(async () => {
  // the recipe's data without the detector's boxes (not_face mining has its own test: src/detection/mining.ts)
  const spec: RealworldDataSpec = { ...(PRESETS.realworld.data as RealworldDataSpec), notFace: null, ilc2021Copies: ilcSplit ? 2 : 0 };
  if (kaggleInstalled) data = await realworldData(spec, { config: resolveConfig(), synthDir: fs.existsSync(path.join(projectPaths().cache, 'synth-realworld', 'manifest.jsonl')) ? undefined : null });
});

test('no training or tuning image, group member or synthetic variant of one is in the measured set', async (t) => {
  if (skipOrFail(t, !kaggleInstalled && 'datasets not installed')) return;
  assert.ok(data.test.length > 0 && data.train.length > 0 && data.val.length > 0);
  // every measured face is from a Kaggle photo numbered 200–299
  for (const it of data.test) {
    assert.equal(it.source, 'kaggle-test');
    assert.ok((kagglePhotoNumber(path.basename(it.file)) ?? -1) >= 200);
  }
  const testShas = new Set(data.test.map((t) => t.sha256));
  const testPaths = new Set(data.test.map((t) => t.file));
  for (const it of [...data.train, ...data.val]) {
    assert.ok(!testShas.has(it.sha256), `${it.file} has the bytes of a test photo`);
    assert.ok(!testPaths.has(it.file), `${it.file} is a test photo`);
    assert.ok(!data.testGroups.has(it.group), `${it.file} (${it.source}) shares group ${it.group} with a test photo`);
  }
  // every test photo's group is a test group (the check above is not vacuous)
  for (const it of data.test) assert.ok(data.testGroups.has(it.group));
  // the known byte-identical pair: tune photo 146 = test photo 219 is never used
  const k = await loadDataset(KAGGLE, { config: resolveConfig(), perClass: Infinity });
  const p146 = k.records.find((r) => r.relPath.endsWith('maksssksksss146.jpg'))!;
  const p219 = k.records.find((r) => r.relPath.endsWith('maksssksksss219.jpg'))!;
  assert.equal(p146.sha256, p219.sha256, 'fixture assumption: 146 and 219 are byte-identical');
  assert.equal(kagglePartOf(p146.relPath), 'fit');
  assert.ok(![...data.train, ...data.val].some((it) => it.sha256 === p146.sha256));
  assert.ok((data.notes.excluded as { kaggleLeak: number }).kaggleLeak >= 1);
  // synthetic images: their sources are not without_mask training images, and never test-grouped
  const synth = data.train.filter((it) => it.source === 'synth');
  if (synth.length) {
    assert.ok((data.notes.excluded as { synthSources: number }).synthSources > 0);
    const used = new Set(synth.map((s) => s.sha256));
    const sources = new Set(readSynthManifest(data.synthDirs[0]).filter((e) => used.has(e.sha256)).map((e) => e.sourceSha256));
    for (const it of data.train) if (it.source === 'chandrikadeb7' && it.label === 'without_mask') assert.ok(!sources.has(it.sha256), `${it.file} is a synthesis source but still a without_mask image`);
  }
  // validation photos (160–199) never feed training, and they are the validation part
  const valPaths = new Set(data.val.map((v) => v.file));
  for (const it of data.train) assert.ok(!valPaths.has(it.file), `${it.file} is in train and val`);
  for (const it of data.val) assert.equal(kagglePartOf(it.file), 'validation');
});

test('ilc2021: only train-side crops are trained on, each copy its own view; images grouped with its measured photos are left out', async (t) => {
  if (skipOrFail(t, (!kaggleInstalled || !ilcSplit) && 'needs the datasets and the recorded ilc2021 split')) return;
  const ilc = data.train.filter((it) => it.source === 'ilc2021');
  assert.ok(ilc.length > 0, 'the recipe with ilc2021Copies trains on ilc2021 crops');
  const side = new Map(Object.entries(ilcSplit!.photos).map(([photo, e]) => [photo, e.split]));
  const photoOf = (file: string) => path.basename(file).replace(/_\d+\.[a-z]+$/i, '');
  for (const it of ilc) assert.equal(side.get(photoOf(it.file)), 'train', `${it.file} is not a train-side crop`);
  // two copies of each crop, told apart by their copy number (so their views differ)
  const byKey = new Map<string, number[]>();
  for (const it of ilc) byKey.set(it.file, [...(byKey.get(it.file) ?? []), it.copy ?? 0]);
  for (const [file, copies] of byKey) assert.deepEqual(copies.sort(), [0, 1], file);
  const measured = ilc2021LinkedImages(['val', 'test'], ilcSplit!);
  for (const it of data.train) assert.ok(!measured.has(it.sha256), `${it.file} is grouped with an ilc2021 validation or test photo`);
  // confusers among ilc2021's train-side photos stay out (their crops are measured in the confuser set)
  const confuserPhotos = new Set(readConfuserList().map((e) => confuserIlc2021Photo(e.file)).filter((p): p is string => p !== null && side.get(p) === 'train'));
  assert.ok(confuserPhotos.size > 0, 'the list holds ilc2021 train-side photos (the check is not vacuous)');
  for (const it of ilc) assert.ok(!confuserPhotos.has(photoOf(it.file)), `${it.file} is a confuser's photo`);
  assert.ok((data.notes.excluded as { ilc2021Confusers: number }).ilc2021Confusers > 0);
});

test('the confuser test set never reaches training: its images, their near-duplicate groups and their Kaggle fit photos are left out, and counted', (t) => {
  if (skipOrFail(t, !kaggleInstalled && 'datasets not installed')) return;
  const list = readConfuserList();
  const ex = data.confusers;
  const excluded = data.notes.excluded as { confuserImages: number; confuserKagglePhotos: number };
  for (const it of data.train) {
    assert.ok(!isConfuserExcluded(ex, { sha256: it.sha256, group: it.group }), `${it.file} (${it.source}) is a confuser or in a confuser's group`);
    assert.ok(!ex.images.has(it.sha256));
    assert.ok(!ex.groups.has(it.group));
  }
  // the check is not vacuous: the listed chandrikadeb7 images were in the data, and left it with their group members
  const chandri = list.filter((e) => confuserDataset(e.file) === 'chandrikadeb7');
  assert.ok(chandri.length > 0);
  assert.ok(excluded.confuserImages >= 1, `${excluded.confuserImages} images left out`);
  for (const e of chandri) assert.ok(ex.images.has(e.sha256));
  // listed Kaggle fit photos leave training whole; validation and test photos stay where they are
  const fitPhotos = new Set(list.filter((e) => confuserDataset(e.file) === KAGGLE && kagglePartOf(e.file) === 'fit').map((e) => e.sha256));
  assert.equal(excluded.confuserKagglePhotos, fitPhotos.size);
  for (const it of data.train) assert.ok(!fitPhotos.has(it.sha256));
  assert.deepEqual(Object.keys(data.notes.confusers as object).sort(), ['entries', 'groups', 'ilc2021Split', 'list']);
  assert.equal((data.notes.confusers as { entries: number }).entries, list.length);
});

test('views: view 0 is the annotated box as is; others are deterministic and differ', async (t) => {
  if (skipOrFail(t, !kaggleInstalled && 'datasets not installed')) return;
  const it: TrainItem = data.val.find((v) => v.box && v.label !== 'not_face')!;
  const img = await decodeImage(it.file);
  const plain = await cropResize(img, it.box!, 224);
  const v0 = await realView(img, it, 0, 224, 42, REAL_AUGMENT);
  // same region, same size: nearly the same pixels (sharp's kernels may differ by rounding)
  let diff = 0;
  for (let i = 0; i < plain.data.length; i++) diff += Math.abs(plain.data[i] - v0.data[i]);
  assert.ok(diff / plain.data.length < 3, `view 0 differs from the annotated crop by ${diff / plain.data.length} per value`);
  const a = await realView(img, it, 1, 224, 42, REAL_AUGMENT);
  const b = await realView(img, it, 1, 224, 42, REAL_AUGMENT);
  const c = await realView(img, it, 2, 224, 42, REAL_AUGMENT);
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, c.data);
});

test('three classes + not_face end to end: classify, evaluation report, detection pipeline', async (t) => {
  if (skipOrFail(t, !kaggleInstalled && 'datasets not installed')) return;
  await initBackend({ quiet: true });
  const dir = path.join(tmpDir('rw3'), 'model');
  const { head } = buildHead(4, { seed: 3 });
  await saveClassifier(dir, head, { ...manifestFor(['with_mask', 'without_mask', 'incorrect_mask', 'not_face'] as never), classes: ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'] });
  head.dispose();
  // fixed real faces: the first test face of each class
  const faces = (['with_mask', 'without_mask', 'incorrect_mask'] as const).map((l) => data.test.find((t) => t.label === l)!);
  const crops = await Promise.all(faces.map(async (f) => cropResize(await decodeImage(f.file), f.box!, 224)));
  const clf = await loadClassifier(dir);
  const probs = await clf.probabilities(crops);
  assert.equal(probs[0].length, 4);
  // the evaluation: a 3x3 confusion over the emitted classes, intervals, with/without measure
  const ev = summariseSet('real', 'fixed faces', clf.classes, faces.map((f) => ({ file: f.file, box: f.box, label: f.label as never })), probs);
  assert.deepEqual(ev.report.classes, ['with_mask', 'without_mask', 'incorrect_mask']);
  assert.equal(ev.report.confusion.length, 3);
  assert.equal(ev.report.confusion.flat().reduce((x, y) => x + y, 0), 3);
  assert.equal(ev.intervals.rows.length, 3);
  assert.ok(ev.withWithout && ev.withWithout.n === 2);
  assert.match(reportMarkdown([ev], dir), /incorrect_mask \| .*\[/);
  // the pipeline: a box the policy calls not_face is dropped (unless the detector is sure of it,
  // score >= trustAbove), the others carry 3 scores
  const img = await decodeImage(faces[0].file);
  const pipeline = await createFaceMaskDetector(resolveConfig(), { classifier: clf, rejectAt: 0.2, trustAbove: 0.9 });
  const top = (await clf.probabilitiesOfBoxes(img, [faces[0].box!]))[0];
  for (const score of [0.5, 0.95]) {
    const out = await pipeline.classifyBoxes(img, [{ box: faces[0].box!, score }]);
    assert.equal(out[0] !== null, labelBox(top, clf.classes, score, pipeline.settings.policy) !== null, `detector score ${score}`);
    if (score >= 0.9) assert.notEqual(out[0], null, 'a trusted box is never dropped');
    if (out[0]) assert.deepEqual(Object.keys(out[0].scores).sort(), ['incorrect_mask', 'with_mask', 'without_mask']);
  }
  pipeline.dispose();
  clf.dispose();
  // classify CLI: three emitted scores per line, never not_face
  const files = await Promise.all(
    crops.map(async (c, i) => {
      const f = path.join(path.dirname(dir), `face${i}.png`);
      const sharp = (await import('sharp')).default;
      await sharp(Buffer.from(c.data), { raw: { width: c.width, height: c.height, channels: 3 } }).png().toFile(f);
      return f;
    }),
  );
  const r = spawnSync(process.execPath, [BIN, 'classify', ...files, '--model', dir], { encoding: 'utf8', env: { ...process.env, FACEMASK_BACKEND: process.env.FACEMASK_BACKEND ?? 'wasm' } });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  for (const l of lines) {
    assert.deepEqual(Object.keys(l.scores).sort(), ['incorrect_mask', 'with_mask', 'without_mask']);
    assert.ok(['with_mask', 'without_mask', 'incorrect_mask'].includes(l.label));
  }
});

const defaultIsRealworld = (() => {
  try {
    return JSON.parse(fs.readFileSync(path.join(projectPaths().defaultModel, 'manifest.json'), 'utf8')).training.preset === 'realworld';
  } catch {
    return false;
  }
})();

test('the shipped realworld default on the real test faces: three classes, with/without >= 85 % (measured 88.9 %; the tutorial\'s model 74.3 %)', async (t) => {
  if (skipOrFail(t, (!kaggleInstalled || !defaultIsRealworld) && 'needs the datasets and the realworld default model')) return;
  const { evaluateReal } = await import('../../src/evaluation/evaluate');
  const clf = await loadClassifier();
  const e = await evaluateReal(clf, { config: resolveConfig(), quiet: true });
  clf.dispose();
  assert.deepEqual(e.report.classes, ['with_mask', 'without_mask', 'incorrect_mask']);
  assert.equal(e.outside.length, 0, 'every test face is of a class the model has');
  assert.ok(e.withWithout!.value >= 0.85, `with/without balanced accuracy ${e.withWithout!.value}`);
  assert.ok(e.report.macro.f1 >= 0.6, `macro F1 ${e.report.macro.f1}`);
});
