/**
 * A one-stage alternative measured side by side with the shipped pipeline (src/training/onestage.ts):
 * a class head on YuNet-n's own features against the shipped classifier on crops, on the same boxes,
 * by the field's measure (mAP@0.5 over every face), at the shipped photo setting (two scales) and, asked, at one scale.
 * Heads are trained on the Kaggle fitting photos and ilc2021's train scenes; everything is chosen on
 * the pooled validation scenes; `--test` then measures the test scenes once.
 *
 *   npx tsx bench/one-stage.ts [--settings shipped,one] [--test]
 *
 * Boxes, the classifier's probabilities and YuNet's features are cached in .cache/onestage/.
 */
import { resolveConfig } from '../src/config';
import { initBackend } from '../src/backend/tf';
import { DEFAULT_GRID, runOneStage, type HeadGrid } from '../src/training/onestage';
import { shippedPhotoSetting, type OneStageSetting } from '../src/training/onestage-data';
import { BenchUsageError, runBench } from './lib';

/** The quick check's grid: two feature sets, a few epochs. */
const QUICK_GRID: HeadGrid = {
  ...DEFAULT_GRID,
  features: Object.fromEntries(Object.entries(DEFAULT_GRID.features).slice(0, 2)),
  hidden: [0, 64],
  classWeights: ['sqrt'],
  base: { ...DEFAULT_GRID.base, epochs: 3 },
  extraSeeds: [],
};

runBench(
  {
    name: 'one-stage',
    summary: "a class head on YuNet's own multi-scale features against the shipped classifier, on the same boxes, by validation mAP@0.5 over every face; the test scenes once with --test",
    flags: {
      settings: { type: 'list', value: 'NAME', help: "which boxes: shipped (the shipped photo setting: two scales, the enlarged pass's own box correction), one (yunet-n at one scale)", default: ['shipped'] },
      test: { type: 'boolean', help: 'measure the test scenes too (once every choice is made)' },
    },
    quick: 'the first 10 photos of each part and side, two feature sets, 3 epochs',
    method: 'heads trained on the Kaggle fitting photos 0–159 and ilc2021 train scenes; features, size, class weights, mirrored training photos, epochs and the mix weight chosen by pooled validation mAP (Kaggle 160–199 + ilc2021 validation scenes); test scenes measured once with --test',
  },
  async ({ flags, quick }) => {
    await initBackend();
    const config = resolveConfig();
    const all: Record<string, OneStageSetting> = {
      one: { detector: 'yunet-n', scales: null },
      shipped: shippedPhotoSetting(),
    };
    const unknown = flags.settings.filter((s) => !(s in all));
    if (unknown.length) throw new BenchUsageError(`unknown setting ${unknown.join(', ')} (valid: ${Object.keys(all).join(', ')})`);
    const settings = Object.fromEntries(flags.settings.map((s) => [s, all[s]]));
    const results = await runOneStage(config, { settings, grid: quick ? QUICK_GRID : DEFAULT_GRID, test: flags.test, limit: quick ? 10 : undefined, log: (l) => console.log(l) });
    for (const r of results) {
      const v = r.validation;
      console.log(`${r.name}: chosen ${r.chosen.features}, hidden ${r.chosen.hidden}, weights ${r.chosen.classWeights}${r.chosen.mirror ? ', mirrored too' : ''}, epoch ${r.chosen.epoch}, mix w ${r.chosen.mixWeight}`);
      console.log(`  validation mAP: head ${v.head.mAP.toFixed(4)} | shipped ${v.shipped.mAP.toFixed(4)} | mix ${v.mix.mAP.toFixed(4)}`);
      const g = (x: { value: number; low: number; high: number }) => `${x.value.toFixed(4)} [${x.low.toFixed(4)}, ${x.high.toFixed(4)}]`;
      console.log(`  validation gain over shipped (paired bootstrap over photos, 95 %): head ${g(v.gainOverShipped.head)} | mix ${g(v.gainOverShipped.mix)}`);
      for (const [t, s] of Object.entries(r.test ?? {})) console.log(`  ${t} mAP: head ${s.head.mAP.toFixed(4)} | shipped ${s.shipped.mAP.toFixed(4)} | mix ${s.mix.mAP.toFixed(4)}`);
    }
    return { floor: config.faces.scoreFloor, grid: quick ? QUICK_GRID : DEFAULT_GRID, results };
  },
);
