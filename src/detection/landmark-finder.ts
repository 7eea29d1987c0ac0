/**
 * Landmarks for faces that have none yet (training faces, evaluation sets' annotated boxes, photos
 * given to `facemask classify`): the aligned model's landmark detector (its manifest's crop rule,
 * `LandmarkSource`: YuNet-n at 0.3 by default) run on the face's image, its detections matched to
 * the face (src/detection/landmarks.ts). Detections are cached on disk per image in
 * `.cache/landmarks/`, keyed by a hash of everything that shapes them (the detector, its threshold,
 * the whole `detect` config, `BOXES_VERSION`) and per entry by the image file's SHA-256 (or its
 * pixels), so a stale entry is never returned and a hit needs no decoding.
 */
import * as path from 'node:path';
import type { Box } from '../result';
import type { RgbImage } from '../util/images';
import type { Engine } from '../backend/engine';
import type { Landmarks, LandmarkSource } from '../model/crop';
import { projectPaths } from '../paths';
import { BOXES_VERSION, JsonMap, keyOf, pixelKey } from './cache';
import { DETECTORS } from './detectors';
import { matchLandmarks } from './landmarks';
import type { DetectConfig } from './registry';
import type { FaceDetection, FaceDetector } from './types';

export interface LandmarkFinder {
  readonly source: LandmarkSource;
  /** The detector's faces on an image (`load` is called only on a cache miss); `key`: the file's SHA-256, else the pixels' hash. */
  detections(load: () => Promise<RgbImage>, key?: string): Promise<FaceDetection[]>;
  /** The landmarks of the face at `box` (null: the image is one face), or undefined when no detection matches. */
  landmarks(load: () => Promise<RgbImage>, box: Box | null, key?: string): Promise<Landmarks | undefined>;
  /** Write the cache and release the detector. */
  dispose(): void;
}

export interface LandmarkFinderOptions {
  /** Cache folder (null: none). default: `.cache/landmarks` */
  cacheDir?: string | null;
  /** The ONNX engine for YuNet (default: a new one). */
  engine?: Engine;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** A finder over the registry's detector named by `source` (it must give landmarks). */
export async function createLandmarkFinder(source: LandmarkSource, config: DetectConfig, opts: LandmarkFinderOptions = {}): Promise<LandmarkFinder> {
  const detector: FaceDetector = await DETECTORS.create(source.detector, config, source.minScore, { engine: opts.engine });
  const dir = opts.cacheDir === undefined ? path.join(projectPaths().cache, 'landmarks') : opts.cacheDir;
  const cache = dir ? new JsonMap<FaceDetection[]>(path.join(dir, `${source.detector}-${keyOf({ v: BOXES_VERSION, detector: source.detector, minScore: source.minScore, config: { ...config, detector: null } })}.json`)) : null;
  let checked = false;
  const detections = async (load: () => Promise<RgbImage>, key?: string): Promise<FaceDetection[]> => {
    const hit = key ? cache?.get(key) : undefined;
    if (hit) return hit;
    const img = await load();
    const k = key ?? pixelKey(img);
    const hit2 = key ? undefined : cache?.get(k);
    if (hit2) return hit2;
    const found = (await detector.detectFaces(img)).map((d) => ({ box: d.box.map(round2) as Box, score: round2(d.score), ...(d.landmarks ? { landmarks: d.landmarks.map(([x, y]) => [round2(x), round2(y)] as [number, number]) } : {}) }));
    if (!checked && found.length && found.every((d) => !d.landmarks)) throw new Error(`the landmark detector "${source.detector}" gives no landmarks: an aligned crop needs one that does (yunet, yunet-n)`);
    checked ||= found.length > 0;
    cache?.set(k, found);
    return found;
  };
  return {
    source,
    detections,
    async landmarks(load, box, key) {
      return matchLandmarks(await detections(load, key), box, source.matchIou);
    },
    dispose() {
      cache?.flush();
      detector.dispose();
    },
  };
}
