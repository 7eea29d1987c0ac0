/**
 * A recipe's detector over training photos, the one way: `scanPhotos` runs it at its own threshold on
 * each photo (its boxes cached on disk, src/detection/cache.ts) — everyday-unmasked's faces are found
 * so — and not_face mining over annotated photos (training's data and `facemask calibrate`) labels
 * those boxes by ./mining.ts: a box on no annotated face is `not_face`, a box on a face is an extra
 * crop of that face's class.
 */
import type { Config } from '../config';
import type { ModelClass } from '../labels';
import type { Box } from '../result';
import type { FaceDetection } from './types';
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

/** One photo as `scanPhotos` gives it: the detector's boxes and the photo's size. */
export interface ScannedPhoto {
  file: string;
  detections: FaceDetection[];
  width: number;
  height: number;
}

/**
 * The detector `spec` names, at its own threshold, on each photo in order (boxes cached in `cacheDir`,
 * default: the project's measurement cache). Released when the loop ends, also when it ends early.
 */
export async function* scanPhotos(files: readonly string[], spec: MiningDetector, detect: Config['detect'], cacheDir: string = projectPaths().measureCache): AsyncGenerator<ScannedPhoto> {
  const det = cachedDetector(await DETECTORS.create(spec.detector, detect, spec.minScore), cacheDir, { threshold: spec.minScore, config: { ...detect, detector: null } });
  try {
    for (const file of files) {
      const img = await decodeImage(file);
      yield { file, detections: await det.detectFaces(img), width: img.width, height: img.height };
    }
  } finally {
    det.dispose();
  }
}

/**
 * Mine every scene (in order): `minFace` is the smallest face (shorter side, px) whose matched box
 * becomes an extra crop. `cacheDir` default: the project's measurement cache.
 */
export async function mineScenes<S extends { file: string; faces: readonly AnnotatedFace[] }>(scenes: readonly S[], spec: MiningDetector, detect: Config['detect'], minFace: number, cacheDir: string = projectPaths().measureCache): Promise<MinedScene<S>[]> {
  const out: MinedScene<S>[] = [];
  for await (const p of scanPhotos(scenes.map((s) => s.file), spec, detect, cacheDir)) {
    const scene = scenes[out.length];
    out.push({ scene, width: p.width, height: p.height, boxes: mineBoxes(p.detections, scene.faces, p.width, p.height, { minScore: spec.minScore, minFace }) });
  }
  return out;
}
