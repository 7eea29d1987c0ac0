/** `facemask tune [--model DIR] [--detectors D...] [--upscales K...]`: choose what photos and video run, on validation scenes; a run folder under runs/tune/. */
import * as path from 'node:path';
import { UsageError, defineVerb } from '../args';
import { resolveConfig } from '../../config';
import { projectPaths } from '../../paths';
import { tableText } from '../../charts/index';
import { DETECTORS } from '../../detection/detectors';
import { describeScales } from '../../detection/scales';
import { summaryRow } from '../../evaluation/scenes';
import { candidateLabel, tune, type TuneChoice, type TuneResult } from '../../training/tune';
import { DEFAULT_GRID, DRAW_RULES, type TuneGrid } from '../../training/tune-rules';
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

/** `--upscales`: factors from 1 (one scale) to 4. */
function upscales(v: string[] | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  return v.flatMap((x) => x.split(',')).filter(Boolean).map((x) => {
    const n = Number(x);
    if (!(n >= 1 && n <= 4)) throw new UsageError(`--upscales: ${x} is not a factor from 1 (one scale) to 4`);
    return n;
  });
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');

export const tuneVerb = defineVerb({
  name: 'tune',
  summary: "choose what a model's pipeline runs — for photos a detector and its scales (validation mAP@0.5 over every face), for video one scale, and for both the drawing threshold and box policy (F1) — into runs/tune/<name>/",
  flags: {
    model: { type: 'string', value: 'DIR', help: 'classifier folder (default: models/default)' },
    detectors: { type: 'list', value: 'NAME', help: 'face detectors to try (default: yunet-n yunet)', choices: DETECTORS.names() },
    upscales: { type: 'list', value: 'K', help: 'second-scale enlargements to try, 1 for one scale (default: 1 1.5 2)' },
    thresholds: { type: 'list', value: 'T', help: `drawing thresholds to try (default: ${DEFAULT_GRID.thresholds.join(',')})` },
    'reject-at': { type: 'list', value: 'P', help: `not_face rejection levels, or off (default: ${DEFAULT_GRID.rejectAts.map((x) => x ?? 'off').join(',')})` },
    'trust-above': { type: 'list', value: 'S', help: `trusted detector scores, or off (default: ${DEFAULT_GRID.trustAboves.map((x) => x ?? 'off').join(',')})` },
    name: { type: 'string', value: 'NAME', help: 'run folder name (default: the model folder\'s, never overwritten)' },
  },
  examples: [
    { cmd: 'facemask tune', note: 'the default model: yunet-n and yunet, one scale and two, on the Kaggle validation photos and ilc2021\'s validation scenes' },
    { cmd: 'facemask tune --detectors yunet-n --upscales 1 2', note: 'fewer candidates' },
    { cmd: 'facemask tune --model runs/train/x/model', note: "another model (then promote the run into that model's manifest)" },
    { cmd: 'facemask promote runs/tune/default', note: "then: the choice into the model's manifest" },
  ],
  async run(args) {
    const f = args.flags;
    const grid: Partial<TuneGrid> = {};
    const th = levels('thresholds', f.thresholds, false);
    if (th) grid.thresholds = th.filter((x): x is number => x !== null);
    const ra = levels('reject-at', f['reject-at'], true);
    if (ra) grid.rejectAts = ra;
    const ta = levels('trust-above', f['trust-above'], true);
    if (ta) grid.trustAboves = ta;
    await initBackend();
    let r: TuneResult;
    try {
      r = await tune({ config: resolveConfig(), model: f.model, detectors: f.detectors, upscales: upscales(f.upscales), grid, name: f.name });
    } catch (e) {
      console.error(`facemask tune: ${(e as Error).message}`);
      return 2;
    }
    const c = r.config;
    console.log(`${c.model}: ${r.candidates.length} candidates on ${c.validation.photos} validation scenes (${c.validation.sets.join(' + ')}), every box down to ${c.floor}`);
    console.log(tableText(r.candidates.map((x) => ({ candidate: candidateLabel(x), 'mAP@0.5 pooled': fmt(x.mAP), ...Object.fromEntries(Object.entries(x.sets).map(([k, v]) => [k, fmt(v)])), choice: x === r.photo.candidate ? (x === r.video.candidate ? 'photo, video' : 'photo') : x === r.video.candidate ? 'video' : '' }))));
    const line = (what: string, ch: TuneChoice) => `${what}: ${ch.candidate.detector} at ${describeScales(ch.setting.scales)}, drawn from ${ch.setting.threshold} (not_face >= ${ch.setting.rejectAt ?? 'off'}, trusted >= ${ch.setting.trustAbove ?? 'off'}): validation F1 ${fmt(ch.draw.f1)} (faces >= ${DRAW_RULES.minSize} px, IoU ${DRAW_RULES.matchIou})`;
    console.log(`\n${line('photos', r.photo)}\n${line('video', r.video)}`);
    const rows = (['photo', 'video'] as const).flatMap((w) => Object.entries(r[w].test).map(([set, t]) => summaryRow(t.kept, { choice: w, set: `${set} (as it falls)`, 'mAP@0.5': fmt(t.mAP), F1: fmt(t.f1) })));
    console.log(tableText(rows as never, { title: 'the test scenes at the choice' }));
    console.log(`run: ${path.relative(projectPaths().root, r.runDir)} (config.json, results.json, candidates.png, drawing.png)`);
    console.log(`ship it: facemask promote ${path.relative(projectPaths().root, r.runDir)}`);
    return 0;
  },
});
