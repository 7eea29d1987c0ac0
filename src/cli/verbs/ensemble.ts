/** `facemask ensemble <run...>`: trained models on the same base averaged into one model, as a training run (src/training/ensemble.ts). */
import * as path from 'node:path';
import type { VerbSpec } from '../args';
import { projectPaths } from '../../paths';
import { ensembleModels } from '../../training/ensemble';

export const ensembleVerb: VerbSpec = {
  name: 'ensemble',
  summary: 'average trained models on the same base into one (one base pass, the heads averaged), written as runs/train/<name>/ with its ONNX form',
  positional: { name: '<run...>', min: 2 },
  flags: {
    name: { type: 'string', value: 'NAME', help: "run folder under runs/train/ (default: the runs' names joined by +, never overwritten)" },
  },
  examples: [
    { cmd: 'facemask ensemble rw-c2 rw-bands --name rw-ens', note: 'the mean head and the band head averaged → runs/train/rw-ens/' },
    { cmd: 'facemask evaluate --model runs/train/rw-ens/model --sets ilc2021-val', note: 'then: measure it on validation, calibrate it, promote it' },
  ],
  async run(args) {
    try {
      const { runDir, manifest } = await ensembleModels(args.positional, { name: args.flags.name as string | undefined });
      console.log(`run: ${path.relative(projectPaths().root, runDir) || runDir}`);
      console.log(`averaged ${manifest.training.ensemble!.map((m) => m.run).join(' + ')} (classes ${manifest.classes.join(', ')}); model.onnx written`);
      console.log(`keep it: facemask promote ${runDir}`);
      return 0;
    } catch (e) {
      console.error(`facemask ensemble: ${(e as Error).message}`);
      return 2;
    }
  },
};
