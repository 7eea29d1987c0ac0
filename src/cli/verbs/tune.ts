/** `facemask tune [--model DIR] [--detector NAME]`: choose the detection setting on validation photos; a run folder under runs/tune/. */
import * as path from 'node:path';
import { UsageError, defineVerb } from '../args';
import { resolveConfig } from '../../config';
import { projectPaths } from '../../paths';
import { tableText } from '../../charts/index';
import { DETECTORS } from '../../detection/detectors';
import { summaryRow } from '../../evaluation/scenes';
import { DEFAULT_GRID, tune, type TuneGrid, type TuneResult } from '../../training/tune';
import { initBackend } from '../../backend/tf';

/** A list flag of levels: numbers in [0, 1] and 'off'. */
function levels(flag: string, v: string[] | undefined, allowOff: boolean): (number | null)[] | undefined {
  if (v === undefined) return undefined;
  return v.flatMap((x) => x.split(',')).filter(Boolean).map((x) => {
    if (allowOff && x === 'off') return null;
    const n = Number(x);
    if (!(n >= 0 && n <= 1) || (!allowOff && !(n > 0 && n < 1))) throw new UsageError(`--${flag}: ${x} is not ${allowOff ? 'a number in [0, 1] or off' : 'a number in (0, 1)'}`);
    return n;
  });
}

export const tuneVerb = defineVerb({
  name: 'tune',
  summary: "choose a model's detection setting (threshold, not_face rejection, trusted boxes) on validation photos, into runs/tune/<name>/",
  flags: {
    model: { type: 'string', value: 'DIR', help: 'classifier folder (default: models/default)' },
    detector: { type: 'string', value: 'NAME', help: "face detector to tune (default: the model's)", choices: DETECTORS.names() },
    thresholds: { type: 'list', value: 'T', help: `detector thresholds to try (default: ${DEFAULT_GRID.thresholds.join(',')})` },
    'reject-at': { type: 'list', value: 'P', help: `not_face rejection levels, or off (default: ${DEFAULT_GRID.rejectAts.map((x) => x ?? 'off').join(',')})` },
    'trust-above': { type: 'list', value: 'S', help: `trusted detector scores, or off (default: ${DEFAULT_GRID.trustAboves.map((x) => x ?? 'off').join(',')})` },
    'max-false': { type: 'number', value: 'F', help: 'most false detections per image allowed (default: 0.1)' },
    'fit-boxes': { type: 'boolean', help: "learn a box correction toward the annotators' boxes on the fitting photos (0–159) and tune with it" },
    name: { type: 'string', value: 'NAME', help: 'run folder name (default: <model>-<detector>, never overwritten)' },
  },
  examples: [
    { cmd: 'facemask tune', note: "the default model's detector on Kaggle validation photos 160–199" },
    { cmd: 'facemask tune --detector blazeface --reject-at 0.2 --trust-above 0.9', note: "BlazeFace's threshold with the rejection fixed" },
    { cmd: 'facemask tune --model models/original --detector res10', note: 'a two-class model: the threshold only' },
    { cmd: 'facemask promote runs/tune/default-ssd-mobilenet', note: "then: the choice into the model's manifest" },
  ],
  async run(args) {
    const f = args.flags;
    const grid: Partial<TuneGrid> = {};
    const th = levels('thresholds', f.thresholds, false);
    if (th) grid.thresholds = th.filter((x): x is number => x !== null); // no 'off' among thresholds
    const ra = levels('reject-at', f['reject-at'], true);
    if (ra) grid.rejectAts = ra;
    const ta = levels('trust-above', f['trust-above'], true);
    if (ta) grid.trustAboves = ta;
    const maxFalse = f['max-false'];
    if (maxFalse !== undefined && !(maxFalse >= 0)) throw new UsageError('--max-false must be >= 0');
    await initBackend();
    let r: TuneResult;
    try {
      r = await tune({ config: resolveConfig(), model: f.model, detector: f.detector, grid, maxFalse, name: f.name, fitBoxes: Boolean(f['fit-boxes']) });
    } catch (e) {
      console.error(`facemask tune: ${(e as Error).message}`);
      return 2;
    }
    const c = r.config;
    console.log(`${c.model} with ${r.detector}: ${r.rows.length} settings on ${c.choose.photos} (${c.choose.n} photos), at most ${c.maxFalse} false detections per image`);
    if (!r.chosen) {
      console.log('no setting keeps the false rate: nothing chosen');
      return 1;
    }
    const what = (part: string) => ({ part, threshold: r.chosen!.threshold, 'not_face >=': r.chosen!.rejectAt ?? 'off', 'trusted >=': r.chosen!.trustAbove ?? 'off' });
    const rows = [summaryRow(r.chosen.summary, what(c.choose.part)), ...(r.reported && c.report ? [summaryRow(r.reported, what(`${c.report.part} (as it falls)`))] : [])];
    console.log(tableText(rows as never, { title: 'the chosen setting' }));
    console.log(`run: ${path.relative(projectPaths().root, r.runDir)} (config.json, results.json, tradeoff.png)`);
    console.log(`ship it: facemask promote ${path.relative(projectPaths().root, r.runDir)}`);
    return 0;
  },
});
