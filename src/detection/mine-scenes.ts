/**
 * not_face mining over annotated photos, the one way (training's data and `facemask calibrate` both
 * use it): the recipe's detector at its own low threshold runs on each photo (its boxes cached on disk,
 * src/detection/cache.ts), and its boxes are labelled by ./mining.ts — a box on no annotated face is
 * `not_face`, a box on a face is an extra crop of that face's class.
 */
import type { Config } from '../config';
import type { ModelClass } from '../labels';
import type { Box } from '../result';
import type { AnnotatedFace } from '../data/types';
import { projectPaths } from '../paths';
import { decodeImage } from '../util/images';
import { DETECTORS } from './detectors';
import { cachedDetector } from './cache';
import { mineBoxes } from './mining';

/** The detector a recipe mines with, and the score its boxes must reach. */
export interface MiningDetector {
  detector: string;
  minScore: number;
}

/** One photo's mined boxes. */
export interface MinedScene<S> {
  scene: S;
  boxes: { box: Box; label: ModelClass }[];
  width: number;
  height: number;
}

/**
 * Mine every scene (in order): `minFace` is the smallest face (shorter side, px) whose matched box
 * becomes an extra crop. `cacheDir` default: the project's measurement cache.
 */
export async function mineScenes<S extends { file: string; faces: readonly AnnotatedFace[] }>(scenes: readonly S[], spec: MiningDetector, detect: Config['detect'], minFace: number, cacheDir: string = projectPaths().measureCache): Promise<MinedScene<S>[]> {
  const det = cachedDetector(await DETECTORS.create(spec.detector, detect, spec.minScore), cacheDir, { threshold: spec.minScore, config: { ...detect, detector: null } });
  const out: MinedScene<S>[] = [];
  try {
    for (const scene of scenes) {
      const img = await decodeImage(scene.file);
      out.push({ scene, width: img.width, height: img.height, boxes: mineBoxes(await det.detectFaces(img), scene.faces, img.width, img.height, { minScore: spec.minScore, minFace }) });
    }
  } finally {
    det.dispose();
  }
  return out;
}
