/**
 * On-disk caches for measurements that run a pipeline over the same photos again and again
 * (`facemask tune`, the scene measurements, not_face mining): a detector's boxes and a classifier's
 * probabilities, wrapped around the real detector and classifier so the pipeline runs unchanged.
 *
 * Each cache file is keyed by a hash of everything that changes its content — for boxes: the
 * detector, its threshold, the whole `detect` config and `BOXES_VERSION`; for probabilities: the
 * model's head and base checksums, its classes and input size, its calibration when it has one, and `PROBS_VERSION` — and each
 * entry by the SHA-1 of the image's pixels (and the boxes), so a stale result is never returned.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { Box } from '../result';
import type { RgbImage } from '../util/images';
import { writeFileAtomic } from '../util/atomic';
import type { FaceClassifier } from '../model/types';
import type { FaceDetection, FaceDetector } from './types';

/** Bump when a detector's code changes what it returns. */
export const BOXES_VERSION = 2;
/** Bump when the crop rule or the classifier's code changes its probabilities. */
export const PROBS_VERSION = 3;

/** A short hash of any JSON-able value (cache keys). */
export function keyOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 20);
}

/** SHA-1 of an image's size and pixels. */
export function pixelKey(img: RgbImage): string {
  return createHash('sha1').update(`${img.width}x${img.height}:`).update(img.data).digest('hex');
}

/** A JSON map file read once, written back (atomically, merged with what another process wrote) on `flush`. */
export class JsonMap<T> {
  private readonly map: Map<string, T>;
  private dirty = 0;
  constructor(readonly file: string) {
    this.map = new Map(Object.entries(JsonMap.read<T>(file)));
  }
  private static read<T>(file: string): Record<string, T> {
    try {
      return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, T>) : {};
    } catch {
      return {}; // a broken cache is rebuilt
    }
  }
  get(k: string): T | undefined {
    return this.map.get(k);
  }
  set(k: string, v: T): void {
    this.map.set(k, v);
    if (++this.dirty >= 50) this.flush();
  }
  flush(): void {
    if (!this.dirty) return;
    const merged = { ...JsonMap.read<T>(this.file), ...Object.fromEntries(this.map) };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, JSON.stringify(merged));
    this.dirty = 0;
  }
}

/** The detector with its boxes cached in `dir/boxes-<detector>-<key>.json` (`identity`: what else shapes its boxes). */
export function cachedDetector(detector: FaceDetector, dir: string, identity: unknown): FaceDetector {
  const cache = new JsonMap<FaceDetection[]>(path.join(dir, `boxes-${detector.name}-${keyOf({ v: BOXES_VERSION, name: detector.name, identity })}.json`));
  return {
    name: detector.name,
    async detectFaces(image) {
      const k = pixelKey(image);
      const hit = cache.get(k);
      if (hit) return hit.map((d) => ({ ...d, box: [...d.box] as Box }));
      const found = await detector.detectFaces(image);
      cache.set(k, found);
      return found;
    },
    dispose() {
      cache.flush();
      detector.dispose();
    },
  };
}

/** The classifier with its probabilities of boxes cached in `dir/probs-<key>.json` (`identity`: the model's checksums and classes). */
export function cachedClassifier(classifier: FaceClassifier, dir: string, identity: unknown): FaceClassifier & { flush(): void } {
  const cache = new JsonMap<number[][]>(path.join(dir, `probs-${keyOf({ v: PROBS_VERSION, identity })}.json`));
  return {
    classes: classifier.classes,
    decision: classifier.decision,
    inputSize: classifier.inputSize,
    crop: classifier.crop,
    probabilities: (images) => classifier.probabilities(images),
    async probabilitiesOfBoxes(image, boxes, landmarks) {
      if (boxes.length === 0) return [];
      // landmarks shape the crop only under the aligned rule (so box-rule entries stay valid)
      const k = `${pixelKey(image)}|${keyOf(boxes)}${classifier.crop?.kind === 'aligned' ? `|${keyOf(landmarks ?? null)}` : ''}`;
      const hit = cache.get(k);
      if (hit) return hit.map((p) => Float32Array.from(p));
      const probs = await classifier.probabilitiesOfBoxes(image, boxes, landmarks);
      cache.set(k, probs.map((p) => Array.from(p)));
      return probs;
    },
    flush: () => cache.flush(),
    dispose() {
      cache.flush();
      classifier.dispose();
    },
  };
}
