/**
 * Running the field's measure (src/evaluation/field.ts) over scene sets with a model's pipeline:
 * the shipped classifier and the detector as `facemask detect` resolves them (the model's tuned
 * setting for it, its box correction included), run once at the floor (config `faces.scoreFloor`),
 * so every box down to the floor is scored before the box policy; the second measure applies the
 * detector's shipped setting to the same scores. What `facemask evaluate --scenes` and notebook 04
 * call.
 */
import * as path from 'node:path';
import type { Config } from '../config';
import { projectPaths } from '../paths';
import { createFaceMaskDetector, loadShippedClassifier } from '../detection/create';
import { DETECTORS } from '../detection/detectors';
import { resolveSettings } from '../detection/registry';
import type { ScalePlan } from '../model/setting';
import { modelIdentity } from '../model/manifest-files';
import { describeSceneSet, sceneSet, type SceneSetName } from '../data/scenes';
import { scoreScenes, type DetectionSetting } from './scenes';
import { fieldSummary, measureFieldSet, type FieldProvenance, type FieldSet, type FieldSummary } from './field';

export interface FieldRunOptions {
  /** The model folder. default: models/default */
  model?: string;
  /** The detector. default: the model's (as `facemask detect` picks it) */
  detector?: string;
  /** Two scales, or null: one. default: the model's photo setting (as `facemask detect` picks it) */
  scales?: ScalePlan | null;
  /** default: kaggle-test and ilc2021-test */
  sets?: readonly SceneSetName[];
  /** The first N photos of each set (small-data mode). default: all */
  limit?: number;
  /** default: config `faces.scoreFloor` */
  floor?: number;
  /** How the measurement was asked for, recorded in the summary. default: a `facemask evaluate --scenes` line */
  command?: string;
  /** Cache boxes and probabilities here (src/detection/cache.ts). default: none */
  cacheDir?: string;
  quiet?: boolean;
}

export interface FieldRun {
  sets: FieldSet[];
  provenance: FieldProvenance;
  /** The detector's shipped setting (what the second measure keeps). */
  setting: DetectionSetting;
  summary: FieldSummary;
}

/** The model's folder as summaries name it: relative to the project when inside it. */
function shownDir(dir: string): string {
  const rel = path.relative(projectPaths().root, path.resolve(dir));
  return rel && !rel.startsWith('..') ? rel : path.resolve(dir);
}

/** Score every set with the model's pipeline at the floor and measure it both ways. */
export async function measureFieldScenes(config: Config, opts: FieldRunOptions = {}): Promise<FieldRun> {
  const modelDir = opts.model ?? projectPaths().defaultModel;
  const floor = opts.floor ?? config.faces.scoreFloor;
  const names = opts.sets ?? ['kaggle-test', 'ilc2021-test'];
  const scenes = names.map((n) => ({ name: n, scenes: sceneSet(n, { limit: opts.limit }) })); // missing data fails before any model loads
  const classifier = await loadShippedClassifier(config, modelDir);
  try {
    const pipeline = await createFaceMaskDetector(config, { classifier, detector: opts.detector, scales: opts.scales, threshold: floor, cacheDir: opts.cacheDir });
    try {
      const shipped = resolveSettings(DETECTORS, classifier.manifest, { detector: opts.detector, scales: opts.scales }, config.detect);
      const setting: DetectionSetting = { threshold: shipped.threshold, ...shipped.policy };
      if (setting.threshold < floor) throw new Error(`the detector's setting (${setting.threshold}) is below the floor ${floor}: lower the floor (config faces.scoreFloor)`);
      const sets: FieldSet[] = [];
      for (const s of scenes) {
        const scored = await scoreScenes(pipeline, s.scenes, { quiet: opts.quiet });
        sets.push(measureFieldSet(s.name, `${describeSceneSet(s.name)}${opts.limit !== undefined ? ` (the first ${opts.limit})` : ''}`, scored, { floor, setting, rules: { minSize: config.faces.minSize, matchIou: config.faces.matchIou } }));
      }
      const m = classifier.manifest;
      const provenance: FieldProvenance = {
        command: opts.command ?? `npx facemask evaluate --scenes ${names.join(' ')}${opts.model ? ` --model ${opts.model}` : ''}${opts.detector ? ` --detector ${opts.detector}` : ''}`,
        model: { dir: shownDir(modelDir), identity: modelIdentity(m), classes: [...m.classes], calibrated: classifier.calibration !== undefined, decision: m.decision ?? 'argmax' },
        detector: { name: pipeline.settings.detector, floor, maxBoxes: config.detect.maxFaces, boxCorrection: pipeline.settings.box !== null, scales: pipeline.settings.scales },
        small: config.small,
      };
      return { sets, provenance, setting, summary: fieldSummary(sets, provenance) };
    } finally {
      pipeline.dispose();
    }
  } finally {
    classifier.dispose();
  }
}

/** `docs/results/field-map-<model>-<detector>.json` — where a model's committed summary goes. */
export function fieldSummaryName(modelDir: string, detector: string): string {
  const abs = path.resolve(modelDir);
  const name = path.basename(abs) === 'model' ? path.basename(path.dirname(abs)) : path.basename(abs);
  return `field-map-${name}-${detector}.json`;
}
