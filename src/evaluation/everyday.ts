/**
 * The everyday-unmasked set measured end to end (src/data/everyday.ts: photos of people without
 * masks, every face `without_mask`, split by photo in `dataset/splits.json`): the pipeline runs on
 * each photo of one side at its detection setting (the model's tuned one, or one asked for), and every
 * box it keeps is a face that should be called "No Mask". Reported: the boxes kept and what each was
 * called, the share called `without_mask`, and the large faces (shorter side > `largePx`, 100 px)
 * called `incorrect_mask` — the error a user sees first. The faces are not annotated, so a kept box
 * that is not a face counts too (on these portraits the detector's kept boxes are faces, checked by eye).
 *
 * As a face set (`SetEvaluation`, names `everyday-val` and `everyday-test`) the kept boxes are the
 * items, each with the truth `without_mask`, so `facemask evaluate --sets everyday-val` reports it
 * beside the others; `everyday` carries the summary.
 */
import type { Config } from '../config';
import { readSplitFile, recordsForSplit } from '../data/split';
import { EVERYDAY_LABEL, EVERYDAY_UNMASKED } from '../data/everyday';
import type { SplitName } from '../data/types';
import type { LoadedClassifier } from '../model/types';
import { createFaceMaskDetector } from '../detection/create';
import { labelBox } from '../detection/policy';
import type { SettingsRequest } from '../detection/registry';
import { decodeImage } from '../util/images';
import { progress } from '../util/progress';
import { summariseSet, type EvalItem, type SetEvaluation } from './evaluate';
import { summariseEveryday, type EverydayFace } from './everyday-summary';

/** The photos of one side of everyday-unmasked in the recorded split (absolute paths, in the split's order). */
export function everydayPhotos(side: SplitName, splitFile?: string): string[] {
  const split = readSplitFile(splitFile);
  const photos = recordsForSplit(split, side).filter((r) => r.dataset === EVERYDAY_UNMASKED).map((r) => r.path);
  if (!photos.length) throw new Error(`dataset/splits.json records no ${EVERYDAY_UNMASKED} photo on the ${side} side: install it (facemask prepare --only ${EVERYDAY_UNMASKED}) and run "facemask inspect"`);
  return photos;
}

export interface EverydayOptions {
  config: Config;
  /** The detection setting asked for (detector, threshold, policy, box correction). default: the model's tuned setting, as `facemask detect` */
  request?: SettingsRequest;
  /** The first N photos (small-data mode). default: all */
  limit?: number;
  quiet?: boolean;
}

/** Every photo of a side through the pipeline: the kept faces, with their full probability rows. */
async function keptFaces(clf: LoadedClassifier, photos: readonly string[], opts: EverydayOptions): Promise<{ faces: EverydayFace[]; probs: Float32Array[] }> {
  const pipeline = await createFaceMaskDetector(opts.config, { classifier: clf, ...(opts.request ?? {}) });
  const faces: EverydayFace[] = [];
  const probs: Float32Array[] = [];
  const bar = progress('evaluate everyday photos', photos.length, { quiet: opts.quiet, unit: 'img' });
  try {
    for (const file of photos) {
      const s = await pipeline.score(await decodeImage(file));
      s.detections.forEach((d, i) => {
        const c = labelBox(s.probabilities[i], pipeline.classes, d.score, pipeline.settings.policy, pipeline.decision);
        if (!c) return;
        faces.push({ file, box: d.box, faceScore: d.score, label: c.label, score: c.score });
        probs.push(s.probabilities[i]);
      });
      bar.tick();
    }
  } finally {
    pipeline.dispose();
    bar.done();
  }
  return { faces, probs };
}

/** One side of everyday-unmasked as a face set (see the module comment). */
export async function evaluateEveryday(clf: LoadedClassifier, side: 'val' | 'test', opts: EverydayOptions): Promise<SetEvaluation> {
  const photos = everydayPhotos(side).slice(0, opts.limit);
  const { faces, probs } = await keptFaces(clf, photos, opts);
  const items: EvalItem[] = faces.map((f) => ({ file: f.file, box: f.box, label: EVERYDAY_LABEL }));
  const name = side === 'val' ? 'everyday-val' : 'everyday-test';
  const description = `${EVERYDAY_UNMASKED} ${side === 'val' ? 'validation' : 'test'} side: ${photos.length} photos, the ${faces.length} boxes the pipeline keeps, every one without_mask`;
  const everyday = summariseEveryday(side, photos, faces);
  if (!faces.length) throw new Error(`${description}: no box kept, nothing to measure`);
  return { ...summariseSet(name, description, clf.classes, items, probs, [], clf.decision), everyday };
}
