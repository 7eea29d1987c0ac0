/**
 * One classifier measured the way every approach of docs/experiments/small-faces.md is compared
 * (src/evaluation/approach.ts): the detection fixed at a reference model's tuned setting, the field's
 * mAP@0.5 on the validation scenes (each set and pooled, by size band), ilc2021's validation crops,
 * the confusers and everyday-unmasked's validation photos; with --test the test sides too (once, at
 * the end). Writes docs/results/small-faces/<id>.json.
 *
 *   npx tsx bench/approach.ts runs/train/X/model --id X --approach "what it is" --train "facemask train …"
 */
import { resolveConfig } from '../src/config';
import { initBackend } from '../src/backend/tf';
import { projectPaths } from '../src/paths';
import { createEngine } from '../src/backend/onnx';
import { PIPELINE_ENGINE } from '../src/detection/create';
import { loadFaceClassifier } from '../src/model/load';
import { readManifest } from '../src/model/manifest-files';
import { TEST_SCENE_SETS, VALIDATION_SCENE_SETS } from '../src/data/scenes';
import { APPROACH_TEST_SETS, APPROACH_VALIDATION_SETS, measureApproach, referenceRequest } from '../src/evaluation/approach';
import { everydayLine } from '../src/evaluation/everyday-summary';
import type { LoadedClassifier } from '../src/model/types';
import type { Box } from '../src/result';
import type { RgbImage } from '../src/util/images';
import { scaleBox } from '../src/detection/geometry';
import { BenchUsageError, fromRoot, idResultFile, runBench } from './lib';


runBench(
  {
    name: 'approach',
    summary: 'one classifier at a fixed detection setting: validation field mAP (each set and pooled, by band), ilc2021-val crops, confusers, everyday-unmasked val; --test adds the test sides',
    flags: {
      id: { type: 'string', value: 'ID', help: 'the approach id: writes docs/results/small-faces/<ID>.json' },
      approach: { type: 'string', value: 'TEXT', help: 'what the approach is, in words' },
      train: { type: 'string', value: 'CMD', help: 'the commands that made the model (recorded)' },
      order: { type: 'integer', value: 'N', default: 0, help: 'its row in the table' },
      shipped: { type: 'boolean', help: 'this is the shipped model' },
      test: { type: 'boolean', help: 'also the test sides (Kaggle test part and ilc2021 test scenes, the Kaggle test faces, ilc2021 test crops, everyday test photos)' },
      calibrated: { type: 'boolean', help: "apply the model's calibration (default: the network's probabilities, argmax, as a training run gives them)" },
      'setting-from': { type: 'string', value: 'DIR', default: 'models/default', help: "the model whose tuned detection setting every compared model runs at" },
      detector: { type: 'string', value: 'NAME', default: 'yunet-n', help: 'the detector (its setting from --setting-from)' },
      photo: { type: 'boolean', help: "--setting-from's photo setting (its detection.photo: two scales, as detect runs photos) instead of its one-scale setting for --detector" },
      with: { type: 'string', value: 'DIR', help: "a second model whose probabilities are averaged with MODEL_DIR's (each cut by its own crop rule; the pair's landmarks from the detector, or the second model's landmark detector for crops); not cached" },
      weight: { type: 'number', value: 'W', default: 0.5, help: "with --with: the second model's weight in the average" },
      'scenes-only': { type: 'boolean', help: 'only the scenes and everyday photos (the pipeline), not the crop sets' },
      'context-scale': { type: 'number', value: 'K', help: 'at inference only, cut boxes smaller than --context-below scaled by K around their centre (more head and shoulders); the model is not retrained' },
      'context-below': { type: 'number', value: 'PX', default: 24, help: 'with --context-scale: boxes whose shorter side is below this (px)' },
    },
    positionals: { name: 'MODEL_DIR', help: 'the classifier measured (default: models/default)', max: 1 },
    quick: 'the first 3 photos of each scene set; small-data face sets',
    method: "pipeline at --setting-from's tuned setting for --detector (boxes scored down to faces.scoreFloor for the field's measure, cached in .cache/detection); face sets as facemask evaluate --sets measures them",
    writesTo: 'docs/results/small-faces/<ID>.json',
    resultFile: (f) => idResultFile('small-faces', f.id),
  },
  async ({ flags, positionals, quick }) => {
    if (!flags.approach) throw new BenchUsageError('--approach TEXT is needed (what the approach is)');
    await initBackend({ quiet: true });
    const config = resolveConfig();
    const dir = positionals[0] ?? projectPaths().defaultModel;
    const setting = referenceRequest(readManifest(flags['setting-from']), flags.detector, flags['setting-from'], flags.photo ? 'photo' : 'video');
    const engine = await createEngine(PIPELINE_ENGINE);
    const loaded = await loadFaceClassifier(dir, 'onnx', async () => engine, { calibrated: flags.calibrated });
    const second = flags.with ? await loadFaceClassifier(flags.with, 'onnx', async () => engine, { calibrated: flags.calibrated }) : null;
    const k = flags['context-scale'];
    const one = k === undefined ? loaded : withContext(loaded, k, flags['context-below']);
    const classifier = second ? averaged(one, second, flags.weight) : one;
    const cached = k === undefined && !second;
    try {
      const m = await measureApproach({
        config, classifier, setting, settingFrom: fromRoot(flags['setting-from']), calibrated: flags.calibrated,
        scenes: flags.test ? [...VALIDATION_SCENE_SETS, ...TEST_SCENE_SETS] : VALIDATION_SCENE_SETS,
        faceSets: (flags.test ? [...APPROACH_VALIDATION_SETS, ...APPROACH_TEST_SETS] : APPROACH_VALIDATION_SETS).filter((x) => !flags['scenes-only'] || x.startsWith('everyday-')),
        cacheDir: cached ? projectPaths().measureCache : undefined, limit: quick ? 3 : undefined, quiet: true,
      });
      printSummary(m);
      const context = k === undefined ? {} : { inferenceContext: { scale: k, below: flags['context-below'] } };
      const pair = second ? { averagedWith: { model: fromRoot(flags.with!), weight: flags.weight } } : {};
      return { order: flags.order, id: flags.id, approach: flags.approach, train: flags.train ?? null, shipped: flags.shipped, model: fromRoot(dir), ...context, ...pair, ...m };
    } finally {
      loaded.dispose();
      second?.dispose();
    }
  },
);

/**
 * Two classifiers' probabilities averaged (`w` the second's weight), each cutting faces by its own
 * crop rule; the pair says it cuts aligned crops when either does, so measurements supply landmarks.
 */
function averaged(a: LoadedClassifier, b: LoadedClassifier, w: number): LoadedClassifier {
  if (a.classes.join() !== b.classes.join()) throw new BenchUsageError(`--with: the models' classes differ ([${a.classes.join(', ')}] and [${b.classes.join(', ')}])`);
  const mix = (pa: Float32Array[], pb: Float32Array[]) => pa.map((p, i) => p.map((x, k) => (1 - w) * x + w * pb[i][k]));
  return Object.assign(Object.create(a) as LoadedClassifier, {
    crop: b.crop?.kind === 'aligned' ? b.crop : a.crop,
    probabilities: async (images: RgbImage[]) => mix(await a.probabilities(images), await b.probabilities(images)),
    probabilitiesOfBoxes: async (img: RgbImage, boxes: readonly Box[], lm?: Parameters<LoadedClassifier['probabilitiesOfBoxes']>[2]) => mix(await a.probabilitiesOfBoxes(img, boxes, lm), await b.probabilitiesOfBoxes(img, boxes, lm)),
    dispose: () => undefined,
  });
}

/** The classifier cutting boxes smaller than `below` px scaled by `k` around their centre (inference only; no cache: its probabilities are not the model's). */
function withContext(clf: LoadedClassifier, k: number, below: number): LoadedClassifier {
  const cut = (b: Box): Box => (Math.min(b[2], b[3]) < below ? scaleBox(b, k) : b);
  return Object.assign(Object.create(clf) as LoadedClassifier, {
    probabilitiesOfBoxes: (img: RgbImage, boxes: readonly Box[], lm?: Parameters<LoadedClassifier['probabilitiesOfBoxes']>[2]) => clf.probabilitiesOfBoxes(img, boxes.map(cut), lm),
    dispose: () => undefined,
  });
}

function printSummary(m: Awaited<ReturnType<typeof measureApproach>>): void {
  const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');
  for (const s of [...m.field.sets, { name: 'pooled', ...m.field.pooled }]) {
    const f = s.field;
    console.log(`${s.name}: mAP ${f3(f.mAP)} (with ${f3(f.perClass.with_mask.ap)}, without ${f3(f.perClass.without_mask.ap)}, incorrect ${f3(f.perClass.incorrect_mask.ap)}; detector ${f3(f.agnostic.ap)}); by band ${f.bands.map((b) => `${b.band} ${f3(b.mAP)}`).join(', ')}`);
  }
  for (const s of m.sets) {
    const inc = s.report.rows.find((r) => r.class === 'incorrect_mask');
    const conf = s.kinds?.find((k) => k.kind === 'all');
    const extra = s.everyday ? everydayLine(s.name, s.everyday) : conf ? `called without ${conf.called.without_mask} of ${conf.faces}` : `incorrect recall ${f3(inc?.recall ?? NaN)} precision ${f3(inc?.precision ?? NaN)}`;
    console.log(`${s.name}: macro F1 ${f3(s.report.macro.f1)}, with/without ${f3(s.withWithout?.value ?? NaN)}; ${extra}`);
  }
}
