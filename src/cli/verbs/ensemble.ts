/** `facemask ensemble <run...>`: trained models averaged into one model (one network on a shared base, else a composite), as a training run (src/training/ensemble.ts). */
import * as path from 'node:path';
import { defineVerb } from '../args';
import { projectPaths } from '../../paths';
import { ensembleModels } from '../../training/ensemble';

export const ensembleVerb = defineVerb({
  name: 'ensemble',
  summary: 'average trained models into one — on the same base: one network (one base pass, the heads averaged); on different bases or with fine-tuned blocks: a composite that keeps each member — written as runs/train/<name>/ with its ONNX form',
  positional: { name: '<run...>', min: 2 },
  flags: {
    name: { type: 'string', value: 'NAME', help: "run folder under runs/train/ (default: the runs' names joined by +, never overwritten)" },
  },
  examples: [
    { cmd: 'facemask ensemble rw-c2 rw-bands --name rw-ens', note: 'the mean head and the band head averaged → runs/train/rw-ens/' },
    { cmd: 'facemask ensemble rw-bands rw-128-b4 --name rw-comp', note: 'a 224 px model and a 128 px fine-tuned one: a composite (what ships)' },
    { cmd: 'facemask evaluate --model runs/train/rw-ens/model --sets ilc2021-val', note: 'then: measure it on validation, calibrate it, promote it' },
  ],
  async run(args) {
    try {
      const { runDir, manifest } = await ensembleModels(args.positional, { name: args.flags.name });
      console.log(`run: ${path.relative(projectPaths().root, runDir) || runDir}`);
      const how = manifest.members ? `a composite of ${manifest.members.length} networks, the face cut at ${manifest.base.inputSize} px` : 'one network, the heads on one base pass';
      console.log(`averaged ${manifest.training.ensemble!.map((m) => m.run).join(' + ')} (classes ${manifest.classes.join(', ')}): ${how}; model.onnx written`);
      console.log(`keep it: facemask promote ${runDir}`);
      return 0;
    } catch (e) {
      console.error(`facemask ensemble: ${(e as Error).message}`);
      return 2;
    }
  },
});
