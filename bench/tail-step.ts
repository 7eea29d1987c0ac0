/**
 * One fine-tuning step of the base's last blocks (src/model/tail.ts) on the wasm backend, as
 * `facemask train --set features=blocks` runs it: a batch of cached maps → the tail → mean → a
 * dense layer, Adam. Prints ms per step (mean of `--steps` after one warm-up) for each number of
 * blocks, with BatchNorm kept as layers or folded into the convolutions (what training uses), and
 * with wasm's own Conv2DBackpropInput or the 1x1 matrix-product path (src/backend/wasm-grad.ts);
 * then the same step (folded, matrix product) on the 224 px base and on the 128 px one
 * (`mobilenet_v2_0.35_128`, the same weights on smaller maps), with the ratio.
 *
 *   node --import tsx bench/tail-step.ts [--blocks 1,2] [--batch 64] [--steps 3]
 */
import * as os from 'node:os';
import { initBackend, tf } from '../src/backend/tf';
import { loadBase, MOBILENET_V2_035_128 } from '../src/model/base';
import { buildFoldedTail, buildTail, tailPooled } from '../src/model/tail';

function option(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}

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

async function main() {
  const blocks = option('blocks', '1,2').split(',').map(Number);
  const batch = Number(option('batch', '64'));
  const steps = Number(option('steps', '3'));
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
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0].model}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; batch ${batch}, mean of ${steps} steps after a warm-up`);
  console.log('blocks  BatchNorm  Conv2DBackpropInput 1x1   ms/step');
  for (const k of blocks) {
    for (const [folded, kernel, label] of [[false, fast, 'matrix product'], [true, native, 'wasm loop'], [true, fast, 'matrix product']] as const) {
      use(kernel);
      const tail = folded ? await buildFoldedTail(base, k) : await buildTail(base, k);
      const ms = await stepMs(tail, batch, steps);
      console.log(`${String(k).padEnd(8)}${(folded ? 'folded' : 'layers').padEnd(11)}${label.padEnd(26)}${ms.toFixed(0).padStart(8)}`);
      tail.dispose();
    }
  }
  use(fast);
  const { model: small } = await loadBase(MOBILENET_V2_035_128.name);
  console.log('\nblocks  224 px ms/step  128 px ms/step  224 / 128   (folded, matrix product)');
  for (const k of blocks) {
    const [a, b] = [await buildFoldedTail(base, k), await buildFoldedTail(small, k)];
    const [ma, mb] = [await stepMs(a, batch, steps), await stepMs(b, batch, steps)];
    console.log(`${String(k).padEnd(8)}${ma.toFixed(0).padStart(14)}${mb.toFixed(0).padStart(16)}${(ma / mb).toFixed(2).padStart(11)}x`);
    a.dispose();
    b.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
