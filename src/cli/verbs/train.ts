/** `facemask train [--preset original] [--set key=value ...] [--seed N]` */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { UsageError, defineVerb, type FlagSpecs, type ParsedArgs } from '../args';
import { PRESET_NAMES, parseOverride, getRecipe } from '../../training/presets';
import { resolveConfig } from '../../config';
import { train } from '../../training/train';


/** `--overrides FILE` and `--set key=value …` as recipe overrides, checked against the preset (shared with `facemask cv`). */
export function recipeOverrides(f: Flags): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  if (f.overrides !== undefined) {
    try {
      Object.assign(overrides, JSON.parse(fs.readFileSync(f.overrides, 'utf8')));
    } catch (e) {
      throw new UsageError(`--overrides ${f.overrides}: ${(e as Error).message}`);
    }
  }
  try {
    for (const s of (f.set) ?? []) {
      const [k, v] = parseOverride(s);
      overrides[k] = v;
    }
    getRecipe((f.preset) ?? resolveConfig().train.preset, overrides); // refuse a bad key or value before any work
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return overrides;
}

/** `--synth DIR…` / `--synth none` as the training's synth folders (undefined: the default), checked (shared with `facemask cv`). */
export function synthFolders(f: Flags): string[] | null | undefined {
  const synth = f.synth;
  if (synth === undefined) return undefined;
  if (synth.includes('none')) {
    if (synth.length > 1) throw new UsageError('--synth none means no synthetic images; give either none or folders');
    return null;
  }
  for (const d of synth) if (!fs.existsSync(path.join(d, 'manifest.jsonl'))) throw new UsageError(`--synth ${d}: no manifest.jsonl there (make one with facemask synth … --output ${d})`);
  return synth;
}

/** The flags that name a recipe and its data (shared with `facemask cv`). */
export const RECIPE_FLAGS = {
  preset: { type: 'string', value: 'NAME', help: 'training recipe', choices: PRESET_NAMES },
  set: { type: 'list', value: 'KEY=VALUE', help: 'override recipe fields, e.g. head.units=256 fit.classWeights=none data.notFace=null (src/training/presets.ts)' },
  overrides: { type: 'string', value: 'FILE', help: 'a JSON file of overrides ({"head.units": 256, ...}); --set wins' },
  synth: { type: 'list', value: 'DIR', help: 'realworld preset: "facemask synth" outputs to train on (masks, confusers), or "none" (default: .cache/synth-realworld when present)' },
} as const satisfies FlagSpecs;

/** The parsed recipe flags. */
type Flags = ParsedArgs<typeof RECIPE_FLAGS>['flags'];

export const trainVerb = defineVerb({
  name: 'train',
  summary: 'train the mask classifier (frozen MobileNetV2 + head) into runs/train/<name>/',
  flags: {
    ...RECIPE_FLAGS,
    preset: { type: 'string', value: 'NAME', help: 'training recipe (default: original)', choices: PRESET_NAMES },
    datasets: { type: 'list', value: 'NAME', help: "split preset: datasets to split and train on (default: the preset's)" },
    epochs: { type: 'integer', value: 'N', help: "epochs (default: the preset's, 20; 2 with FACEMASK_SMALL=1)" },
    seed: { type: 'integer', value: 'N', help: 'seed of the split, initialisation, augmentation and shuffling (default: 42)' },
    'split-seed': { type: 'integer', value: 'N', help: 'seed of the group-aware split only (default: --seed)' },
    views: { type: 'integer', value: 'K', help: "augmented views cached per training image (default: the preset's, 8)" },
    workers: { type: 'integer', value: 'N', help: 'worker threads running the base, 0 = main thread (default: 2)' },
    name: { type: 'string', value: 'NAME', help: 'run folder name (default: <preset>-s<seed>, never overwritten)' },
  },
  examples: [
    { cmd: 'facemask train', note: "the tutorial's recipe on observations, seed 42" },
    { cmd: 'facemask train --seed 1', note: 'split seed 1 (also seeds the training)' },
    { cmd: 'FACEMASK_SMALL=1 facemask train --epochs 2', note: 'a fast smoke run' },
    { cmd: 'facemask train --preset realworld', note: 'three classes on real faces (chandrikadeb7, Kaggle fit crops, synthetic masks)' },
    { cmd: 'facemask train --preset realworld --set fit.classWeights=none --name rw-unweighted', note: 'an ablation: the recipe without class weights' },
    { cmd: 'facemask train --preset realworld --set crop=aligned --name rw-aligned', note: 'faces cut aligned on their YuNet landmarks (eyes level, fixed scale), for training and, through the manifest, inference' },
  ],
  async run(args) {
    const f = args.flags;
    const epochs = f.epochs;
    const views = f.views;
    if (epochs !== undefined && epochs < 1) throw new UsageError('--epochs must be at least 1');
    if (views !== undefined && views < 1) throw new UsageError('--views must be at least 1');
    const overrides = recipeOverrides(f);
    const synth = synthFolders(f);
    const r = await train({
      config: resolveConfig(),
      preset: f.preset,
      overrides,
      datasets: f.datasets,
      epochs,
      seed: f.seed,
      splitSeed: f['split-seed'],
      views,
      workers: f.workers,
      name: f.name,
      synthDir: synth,
    });
    const t = r.test;
    console.log(`run: ${r.runDir}`);
    console.log(`test accuracy ${(t.accuracy * 100).toFixed(2)} % on ${t.total} images (${r.manifest.test.split}); macro F1 ${t.macro.f1.toFixed(4)}`);
    for (const row of t.rows) console.log(`  ${row.class.padEnd(14)} precision ${row.precision.toFixed(3)} recall ${row.recall.toFixed(3)} f1 ${row.f1.toFixed(3)} support ${row.support}`);
    const ww = r.manifest.test.withWithoutBalancedAccuracy;
    if (typeof ww === 'number') console.log(`  balanced accuracy with/without ${(ww * 100).toFixed(2)} %`);
    if (r.val) console.log(`validation: macro F1 ${r.val.macro.f1.toFixed(4)}, balanced accuracy ${(r.val.balancedAccuracy * 100).toFixed(2)} %${r.valWithWithout !== null ? `, with/without ${(r.valWithWithout * 100).toFixed(2)} %` : ''}${r.valNotFace ? `; not_face: ${r.valNotFace.rejected}/${r.valNotFace.boxes} false boxes rejected, ${r.valNotFace.facesRejected} faces rejected` : ''}`);
    const s = r.seconds;
    console.log(`time: ${s.total.toFixed(1)} s (data ${s.data.toFixed(1)}, base features ${s.features.toFixed(1)}, fit ${s.fit.toFixed(1)})`);
    console.log(`keep it: facemask promote ${r.runDir}`);
    return 0;
  },
});
