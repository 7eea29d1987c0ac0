/**
 * Images per second through the frozen MobileNetV2 0.35 base (pooled features), on the calling
 * thread and on 1 and 2 worker threads, with augmentation done on the main thread as in training.
 *
 *   FACEMASK_BACKEND=wasm npx tsx bench/base.ts [--images 256]
 */
import * as os from 'node:os';
import { initBackend } from '../src/backend/tf';
import { loadBase } from '../src/model/base';
import { startBaseRunner, type BaseRunner } from '../src/model/learn/features';
import { ORIGINAL_AUGMENTATION, augmentView, mulberry32 } from '../src/model/learn/augment';
import { mapLimit } from '../src/util/files';
import type { RgbImage } from '../src/util/images';

async function main() {
  const argIdx = process.argv.indexOf('--images');
  const n = argIdx > 0 ? Number(process.argv[argIdx + 1]) : 256;
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
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0].model}, backend ${backend}, ${views * imgs.length} augmented views per setting, batch 32`);
  for (const workers of [0, 1, 2]) {
    const runner = await startBaseRunner(base, workers);
    await embedAll(runner, 1); // warm-up
    const t = performance.now();
    await embedAll(runner, views);
    const s = (performance.now() - t) / 1000;
    await runner.close();
    console.log(`base on ${workers === 0 ? 'main thread' : workers + ' worker(s)'}: ${((views * imgs.length) / s).toFixed(1)} images/s (${((1000 * s) / (views * imgs.length)).toFixed(1)} ms/image)`);
  }
  base.model.dispose();
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
