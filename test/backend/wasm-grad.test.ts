/**
 * The wasm gradient kernels (src/backend/wasm-grad.ts) against the cpu backend's: each kernel in
 * both its forms on random inputs, tf.grads through the real MobileNetV2 0.35 on two real photos,
 * and one `model.fit` step on wasm.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend, tf } from '../../src/backend/tf';
import { registerWasmGradients, setGradStrategy, WASM_GRADIENT_KERNELS, type StrategyChoice } from '../../src/backend/wasm-grad';
import { loadBase } from '../../src/model/base';
import { datasetDir } from '../../src/paths';
import { decodeImage, resizeImage } from '../../src/util/images';
import { mulberry32 } from '../../src/util/random';

/** Relative tolerance: max |wasm - cpu| over max |cpu|. */
const REL_TOL = 1e-4;

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Shape4 = [number, number, number, number];

function random(shape: number[], seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1);
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(b[i]));
    d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return m === 0 ? d : d / m;
}

/** Run one kernel on a backend with fresh tensors; returns its values. */
async function runKernel(backend: 'cpu' | 'wasm', name: string, inputs: Record<string, [number[], Float32Array]>, attrs: object): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ins = Object.fromEntries(Object.entries(inputs).map(([k, [s, v]]) => [k, tf.tensor(v, s)]));
    return (tf.engine().runKernel(name, ins, attrs as tf.NamedAttrMap) as tf.Tensor).dataSync() as Float32Array;
  });
}

function useStrategy(s: StrategyChoice): void {
  for (const k of WASM_GRADIENT_KERNELS) setGradStrategy(k, s);
}

before(async () => {
  await initBackend({ quiet: true, prefer: 'wasm' }); // registers the kernels (tested below)
});

// Shapes, strides and paddings: MobileNetV2's (3x3 'same' s1, 3x3 'valid' s2 after a [0,1] pad,
// 1x1), 'same' s2 (asymmetric), odd sizes, explicit and numeric pads (4 > kernel - 1: the
// composed input gradient crops), a channel multiplier of 2.
const CASES: { k: number; s: number; pad: Pad; h: number; w: number; c: number; co: number; m: number }[] = [
  { k: 3, s: 1, pad: 'same', h: 7, w: 6, c: 5, co: 4, m: 1 },
  { k: 3, s: 2, pad: 'same', h: 8, w: 7, c: 5, co: 4, m: 1 },
  { k: 3, s: 2, pad: 'same', h: 9, w: 8, c: 5, co: 4, m: 2 },
  { k: 3, s: 2, pad: 'valid', h: 9, w: 9, c: 3, co: 16, m: 1 },
  { k: 3, s: 2, pad: 'valid', h: 10, w: 11, c: 3, co: 4, m: 1 },
  { k: 3, s: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]], h: 6, w: 6, c: 3, co: 2, m: 1 },
  { k: 3, s: 2, pad: [[0, 0], [0, 1], [0, 1], [0, 0]], h: 8, w: 8, c: 3, co: 2, m: 1 },
  { k: 3, s: 1, pad: 4, h: 5, w: 5, c: 3, co: 2, m: 1 },
  { k: 1, s: 1, pad: 'same', h: 5, w: 4, c: 6, co: 7, m: 1 },
  { k: 1, s: 2, pad: 'valid', h: 5, w: 4, c: 6, co: 7, m: 1 },
];

test('each kernel, composed, in JS and as chosen, equals the cpu backend on random inputs, leaking nothing', async (t) => {
  t.after(() => useStrategy('auto'));
  for (const [n, cs] of CASES.entries()) {
    const xs: Shape4 = [2, cs.h, cs.w, cs.c];
    const conv = tf.backend_util.computeConv2DInfo(xs, [cs.k, cs.k, cs.c, cs.co], cs.s, 1, cs.pad);
    const dw = tf.backend_util.computeConv2DInfo(xs, [cs.k, cs.k, cs.c, cs.m], cs.s, 1, cs.pad, undefined, true);
    const x = random(xs, 10 * n + 1);
    const dy = random(conv.outShape, 10 * n + 2);
    const dwDy = random(dw.outShape, 10 * n + 3);
    const filter = random([cs.k, cs.k, cs.c, cs.m], 10 * n + 4);
    const calls: [string, Record<string, [number[], Float32Array]>, object][] = [
      ['Conv2DBackpropFilter', { x: [xs, x], dy: [conv.outShape, dy] }, { strides: cs.s, pad: cs.pad, dataFormat: 'NHWC', filterShape: [cs.k, cs.k, cs.c, cs.co] }],
      ['DepthwiseConv2dNativeBackpropFilter', { x: [xs, x], dy: [dw.outShape, dwDy] }, { strides: cs.s, dilations: 1, pad: cs.pad, filterShape: [cs.k, cs.k, cs.c, cs.m] }],
      ['DepthwiseConv2dNativeBackpropInput', { dy: [dw.outShape, dwDy], filter: [[cs.k, cs.k, cs.c, cs.m], filter] }, { strides: cs.s, dilations: 1, pad: cs.pad, inputShape: xs }],
    ];
    for (const [name, inputs, attrs] of calls) {
      const want = await runKernel('cpu', name, inputs, attrs);
      for (const strategy of ['composed', 'js', 'auto'] as const) {
        useStrategy(strategy);
        await tf.setBackend('wasm');
        const ids = (tf.backend() as BackendWasm).numDataIds();
        const got = await runKernel('wasm', name, inputs, attrs);
        assert.equal((tf.backend() as BackendWasm).numDataIds(), ids, `${name} ${strategy} leaks wasm buffers`);
        const e = relErr(got, want);
        assert.ok(e <= REL_TOL, `${name} (${strategy}) k${cs.k} s${cs.s} pad ${JSON.stringify(cs.pad)} ${cs.h}x${cs.w}: relative error ${e}`);
      }
    }
  }
});

test('tf.grads through conv2d and depthwiseConv2d (stride 2, same) agree on wasm and cpu', async () => {
  const x = random([2, 9, 8, 4], 1);
  const f = random([3, 3, 4, 6], 2);
  const d = random([3, 3, 4, 1], 3);
  const r = random([2, 5, 4, 6 + 4], 4);
  const grads = async (backend: 'cpu' | 'wasm') => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
        const y = tf.concat([tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), tf.depthwiseConv2d(a as tf.Tensor4D, c as tf.Tensor4D, 2, 'same')], 3);
        return tf.sum(tf.mul(y, tf.tensor(r, [2, 5, 4, 10])));
      });
      return g([tf.tensor(x, [2, 9, 8, 4]), tf.tensor(f, [3, 3, 4, 6]), tf.tensor(d, [3, 3, 4, 1])]).map((t) => t.dataSync());
    });
  };
  const want = await grads('cpu');
  const got = await grads('wasm');
  ['input', 'conv filter', 'depthwise filter'].forEach((what, i) => assert.ok(relErr(got[i], want[i]) <= REL_TOL, `${what}: relative error ${relErr(got[i], want[i])}`));
});

test('settings MobileNetV2 does not use are refused with a clear message', async () => {
  await tf.setBackend('wasm');
  const x = tf.zeros([1, 8, 8, 2]);
  const dy3 = tf.zeros([1, 3, 3, 2]);
  const dy8 = tf.zeros([1, 8, 8, 2]);
  const f = tf.zeros([3, 3, 2, 1]);
  const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) => () => tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap);
  assert.throws(run('Conv2DBackpropFilter', { x, dy: dy3 }, { strides: 3, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 2] }), /Conv2DBackpropFilter on wasm .* supports strides 1 and 2 only, got \[3,3\]/);
  assert.throws(run('Conv2DBackpropFilter', { x, dy: dy8 }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 2] }), /supports dataFormat NHWC only, got NCHW/);
  assert.throws(run('DepthwiseConv2dNativeBackpropFilter', { x, dy: dy8 }, { strides: 1, dilations: 2, pad: 'same', filterShape: [3, 3, 2, 1] }), /DepthwiseConv2dNativeBackpropFilter on wasm .* supports dilation 1 only, got \[2,2\]/);
  assert.throws(run('DepthwiseConv2dNativeBackpropInput', { dy: dy8, filter: f }, { strides: 1, dilations: [1, 2], pad: 'same', inputShape: [1, 8, 8, 2] }), /supports dilation 1 only, got \[1,2\]/);
  tf.dispose([x, dy3, dy8, f]);
});

test('initBackend registers the kernels; registering again adds nothing and they still work', async () => {
  const before = WASM_GRADIENT_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
  assert.ok(before.every((f) => typeof f === 'function'));
  assert.deepEqual(registerWasmGradients(), []);
  assert.deepEqual(registerWasmGradients(), []);
  assert.deepEqual(WASM_GRADIENT_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc), before);
  await tf.setBackend('wasm');
  const g = tf.tidy(() => tf.grad((f: tf.Tensor) => tf.sum(tf.depthwiseConv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')))(tf.ones([3, 3, 1, 1])).dataSync());
  // Each tap of a 3x3 'same' window over a 4x4 map of ones sees 3 rows x 3 columns (corners),
  // 3 x 4 (edges) or 4 x 4 (centre) ones.
  assert.deepEqual(Array.from(g), [9, 12, 9, 12, 16, 12, 9, 12, 9]);
});

/** Two real photos (one with a mask, one without) resized to size x size, in [-1, 1]. */
async function twoPhotos(size = 224): Promise<tf.Tensor4D> {
  const files = [path.join(datasetDir('observations'), 'with_mask', '0-with-mask.jpg'), path.join(datasetDir('observations'), 'without_mask', '0.jpg')];
  const out = new Float32Array(2 * size * size * 3);
  for (const [i, f] of files.entries()) {
    const img = await resizeImage(await decodeImage(f), size, size);
    for (let k = 0; k < img.data.length; k++) out[i * img.data.length + k] = img.data[k] / 127.5 - 1;
  }
  return tf.tensor4d(out, [2, size, size, 3]);
}

test('tf.grads through the real MobileNetV2 0.35 on two real photos agree on wasm and cpu', async () => {
  const { model } = await loadBase();
  model.trainable = true;
  const lastBlock = model.layers.slice(model.layers.findIndex((l) => l.name.startsWith('block_16_')));
  // BatchNorm in inference mode, as the project trains (with batch statistics the gradients of
  // the BatchNorm shifts before another BatchNorm are zero up to rounding, which no relative
  // tolerance can compare). Smaller photos than the base's 224 px, for the cpu backend's sake (its
  // filter gradients through the whole network take ~40 s at 224 px): every layer and kernel form
  // runs the same at any size, and at 64 px the last maps are still 2x2.
  const settings: [string, tf.layers.Layer[], number][] = [['last block', lastBlock, 128], ['whole network', model.layers, 64]];
  for (const [what, layers, size] of settings) {
    const x = await twoPhotos(size);
    const side = Math.ceil(size / 32);
    const readout = tf.tensor(random([2, side, side, 1280], 5), [2, side, side, 1280]); // a fixed random readout of the map
    const vars = layers.flatMap((l) => l.trainableWeights).map((w) => w.read() as tf.Variable);
    const grads = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.mean(tf.mul(model.apply(x, { training: false }) as tf.Tensor, readout)) as tf.Scalar, vars);
        return vars.map((v) => grads[v.name].dataSync());
      });
    };
    const want = await grads('cpu');
    const got = await grads('wasm');
    assert.ok(vars.length >= (what === 'last block' ? 9 : 100), `${what}: ${vars.length} variables`);
    const worst = vars.map((v, i) => [v.name, relErr(got[i], want[i])] as const).sort((a, b) => b[1] - a[1])[0];
    assert.ok(worst[1] <= REL_TOL, `${what}: worst variable ${worst[0]}, relative error ${worst[1]}`);
    tf.dispose([x, readout]);
  }
  model.dispose();
});

test('one model.fit step on wasm changes the trainable weights and only those', async () => {
  await tf.setBackend('wasm');
  const { model: base } = await loadBase();
  base.trainable = true;
  const first = base.layers.findIndex((l) => l.name.startsWith('block_15_'));
  base.layers.forEach((l, i) => (l.trainable = i >= first));
  const pooled = tf.layers.globalAveragePooling2d({}).apply(base.outputs[0]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: base.inputs, outputs: out });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const trainedNames = ['block_15_expand', 'block_16_depthwise', 'Conv_1'];
  const trained = trainedNames.map((n) => base.getLayer(n).getWeights()[0]);
  const frozen = base.getLayer('block_14_depthwise').getWeights()[0];
  const beforeTrained = trained.map((w) => w.dataSync().slice());
  const beforeFrozen = frozen.dataSync().slice();
  const x = await twoPhotos();
  const y = tf.tensor2d([[1, 0], [0, 1]]);
  const h = await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
  assert.ok(Number.isFinite(h.history.loss[0] as number), `loss ${h.history.loss[0]}`);
  trained.forEach((w, i) => assert.ok(relErr(w.dataSync(), beforeTrained[i]) > 1e-7, `${trainedNames[i]} did not change`));
  assert.deepEqual(frozen.dataSync(), beforeFrozen);
  tf.dispose([x, y]);
  model.dispose();
});

test("Conv2DBackpropInput: a 1x1 stride-1 convolution's (a matrix product on wasm) and every other's (wasm's own kernel) equal the cpu backend", async () => {
  const before = tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc;
  registerWasmGradients();
  assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc, before, 'registered once');
  const cases: { k: number; s: number; pad: 'same' | 'valid'; h: number; w: number; c: number; co: number }[] = [
    { k: 1, s: 1, pad: 'same', h: 5, w: 4, c: 6, co: 7 },
    { k: 1, s: 1, pad: 'valid', h: 7, w: 7, c: 56, co: 336 },
    { k: 1, s: 2, pad: 'valid', h: 6, w: 6, c: 3, co: 4 },
    { k: 3, s: 2, pad: 'same', h: 8, w: 7, c: 5, co: 4 },
  ];
  for (const [i, c] of cases.entries()) {
    const outH = c.pad === 'same' ? Math.ceil(c.h / c.s) : Math.ceil((c.h - c.k + 1) / c.s);
    const outW = c.pad === 'same' ? Math.ceil(c.w / c.s) : Math.ceil((c.w - c.k + 1) / c.s);
    const inputs = { dy: [[2, outH, outW, c.co], random([2, outH, outW, c.co], i)] as [number[], Float32Array], filter: [[c.k, c.k, c.c, c.co], random([c.k, c.k, c.c, c.co], 100 + i)] as [number[], Float32Array] };
    const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: [2, c.h, c.w, c.c] };
    const [w, cpu] = [await runKernel('wasm', 'Conv2DBackpropInput', inputs, attrs), await runKernel('cpu', 'Conv2DBackpropInput', inputs, attrs)];
    assert.ok(relErr(w, cpu) < REL_TOL, `case ${i}: ${relErr(w, cpu)}`);
  }
  await tf.setBackend('wasm');
});
