/**
 * Wider crops for the classifier: does classifying a detector box scaled by k around its centre
 * (more context: hair, shoulders, background) help the `not_face` rejection on street photos?
 * For each k, the pipeline (`createFaceMaskDetector`, SSD at 0.1) runs with a classifier that cuts
 * the scaled box; the drawing setting is chosen on the validation photos 160–199 by `facemask tune`'s rule (src/training/tune-rules.ts) and
 * reported on the test photos 200–299.
 *
 *   npx tsx bench/crop-context.ts [MODEL_DIR]
 *
 * Prints figures; not a test. The shipped pipeline crops the box as is (k = 1).
 */
import { resolveConfig } from '../src/config';
import { initBackend } from '../src/backend/tf';
import { projectPaths } from '../src/paths';
import { kaggleScenes } from '../src/data/kaggle';
import { loadClassifier } from '../src/model/classifier';
import type { LoadedClassifier } from '../src/model/types';
import { createFaceMaskDetector } from '../src/detection/create';
import type { FaceMaskDetector } from '../src/detection/pipeline';
import { scaleBox } from '../src/detection/geometry';
import { measureSetting, scoreScenes, summaryRow } from '../src/evaluation/scenes';
import { DEFAULT_GRID, DRAW_RULES, chooseDrawing, sweepDrawing } from '../src/training/tune-rules';
import { fromRoot, runBench } from './lib';

/** Box scales tried. */
const SCALES = [1, 1.15, 1.2, 1.3, 1.4, 1.5];

/** The classifier, cutting every box scaled by `k` around its centre (its landmarks moved with it are not needed: the box rule). */
function scaledCrops(clf: LoadedClassifier, k: number): LoadedClassifier {
  return {
    classes: clf.classes, decision: clf.decision, inputSize: clf.inputSize, crop: clf.crop, manifest: clf.manifest, dir: clf.dir, runtime: clf.runtime, calibration: clf.calibration,
    probabilities: (i) => clf.probabilities(i),
    probabilitiesOfBoxes: (img, boxes) => clf.probabilitiesOfBoxes(img, boxes.map((b) => scaleBox(b, k))),
    dispose: () => undefined,
  };
}

runBench(
  {
    name: 'crop-context',
    summary: 'does cutting the detector box scaled by k (more context) help the not_face rejection on street photos? chosen on validation, reported on test',
    flags: {},
    positionals: { name: 'MODEL_DIR', help: 'the classifier (default: models/default)', max: 1 },
    quick: 'scales 1 and 1.2 on the first 10 validation and test photos',
    method: "SSD at the grid's lowest threshold, boxes cached; per scale the setting is chosen on validation photos 160–199 by facemask tune's drawing rule (the best F1 of faces >= 12 px found and labelled right) and measured on test photos 200–299",
  },
  async ({ positionals, quick }) => {
    await initBackend();
    const cfg = resolveConfig();
    const modelDir = positionals[0] ?? projectPaths().defaultModel;
    const clf = await loadClassifier(modelDir);
    const low = Math.min(...DEFAULT_GRID.thresholds);
    const limit = quick ? 10 : undefined;
    const [validation, test] = [kaggleScenes('validation', { limit }), kaggleScenes('test', { limit })];
    const scales = quick ? [1, 1.2] : SCALES;
    const rows: Record<string, unknown>[] = [];
    /** One scale: the setting chosen on validation, measured on test. */
    const measureScale = async (pipeline: FaceMaskDetector, k: number): Promise<Record<string, unknown>> => {
      const v = await scoreScenes(pipeline, validation, { quiet: true });
      const c = chooseDrawing(sweepDrawing(v, DEFAULT_GRID));
      if (!c) {
        console.log(`x${k} | no setting at or above ${low}`);
        return { scale: k, chosen: null };
      }
      const t = summaryRow(c.summary);
      const r = summaryRow(measureSetting(await scoreScenes(pipeline, test, { quiet: true }), c, cfg.faces));
      console.log(`x${k} | ssd-mobilenet@${c.threshold} not_face>=${c.rejectAt ?? 'off'} trusted>=${c.trustAbove ?? 'off'} (F1 ${c.f1.toFixed(3)}, faces >= ${DRAW_RULES.minSize} px) | ${t['masked found %']} / ${t['false / image']} / ${t['end-to-end right %']} | ${r['masked found %']} / ${r['unmasked found %']} / ${r['false / image']} / ${r['end-to-end right %']}`);
      return { scale: k, chosen: { threshold: c.threshold, rejectAt: c.rejectAt, trustAbove: c.trustAbove }, validation: t, test: r };
    };
    console.log('crop scale | setting chosen on validation | validation: masked % / false per image / end to end % | test: masked % / unmasked % / false per image / end to end %');
    for (const k of scales) {
      // no measurement cache: its probabilities are keyed by the model, which is the same for every k
      const pipeline = await createFaceMaskDetector(cfg, { classifier: scaledCrops(clf, k), detector: 'ssd-mobilenet', threshold: low });
      try {
        rows.push(await measureScale(pipeline, k));
      } finally {
        pipeline.dispose();
      }
    }
    clf.dispose();
    return { model: fromRoot(modelDir), validationPhotos: validation.length, testPhotos: test.length, scales: rows };
  },
);
