/** `facemask promote <run> [--to DIR] [--default-detector]`: a training run's model, or a tune run's setting, becomes what ships. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VerbSpec } from '../args';
import { projectPaths } from '../../paths';
import { isTuneRun, promoteModel, promoteTune } from '../../training/promote';

export const promoteVerb: VerbSpec = {
  name: 'promote',
  summary: "make a run's result what ships: a training run's model (models/default/), or a tune run's detection setting (the model's manifest)",
  positional: { name: '<run>', min: 1, max: 1 },
  flags: {
    to: { type: 'string', value: 'DIR', help: 'the model folder to install into or to write the setting into (default: models/default; for a tune run: the model it tuned)' },
    'default-detector': { type: 'boolean', help: "tune runs: also make the run's detector the model's default for photos" },
  },
  examples: [
    { cmd: 'facemask promote runs/train/original-s1', note: 'make that run the default model' },
    { cmd: 'facemask promote original-s1', note: 'a run name under runs/train/ works too' },
    { cmd: 'facemask promote runs/tune/default-ssd-mobilenet', note: "write the tuned setting into models/default's manifest (and docs/results/)" },
  ],
  async run(args) {
    let run = args.positional[0];
    const p = projectPaths();
    for (const dir of [p.runsTrain, p.runsTune]) if (!fs.existsSync(run) && fs.existsSync(path.join(dir, run))) run = path.join(dir, run);
    const to = args.flags.to as string | undefined;
    try {
      if (isTuneRun(run)) {
        const { manifest, summary } = promoteTune(run, { target: to, makeDefault: Boolean(args.flags['default-detector']) });
        const [name, s] = Object.entries(manifest.detection!.settings).find(([, v]) => v.chosenBy?.includes(path.basename(run)))!;
        console.log(`${name}: threshold ${s.threshold}, not_face rejection ${s.rejectAt ?? 'off'}, trusted above ${s.trustAbove ?? 'off'} → ${to ?? 'the tuned model'}'s manifest${manifest.detection?.detector === name ? ' (its default detector)' : ''}; summary ${path.relative(p.root, summary)}`);
        return 0;
      }
      const target = to ?? p.defaultModel;
      const m = await promoteModel(run, target);
      console.log(`installed ${run} → ${target} (classes ${m.classes.join(', ')}; test accuracy ${typeof m.test.accuracy === 'number' ? (m.test.accuracy * 100).toFixed(2) + ' %' : '?'})`);
      console.log(`its detection settings: facemask tune --model ${target}, then facemask promote runs/tune/<that run>`);
      return 0;
    } catch (e) {
      console.error(`facemask promote: ${(e as Error).message}`);
      return 2;
    }
  },
};
