/**
 * Annotated scene photos by set, as one list type: the Kaggle dev set's parts (src/data/kaggle.ts)
 * and ilc2021's sides (src/data/ilc2021.ts) — each of those modules stays the one owner of its
 * split; this one only names the sets and puts them together (docs/contracts.md "Splits"):
 *
 * | set                 | photos                                         | used for                     |
 * |---------------------|------------------------------------------------|------------------------------|
 * | `kaggle-validation` | Kaggle dev photos 160–199                       | choices (with `ilc2021-val`) |
 * | `ilc2021-val`       | ilc2021's validation scenes (dataset/splits.json) | choices (with Kaggle's)    |
 * | `kaggle-test`       | Kaggle dev photos 200–299                       | measuring only               |
 * | `ilc2021-test`      | ilc2021's test scenes                           | measuring only               |
 *
 * Annotations are mapped to the project's labels when read (`with_incorrect_mask`,
 * `mask_weared_incorrect` → `incorrect_mask`); boxes are `[x, y, w, h]`, every face of every size.
 */
import { KAGGLE, kaggleScenes, describePart } from './kaggle';
import { ILC2021, ilc2021Scenes, type Ilc2021ReadOptions } from './ilc2021';
import type { AnnotatedScene } from './types';

export type SceneSetName = 'kaggle-validation' | 'ilc2021-val' | 'kaggle-test' | 'ilc2021-test';
export const SCENE_SETS: readonly SceneSetName[] = ['kaggle-validation', 'ilc2021-val', 'kaggle-test', 'ilc2021-test'];
/** The sets choices are made on (tune, the approach measurements). */
export const VALIDATION_SCENE_SETS: readonly SceneSetName[] = ['kaggle-validation', 'ilc2021-val'];
/** The sets only measured on. */
export const TEST_SCENE_SETS: readonly SceneSetName[] = ['kaggle-test', 'ilc2021-test'];

/** A scene of some set: which dataset, which photo (Kaggle's number as text, ilc2021's id). */
export interface DatasetScene extends AnnotatedScene {
  dataset: typeof KAGGLE | typeof ILC2021;
  photo: string;
}

export interface SceneSetOptions {
  /** Small-data mode: the first N photos of each part or side. default: all */
  limit?: number;
  /** The Kaggle dev set's folder. default: `dataset/kaggle-face-mask-dev` */
  kaggleDir?: string;
  /** Where ilc2021 and its recorded split are read from. default: `dataset/ilc2021`, `dataset/splits.json` */
  ilc2021?: Omit<Ilc2021ReadOptions, 'limit'>;
}

/** The scenes of one set (see the table above), sorted by photo. */
export function sceneSet(name: SceneSetName, opts: SceneSetOptions = {}): DatasetScene[] {
  switch (name) {
    case 'kaggle-validation':
    case 'kaggle-test':
      return kaggleScenes(name === 'kaggle-test' ? 'test' : 'validation', { dir: opts.kaggleDir, limit: opts.limit }).map((s) => ({ file: s.file, faces: s.faces, dataset: KAGGLE, photo: String(s.photo) }));
    case 'ilc2021-val':
    case 'ilc2021-test':
      return ilc2021Scenes(name === 'ilc2021-test' ? 'test' : 'val', { ...opts.ilc2021, limit: opts.limit }).map((s) => ({ file: s.file, faces: s.faces, dataset: ILC2021, photo: s.photo }));
    default:
      throw new Error(`unknown scene set "${name as string}" (valid: ${SCENE_SETS.join(', ')})`);
  }
}

/**
 * The validation scenes every choice on scenes is made on: the Kaggle validation photos (160–199)
 * and ilc2021's validation scenes, as one list (Kaggle's first). Never a test photo.
 */
export function validationScenes(opts: SceneSetOptions = {}): DatasetScene[] {
  return [...sceneSet('kaggle-validation', opts), ...sceneSet('ilc2021-val', opts)];
}

/** "Kaggle dev test photos 200–299" — a set in words, for tables and summaries. */
export function describeSceneSet(name: SceneSetName): string {
  switch (name) {
    case 'kaggle-validation':
      return describePart('validation');
    case 'kaggle-test':
      return describePart('test');
    case 'ilc2021-val':
      return "ilc2021's validation scenes";
    case 'ilc2021-test':
      return "ilc2021's test scenes";
    default:
      throw new Error(`unknown scene set "${name as string}" (valid: ${SCENE_SETS.join(', ')})`);
  }
}
