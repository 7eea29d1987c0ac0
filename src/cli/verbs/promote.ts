/** `facemask promote <run> [--to DIR]`: a training run's model, a tune run's setting or a calibrate run's calibration becomes what ships. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defineVerb } from '../args';
import { projectPaths } from '../../paths';
import { isCalibrateRun, isTuneRun, promoteCalibration, promoteModel, promoteTune } from '../../training/promote';
import { describeScales } from '../../detection/scales';

export const promoteVerb = defineVerb({
  name: 'promote',
  summary: "make a run's result what ships: a training run's model (models/default/), a tune run's detection setting or a calibrate run's calibration (the model's manifest)",
  positional: { name: '<run...>', min: 1 },
  flags: {
    to: { type: 'string', value: 'DIR', help: 'the model folder to install into or to write the setting into (default: models/default; for a tune run: the model it tuned)' },
    overwrite: { type: 'boolean', help: 'training runs: replace the model already installed at the target (only ever a model folder)' },
  },
  examples: [
    { cmd: 'facemask promote runs/train/original-s1 --overwrite', note: 'make that run the default model, replacing the one installed' },
    { cmd: 'facemask promote original-s1 --to models/mine', note: 'a run name under runs/train/ works too; a new model folder' },
    { cmd: 'facemask promote runs/tune/default', note: "write the tuned photo and video settings into models/default's manifest (and docs/results/)" },
    { cmd: 'facemask promote runs/calibrate/default', note: "a calibrate run: its calibration and decision rule into the model's manifest (and docs/results/)" },
  ],
  async run(args) {
    const p = projectPaths();
    const runs = args.positional.map((run) => {
      for (const dir of [p.runsTrain, p.runsTune, p.runsCalibrate]) if (!fs.existsSync(run) && fs.existsSync(path.join(dir, run))) return path.join(dir, run);
      return run;
    });
    const to = args.flags.to;
    try {
      if (runs.length === 1 && isCalibrateRun(runs[0])) {
        const { manifest, summary } = promoteCalibration(runs[0], { target: to });
        const d = manifest.decision ?? 'argmax';
        console.log(`calibration (T ${manifest.calibration!.temperature.toFixed(4)}) and decision rule (${d === 'argmax' ? 'argmax' : `incorrect_mask when p >= ${d.incorrect_mask}`}) written into the model's manifest; summary ${path.relative(p.root, summary)}`);
        return 0;
      }
      if (runs.length === 1 && isTuneRun(runs[0])) {
        const { manifest, summary } = promoteTune(runs[0], { target: to });
        const d = manifest.detection!;
        console.log(`photos: ${d.photo!.detector} at ${describeScales(d.photo!.scales)}, drawn from ${d.photo!.threshold}; video: ${d.detector} at ${d.settings[d.detector!].threshold}; written into the model's manifest; summary ${path.relative(p.root, summary)}`);
        return 0;
      }
      if (runs.length !== 1) {
        console.error('facemask promote: give one run (training, tune or calibrate)');
        return 2;
      }
      const target = to ?? p.defaultModel;
      const m = await promoteModel(runs[0], target, { overwrite: Boolean(args.flags.overwrite) });
      console.log(`installed ${runs[0]} → ${target} (classes ${m.classes.join(', ')}; test accuracy ${typeof m.test.accuracy === 'number' ? (m.test.accuracy * 100).toFixed(2) + ' %' : '?'})`);
      console.log(`its detection settings: facemask tune --model ${target}, then facemask promote runs/tune/<that run> (until then photos use the configured detector)`);
      return 0;
    } catch (e) {
      console.error(`facemask promote: ${(e as Error).message}`);
      return 2;
    }
  },
});
