/**
 * One fine-tuning step of the base's last blocks (src/model/tail.ts) on the wasm backend, as
 * `facemask train --set features=blocks` runs it: a batch of cached maps → the tail → mean → a
 * dense layer, Adam. Prints ms per step (the mean of `--steps` after one warm-up; the median of that
 * over `--runs` runs) for each number of
 * blocks, with BatchNorm kept as layers or folded into the convolutions (what training uses), and
 * with wasm's own Conv2DBackpropInput or the 1x1 matrix-product path (src/backend/wasm-grad.ts);
 * then the same step (folded, matrix product) on the 224 px base and on the 128 px one
 * (`mobilenet_v2_0.35_128`, the same weights on smaller maps), with the ratio.
 *
 *   node --import tsx bench/tail-step.ts [--blocks 1,2] [--batch 64] [--steps 3] [--runs 3]
 */
import { initBackend, tf } from '../src/backend/tf';
import { loadBase, MOBILENET_V2_035_128 } from '../src/model/base';
import { buildFoldedTail, buildTail, tailPooled } from '../src/model/tail';
import { BenchUsageError, machineLine, medianOfRuns, runBench } from './lib';

async function stepMs(tail: tf.LayersModel, batch: number, steps: number): Promise<number> {
  const [h, w, c] = tail.inputs[0].shape.slice(1) as number[];
  const x = tf.randomNormal([batch, h * w * c], 0, 1, 'float32', 1) as tf.Tensor2D;
  const dense = tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) });
  dense.build([null, 1280]);
  const vars = [...tail.trainableWeights, ...dense.trainableWeights].map((v) => v.read() as tf.Variable);
  const opt = tf.train.adam(1e-4);
  const step = () => {
    const l = opt.minimize(() => tf.mean(dense.apply(tailPooled(tail, x)) as tf.Tensor) as tf.Scalar, true, vars);
    l!.dataSync();
    l!.dispose();
  };
  step();
  const t = performance.now();
  for (let i = 0; i < steps; i++) step();
  const ms = (performance.now() - t) / steps;
  tf.dispose([x]);
  opt.dispose();
  return ms;
}

runBench(
  {
    name: 'tail-step',
    summary: "one fine-tuning step of the base's last blocks on wasm: BatchNorm as layers or folded, wasm's Conv2DBackpropInput or the matrix product, and the 224 px base against the 128 px one",
    flags: {
      blocks: { type: 'list', value: '1,2', default: ['1', '2'], help: 'numbers of trainable last blocks' },
      batch: { type: 'integer', value: 'N', default: 64, min: 1, help: 'cached maps per step' },
      steps: { type: 'integer', value: 'N', default: 3, min: 1, help: 'timed steps after one warm-up step' },
    },
    runs: 3,
    quick: '1 block, batch 8, 1 step, 1 run',
    method: 'ms per step: mean of --steps steps after a warm-up step, median over --runs runs (each run builds its own optimizer and warms up again)',
  },
  async ({ flags, runs, quick }) => {
    const blocks = (quick ? ['1'] : flags.blocks).map((b) => {
      const n = Number(b);
      if (!Number.isInteger(n) || n < 1) throw new BenchUsageError(`--blocks takes whole numbers of blocks, got "${b}"`);
      return n;
    });
    const batch = quick ? 8 : flags.batch;
    const steps = quick ? 1 : flags.steps;
    const timed = async (tail: tf.LayersModel) => (await medianOfRuns(runs, () => stepMs(tail, batch, steps))).median;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package registers wasm's kernels; keep its own Conv2DBackpropInput
    require('@tensorflow/tfjs-backend-wasm');
    const native = tf.getKernel('Conv2DBackpropInput', 'wasm');
    if ((await initBackend({ prefer: 'wasm', quiet: true })) !== 'wasm' || !native) throw new Error('this bench needs the wasm backend');
    const fast = tf.getKernel('Conv2DBackpropInput', 'wasm')!;
    const use = (k: tf.KernelConfig) => {
      tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
      tf.registerKernel(k);
    };
    const { model: base } = await loadBase();
    console.log(`${machineLine()}; batch ${batch}, mean of ${steps} steps after a warm-up, median of ${runs} run(s)`);
    console.log('blocks  BatchNorm  Conv2DBackpropInput 1x1   ms/step');
    const variants: Record<string, unknown>[] = [];
    for (const k of blocks) {
      for (const [folded, kernel, label] of [[false, fast, 'matrix product'], [true, native, 'wasm loop'], [true, fast, 'matrix product']] as const) {
        use(kernel);
        const tail = folded ? await buildFoldedTail(base, k) : await buildTail(base, k);
        const ms = await timed(tail);
        console.log(`${String(k).padEnd(8)}${(folded ? 'folded' : 'layers').padEnd(11)}${label.padEnd(26)}${ms.toFixed(0).padStart(8)}`);
        variants.push({ blocks: k, batchNorm: folded ? 'folded' : 'layers', conv2dBackpropInput1x1: label, msPerStep: +ms.toFixed(1) });
        tail.dispose();
      }
    }
    use(fast);
    const { model: small } = await loadBase(MOBILENET_V2_035_128.name);
    console.log('\nblocks  224 px ms/step  128 px ms/step  224 / 128   (folded, matrix product)');
    const sizes: Record<string, unknown>[] = [];
    for (const k of blocks) {
      const [a, b] = [await buildFoldedTail(base, k), await buildFoldedTail(small, k)];
      const [ma, mb] = [await timed(a), await timed(b)];
      console.log(`${String(k).padEnd(8)}${ma.toFixed(0).padStart(14)}${mb.toFixed(0).padStart(16)}${(ma / mb).toFixed(2).padStart(11)}x`);
      sizes.push({ blocks: k, msPerStep224: +ma.toFixed(1), msPerStep128: +mb.toFixed(1), ratio: +(ma / mb).toFixed(3) });
      a.dispose();
      b.dispose();
    }
    return { batch, steps, variants, sizes };
  },
);
