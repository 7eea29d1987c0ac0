/**
 * Training (src/training/train.ts), in small-data mode so that it runs in every `npm test`: seeds
 * make runs repeatable (two runs with the same seed give bit-identical heads, another seed a
 * different head); the run folder holds config, metrics, curves, results and the model; overrides
 * are applied, recorded and refused when they name no field; fine-tuning the base's last blocks
 * (`features=blocks`) keeps the trained tail in the model; a band head (`features=bands`) pools the
 * map itself, so the saved model gives the run's own validation probabilities on tfjs and on ONNX;
 * the 128 px base trains and saves a model that cuts its faces at 128.
 */
process.env.FACEMASK_SMALL = '1'; // this file runs in its own process (node --test)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { train } from '../../src/training/train';
import { readManifest } from '../../src/model/manifest-files';
import { loadNetwork } from '../../src/model/classifier';
import { loadBase } from '../../src/model/base';
import { tf } from '../../src/backend/tf';
import { tmpDir } from '../model/helpers';
import { loadOnnxClassifier } from '../../src/model/load';
import { createEngine } from '../../src/backend/onnx';
import { decodeImage, type RgbImage } from '../../src/util/images';
import { resolveConfig } from '../../src/config';

const runs = tmpDir('train');
const cache = tmpDir('features');
const opts = { seed: 5, epochs: 2, views: 2, workers: 1, quiet: true, runsDir: runs, cacheDir: cache };

/** The saved model, on tfjs and on ONNX, gives the run's own validation probabilities (first 8 items). */
async function assertRunProbabilities(r: { valItems: { file: string }[]; valProbs: Float32Array[] }, ...classifiers: { runtime: string; probabilities(imgs: RgbImage[]): Promise<Float32Array[]> }[]) {
  const k = Math.min(8, r.valItems.length);
  assert.ok(k >= 4, `validation items: ${r.valItems.length}`);
  const imgs = await Promise.all(r.valItems.slice(0, k).map((it) => decodeImage(it.file)));
  const expected = r.valProbs.slice(0, k);
  for (const c of classifiers) {
    const got = await c.probabilities(imgs);
    const diff = Math.max(...got.flatMap((row, i) => Array.from(row, (x, j) => Math.abs(x - expected[i][j]))));
    assert.ok(diff < 1e-3, `${c.runtime}: the run's validation probabilities (max difference ${diff})`);
  }
}

test('same seed, same head; the run folder holds config, metrics, curves, results and the model', async () => {
  const a = await train({ ...opts, config: resolveConfig() });
  const b = await train({ ...opts, config: resolveConfig() });
  const c = await train({ config: resolveConfig(), ...opts, seed: 6, splitSeed: 5 });
  const w = (r: { modelDir: string }) => fs.readFileSync(path.join(r.modelDir, 'weights.bin'));
  assert.deepEqual(w(a), w(b));
  assert.notDeepEqual(w(a), w(c));
  assert.deepEqual(a.history.map((h) => h.loss), b.history.map((h) => h.loss));
  for (const f of ['config.json', 'metrics.csv', 'plot.png', 'results.json', 'model/manifest.json']) assert.ok(fs.existsSync(path.join(a.runDir, f)), f);
  assert.equal(fs.readFileSync(path.join(a.runDir, 'metrics.csv'), 'utf8').trim().split('\n').length, 3);
  const m = readManifest(a.modelDir);
  assert.equal(m.training.views, 2);
  assert.equal(m.training.seed, 5);
  assert.equal(m.training.kaggle, undefined, 'the original recipe fits no Kaggle photo');
  assert.equal(path.basename(b.runDir), 'original-s5-2');
  assert.equal(m.crop, undefined, 'a box-rule model records no crop rule (as every older manifest)');
});

test('overrides change the recipe and are recorded; a bad key is refused before any work', async () => {
  const r = await train({ config: resolveConfig(), ...opts, name: 'wide', overrides: { 'head.units': 32, 'fit.learningRate': 0.001 } });
  const config = JSON.parse(fs.readFileSync(path.join(r.runDir, 'config.json'), 'utf8'));
  assert.deepEqual(config.overrides, { 'head.units': 32, 'fit.learningRate': 0.001, 'fit.epochs': 2 }, 'the epochs shorthand is an override too');
  assert.equal(config.recipe.head.units, 32);
  assert.deepEqual(readManifest(r.modelDir).training.overrides, config.overrides);
  const weights = fs.readFileSync(path.join(r.modelDir, 'model.json'), 'utf8');
  assert.match(weights, /"units":32/);
  await assert.rejects(train({ config: resolveConfig(), ...opts, overrides: { 'head.size': 3 } }), /unknown recipe field "head.size" \(valid here: head.units, head.dropout\)/);
  assert.ok(!fs.readdirSync(runs).some((d) => d.startsWith('original-s5-3')), 'no run folder for a refused recipe');
});

test('crop=aligned: every face gets YuNet landmarks where it has a face, the manifest records the aligned rule, the model cuts aligned crops', async () => {
  await assert.rejects(train({ config: resolveConfig(), ...opts, overrides: { crop: 'tight' } }), /recipe field "crop" must be one of box, aligned/);
  await assert.rejects(train({ config: resolveConfig(), ...opts, overrides: { crop: 'aligned' } }), /crop=aligned needs the realworld data/);
  await assert.rejects(train({ config: resolveConfig(), ...opts, preset: 'realworld', overrides: { crop: 'aligned', 'alignTemplate.eyeY': 0.9 } }), /alignTemplate" must be \{ eyeY, mouthY \} with 0 < eyeY < mouthY < 1/);
  const r = await train({ config: resolveConfig(), ...opts, preset: 'realworld', name: 'aligned', overrides: { crop: 'aligned', 'alignTemplate.eyeY': 0.3 } });
  const m = readManifest(r.modelDir);
  assert.equal(m.crop?.kind, 'aligned');
  assert.ok(m.crop?.kind === 'aligned' && m.crop.template.eyeY === 0.3, 'the template as trained');
  assert.ok(m.crop?.kind === 'aligned' && m.crop.landmarks.detector === 'yunet-n');
  const config = JSON.parse(fs.readFileSync(path.join(r.runDir, 'config.json'), 'utf8'));
  const lm = config.data.landmarks as Record<string, Record<string, { faces: number; landmarks: number }>>;
  for (const side of ['train', 'val', 'test']) {
    const rows = Object.values(lm[side]);
    const faces = rows.reduce((a, c) => a + c.faces, 0);
    const found = rows.reduce((a, c) => a + c.landmarks, 0);
    assert.equal(faces, config.counts[side] ? Object.values(config.counts[side] as Record<string, number>).reduce((a, b) => a + b, 0) : faces, `${side}: every face counted`);
    assert.ok(found > faces * 0.7 && found <= faces, `${side}: ${found} of ${faces} faces have landmarks`);
  }
  // the detector's own boxes always find their landmarks
  assert.equal(lm.train.detector.landmarks, lm.train.detector.faces);
  const { loadClassifier } = await import('../../src/model/classifier');
  const clf = await loadClassifier(r.modelDir);
  assert.equal(clf.crop.kind, 'aligned');
  clf.dispose();
});

test('features=blocks: the pooled phase, then the last block + Conv_1 with the head; the model keeps the trained tail; a bad number of blocks is refused before any work', async () => {
  const r = await train({ config: resolveConfig(), ...opts, epochs: 1, name: 'blocks', overrides: { features: 'blocks', 'finetune.blocks': 1 } });
  assert.deepEqual(r.history.map((h) => h.epoch), [1, 2], 'one pooled epoch, then one fine-tuning epoch (small-data mode)');
  const m = readManifest(r.modelDir);
  assert.equal(m.tail?.blocks, 1);
  assert.equal(m.tail?.input, 'block_15_add');
  assert.ok(!('features' in m));
  for (const f of ['tail.json', 'tail.bin', 'model.onnx']) assert.ok(fs.existsSync(path.join(r.modelDir, f)), f);
  const results = JSON.parse(fs.readFileSync(path.join(r.runDir, 'results.json'), 'utf8'));
  assert.ok(results.beforeFinetune && 'val' in results.beforeFinetune, 'validation before fine-tuning is recorded');
  // the tail moved away from the pretrained weights, and loading puts it into the base
  const base = await loadBase();
  const clf = await loadNetwork(r.modelDir);
  const w = (b: tf.LayersModel) => b.getLayer('block_16_project').getWeights()[0].dataSync();
  assert.notDeepEqual(w(clf.base.model), w(base.model));
  assert.deepEqual(clf.base.model.getLayer('block_15_project').getWeights()[0].dataSync(), base.model.getLayer('block_15_project').getWeights()[0].dataSync(), 'layers before the tail are the pretrained ones');
  clf.dispose();
  base.model.dispose();
  await assert.rejects(train({ config: resolveConfig(), ...opts, name: 'blocks-bad', overrides: { features: 'blocks', 'finetune.blocks': 17 } }), /recipe field "finetune\.blocks" must be a whole number from 0 to 16, got 17/);
  assert.ok(!fs.readdirSync(runs).some((d) => d.startsWith('blocks-bad')), 'no run folder for a refused recipe');
});

test('features=bands: the head pools the 7x7 map in three bands itself; the saved model (tfjs and ONNX) gives the run\'s validation probabilities', async () => {
  const r = await train({ config: resolveConfig(), ...opts, name: 'bands', overrides: { features: 'bands' } });
  const m = readManifest(r.modelDir);
  assert.ok(!('features' in m), 'no feature columns: the model takes pixels like any other');
  const clf = await loadNetwork(r.modelDir, { calibrated: false });
  const engine = await createEngine({ quiet: true });
  const onnx = await loadOnnxClassifier(r.modelDir, engine, { calibrated: false });
  try {
    assert.deepEqual(clf.head.inputs[0].shape, [null, 7, 7, 1280]);
    assert.deepEqual(clf.head.getLayer('head_dense').getWeights()[0].shape[0], 3 * 1280, 'the dense layer sees three bands of 1280');
    await assertRunProbabilities(r, clf, onnx);
  } finally {
    clf.dispose();
    onnx.dispose();
  }
});

test('base=mobilenet_v2_0.35_128: the same weights at 128 px, a 4x4 last map; the saved model (tfjs and ONNX) crops at 128 and gives the run\'s validation probabilities; band heads are refused with it', async () => {
  const r = await train({ config: resolveConfig(), ...opts, name: 'base128', overrides: { base: 'mobilenet_v2_0.35_128' } });
  const m = readManifest(r.modelDir);
  assert.equal(m.base.name, 'mobilenet_v2_0.35_128');
  assert.equal(m.base.inputSize, 128);
  const clf = await loadNetwork(r.modelDir, { calibrated: false });
  const engine = await createEngine({ quiet: true });
  const onnx = await loadOnnxClassifier(r.modelDir, engine, { calibrated: false });
  try {
    assert.equal(clf.inputSize, 128);
    assert.equal(onnx.inputSize, 128);
    assert.deepEqual(clf.head.inputs[0].shape, [null, 4, 4, 1280]);
    await assertRunProbabilities(r, clf, onnx);
  } finally {
    clf.dispose();
    onnx.dispose();
  }
  await assert.rejects(train({ config: resolveConfig(), ...opts, name: 'base128-bands', overrides: { base: 'mobilenet_v2_0.35_128', features: 'bands' } }), /features "bands" cut the base's last map in bands of a 7x7 map; base "mobilenet_v2_0.35_128" gives 4x4/);
  await assert.rejects(train({ config: resolveConfig(), ...opts, name: 'base-unknown', overrides: { base: 'mobilenet_v9' } }), /unknown base network "mobilenet_v9" \(known: mobilenet_v2_0.35_224, mobilenet_v2_0.35_128\)/);
});
