/** `facemask promote <run> [--to DIR]` */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VerbSpec } from '../args';
import { projectPaths } from '../../paths';
import { promote } from '../../model/promote';

export const promoteVerb: VerbSpec = {
  name: 'promote',
  summary: "install a training run's model as the default model (models/default/)",
  positional: { name: '<run>', min: 1, max: 1 },
  flags: {
    to: { type: 'string', value: 'DIR', help: 'install there instead of models/default' },
  },
  examples: [
    { cmd: 'facemask promote runs/train/original-s1', note: 'make that run the default model' },
    { cmd: 'facemask promote original-s1', note: 'a run name under runs/train/ works too' },
  ],
  async run(args) {
    let run = args.positional[0];
    if (!fs.existsSync(run) && fs.existsSync(path.join(projectPaths().runsTrain, run))) run = path.join(projectPaths().runsTrain, run);
    const target = (args.flags.to as string | undefined) ?? projectPaths().defaultModel;
    try {
      const m = await promote(run, target);
      console.log(`installed ${run} → ${target} (classes ${m.classes.join(', ')}; test accuracy ${typeof m.test.accuracy === 'number' ? (m.test.accuracy * 100).toFixed(2) + ' %' : '?'})`);
      return 0;
    } catch (e) {
      console.error(`facemask promote: ${(e as Error).message}`);
      return 2;
    }
  },
};
