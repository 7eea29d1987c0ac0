/**
 * Wall time of a full training run and of its parts (data, base features, fit), plus the
 * base's throughput in images/second during the run; the median of --runs runs.
 *
 *   FACEMASK_BACKEND=wasm npx tsx bench/train.ts [--seed 1] [--views 8] [--workers 2] [--epochs 20] [--runs 3]
 *
 * Each run writes a normal run folder (runs/train/bench-s<seed>...); the feature cache is off, so the
 * base runs. --quick (or FACEMASK_SMALL=1) runs the small recipe once (a check that the script works,
 * not a figure to report).
 */
import * as os from 'node:os';
import { train } from '../src/training/train';
import { machineLine, medianOfRuns, runBench, timeIt } from './lib';
import { resolveConfig } from '../src/config';

runBench(
  {
    name: 'train',
    summary: 'wall time of a full training run and of its parts (data, base features, fit), and the base throughput during it',
    flags: {
      seed: { type: 'integer', value: 'N', default: 1, help: 'the training seed' },
      views: { type: 'integer', value: 'N', min: 1, help: "cached views per training image (default: the recipe's)" },
      workers: { type: 'integer', value: 'N', min: 0, help: 'base worker threads (default: the config\'s)' },
      epochs: { type: 'integer', value: 'N', min: 1, help: "epochs (default: the recipe's)" },
    },
    runs: 3,
    quick: 'the small recipe (FACEMASK_SMALL=1), 1 run',
    method: 'each run: train() from scratch with the feature cache off, into its own run folder; every time is the median over --runs runs',
  },
  async ({ flags, runs }) => {
    const seed = flags.seed;
    let last: Awaited<ReturnType<typeof train>> | undefined;
    const r = await medianOfRuns(runs, async (k) => {
      const { value, ms } = await timeIt(() => train({ config: resolveConfig(), seed, views: flags.views, workers: flags.workers, epochs: flags.epochs, name: `bench-s${seed}${runs > 1 ? `-r${k + 1}` : ''}`, quiet: true, cacheDir: null }));
      last = value;
      const s = value.seconds;
      const nTrain = Object.values(value.settings.counts.train).reduce((a: number, b) => a + (b ?? 0), 0);
      const nOther = [value.settings.counts.val, value.settings.counts.test].flatMap((c) => Object.values(c)).reduce((a: number, b) => a + (b ?? 0), 0);
      const forwards = nTrain * value.settings.views + nOther;
      console.log(`run ${k + 1}/${runs}: ${(ms / 1000).toFixed(1)} s, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
      return { wall: ms / 1000, data: s.data, features: s.features, fit: s.fit, imagesPerSecond: forwards / s.features, forwards, nTrain, nOther, accuracy: value.test.accuracy };
    });
    const m = r.median;
    const st = last!.settings;
    console.log(`${machineLine()}; training machine: ${st.machine}; backend ${st.backend}`);
    console.log(`recipe: ${st.preset}, ${st.epochs} epochs, batch ${st.recipe.fit.batchSize}, ${st.views} cached views per training image, ${st.workers} base worker(s), small=${st.small}`);
    console.log(`images: ${m.nTrain} train, ${m.nOther} val+test → ${m.forwards} base forward passes`);
    console.log(`wall time: ${m.wall.toFixed(1)} s (data ${m.data.toFixed(1)}, decode + base features ${m.features.toFixed(1)}, fit ${m.fit.toFixed(1)}); median of ${runs} run(s)`);
    console.log(`base throughput during the run: ${m.imagesPerSecond.toFixed(1)} images/s`);
    console.log(`test accuracy: ${(last!.test.accuracy * 100).toFixed(2)} % on ${last!.test.total} images; last run: ${last!.runDir}`);
    const r1 = (x: number) => +x.toFixed(2);
    return {
      recipe: { preset: st.preset, epochs: st.epochs, batch: st.recipe.fit.batchSize, views: st.views, workers: st.workers, small: st.small, backend: st.backend },
      images: { train: m.nTrain, valTest: m.nOther, baseForwards: m.forwards },
      seconds: { wall: r1(m.wall), data: r1(m.data), features: r1(m.features), fit: r1(m.fit) },
      baseImagesPerSecond: r1(m.imagesPerSecond),
      testAccuracy: r.runs.map((x) => +x.accuracy.toFixed(4)),
      runs: r.runs.map((x) => ({ wall: r1(x.wall), data: r1(x.data), features: r1(x.features), fit: r1(x.fit) })),
    };
  },
);
