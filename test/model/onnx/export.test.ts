/**
 * ONNX export: the exported classifiers (models/default, models/original) and base, run with
 * onnxruntime-node, agree with tfjs on real face crops and photos; the file parses back with the
 * promised names, shapes and metadata; the same weights give the same bytes; the layers MobileNetV2
 * does not use (and "same" padding at stride 2) agree too; unsupported models are refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { tf, initBackend } from '../../../src/backend/tf';
import { CompositeClassifier, loadClassifier, loadNetwork, stackPixels, toModelInput, type MaskClassifier, type TfjsClassifier } from '../../../src/model/classifier';
import { modelIdentity } from '../../../src/model/manifest-files';
import { loadBase, pooledFeatures, bandFeatures, scalePixels, type LoadedBase } from '../../../src/model/base';
import { buildHead, composeModel } from '../../../src/model/head';
import { mulberry32 } from '../../../src/model/learn/augment';
import { kaggleScenes } from '../../../src/data/kaggle';
import { cropResize, decodeImage, type RgbImage } from '../../../src/util/images';
import { datasetDir, projectPaths } from '../../../src/paths';
import { resolveConfig } from '../../../src/config';
import { exportBaseOnnx, exportClassifierOnnx, exportMaskClassifierOnnx, ONNX_METADATA } from '../../../src/model/onnx/export';

/** What the brief asks of the classifier: the ONNX probabilities within this of tfjs'. */
const PROB_TOLERANCE = 1e-4;
/**
 * Pooled features are means of ReLU6 outputs, so they lie in [0, 6]. Agreement to 1e-4 of that range
 * (6e-4) is 4 significant digits; float32 carries 7 and about 50 convolutions (accumulating up to
 * 1280 products each, in a different order in each runtime, with BatchNorm folded into the weights
 * on the ONNX side) may cost 2 to 3 of them. What the features are for is checked as well: the head
 * on the ONNX features must give the classifier's probabilities within PROB_TOLERANCE.
 */
const FEATURE_TOLERANCE = 1e-4 * 6;

/** The rows of the 7x7 map each band averages (rows 0–2, 2–4, 4–6). */
const BANDS_ROWS: [number, number][] = [[0, 3], [2, 5], [4, 7]];

const ORIGINAL_DIR = path.join(projectPaths().models, 'original');

let crops: RgbImage[];
/** models/default as shipped (one network, or a composite ensemble of several). */
let shipped: TfjsClassifier;
/** Networks at 224 px: the shipped model's (itself, or its first such member) and models/original's. */
let classifiers: MaskClassifier[];

/** Real inputs at 224: every 4th counted face of the Kaggle test photos (annotated box), and 16 whole chandrikadeb7 photos. */
async function realInputs(size: number): Promise<RgbImage[]> {
  const minSize = resolveConfig().faces.minSize;
  const faces = kaggleScenes('test').flatMap((s) => s.faces.filter((f) => Math.min(f.box[2], f.box[3]) >= minSize).map((f) => ({ file: s.file, box: f.box })));
  const out: RgbImage[] = [];
  for (const [i, f] of faces.entries()) if (i % 4 === 0) out.push(await cropResize(await decodeImage(f.file), f.box, size));
  for (const cls of ['with_mask', 'without_mask']) {
    const dir = path.join(datasetDir('chandrikadeb7'), cls);
    const files = fs.readdirSync(dir).sort();
    for (let k = 0; k < 8; k++) out.push(await toModelInput(await decodeImage(path.join(dir, files[Math.floor((k * files.length) / 8)])), size));
  }
  return out;
}

/** Run an ONNX file on same-size images in batches of 32; one Float32Array row per image. */
async function runOnnx(bytes: Uint8Array, imgs: RgbImage[], output: string): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
  const rows: Float32Array[] = [];
  try {
    for (let i = 0; i < imgs.length; i += 32) {
      const chunk = imgs.slice(i, i + 32);
      const { width: w, height: h } = chunk[0];
      const x = new Float32Array(chunk.length * h * w * 3);
      chunk.forEach((im, k) => x.set(im.data, k * h * w * 3));
      const out = (await session.run({ pixels: new ort.Tensor('float32', x, [chunk.length, h, w, 3]) }))[output];
      assert.equal(out.dims[0], chunk.length);
      const data = out.data as Float32Array;
      const width = data.length / chunk.length;
      for (let k = 0; k < chunk.length; k++) rows.push(data.slice(k * width, (k + 1) * width));
    }
  } finally {
    await session.release();
  }
  return rows;
}

function maxAbsDiff(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  assert.equal(a.length, b.length);
  let d = 0;
  a.forEach((row, i) => {
    assert.equal(row.length, b[i].length, `row ${i}`);
    for (let j = 0; j < row.length; j++) d = Math.max(d, Math.abs(row[j] - b[i][j]));
  });
  return d;
}

function decode(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** An int64 field as a number (protobufjs gives a Long object or a number). */
function num(v: unknown): number {
  return typeof v === 'object' && v !== null ? (v as { toNumber(): number }).toNumber() : Number(v);
}

function dims(v: onnx.IValueInfoProto): (number | string)[] {
  return v.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : num(d.dimValue)));
}

function metadata(m: onnx.ModelProto): Record<string, string> {
  return Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
}

before(async () => {
  await initBackend({ quiet: true });
  // the network as exported: without the calibration the manifest may carry (applied after the ONNX model)
  shipped = await loadClassifier(projectPaths().defaultModel, { calibrated: false });
  const net = shipped instanceof CompositeClassifier ? shipped.members.find((m) => m.inputSize === 224) : shipped;
  assert.ok(net, 'the shipped model has a 224 px network');
  classifiers = [net, await loadNetwork(ORIGINAL_DIR, { calibrated: false })];
  crops = await realInputs(224);
});

after(() => [shipped, classifiers[1]].forEach((c) => c.dispose()));

test('ONNX probabilities of models/default and models/original agree with their tfjs probabilities within 1e-4', async () => {
  assert.equal(shipped.inputSize, 224);
  for (const clf of [shipped, classifiers[1]]) {
    const expected = await clf.probabilities(crops);
    const got = await runOnnx(exportMaskClassifierOnnx(clf), crops, 'probabilities');
    assert.equal(got[0].length, clf.classes.length);
    const d = maxAbsDiff(got, expected);
    assert.ok(d <= PROB_TOLERANCE, `${clf.classes.length}-class model: max |ONNX − tfjs| = ${d} over ${crops.length} images`);
    // a single image (batch 1) gives the same as within a batch
    const [one] = await runOnnx(exportMaskClassifierOnnx(clf), crops.slice(5, 6), 'probabilities');
    assert.ok(maxAbsDiff([one], [got[5]]) < 1e-6);
  }
});

test('ONNX base features agree with pooledFeatures, and the head on them gives the classifier probabilities', async () => {
  // models/original: a head on the map's mean (models/default averages a mean head and a band head, tested below)
  const clf = classifiers[1];
  const bytes = exportBaseOnnx(clf.base.model, { inputSize: 224, baseSha256: clf.base.sha256 });
  const got = await runOnnx(bytes, crops, 'features');
  const expected: Float32Array[] = [];
  const viaHead: Float32Array[] = [];
  for (let i = 0; i < crops.length; i += 32) {
    const chunk = crops.slice(i, i + 32);
    const n = chunk.length;
    const x = stackPixels(chunk, 224);
    const f = pooledFeatures(clf.base.model, x);
    const ref = f.dataSync() as Float32Array;
    for (let k = 0; k < n; k++) expected.push(ref.slice(k * 1280, (k + 1) * 1280));
    // the head takes a 7x7 map and averages it: a map holding the ONNX vector everywhere averages to it
    const onnxF = tf.tensor2d(got.slice(i, i + n).flatMap((r) => Array.from(r)), [n, 1280]);
    const p = tf.tidy(() => clf.head.apply(tf.tile(tf.reshape(onnxF, [n, 1, 1, 1280]), [1, 7, 7, 1]), { training: false }) as tf.Tensor2D);
    const pd = p.dataSync() as Float32Array;
    const c = clf.classes.length;
    for (let k = 0; k < n; k++) viaHead.push(pd.slice(k * c, (k + 1) * c));
    tf.dispose([x, f, onnxF, p]);
  }
  const d = maxAbsDiff(got, expected);
  assert.ok(d <= FEATURE_TOLERANCE, `max |ONNX − tfjs| feature = ${d}`);
  assert.ok(Math.max(...expected.flatMap((r) => Array.from(r))) > 1, 'the features are not all near zero');
  const dp = maxAbsDiff(viaHead, await clf.probabilities(crops));
  assert.ok(dp <= PROB_TOLERANCE, `head on ONNX features: max |Δp| = ${dp}`);
});

test('band features: the ONNX base (pool "bands") agrees with bandFeatures, which are the means of map rows 0–2, 2–4, 4–6; a band head exports and agrees with tfjs', async () => {
  const clf = classifiers[0];
  const base = clf.base.model;
  const imgs = crops.slice(0, 24);
  const got = await runOnnx(exportBaseOnnx(base, { inputSize: 224, baseSha256: clf.base.sha256, pool: 'bands' }), imgs, 'features');
  const x = stackPixels(imgs, 224);
  const [bands, byRows] = tf.tidy(() => {
    const b = bandFeatures(base, x);
    const maps = base.apply(scalePixels(x), { training: false }) as tf.Tensor4D;
    const rows = BANDS_ROWS.map(([a, z]) => tf.mean(tf.slice(maps, [0, a, 0, 0], [-1, z - a, -1, -1]), [1, 2]));
    return [b, tf.concat(rows, 1)];
  });
  const n = imgs.length;
  const rowsOf = (t: tf.Tensor) => {
    const d = t.dataSync() as Float32Array;
    const w = d.length / n;
    return Array.from({ length: n }, (_, k) => d.slice(k * w, (k + 1) * w));
  };
  const expected = rowsOf(bands);
  assert.equal(expected[0].length, 3 * 1280);
  assert.ok(maxAbsDiff(expected, rowsOf(byRows)) < 1e-5, 'band k is the mean of its three rows, band after band');
  assert.ok(maxAbsDiff(got, expected) <= FEATURE_TOLERANCE, 'ONNX band features within tolerance of tfjs');
  // the bands differ from one another: where on the face is kept
  const top = expected[0].slice(0, 1280);
  const bottom = expected[0].slice(2560);
  assert.ok(maxAbsDiff([top], [bottom]) > 0.5);
  // a band head (random weights): pooledHead on band features = head on the map; base + head exports and agrees with tfjs
  const { head, pooledHead } = buildHead(3, { pool: 'bands', hidden: 16, seed: 7 });
  assert.deepEqual(pooledHead.inputs[0].shape, [null, 3 * 1280]);
  const viaVector = rowsOf(tf.tidy(() => pooledHead.apply(bands, { training: false }) as tf.Tensor));
  const composed = composeModel(base, head);
  const viaMap = rowsOf(tf.tidy(() => composed.apply(x, { training: false }) as tf.Tensor));
  assert.ok(maxAbsDiff(viaVector, viaMap) < 1e-5);
  const onnxProbs = await runOnnx(exportClassifierOnnx(base, head, { inputSize: 224, baseSha256: clf.base.sha256, classes: ['with_mask', 'without_mask', 'incorrect_mask'], headSha256: '0'.repeat(64) }), imgs, 'probabilities');
  assert.ok(maxAbsDiff(onnxProbs, viaMap) <= PROB_TOLERANCE);
  tf.dispose([x, bands, byRows]);
  [head, pooledHead].forEach((m) => m.dispose());
});

test('the file parses back: input "pixels" [N, 224, 224, 3], output "probabilities" [N, classes], metadata, folded graph', () => {
  for (const clf of classifiers) {
    const m = decode(exportMaskClassifierOnnx(clf));
    const g = m.graph as onnx.GraphProto;
    assert.deepEqual(g.input.map((v) => v.name), ['pixels']);
    assert.deepEqual(dims(g.input[0]), ['N', 224, 224, 3]);
    assert.deepEqual(g.output.map((v) => v.name), ['probabilities']);
    assert.deepEqual(dims(g.output[0]), ['N', clf.classes.length]);
    assert.equal(g.input[0].type!.tensorType!.elemType, onnx.TensorProto.DataType.FLOAT);
    const meta = metadata(m);
    assert.deepEqual(JSON.parse(meta[ONNX_METADATA.classes]), clf.classes);
    assert.equal(meta[ONNX_METADATA.baseSha256], clf.manifest.base.sha256);
    assert.equal(meta[ONNX_METADATA.headSha256], modelIdentity(clf.manifest));
    // BatchNorm folded, ZeroPadding folded into the convolutions, one Conv per tfjs convolution
    const ops = g.node.map((n) => n.opType!);
    const layers = clf.base.model.layers.map((l) => l.getClassName());
    const count = (xs: string[], ...names: string[]) => xs.filter((x) => names.includes(x)).length;
    assert.equal(count(ops, 'BatchNormalization', 'Pad', 'Mul'), 0);
    assert.equal(count(ops, 'Conv'), count(layers, 'Conv2D', 'DepthwiseConv2D'));
    assert.equal(count(ops, 'Clip'), count(layers, 'ReLU'));
    // a band head pools with AveragePool, an ensemble of heads averages them with Mean
    const headLayers = clf.head.layers.map((l) => l.getClassName());
    // a pooling window over the whole 7x7 map is GlobalAveragePool, a band's (3x7) is AveragePool
    const pools = clf.head.layers.filter((l) => l.getClassName() === 'AveragePooling2D' || l.getClassName() === 'GlobalAveragePooling2D').map((l) => (l.getClassName() === 'GlobalAveragePooling2D' ? 7 : (l.getConfig().poolSize as number[])[0]));
    const extra = [...(headLayers.includes('Average') ? ['Mean'] : []), ...(pools.some((k) => k !== 7) ? ['AveragePool'] : []), ...(pools.some((k) => k === 7) ? ['GlobalAveragePool'] : [])];
    assert.ok(pools.length > 0, 'the head pools the map');
    assert.deepEqual([...new Set(ops)].sort(), ['Add', 'Clip', 'Conv', 'Div', 'Flatten', 'Gemm', 'Relu', 'Softmax', 'Sub', 'Transpose', ...extra].sort());
    const ints = (n: onnx.INodeProto, a: string) => n.attribute!.find((x) => x.name === a)!.ints!.map(num);
    const int = (n: onnx.INodeProto, a: string) => num(n.attribute!.find((x) => x.name === a)!.i);
    const conv1 = g.node.find((n) => n.name === 'base/Conv1')!;
    assert.deepEqual(ints(conv1, 'pads'), [0, 0, 1, 1], 'Conv1_pad ((0, 1), (0, 1)) becomes the pads of Conv1');
    const dw = g.node.find((n) => n.name === 'base/block_1_depthwise')!;
    const channels = clf.base.model.getLayer('block_1_depthwise').getWeights()[0].shape[2];
    assert.equal(int(dw, 'group'), channels, 'a depthwise convolution is a Conv with group = channels');
  }
  const base = decode(exportBaseOnnx(classifiers[0].base.model, { inputSize: 224, baseSha256: classifiers[0].base.sha256 }));
  assert.deepEqual(dims((base.graph as onnx.GraphProto).output[0]), ['N', 1280]);
  assert.equal((base.graph as onnx.GraphProto).output[0].name, 'features');
  assert.equal(metadata(base)[ONNX_METADATA.baseSha256], classifiers[0].base.sha256);
});

test('the same weights give byte-identical ONNX files; exporting leaks no tensors', async () => {
  const n0 = tf.memory().numTensors;
  const first = exportMaskClassifierOnnx(shipped);
  assert.equal(tf.memory().numTensors, n0);
  const again = await loadClassifier(projectPaths().defaultModel);
  try {
    const second = exportMaskClassifierOnnx(again);
    assert.ok(Buffer.from(first).equals(Buffer.from(second)), 'two exports of models/default differ');
  } finally {
    again.dispose();
  }
  const other = exportMaskClassifierOnnx(classifiers[1]);
  assert.ok(!Buffer.from(first).equals(Buffer.from(other)));
});

/** A seeded random array in [lo, hi). */
function uniform(rng: () => number, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

/** Give every BatchNormalization layer of a model seeded random statistics (fresh ones are the identity). */
function randomiseBatchNorm(model: tf.LayersModel, seed: number): void {
  const rng = mulberry32(seed);
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    const c = l.getWeights()[0].shape[0];
    l.setWeights([tf.tensor1d(uniform(rng, c, 0.5, 1.5)), tf.tensor1d(uniform(rng, c, -0.5, 0.5)), tf.tensor1d(uniform(rng, c, -0.5, 0.5)), tf.tensor1d(uniform(rng, c, 0.2, 2))]);
  }
}

/**
 * A small base with what MobileNetV2 does not have: "same" convolutions at stride 2 (asymmetric
 * padding on an even map), a depth multiplier, biases, a ZeroPadding2D feeding two convolutions,
 * an Add of three, a BatchNormalization after an Add, a "same" average pooling.
 */
function smallBase(size: number): tf.LayersModel {
  const init = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }), biasInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: seed + 100 }) });
  const L = tf.layers;
  const x = tf.input({ shape: [size, size, 3], name: 'rgb' });
  const apply = (layer: tf.layers.Layer, t: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(t) as tf.SymbolicTensor;
  let y = apply(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', name: 's2_conv', ...init(1) }), x);
  y = apply(L.batchNormalization({ name: 's2_conv_bn' }), y);
  const r1 = apply(L.reLU({ maxValue: 6, name: 's2_relu' }), y);
  y = apply(L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, useBias: true, name: 's2_dw', depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }), biasInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: 3 }) }), r1);
  y = apply(L.batchNormalization({ name: 's2_dw_bn' }), y);
  const r2 = apply(L.activation({ activation: 'relu6', name: 's2_dw_relu6' }), y);
  const pad = apply(L.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: 'two_pad' }), r2);
  const a = apply(L.conv2d({ filters: 16, kernelSize: 3, padding: 'valid', name: 'two_a', ...init(4) }), pad);
  const b = apply(L.conv2d({ filters: 16, kernelSize: 3, padding: 'valid', activation: 'tanh', name: 'two_b', ...init(5) }), pad);
  y = apply(L.add({ name: 'add3' }), [r2, a, b]);
  y = apply(L.batchNormalization({ name: 'add3_bn' }), y);
  y = apply(L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same', name: 'avg_same' }), y);
  const model = tf.model({ inputs: x, outputs: y, name: 'small_base' });
  randomiseBatchNorm(model, 9);
  return model;
}

/** A head that flattens a map wider than 1x1 (channel order matters) into Dense layers. */
function smallHead(shape: number[]): tf.LayersModel {
  const x = tf.input({ shape, name: 'map' });
  let y = tf.layers.flatten({ name: 'flat' }).apply(x) as tf.SymbolicTensor;
  y = tf.layers.dense({ units: 6, activation: 'relu', name: 'hidden', kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.dropout({ rate: 0.5, name: 'drop' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.dense({ units: 3, activation: 'softmax', name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }).apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: 'small_head' });
}

test('layers MobileNetV2 does not use, and "same" padding at stride 2 on even and odd maps, agree with tfjs', async () => {
  const rng = mulberry32(11);
  for (const size of [16, 15]) {
    const base = smallBase(size);
    const head = smallHead(base.outputs[0].shape.slice(1) as number[]);
    const imgs: RgbImage[] = Array.from({ length: 3 }, () => ({ width: size, height: size, data: Uint8Array.from({ length: size * size * 3 }, () => Math.floor(rng() * 256)) }));
    const x = stackPixels(imgs, size);
    const composed = composeModel(base, head, size);
    const p = composed.predict(x) as tf.Tensor2D;
    const f = pooledFeatures(base, x);
    const expected = (p.arraySync() as number[][]).map((r) => Float32Array.from(r));
    const expectedF = (f.arraySync() as number[][]).map((r) => Float32Array.from(r));
    tf.dispose([x, p, f]);
    const sha = '0'.repeat(64);
    const bytes = exportClassifierOnnx(base, head, { classes: ['a', 'b', 'c'], inputSize: size, baseSha256: sha, headSha256: sha });
    const d = maxAbsDiff(await runOnnx(bytes, imgs, 'probabilities'), expected);
    assert.ok(d <= 1e-5, `size ${size}: max |ONNX − tfjs| probability = ${d}`);
    const df = maxAbsDiff(await runOnnx(exportBaseOnnx(base, { inputSize: size, baseSha256: sha }), imgs, 'features'), expectedF);
    assert.ok(df <= 1e-5, `size ${size}: max |ONNX − tfjs| feature = ${df}`);
    const nodes = decode(bytes).graph!.node!;
    const pads = (name: string) => nodes.find((n) => n.name === name)!.attribute!.find((a) => a.name === 'pads')!.ints!.map(num);
    // TensorFlow "same", stride 2, kernel 3: 16 → 8 pads 0 before and 1 after; 15 → 8 pads 1 and 1
    assert.deepEqual(pads('base/s2_conv'), size === 16 ? [0, 0, 1, 1] : [1, 1, 1, 1]);
    // the zero padding feeds two convolutions: it stays a Pad, not folded
    assert.equal(nodes.filter((n) => n.opType === 'Pad').length, 1);
    composed.dispose();
  }
});

test('a head that does not take the base\'s map is refused by its input shape', async () => {
  const base = await loadBase();
  const { head, pooledHead } = buildHead(2, { seed: 3 });
  try {
    assert.throws(
      () => exportClassifierOnnx(base.model, pooledHead, { classes: ['with_mask', 'without_mask'], inputSize: 224, baseSha256: base.sha256, headSha256: 'a'.repeat(64) }),
      /the head takes \[1280\] but the base outputs \[7, 7, 1280\]/,
    );
  } finally {
    head.dispose();
    base.model.dispose();
  }
});

test('an unknown layer is refused with its name and class; options that do not fit are refused', async () => {
  const base: LoadedBase = classifiers[0].base;
  const x = tf.input({ shape: [7, 7, 1280], name: 'features' });
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const normed = tf.layers.layerNormalization({ name: 'head_norm' }).apply(pooled) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(normed) as tf.SymbolicTensor;
  const odd = tf.model({ inputs: x, outputs: out });
  const ok = { classes: ['with_mask', 'without_mask'], inputSize: 224, baseSha256: base.sha256, headSha256: base.sha256 };
  assert.throws(() => exportClassifierOnnx(base.model, odd, ok), /layer "head_norm" \(LayerNormalization\) is not supported by the ONNX exporter \(supported: .*Conv2D/);
  const { head } = buildHead(2, { seed: 1 });
  assert.throws(() => exportClassifierOnnx(base.model, head, { ...ok, classes: ['with_mask'] }), /1 class names \(with_mask\) for a head with 2 outputs/);
  assert.throws(() => exportClassifierOnnx(base.model, head, { ...ok, inputSize: 160 }), /the base takes \[224, 224, 3\], not RGB pixels \[160, 160, 3\]/);
  assert.throws(() => exportClassifierOnnx(base.model, head, { ...ok, baseSha256: 'abc' }), /baseSha256 must be a SHA-256/);
  head.dispose();
  odd.dispose();
});
