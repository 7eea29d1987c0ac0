/**
 * Images per second through the frozen MobileNetV2 0.35 base (pooled features), on the calling
 * thread and on 1 and 2 worker threads, with augmentation done on the main thread as in training.
 *
 *   FACEMASK_BACKEND=wasm npx tsx bench/base.ts [--images 256] [--runs 3]
 */
import { initBackend } from '../src/backend/tf';
import { loadBase } from '../src/model/base';
import { startBaseRunner, type BaseRunner } from '../src/model/learn/features';
import { ORIGINAL_AUGMENTATION, augmentView, mulberry32 } from '../src/model/learn/augment';
import { mapLimit } from '../src/util/files';
import type { RgbImage } from '../src/util/images';
import { machineLine, medianOfRuns, runBench, timeIt } from './lib';

runBench(
  {
    name: 'base',
    summary: 'images per second through the frozen MobileNetV2 0.35 base on the main thread and on 1 and 2 worker threads',
    flags: { images: { type: 'integer', value: 'N', default: 256, min: 1, help: 'augmented views per setting (rounded up to whole batches of 32)' } },
    runs: 3,
    quick: 'one batch of 32 views per setting, 1 run',
    method: 'per setting: one warm-up batch, then the timed views; images/s is the median over --runs runs',
  },
  async ({ flags, runs, quick }) => {
    const n = quick ? 32 : flags.images;
    const backend = await initBackend();
    const base = await loadBase();
    const rng = mulberry32(1);
    const imgs: RgbImage[] = Array.from({ length: 32 }, () => ({ width: 224, height: 224, data: Uint8Array.from({ length: 224 * 224 * 3 }, () => Math.floor(rng() * 256)) }));
    const keys = imgs.map((_, i) => `img${i}`);
    const views = Math.ceil(n / imgs.length);
    /** Every view of every image, augmented on the main thread, in batches of 32, two batches in flight per runner slot (as training does). */
    const embedAll = async (runner: BaseRunner, count: number) =>
      mapLimit(Array.from({ length: count }, (_, v) => v), runner.slots * 2, async (v) => {
        const pixels = new Uint8Array(imgs.length * 224 * 224 * 3);
        imgs.forEach((im, i) => pixels.set(augmentView(im, 1, keys[i], v, ORIGINAL_AUGMENTATION).data, i * 224 * 224 * 3));
        return runner.embed(pixels, imgs.length);
      });
    console.log(`${machineLine()}; backend ${backend}, ${views * imgs.length} augmented views per setting, batch 32, median of ${runs} run(s)`);
    const settings: { where: string; imagesPerSecond: number; msPerImage: number; runs: number[] }[] = [];
    for (const workers of [0, 1, 2]) {
      const runner = await startBaseRunner(base, workers);
      await embedAll(runner, 1); // warm-up
      const r = await medianOfRuns(runs, async () => (views * imgs.length) / ((await timeIt(() => embedAll(runner, views))).ms / 1000));
      await runner.close();
      const where = workers === 0 ? 'main thread' : `${workers} worker(s)`;
      console.log(`base on ${where}: ${r.median.toFixed(1)} images/s (${(1000 / r.median).toFixed(1)} ms/image)`);
      settings.push({ where, imagesPerSecond: +r.median.toFixed(2), msPerImage: +(1000 / r.median).toFixed(2), runs: r.runs.map((x) => +x.toFixed(2)) });
    }
    base.model.dispose();
    return { backend, views: views * imgs.length, batch: 32, settings };
  },
);
