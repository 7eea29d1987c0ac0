/**
 * Wall time of a full training run and of its parts (data, base features, fit), plus the
 * base's throughput in images/second during the run.
 *
 *   FACEMASK_BACKEND=wasm npx tsx bench/train.ts [--seed 1] [--views 8] [--workers 2] [--epochs 20]
 *
 * Writes a normal run folder (runs/train/bench-s<seed>...); the feature cache is off, so the base runs. In FACEMASK_SMALL=1 it runs the small
 * recipe (a check that the script works, not a figure to report).
 */
import * as os from 'node:os';
import { train } from '../src/training/train';

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
}

async function main() {
  const seed = flag('seed') ?? 1;
  const t0 = performance.now();
  const r = await train({ seed, views: flag('views'), workers: flag('workers'), epochs: flag('epochs'), name: `bench-s${seed}`, quiet: true, cacheDir: null });
  const wall = (performance.now() - t0) / 1000;
  const s = r.seconds;
  const views = r.settings.views;
  const nTrain = Object.values(r.settings.counts.train).reduce((a: number, b) => a + (b ?? 0), 0);
  const nOther = [r.settings.counts.val, r.settings.counts.test].flatMap((c) => Object.values(c)).reduce((a: number, b) => a + (b ?? 0), 0);
  const forwards = nTrain * views + nOther;
  const load = os.loadavg();
  console.log(`machine: ${r.settings.machine}; backend ${r.settings.backend}; load average at the end ${load.map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`recipe: ${r.settings.preset}, ${r.settings.epochs} epochs, batch ${r.settings.recipe.fit.batchSize}, ${views} cached views per training image, ${r.settings.workers} base worker(s), small=${r.settings.small}`);
  console.log(`images: ${nTrain} train, ${nOther} val+test → ${forwards} base forward passes`);
  console.log(`wall time: ${wall.toFixed(1)} s (data ${s.data.toFixed(1)}, decode + base features ${s.features.toFixed(1)}, fit ${s.fit.toFixed(1)})`);
  console.log(`base throughput during the run: ${(forwards / s.features).toFixed(1)} images/s`);
  console.log(`test accuracy: ${(r.test.accuracy * 100).toFixed(2)} % on ${r.test.total} images; run: ${r.runDir}`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
