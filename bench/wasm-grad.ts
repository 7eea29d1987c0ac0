/**
 * Fine-tuning MobileNetV2 0.35 on the wasm backend with facemask's gradient kernels
 * (src/backend/wasm-grad.ts), against the cpu backend in the same run.
 *
 *   npx tsx bench/wasm-grad.ts [--batch 16] [--steps 2] [--cpu-steps 1] [--sizes 224,128] [--runs 3]
 *                              [--blocks 1,3,all] [--skip-kernels] [--skip-steps] [--skip-cpu] [--skip-profile]
 *
 * 1. Kernels: for every convolution of the base at 224 px (its real input activations from
 *    `--batch` real photos, a random dy), the time of each missing gradient kernel in its two forms
 *    (composed from wasm's own kernels, or JS over the heap), summed per kernel and kind of layer.
 *    This is what `chooseStrategy` in wasm-grad.ts follows.
 * 2. Training steps: ms per step (forward through the whole base in inference mode, backward
 *    through the trainable part, SGD update) with the last 1 block, the last 3 blocks or the whole
 *    base trainable (plus a 2-class dense head on the pooled map), on wasm and on cpu, and the
 *    ratio cpu / wasm. "Last n blocks" means block_(17-n) .. block_16 and the final Conv_1.
 *    At 128 px the loaded 224 px base is applied to a 128 px tensor: every layer of MobileNetV2 is
 *    size-agnostic (convolutions, BatchNorm, ReLU6, padding), so this is the network Keras would
 *    build with input_shape (128, 128, 3), with the same weights; its map is 4x4 instead of 7x7.
 * 3. Where a wasm step's time goes (all blocks trainable, 224 px): the kernels taking most time
 *    in one profiled step, those of wasm-grad.ts marked.
 * A kernel time is the median of `--runs` calls after one warm-up call. A wasm step figure is the
 * mean of `--steps` steps after one warm-up step (XNNPACK sets up its operators on first use), the
 * median of that over `--runs` runs; a cpu figure the mean of `--cpu-steps` steps without warm-up, in
 * one run (a step takes minutes there, and nothing but the JIT warms up). Takes ~15 minutes with
 * `--runs 1`, longer with the default 3.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend, tf } from '../src/backend/tf';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  conv2dBackpropFilterComposed,
  conv2dBackpropFilterJs,
  depthwiseBackpropFilterComposed,
  depthwiseBackpropFilterJs,
  depthwiseBackpropInputComposed,
  depthwiseBackpropInputJs,
  registerWasmGradients,
  WASM_GRADIENT_KERNELS,
} from '../src/backend/wasm-grad';
import { loadBase } from '../src/model/base';
import { datasetDir } from '../src/paths';
import { decodeImage, resizeImage } from '../src/util/images';
import { mulberry32 } from '../src/util/random';
import { BenchUsageError, machineLine, median, runBench } from './lib';

/** `n` real photos (with and without masks alternately), resized to size x size, in [-1, 1]. */
async function photos(n: number, size: number): Promise<tf.Tensor4D> {
  const dirs = ['with_mask', 'without_mask'].map((d) => path.join(datasetDir('observations'), d));
  const lists = dirs.map((d) => fs.readdirSync(d).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => path.join(d, f)));
  const data = new Float32Array(n * size * size * 3);
  for (let i = 0; i < n; i++) {
    const img = await resizeImage(await decodeImage(lists[i % 2][Math.floor(i / 2)]), size, size);
    for (let k = 0; k < img.data.length; k++) data[i * img.data.length + k] = img.data[k] / 127.5 - 1;
  }
  return tf.tensor4d(data, [n, size, size, 3]);
}

function randomLike(shape: number[], seed: number): tf.Tensor {
  const r = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => r() * 2 - 1), shape);
}

/** Milliseconds of `f` (which returns a tensor info it owns): the median of `runs` calls after one warm-up call. */
function timeKernel(backend: BackendWasm, f: () => tf.TensorInfo, runs: number): number {
  backend.disposeData(f().dataId);
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    backend.disposeData(f().dataId);
    ms.push(performance.now() - t);
  }
  return median(ms);
}

function benchKernels(base: tf.LayersModel, x: tf.Tensor4D, runs: number): Record<string, unknown>[] {
  const backend = tf.backend() as BackendWasm;
  const convs = base.layers.filter((l) => l.getClassName() === 'Conv2D' || l.getClassName() === 'DepthwiseConv2D');
  const acts = tf.model({ inputs: base.inputs, outputs: convs.map((l) => l.input as tf.SymbolicTensor) }).predict(x) as tf.Tensor4D[];
  type Row = { composed: number; js: number; layers: number };
  const rows = new Map<string, Row>();
  const add = (key: string, composed: number, js: number) => {
    const r = rows.get(key) ?? { composed: 0, js: 0, layers: 0 };
    r.composed += composed;
    r.js += js;
    r.layers += 1;
    rows.set(key, r);
  };
  convs.forEach((layer, i) => {
    const xa = acts[i];
    const cfg = layer.getConfig() as { kernelSize: number[]; strides: number[]; padding: 'same' | 'valid' };
    const depthwise = layer.getClassName() === 'DepthwiseConv2D';
    const kernel = layer.getWeights()[0];
    const info = tf.backend_util.computeConv2DInfo(xa.shape, kernel.shape as [number, number, number, number], cfg.strides as [number, number], 1, cfg.padding, undefined, depthwise);
    const dy = randomLike(info.outShape, i);
    const kind = `${cfg.kernelSize.join('x')} s${cfg.strides[0]}`;
    if (!depthwise) {
      add(`Conv2DBackpropFilter ${kind}`, timeKernel(backend, () => conv2dBackpropFilterComposed(backend, xa, dy, info), runs), timeKernel(backend, () => conv2dBackpropFilterJs(backend, xa, dy, info), runs));
    } else {
      add(`DepthwiseConv2dNativeBackpropFilter ${kind}`, timeKernel(backend, () => depthwiseBackpropFilterComposed(backend, xa, dy, info), runs), timeKernel(backend, () => depthwiseBackpropFilterJs(backend, xa, dy, info), runs));
      add(`DepthwiseConv2dNativeBackpropInput ${kind}`, timeKernel(backend, () => depthwiseBackpropInputComposed(backend, dy, kernel, info), runs), timeKernel(backend, () => depthwiseBackpropInputJs(backend, dy, kernel, info), runs));
    }
    dy.dispose();
  });
  tf.dispose(acts);
  console.log(`\n1. gradient kernels over every convolution of the base, batch ${x.shape[0]} at ${x.shape[1]} px (ms, summed over the layers)`);
  console.log('kernel and layer kind                           layers  composed        js   js/composed');
  for (const [key, r] of rows) {
    console.log(`${key.padEnd(48)}${String(r.layers).padStart(6)}${r.composed.toFixed(1).padStart(10)}${r.js.toFixed(1).padStart(10)}${(r.js / r.composed).toFixed(2).padStart(14)}`);
  }
  return [...rows].map(([key, r]) => ({ kernel: key, layers: r.layers, composedMs: +r.composed.toFixed(2), jsMs: +r.js.toFixed(2), jsOverComposed: +(r.js / r.composed).toFixed(3) }));
}

/** The layers trained when the last `blocks` blocks (or all) are trainable. */
function setTrainable(base: tf.LayersModel, blocks: number | 'all'): void {
  const first = blocks === 'all' ? 0 : base.layers.findIndex((l) => l.name.startsWith(`block_${17 - blocks}_`));
  base.trainable = true; // a frozen model reports no trainable weights whatever its layers say
  base.layers.forEach((l, i) => (l.trainable = i >= first));
}

/** Mean ms of one SGD step over the base (inference-mode BatchNorm) and a dense head. */
function stepMs(base: tf.LayersModel, head: tf.layers.Layer, x: tf.Tensor4D, y: tf.Tensor2D, steps: number, warmUp: boolean): number {
  const vars = [...base.trainableWeights, ...head.trainableWeights].map((w) => w.read() as tf.Variable);
  const opt = tf.train.sgd(0.001);
  const step = () => {
    const cost = opt.minimize(() => {
      const maps = base.apply(x, { training: false }) as tf.Tensor4D;
      const logits = head.apply(tf.mean(maps, [1, 2])) as tf.Tensor2D;
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    }, true, vars);
    cost?.dataSync();
    cost?.dispose();
  };
  if (warmUp) step();
  const t = performance.now();
  for (let i = 0; i < steps; i++) step();
  opt.dispose();
  return (performance.now() - t) / steps;
}

runBench(
  {
    name: 'wasm-grad',
    summary: "fine-tuning MobileNetV2 0.35 on wasm with facemask's gradient kernels against the cpu backend: the kernels, training steps, and where a step's time goes",
    flags: {
      batch: { type: 'integer', value: 'N', default: 16, min: 1, help: 'real photos per batch' },
      steps: { type: 'integer', value: 'N', default: 2, min: 1, help: 'timed wasm steps after a warm-up step' },
      'cpu-steps': { type: 'integer', value: 'N', default: 1, min: 1, help: 'timed cpu steps (no warm-up)' },
      sizes: { type: 'list', value: '224,128', default: ['224', '128'], help: 'input sizes for the training steps' },
      blocks: { type: 'list', value: '1,3,all', default: ['1', '3', 'all'], help: 'trainable last blocks (or all) for the training steps' },
      'skip-kernels': { type: 'boolean', help: 'leave out part 1 (the kernels)' },
      'skip-steps': { type: 'boolean', help: 'leave out parts 2 and 3 (training steps, the profile)' },
      'skip-cpu': { type: 'boolean', help: 'leave out the cpu backend in part 2' },
      'skip-profile': { type: 'boolean', help: 'leave out part 3 (the profile)' },
    },
    runs: 3,
    quick: 'batch 2 at 128 px, the last block only, 1 step, 1 run',
    method: 'kernels: median of --runs calls after a warm-up, summed over the layers; wasm steps: mean of --steps after a warm-up, median over --runs runs; cpu steps: mean of --cpu-steps, one run',
  },
  async ({ flags, runs, quick }) => {
    const batch = quick ? 2 : flags.batch;
    const steps = quick ? 1 : flags.steps;
    const cpuSteps = flags['cpu-steps'];
    const sizes = (quick ? ['128'] : flags.sizes).map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 32) throw new BenchUsageError(`--sizes takes input sizes in pixels (32 or more), got "${v}"`);
      return n;
    });
    const blockSets = (quick ? ['1'] : flags.blocks).map((b) => {
      if (b === 'all') return 'all' as const;
      const n = Number(b);
      if (!Number.isInteger(n) || n < 1 || n > 17) throw new BenchUsageError(`--blocks takes numbers of last blocks (1–17) or all, got "${b}"`);
      return n;
    });
    await initBackend({ prefer: 'wasm', quiet: true });
    registerWasmGradients();
    const { model: base } = await loadBase();
    console.log(`${machineLine()}; tfjs ${tf.version.tfjs}, wasm single-threaded (SIMD ${await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')})`);
    const figures: Record<string, unknown> = { batch, steps, cpuSteps };

    if (!flags['skip-kernels']) {
      const x = await photos(batch, 224);
      figures.kernels = benchKernels(base, x, runs);
      x.dispose();
    }
    if (flags['skip-steps']) return figures;
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 2), 'int32'), 2).toFloat() as tf.Tensor2D;
    const head = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) });
    head.build([null, 1280]);

    console.log(`\n2. one training step, batch ${batch} (ms per step; wasm: mean of ${steps} after a warm-up, median of ${runs} run(s); cpu: mean of ${cpuSteps})`);
    console.log('input   trainable     wasm ms     cpu ms   cpu/wasm');
    const stepRows: Record<string, unknown>[] = [];
    for (const size of sizes) {
      const x = await photos(batch, size);
      for (const blocks of blockSets) {
        setTrainable(base, blocks);
        await tf.setBackend('wasm');
        const wasm = median(Array.from({ length: runs }, () => stepMs(base, head, x, y, steps, true)));
        let cpu = NaN;
        if (!flags['skip-cpu']) {
          await tf.setBackend('cpu');
          cpu = stepMs(base, head, x, y, cpuSteps, false);
          await tf.setBackend('wasm');
        }
        const label = blocks === 'all' ? 'all blocks' : `last ${blocks}`;
        const cpuText = Number.isNaN(cpu) ? ['-', '-'] : [cpu.toFixed(0), (cpu / wasm).toFixed(2)];
        console.log(`${`${size} px`.padEnd(8)}${label.padEnd(12)}${wasm.toFixed(0).padStart(10)}${cpuText[0].padStart(11)}${cpuText[1].padStart(11)}`);
        stepRows.push({ size, trainable: label, wasmMs: +wasm.toFixed(1), cpuMs: Number.isNaN(cpu) ? null : +cpu.toFixed(1), cpuOverWasm: Number.isNaN(cpu) ? null : +(cpu / wasm).toFixed(2) });
      }
      x.dispose();
    }
    figures.steps = stepRows;
    if (!flags['skip-profile']) figures.profile = await profileStep(base, head, y);
    return figures;
  },
);

/** The kernels taking most of one wasm step with every block trainable, at 224 px. */
async function profileStep(base: tf.LayersModel, head: tf.layers.Layer, y: tf.Tensor2D): Promise<{ totalMs: number; kernels: { kernel: string; ms: number; facemask: boolean }[] }> {
  await tf.setBackend('wasm');
  setTrainable(base, 'all');
  const x = await photos(y.shape[0], 224);
  stepMs(base, head, x, y, 0, true); // warm-up
  const t = performance.now();
  const info = await tf.profile(() => stepMs(base, head, x, y, 1, false));
  const total = performance.now() - t;
  const byKernel = new Map<string, number>();
  for (const k of info.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  const ours = new Set<string>(WASM_GRADIENT_KERNELS);
  console.log(`\n3. one profiled wasm step, all blocks, 224 px: ${total.toFixed(0)} ms (profiling adds time); kernels by time, * = wasm-grad.ts`);
  const top = [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 10);
  for (const [name, ms] of top) {
    console.log(`${(ours.has(name) ? '* ' : '  ') + name.padEnd(40)}${ms.toFixed(0).padStart(7)} ms`);
  }
  x.dispose();
  return { totalMs: +total.toFixed(0), kernels: top.map(([kernel, ms]) => ({ kernel, ms: +ms.toFixed(1), facemask: ours.has(kernel) })) };
}
