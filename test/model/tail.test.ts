/**
 * The fine-tuned tail (src/model/tail.ts): cut from the real base for 0, 1, 2 and 4 blocks it
 * computes the base's output from the cached input map; a bad number of blocks is refused with the
 * valid range; written into a base it changes exactly its layers; a tail that does not fit is
 * refused and leaves the base untouched; the folded training form is the same function and unfolds
 * back; a model folder with a tail runs it on tfjs and ONNX alike (within 1e-4 on real face boxes),
 * and a tampered, missing or malformed tail is refused.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx as onnxProto } from 'onnx-proto';
import { createEngine } from '../../src/backend/onnx';
import { kaggleScenes } from '../../src/data/kaggle';
import type { Label } from '../../src/labels';
import { buildHead } from '../../src/model/head';
import { startBaseRunner } from '../../src/model/learn/features';
import { installModel, loadClassifier, saveClassifier } from '../../src/model/classifier';
import { validateManifest } from '../../src/model/manifest';
import { readManifest } from '../../src/model/manifest-files';
import { sha256File, ONNX_FILE } from '../../src/model/io';
import { loadOnnxClassifier } from '../../src/model/load';
import { exportModelOnnx, ONNX_METADATA } from '../../src/model/onnx/export';
import { initBackend, tf } from '../../src/backend/tf';
import { loadBase, mapFeatureFn, scalePixels, type LoadedBase } from '../../src/model/base';
import { applyTail, buildFoldedTail, buildTail, tailPooled, tailSpec, unfoldTail } from '../../src/model/tail';
import { decodeImage } from '../../src/util/images';
import { facePixels, manifestFor, tmpDir } from './helpers';

let base: LoadedBase;
let pixels: tf.Tensor4D;
before(async () => {
  await initBackend({ quiet: true });
  base = await loadBase();
  pixels = await facePixels();
});

/** The metadata_props of an ONNX file. */
function onnxMetadata(bytes: Uint8Array): Map<string, string> {
  return new Map(onnxProto.ModelProto.decode(bytes).metadataProps.map((p) => [p.key!, p.value!]));
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

test('a tail of 0, 1, 2 or 4 blocks: the right layers, fed by one map', () => {
  const s0 = tailSpec(base.model, 0);
  assert.deepEqual([s0.input, s0.layers], ['block_16_project_BN', ['Conv_1', 'Conv_1_bn', 'out_relu']]);
  assert.deepEqual(s0.inputShape, [7, 7, 112]);
  const s1 = tailSpec(base.model, 1);
  assert.equal(s1.input, 'block_15_add');
  assert.equal(s1.layers[0], 'block_16_expand');
  assert.equal(s1.layers.length, 8 + 3);
  const s2 = tailSpec(base.model, 2);
  assert.equal(s2.input, 'block_14_add');
  assert.deepEqual(s2.inputShape, [7, 7, 56]);
  assert.equal(s2.layers.length, 9 + 8 + 3, 'block_15 has its residual add');
  const s4 = tailSpec(base.model, 4);
  assert.equal(s4.input, 'block_12_add');
  assert.deepEqual(s4.inputShape, [14, 14, 32], 'block_13 is the stride-2 block');
  for (const bad of [-1, 1.5, 17, NaN]) assert.throws(() => tailSpec(base.model, bad), /finetune.blocks must be an integer from 0 \(Conv_1 alone\) to 16/);
});

test('the tail on the cached map gives the base output: pooled features equal within 1e-4, no tensors leak', async () => {
  const full = tf.tidy(() => tf.mean(base.model.apply(scalePixels(pixels), { training: false }) as tf.Tensor4D, [1, 2]));
  for (const k of [0, 2, 4]) {
    const spec = tailSpec(base.model, k);
    const tail = await buildTail(base.model, k);
    const maps = mapFeatureFn(base.model, spec.input)(pixels);
    assert.deepEqual(maps.shape, [2, spec.inputShape.reduce((a, b) => a * b, 1)]);
    const before = tf.memory().numTensors;
    const pooled = tailPooled(tail, maps);
    assert.ok(maxDiff(pooled, full) < 1e-4, `k=${k}: ${maxDiff(pooled, full)}`);
    pooled.dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.ok(tail.trainableWeights.length > 0, 'the tail trains');
    maps.dispose();
    tail.dispose();
  }
  full.dispose();
});

test('a changed tail written into a base changes its output and only its layers; a tail that does not fit is refused', async () => {
  const other = await loadBase();
  try {
    const tail = await buildTail(other.model, 1);
    tail.getLayer('block_16_project').setWeights(tail.getLayer('block_16_project').getWeights().map((w) => tf.mul(w, 1.5)));
    const before = other.model.getLayer('block_15_project').getWeights()[0].dataSync().slice();
    const out0 = other.model.predict(scalePixels(pixels)) as tf.Tensor;
    applyTail(other.model, tail, 1);
    const out1 = other.model.predict(scalePixels(pixels)) as tf.Tensor;
    assert.ok(maxDiff(out0, out1) > 1e-3, 'the fine-tuned weights are used');
    assert.deepEqual(other.model.getLayer('block_15_project').getWeights()[0].dataSync(), before, 'layers before the tail are untouched');
    const w = other.model.getLayer('block_16_project').getWeights()[0];
    assert.ok(maxDiff(w, tail.getLayer('block_16_project').getWeights()[0]) === 0);
    assert.throws(() => applyTail(other.model, tail, 2), /the tail's layers \(11: block_16_expand, .*\) are not the base's last 2 blocks \+ Conv_1 \(20:/);
    assert.ok(maxDiff(other.model.predict(scalePixels(pixels)) as tf.Tensor, out1) === 0, 'a refused tail leaves the base as it was');
    tf.dispose([out0, out1]);
    tail.dispose();
  } finally {
    other.model.dispose();
  }
});

test('the folded tail (BatchNorm in the convolutions) is the same function, and unfolds back into the base layers exactly', async () => {
  const spec = tailSpec(base.model, 2);
  const maps = mapFeatureFn(base.model, spec.input)(pixels);
  const plain = await buildTail(base.model, 2);
  const folded = await buildFoldedTail(base.model, 2);
  assert.ok(!folded.layers.some((l) => l.getClassName() === 'BatchNormalization'), 'no BatchNorm left');
  assert.ok(maxDiff(tailPooled(folded, maps), tailPooled(plain, maps)) < 1e-4);
  // a trained folded tail: perturb its weights, unfold, and it computes the same as the folded one
  for (const l of folded.layers) if (l.weights.length) l.setWeights(l.getWeights().map((w, i) => tf.add(w, tf.mul(tf.randomNormal(w.shape, 0, 0.01, 'float32', i + 1), tf.abs(w)))));
  const unfolded = await unfoldTail(base.model, folded, 2);
  assert.deepEqual(unfolded.layers.map((l) => l.name), plain.layers.map((l) => l.name), 'the base layers');
  const a = tailPooled(folded, maps);
  const b = tailPooled(unfolded, maps);
  assert.ok(maxDiff(a, b) < 1e-4, `folded vs unfolded ${maxDiff(a, b)}`);
  assert.ok(maxDiff(a, tailPooled(plain, maps)) > 1e-3, 'the perturbation changed the function');
  tf.dispose([maps, a, b]);
  [plain, folded, unfolded].forEach((m) => m.dispose());
});

test('a model folder with a tail: tfjs and ONNX agree within 1e-4 on real face boxes and run the tail; a tampered or missing tail is refused', async () => {
  const engine = await createEngine({ quiet: true });
  const root = tmpDir('tail');
  const classes: Label[] = ['with_mask', 'without_mask', 'incorrect_mask'];
  const { head } = buildHead(classes.length, { seed: 3, hidden: 32 });
  const spec = tailSpec(base.model, 1);
  const tail = await buildTail(base.model, 1);
  for (const name of ['block_16_project', 'Conv_1']) tail.getLayer(name).setWeights(tail.getLayer(name).getWeights().map((w) => tf.mul(w, 1.3)));
  const tuned = path.join(root, 'tuned');
  const m = await saveClassifier(tuned, head, manifestFor(classes), { model: tail, spec });
  const untuned = path.join(root, 'untuned');
  await saveClassifier(untuned, head, manifestFor(classes));
  assert.deepEqual({ ...m.tail, sha256: undefined }, { blocks: 1, input: 'block_15_add', modelJson: 'tail.json', weights: 'tail.bin', sha256: undefined });
  assert.equal(m.tail!.sha256, sha256File(path.join(tuned, 'tail.bin')));
  head.dispose();
  tail.dispose();

  const scene = kaggleScenes('test').find((s) => s.faces.length >= 5)!;
  const img = await decodeImage(scene.file);
  const boxes = scene.faces.map((f) => f.box);
  for (const dir of [tuned, untuned]) await exportModelOnnx(dir); // what train does after saving
  const tfjs = await loadClassifier(tuned);
  const onnx = await loadOnnxClassifier(tuned, engine);
  const plain = await loadOnnxClassifier(untuned, engine);
  try {
    const [a, b, c] = [await tfjs.probabilitiesOfBoxes(img, boxes), await onnx.probabilitiesOfBoxes(img, boxes), await plain.probabilitiesOfBoxes(img, boxes)];
    const worst = (x: Float32Array[], y: Float32Array[]) => Math.max(...x.flatMap((row, i) => Array.from(row, (v, j) => Math.abs(v - y[i][j]))));
    assert.ok(worst(a, b) < 1e-4, `tfjs vs ONNX: ${worst(a, b)}`);
    assert.ok(worst(b, c) > 1e-3, 'the ONNX file holds the fine-tuned tail, not the installed base');
    const meta = onnxMetadata(fs.readFileSync(path.join(tuned, ONNX_FILE)));
    assert.equal(meta.get(ONNX_METADATA.tailSha256), m.tail!.sha256);
    assert.equal(meta.get(ONNX_METADATA.baseSha256), m.base.sha256);
  } finally {
    [tfjs, onnx, plain].forEach((x) => x.dispose());
  }

  // promote's copy carries the tail
  const copy = path.join(root, 'copy');
  await installModel(tuned, copy);
  assert.ok(fs.existsSync(path.join(copy, 'tail.bin')) && fs.existsSync(path.join(copy, 'tail.json')));
  // tampered: one byte of the tail's weights
  const bytes = fs.readFileSync(path.join(copy, 'tail.bin'));
  bytes[100] ^= 0x01;
  fs.writeFileSync(path.join(copy, 'tail.bin'), bytes);
  await assert.rejects(loadClassifier(copy), /tail\.bin is not the file its manifest was sealed with \(SHA-256 .*\): refusing it/);
  await assert.rejects(loadOnnxClassifier(copy, engine), /tail\.bin .*refusing it/);
  fs.rmSync(path.join(copy, 'tail.bin'));
  await assert.rejects(loadClassifier(copy), /tail\.bin is missing/);
  // a model made before integrity records: the tail's own checksum still refuses it
  const unsealed = readManifest(copy);
  delete unsealed.integrity;
  fs.writeFileSync(path.join(copy, 'manifest.json'), JSON.stringify(unsealed));
  fs.writeFileSync(path.join(copy, 'tail.bin'), bytes);
  await assert.rejects(loadClassifier(copy), /the fine-tuned tail's weights do not match the manifest \(tail\.bin SHA-256 .*\): refusing it/);
  // a manifest whose tail record is malformed
  const bad = { ...readManifest(tuned), tail: { ...m.tail!, blocks: 20 } };
  assert.throws(() => validateManifest(bad), /"tail" must be \{ blocks: 0-16/);
  assert.throws(() => validateManifest({ ...bad, tail: { ...m.tail!, weights: '../x.bin' } }), /"tail\.weights" must name a file in the model's own folder/);
});

test("the cached map on ONNX Runtime (the base cut at the tail's input) equals the tfjs map within 1e-4", async () => {
  const runner = await startBaseRunner(base, 0, 'map:block_14_add', 'onnx');
  try {
    assert.equal(runner.runtime, 'onnx');
    const onnx = await runner.embed(Uint8Array.from(pixels.dataSync()), 2);
    const ref = mapFeatureFn(base.model, 'block_14_add')(pixels);
    assert.equal(onnx.length, 2 * 7 * 7 * 56);
    const want = ref.dataSync();
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(onnx[i] - want[i]));
    assert.ok(worst < 1e-4, `largest difference ${worst}`);
    ref.dispose();
  } finally {
    await runner.close();
  }
  assert.throws(() => mapFeatureFn(base.model, 'no_such_layer'), /the base has no layer "no_such_layer"/);
});
