/** Save/load round trip, refusals, atomic saving under a kill, and no tensor leaks in classify. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fork } from 'node:child_process';
import { tf, initBackend } from '../../src/backend/tf';
import { loadClassifier, saveClassifier, stackPixels, toModelInput } from '../../src/model/classifier';
import { loadBase } from '../../src/model/base';
import { buildHead, composeModel } from '../../src/model/head';
import { readManifest } from '../../src/model/manifest-files';
import { decodeImage } from '../../src/util/images';
import { cropResizeLinear } from '../../src/model/resize';
import { bestEmitted } from '../../src/result';
import { randomModel, tmpDir, manifestFor, WITH_MASK_JPG, WITHOUT_MASK_JPG } from './helpers';

before(async () => {
  await initBackend({ quiet: true });
});

test('save/load round trip gives equal predictions (and the composed model agrees)', async () => {
  const dir = path.join(tmpDir('rt'), 'model');
  const { head } = buildHead(2, { seed: 3 });
  await saveClassifier(dir, head, manifestFor(['with_mask', 'without_mask']));
  const base = await loadBase();
  const composed = composeModel(base.model, head);
  const imgs = await Promise.all([WITH_MASK_JPG, WITHOUT_MASK_JPG].map(async (f) => toModelInput(await decodeImage(f), 224)));
  const x = stackPixels(imgs, 224);
  const expected = (composed.predict(x) as tf.Tensor).arraySync() as number[][];
  const clf = await loadClassifier(dir);
  const got = await clf.probabilities(imgs);
  got.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) < 1e-5, `row ${i} class ${j}: ${v} vs ${expected[i][j]}`)));
  const m = readManifest(dir);
  assert.deepEqual(m.classes, ['with_mask', 'without_mask']);
  assert.equal(m.base.sha256, base.sha256);
  x.dispose();
  clf.dispose();
  head.dispose();
  base.model.dispose();
});

test('three classes: results carry every emitted class', async () => {
  const dir = await randomModel(path.join(tmpDir('n3'), 'model'), ['with_mask', 'without_mask', 'incorrect_mask']);
  const clf = await loadClassifier(dir);
  const [p] = await clf.probabilities([await decodeImage(WITH_MASK_JPG)]);
  const r = bestEmitted(p, clf.classes);
  assert.deepEqual(Object.keys(r.scores).sort(), ['incorrect_mask', 'with_mask', 'without_mask']);
  assert.ok(Math.abs(Object.values(r.scores).reduce((a, b) => a + (b as number), 0) - 1) < 1e-5);
  clf.dispose();
});

test('probabilities leak no tensors (any crop size, more crops than one batch); boxes are cut by the crop rule', async () => {
  const dir = await randomModel(path.join(tmpDir('leak'), 'model'));
  const clf = await loadClassifier(dir);
  const img = await decodeImage(WITHOUT_MASK_JPG);
  const crops = [img, { ...img }, ...Array.from({ length: 33 }, () => ({ data: new Uint8Array(50 * 40 * 3).fill(128), width: 50, height: 40 }))];
  await clf.probabilities(crops.slice(0, 1)); // warm-up
  const n0 = tf.memory().numTensors;
  const out = await clf.probabilities(crops);
  assert.equal(out.length, crops.length);
  assert.equal(tf.memory().numTensors, n0);
  assert.deepEqual(await clf.probabilities([]), []);
  assert.deepEqual(await clf.probabilitiesOfBoxes(img, []), []);
  // a box is the box as is, resized: the same as cutting it first
  const box: [number, number, number, number] = [10, 20, 80, 90];
  const [viaBox] = await clf.probabilitiesOfBoxes(img, [box]);
  const [viaCrop] = await clf.probabilities([cropResizeLinear(img, box, clf.inputSize)]);
  assert.deepEqual(viaBox, viaCrop);
  assert.equal(tf.memory().numTensors, n0);
  clf.dispose();
});

test('a model whose base checksum does not match is refused with a clear message', async () => {
  const dir = await randomModel(path.join(tmpDir('badbase'), 'model'));
  const mf = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(mf, 'utf8'));
  m.base.sha256 = '0'.repeat(64);
  fs.writeFileSync(mf, JSON.stringify(m));
  await assert.rejects(loadClassifier(dir), /manifest\.json was changed since the model was sealed/, 'the integrity record sees the edit first');
  delete m.integrity; // a model made before integrity records: the base's own check
  fs.writeFileSync(mf, JSON.stringify(m));
  await assert.rejects(loadClassifier(dir), /trained on base "mobilenet_v2_0.35_224" with SHA-256 000000000000…, but the installed base .* refusing it/);
});

test('a model whose class list does not match its head is refused', async () => {
  const dir = await randomModel(path.join(tmpDir('badcls'), 'model'));
  const mf = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(mf, 'utf8'));
  m.classes = ['with_mask', 'without_mask', 'incorrect_mask'];
  fs.writeFileSync(mf, JSON.stringify(m));
  await assert.rejects(loadClassifier(dir), /manifest\.json was changed since the model was sealed/, 'the integrity record sees the edit first');
  delete m.integrity; // a model made before integrity records: the head's own check
  fs.writeFileSync(mf, JSON.stringify(m));
  await assert.rejects(loadClassifier(dir), /head outputs 2 classes but the manifest lists 3/);
  m.classes = ['with_mask', 'hat'];
  fs.writeFileSync(mf, JSON.stringify(m));
  await assert.rejects(loadClassifier(dir), /unknown class "hat"/);
  await assert.rejects(loadClassifier(path.join(dir, 'nope')), /model folder not found/);
});

test('a save killed midway leaves the previous model intact', async () => {
  const dir = await randomModel(path.join(tmpDir('kill'), 'model'), ['with_mask', 'without_mask'], 1);
  const before = fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]);
  const child = fork(path.join(__dirname, 'save-child.ts'), [dir], { execArgv: ['--import', 'tsx'], env: { ...process.env }, stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m) => (m === 'weights-written' ? resolve() : undefined));
    child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  const tmpSiblings = fs.readdirSync(path.dirname(dir)).filter((f) => f.includes('.tmp-'));
  assert.equal(tmpSiblings.length, 1, 'the new model was being written beside the old one');
  child.removeAllListeners('exit');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const after = fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]);
  assert.deepEqual(after, before);
  const clf = await loadClassifier(dir);
  clf.dispose();
});
