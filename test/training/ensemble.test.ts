/**
 * Ensembles (src/training/ensemble.ts, `averageHeads` in src/model/head.ts, `CompositeClassifier` in
 * src/model/classifier.ts): two small trained models — a mean head and a band head — averaged into
 * one network whose probabilities, on tfjs and on ONNX Runtime, are the mean of the members'; a
 * 224 px model and a 128 px one with a fine-tuned tail averaged into a composite (members kept
 * inside, one ONNX graph) that installs, loads and refuses a changed member; models that cannot be
 * averaged are refused with the reason, and nothing is written for them.
 */
process.env.FACEMASK_SMALL = '1'; // this file runs in its own process (node --test)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { train } from '../../src/training/train';
import { ensembleModels, memberName } from '../../src/training/ensemble';
import { CompositeClassifier, installModel, loadClassifier, MaskClassifier, memberInput, stackPixels, toModelInput } from '../../src/model/classifier';
import { readManifest } from '../../src/model/manifest-files';
import { tf } from '../../src/backend/tf';
import { loadOnnxClassifier } from '../../src/model/load';
import { createEngine } from '../../src/backend/onnx';
import { decodeImage } from '../../src/util/images';
import { projectPaths } from '../../src/paths';
import { randomModel, tmpDir } from '../model/helpers';
import { resolveConfig } from '../../src/config';

const runs = tmpDir('ensemble');
const opts = { epochs: 2, views: 1, workers: 1, quiet: true, runsDir: runs, cacheDir: tmpDir('ensemble-features') };

test('a mean head and a band head averaged: one model whose tfjs and ONNX probabilities are the mean of the two', async () => {
  const a = await train({ config: resolveConfig(), ...opts, seed: 3, name: 'mean' });
  const b = await train({ config: resolveConfig(), ...opts, seed: 4, name: 'bands', overrides: { features: 'bands' } });
  const e = await ensembleModels([a.runDir, b.runDir], { runsDir: runs, name: 'both' });
  assert.equal(path.basename(e.runDir), 'both');
  assert.deepEqual(e.manifest.training.ensemble?.map((m) => [m.run, m.seed]), [['mean', 3], ['bands', 4]]);
  assert.equal(e.manifest.calibration, undefined, 'an ensemble is calibrated on its own');
  assert.ok(e.manifest.onnx && fs.existsSync(path.join(e.modelDir, 'model.onnx')));
  const images = await Promise.all(a.valItems.slice(0, 6).map((it) => decodeImage(it.file)));
  assert.equal(images.length, 6);
  const [ca, cb, ce] = await Promise.all([a.modelDir, b.modelDir, e.modelDir].map((d) => loadClassifier(d, { calibrated: false })));
  const engine = await createEngine({ quiet: true });
  const onnx = await loadOnnxClassifier(e.modelDir, engine, { calibrated: false });
  try {
    const [pa, pb, pe, po] = [await ca.probabilities(images), await cb.probabilities(images), await ce.probabilities(images), await onnx.probabilities(images)];
    let dMean = 0, dOnnx = 0, dMembers = 0;
    pe.forEach((row, i) =>
      row.forEach((x, j) => {
        dMean = Math.max(dMean, Math.abs(x - (pa[i][j] + pb[i][j]) / 2));
        dOnnx = Math.max(dOnnx, Math.abs(x - po[i][j]));
        dMembers = Math.max(dMembers, Math.abs(pa[i][j] - pb[i][j]));
      }),
    );
    assert.ok(dMembers > 1e-3, 'the two members differ, so the mean is a test');
    assert.ok(dMean < 1e-5, `ensemble vs the members' mean: ${dMean}`);
    assert.ok(dOnnx < 1e-4, `ONNX vs tfjs: ${dOnnx}`);
  } finally {
    [ca, cb, ce].forEach((c) => c.dispose());
    onnx.dispose();
  }
});

test('a 224 px model and a 128 px one with a fine-tuned tail: a composite whose tfjs and ONNX probabilities are the mean of its members\' on the same crops; it installs with its members and refuses a changed one', async () => {
  const a = await train({ config: resolveConfig(), ...opts, seed: 3, name: 'c-mean' });
  const b = await train({ config: resolveConfig(), ...opts, seed: 5, name: 'c-128', overrides: { base: 'mobilenet_v2_0.35_128', features: 'blocks', 'finetune.blocks': 1, 'finetune.epochs': 1 } });
  const e = await ensembleModels([a.runDir, b.runDir], { runsDir: runs, name: 'composite' });
  const m = e.manifest;
  assert.deepEqual(m.members?.map((x) => x.dir), ['members/c-mean', 'members/c-128']);
  assert.equal(m.head, undefined);
  assert.equal(m.base.inputSize, 224, 'the composite takes its largest member\'s input');
  assert.equal(JSON.parse(fs.readFileSync(path.join(e.runDir, 'results.json'), 'utf8')).averaged, 'composite');
  for (const f of ['members/c-128/tail.json', 'members/c-128/tail.bin', 'members/c-mean/weights.bin', 'model.onnx']) assert.ok(fs.existsSync(path.join(e.modelDir, f)), f);
  // one ONNX graph holds every member: the members' own exports are not copied
  for (const f of ['members/c-128/model.onnx', 'members/c-mean/model.onnx']) assert.ok(!fs.existsSync(path.join(e.modelDir, f)) && fs.existsSync(path.join(a.modelDir, 'model.onnx')), f);
  const images = await Promise.all(a.valItems.slice(0, 6).map((it) => decodeImage(it.file)));
  const clf = await loadClassifier(e.modelDir, { calibrated: false });
  const engine = await createEngine({ quiet: true });
  const onnx = await loadOnnxClassifier(e.modelDir, engine, { calibrated: false });
  try {
    assert.ok(clf instanceof CompositeClassifier);
    assert.deepEqual(clf.members.map((x) => x.inputSize), [224, 128]);
    const [pe, po] = [await clf.probabilities(images), await onnx.probabilities(images)];
    // the members on the composite's crops: the 224 px crop, and it resized to 128 inside
    const x = stackPixels(await Promise.all(images.map((im) => toModelInput(im, 224))), 224);
    const rows = (net: MaskClassifier, t: tf.Tensor4D) => tf.tidy(() => net.predictPixels(t).arraySync() as number[][]);
    const small = memberInput(x, 128);
    const [pa, pb] = [rows(clf.members[0], x), rows(clf.members[1], small)];
    tf.dispose([x, small]);
    let dMean = 0, dOnnx = 0, dMembers = 0;
    pe.forEach((row, i) =>
      row.forEach((v, j) => {
        dMean = Math.max(dMean, Math.abs(v - (pa[i][j] + pb[i][j]) / 2));
        dOnnx = Math.max(dOnnx, Math.abs(v - po[i][j]));
        dMembers = Math.max(dMembers, Math.abs(pa[i][j] - pb[i][j]));
      }),
    );
    assert.ok(dMembers > 1e-3, 'the two members differ, so the mean is a test');
    assert.ok(dMean < 1e-5, `composite vs the members' mean: ${dMean}`);
    assert.ok(dOnnx < 1e-4, `ONNX (Resize inside the graph) vs tfjs: ${dOnnx}`);
    // what a composite is, checked where it is made: a member at its input, every member of its classes
    assert.throws(() => new CompositeClassifier([clf.members[1]], m, e.modelDir), /no member takes the composite's 224 px input/);
    assert.throws(() => new CompositeClassifier(clf.members, { ...m, classes: [...m.classes].reverse() }, e.modelDir), new RegExp(`member .* has classes \\[${m.classes.join(', ')}\\], the composite \\[${[...m.classes].reverse().join(', ')}\\]`));
  } finally {
    clf.dispose();
    onnx.dispose();
  }
  // installed elsewhere with its members; a member changed behind its back is refused
  const copy = path.join(tmpDir('composite-install'), 'model');
  await installModel(e.modelDir, copy);
  assert.deepEqual(readManifest(copy).members, m.members);
  const again = await loadClassifier(copy);
  again.dispose();
  fs.copyFileSync(path.join(a.modelDir, 'manifest.json'), path.join(copy, 'members/c-128/manifest.json'));
  await assert.rejects(loadClassifier(copy), /members\/c-128: model\.json is not the file its manifest was sealed with/, 'the integrity record sees the changed member');
  // a composite is not itself a member
  await assert.rejects(ensembleModels([e.runDir, a.runDir], { runsDir: runs }), /composite is itself an ensemble of models on different bases: list its members instead/);
});

test('models that cannot be averaged are refused with the reason, and no run folder is written', async () => {
  const models = projectPaths().models;
  const before = fs.readdirSync(runs).length;
  const threeClasses = await randomModel(path.join(tmpDir('ensemble-three'), 'model'), ['with_mask', 'without_mask', 'incorrect_mask']);
  await assert.rejects(ensembleModels([path.join(models, 'original'), threeClasses], { runsDir: runs }), /cannot average these models: .*an ensemble averages the same classes/);
  await assert.rejects(ensembleModels([path.join(models, 'default')], { runsDir: runs }), /at least 2 models/);
  // members are named after their runs (a model folder after the run that holds it), in safe characters
  assert.deepEqual(['rw-bands', 'runs/train/rw 128/model', path.join(models, 'original')].map(memberName), ['rw-bands', 'rw_128', 'original']);
  await assert.rejects(ensembleModels(['no-such-run', path.join(models, 'default')], { runsDir: runs }), /no such run or model: no-such-run/);
  assert.equal(fs.readdirSync(runs).length, before);
});
