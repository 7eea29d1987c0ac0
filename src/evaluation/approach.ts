/**
 * One classifier measured every way a choice between classifiers is made on (docs/experiments/
 * small-faces.md): with the detection held fixed — one reference setting (a model's tuned setting for
 * one detector: threshold, box policy and box correction) for every model compared — so only the
 * classifier differs:
 *  - the field's measure (src/evaluation/voc.ts) on scene sets, each apart and **pooled** (every
 *    photo of the sets as one set, so one ranking of detections over all of them), by size band;
 *  - face sets (src/evaluation/evaluate.ts): ilc2021 crops, the confusers (and the Kaggle test faces), with
 *    the same classifier object (so also a classifier made of others, as bench/approach.ts --with does);
 *  - the everyday-unmasked photos through the pipeline (src/evaluation/everyday.ts).
 * Validation sets by default; test sets only when asked (measured once, at the end).
 * The result keeps numbers, not curves or per-face lists.
 */
import type { Config } from '../config';
import { LABELS, type Label } from '../labels';
import type { ModelManifest } from '../model/manifest';
import type { LoadedClassifier } from '../model/types';
import { createFaceMaskDetector } from '../detection/create';
import type { SettingsRequest } from '../detection/registry';
import { sceneSet, type SceneSetName } from '../data/scenes';
import { scoreScenes } from './scenes';
import { vocImages } from './field';
import { fieldMeasure, type ApCurve, type FieldResult, type VocImage } from './voc';
import { evaluateConfusers, evaluateIlc2021, evaluateReal, type SetEvaluation } from './evaluate';
import { evaluateEveryday } from './everyday';

/** A class's (or the detector's) AP without its curve. */
export type ApNumbers = Omit<ApCurve, 'points'>;

/** The field's measure without curves. */
export type FieldNumbers = Omit<FieldResult, 'perClass' | 'agnostic'> & { perClass: Record<Label, ApNumbers>; agnostic: ApNumbers };

export function fieldNumbers(f: FieldResult): FieldNumbers {
  const strip = (c: ApCurve): ApNumbers => ({ ap: c.ap, recall: c.recall, faces: c.faces, detections: c.detections, truePositives: c.truePositives });
  return { ...f, perClass: Object.fromEntries(LABELS.map((l) => [l, strip(f.perClass[l])])) as Record<Label, ApNumbers>, agnostic: strip(f.agnostic) };
}

/**
 * The detection setting a reference model ships for `detector`, as a request: its one-scale setting
 * (`detection.settings`, what video runs), or with `use` 'photo' its photo setting (`detection.photo`:
 * maybe two scales and the enlarged photo's box correction), which must be for that detector. Throws
 * when the model has none.
 */
export function referenceRequest(manifest: Pick<ModelManifest, 'detection'>, detector: string, from: string, use: 'photo' | 'video' = 'video'): Required<SettingsRequest> {
  if (use === 'photo') {
    const p = manifest.detection?.photo;
    if (!p || p.detector !== detector) throw new Error(`${from} has no photo setting for ${detector} (its manifest's detection.photo${p ? ` is for ${p.detector}` : ''}): pick its photo detector, or the one-scale setting`);
    return { detector, threshold: p.threshold, rejectAt: p.rejectAt, trustAbove: p.trustAbove, box: p.box ?? null, scales: p.scales ?? null, fineBox: p.fineBox ?? null };
  }
  const s = manifest.detection?.settings[detector];
  if (!s) throw new Error(`${from} has no tuned setting for ${detector} (its manifest's detection.settings): pick another detector or reference model`);
  return { detector, threshold: s.threshold, rejectAt: s.rejectAt, trustAbove: s.trustAbove, box: s.box ?? null, scales: null, fineBox: null };
}

/** A face set's numbers as an approach keeps them. */
/** The face sets an approach is measured on: validation (what it is chosen on) and test (`--test`, reported as it falls). */
export const APPROACH_VALIDATION_SETS: readonly SetEvaluation['name'][] = ['ilc2021-val', 'confusers', 'everyday-val'];
export const APPROACH_TEST_SETS: readonly SetEvaluation['name'][] = ['real', 'ilc2021-test', 'everyday-test'];

export type SetNumbers = Pick<SetEvaluation, 'name' | 'description' | 'report' | 'withWithout' | 'kinds' | 'everyday'>;

export const setNumbers = (e: SetEvaluation): SetNumbers => ({ name: e.name, description: e.description, report: e.report, withWithout: e.withWithout, ...(e.kinds ? { kinds: e.kinds } : {}), ...(e.everyday ? { everyday: e.everyday } : {}) });

export interface ApproachMeasurement {
  /** The reference setting the pipeline ran at (the same for every model compared). */
  setting: Required<SettingsRequest> & { floor: number; from: string };
  calibrated: boolean;
  field: { sets: { name: SceneSetName; photos: number; field: FieldNumbers }[]; pooled: { sets: SceneSetName[]; photos: number; field: FieldNumbers } };
  sets: SetNumbers[];
}

export interface ApproachOptions {
  config: Config;
  /** The classifier, as the pipeline runs it. */
  classifier: LoadedClassifier;
  /** The detection setting every compared model runs at, and where it came from. */
  setting: Required<SettingsRequest>;
  settingFrom: string;
  scenes: readonly SceneSetName[];
  /** Face sets (`evaluate --sets` names; everyday-* through the pipeline at `setting`). */
  faceSets: readonly SetEvaluation['name'][];
  /** Apply the model's calibration (false: the network's probabilities, argmax). */
  calibrated: boolean;
  /** Cache boxes and probabilities (src/detection/cache.ts). */
  cacheDir?: string;
  /** Small-data mode: the first N photos of each set. */
  limit?: number;
  quiet?: boolean;
}

/** The field's measure of every scene set and of all of them pooled, at the reference setting. */
async function measureFields(o: ApproachOptions): Promise<ApproachMeasurement['field']> {
  const floor = o.config.faces.scoreFloor;
  const pipeline = await createFaceMaskDetector(o.config, { classifier: o.classifier, ...o.setting, threshold: floor, cacheDir: o.cacheDir });
  const all: VocImage[] = [];
  const sets: ApproachMeasurement['field']['sets'] = [];
  try {
    for (const name of o.scenes) {
      const scored = await scoreScenes(pipeline, sceneSet(name, { limit: o.limit }), { quiet: o.quiet });
      const images = vocImages(scored, floor);
      all.push(...images);
      sets.push({ name, photos: images.length, field: fieldNumbers(fieldMeasure(images, { floor })) });
    }
  } finally {
    pipeline.dispose();
  }
  return { sets, pooled: { sets: [...o.scenes], photos: all.length, field: fieldNumbers(fieldMeasure(all, { floor })) } };
}

/** Measure one classifier (see the module comment). */
export async function measureApproach(o: ApproachOptions): Promise<ApproachMeasurement> {
  const field = await measureFields(o);
  const sets: SetNumbers[] = [];
  const eo = { config: o.config, quiet: o.quiet };
  // the classifier as the pipeline runs it (an aligned one finds each face's landmarks per set)
  if (o.faceSets.includes('real')) sets.push(setNumbers(await evaluateReal(o.classifier, eo)));
  for (const side of ['val', 'test'] as const) if (o.faceSets.includes(`ilc2021-${side}`)) sets.push(setNumbers(await evaluateIlc2021(o.classifier, side, eo)));
  if (o.faceSets.includes('confusers')) sets.push(setNumbers(await evaluateConfusers(o.classifier, eo)));
  for (const side of ['val', 'test'] as const) {
    if (o.faceSets.includes(`everyday-${side}`)) sets.push(setNumbers(await evaluateEveryday(o.classifier, side, { config: o.config, request: o.setting, limit: o.limit, quiet: o.quiet })));
  }
  return { setting: { ...o.setting, floor: o.config.faces.scoreFloor, from: o.settingFrom }, calibrated: o.calibrated, field, sets };
}
