/**
 * The shipped detection path, end to end, on the Kaggle dev set's **test** photos (200–299): the
 * pipeline built exactly as `facemask detect` builds it (`createFaceMaskDetector`: the model's tuned
 * setting unless flags say otherwise), run on every photo, measured by the contracts' rule
 * (src/evaluation/scenes.ts). Prints masked / unmasked / incorrect recall, false detections per
 * image, end to end (found and labelled right), and the boxes the policy dropped.
 *
 *   npx tsx bench/detect-default.ts [--model DIR] [--detector NAME] [--threshold T] [--not-face P|off] [--trust-above S|off] [--photos 219,204] [--jsonl]
 *
 * `--jsonl` also prints each photo's `facemask detect` JSON line. --quick (or FACEMASK_SMALL=1)
 * measures the first 10 photos. A run on chosen --photos or with --quick writes no figures.
 */
import * as path from 'node:path';
import { resolveConfig } from '../src/config';
import { initBackend } from '../src/backend/tf';
import { kaggleScenes } from '../src/data/kaggle';
import { createFaceMaskDetector } from '../src/detection/create';
import type { SettingsRequest } from '../src/detection/registry';
import { summariseDetections, summaryRow, type SceneResult } from '../src/evaluation/scenes';
import { toJsonLine } from '../src/result';
import { decodeImage } from '../src/util/images';
import { projectPaths } from '../src/paths';
import { tableText } from '../src/charts/index';
import { BenchUsageError, fromRoot, runBench } from './lib';

/** A policy level: a number between 0 and 1, or off (null). */
function level(name: string, v: string | undefined): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === 'off') return null;
  const x = Number(v);
  if (v.trim() === '' || !(x >= 0 && x <= 1)) throw new BenchUsageError(`--${name} takes a number between 0 and 1, or off; got "${v}"`);
  return x;
}

runBench(
  {
    name: 'detect-default',
    summary: 'the shipped detection path end to end on the Kaggle test photos 200–299: recall by class, false detections per image, end to end',
    flags: {
      model: { type: 'string', value: 'DIR', help: 'the model (default: models/default)' },
      detector: { type: 'string', value: 'NAME', help: "a detector instead of the model's tuned one" },
      threshold: { type: 'number', value: 'T', help: "the detector's threshold instead of the tuned one" },
      'not-face': { type: 'string', value: 'P|off', help: 'drop a box when p(not_face) >= P (off: never)' },
      'trust-above': { type: 'string', value: 'S|off', help: 'never drop a box the detector scores >= S (off: none)' },
      photos: { type: 'list', value: '219,204', help: 'only these test photos (figures not written)' },
      jsonl: { type: 'boolean', help: "also print each photo's facemask detect JSON line" },
    },
    quick: 'the first 10 test photos',
    partial: (f) => (f.photos ? '--photos measures chosen photos only' : false),
    method: 'the pipeline as facemask detect builds it (createFaceMaskDetector), measured by the contracts\' rule (faces >= 24 px, IoU >= 0.3); ms / image = detect + classify, median over the photos',
  },
  async ({ flags, quick }) => {
    const jsonl = flags.jsonl;
    const cfg = resolveConfig();
    const modelDir = flags.model ?? projectPaths().defaultModel;
    const request: SettingsRequest = {};
    if (flags.detector) request.detector = flags.detector;
    if (flags.threshold !== undefined) request.threshold = flags.threshold;
    const nf = level('not-face', flags['not-face']);
    if (nf !== undefined) request.rejectAt = nf;
    const ta = level('trust-above', flags['trust-above']);
    if (ta !== undefined) request.trustAbove = ta;
    const photos = flags.photos?.map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n)) throw new BenchUsageError(`--photos takes photo numbers, got "${p}"`);
      return n;
    });
    await initBackend();
    const pipeline = await createFaceMaskDetector(cfg, { ...request, model: modelDir });
    const scenes = photos ? kaggleScenes('test').filter((s) => photos.includes(s.photo)) : kaggleScenes('test', { limit: quick ? 10 : undefined });
    if (!scenes.length) throw new Error(`no Kaggle test photo among --photos ${flags.photos!.join(',')} (the test part is 200–299)`);
    console.log(`model ${path.relative(projectPaths().root, modelDir) || modelDir}; ${pipeline.describe()}; Kaggle test photos ${scenes[0].photo}–${scenes[scenes.length - 1].photo} (${scenes.length})`);
    const results: SceneResult[] = [];
    let raw = 0;
    const t0 = Date.now();
    for (const [i, sc] of scenes.entries()) {
      const img = await decodeImage(sc.file);
      raw += (await pipeline.score(img)).detections.length; // the boxes before the policy (the same call detect makes)
      const r = await pipeline.detect(img, sc.file);
      if (jsonl) console.log(toJsonLine(r));
      results.push({ scene: sc, detections: r.faces.map((f) => ({ box: f.box, score: f.faceScore, label: f.label })), ms: r.ms.detect + r.ms.classify });
      if (i % 25 === 24) process.stderr.write(`${i + 1}/${scenes.length} ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    }
    const kept = results.reduce((a, r) => a + r.detections.length, 0);
    const row = summaryRow(summariseDetections(results, cfg.faces), { setting: `${pipeline.settings.detector}@${pipeline.settings.threshold}`, 'not_face >=': pipeline.settings.policy.rejectAt ?? 'off', 'trusted >=': pipeline.settings.policy.trustAbove ?? 'off' });
    console.log(tableText([row] as never));
    console.log(`detector boxes ${raw}, kept by the policy ${kept} (dropped ${raw - kept}); ms / image = detect + classify of \`detect\`, median`);
    console.log(JSON.stringify(row));
    const figures = { model: fromRoot(modelDir), pipeline: pipeline.describe(), photos: scenes.map((s) => s.photo), detectorBoxes: raw, kept, summary: row };
    pipeline.dispose();
    return figures;
  },
);
