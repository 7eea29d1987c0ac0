/** `facemask calibrate [--model DIR] [--sets ilc2021-val real-val] [--name N]`: calibration and decision rule on validation faces; a run folder under runs/calibrate/. */
import * as path from 'node:path';
import { defineVerb } from '../args';
import { resolveConfig } from '../../config';
import { projectPaths } from '../../paths';
import { tableText } from '../../charts/index';
import { calibrate, CALIBRATION_SETS, type CalibrateResult } from '../../training/calibrate';
import { initBackend } from '../../backend/tf';

export const calibrateVerb = defineVerb({
  name: 'calibrate',
  summary: "fit a model's calibration (temperature, with per-class biases when they earn it) and decision rule on validation faces, into runs/calibrate/<name>/",
  flags: {
    model: { type: 'string', value: 'DIR', help: 'classifier folder (default: models/default)' },
    sets: { type: 'list', value: 'SET', help: `validation sets to fit on (default: ${CALIBRATION_SETS.join(' ')}; never a test part)`, choices: [...CALIBRATION_SETS] },
    name: { type: 'string', value: 'NAME', help: 'run folder name (default: the model folder name, never overwritten)' },
  },
  examples: [
    { cmd: 'facemask calibrate', note: 'the default model on ilc2021 validation crops and Kaggle validation photos 160–199' },
    { cmd: 'facemask calibrate --model runs/train/rw-yunet-n/model --sets ilc2021-val', note: "a run's model on ilc2021's validation side only" },
    { cmd: 'facemask promote runs/calibrate/default', note: "then: the calibration and decision rule into the model's manifest" },
  ],
  async run(args) {
    const f = args.flags;
    await initBackend({ quiet: true });
    let r: CalibrateResult;
    try {
      r = await calibrate({ config: resolveConfig(), model: f.model, sets: f.sets, name: f.name });
    } catch (e) {
      console.error(`facemask calibrate: ${(e as Error).message}`);
      return 2;
    }
    const c = r.calibration;
    console.log(`${r.config.model}: T ${c.temperature.toFixed(4)}, ${r.decision.form === 'temperature' ? 'temperature alone (no biases)' : `bias ${Object.entries(c.bias).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`} — fitted on ${c.n} validation items (${r.config.sets.join(', ')})`);
    const row = (when: string, x: CalibrateResult['before'][number]) => ({ when, set: x.set, items: x.items, nll: +x.nll.toFixed(4), ece: +x.ece.toFixed(4), accuracy: +x.accuracy.toFixed(4), macro_f1: +x.macroF1.toFixed(4), incorrect_recall: x.incorrectRecall === null ? '' : +x.incorrectRecall.toFixed(4), incorrect_precision: x.incorrectPrecision === null ? '' : +x.incorrectPrecision.toFixed(4) });
    console.log(tableText([...r.before.map((x) => row('before', x)), ...r.after.map((x) => row('after', x)), ...r.chosen.map((x) => row('chosen rule', x))] as never, { title: 'validation' }));
    console.log(`decision rule: ${r.decision.chosen === 'argmax' ? 'argmax' : `incorrect_mask when p >= ${r.decision.chosen.incorrect_mask}`} — ${r.decision.why}`);
    const rel = path.relative(projectPaths().root, r.runDir);
    console.log(`run: ${rel} (config.json, calibration.json, results.json, reliability.png, report.md)`);
    console.log(`ship it: facemask promote ${rel}`);
    return 0;
  },
});
