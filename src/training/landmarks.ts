/**
 * Landmarks for training faces (the aligned crop rule, src/model/crop.ts): the recipe's landmark
 * detector (YuNet-n at 0.3 by default, `LandmarkSource`) runs on every training, validation and test
 * item's image — chandrikadeb7 images, Kaggle photos, ilc2021 crops, synthetic images — and its
 * detections are matched to the item (src/detection/landmarks.ts): to the face box by IoU, or for a
 * whole image that is one face, the best-scoring detection. An item without a match keeps no
 * landmarks, and its views fall back to the box (or the whole image). Detections are cached in
 * `.cache/landmarks/` (src/detection/landmark-finder.ts), per image file's SHA-256.
 */
import type { Config } from '../config';
import type { TrainItem } from '../data/types';
import type { LandmarkSource } from '../model/crop';
import { createLandmarkFinder, type LandmarkFinderOptions } from '../detection/landmark-finder';
import { matchLandmarks } from '../detection/landmarks';
import { decodeImage } from '../util/images';
import { mapLimit } from '../util/files';
import { progress } from '../util/progress';

/** Per item source: faces, and how many got landmarks. */
export type LandmarkCounts = Record<string, { faces: number; landmarks: number }>;

export interface AttachOptions extends LandmarkFinderOptions {
  quiet?: boolean;
}

/**
 * The items with `landmarks` set where the detector found a matching face (others unchanged), and
 * counts per source. Every list is matched the same way; images are decoded only on a cache miss.
 */
export async function attachLandmarks<T extends Record<string, TrainItem[]>>(lists: T, source: LandmarkSource, detect: Config['detect'], opts: AttachOptions = {}): Promise<{ lists: T; counts: Record<keyof T & string, LandmarkCounts> }> {
  const finder = await createLandmarkFinder(source, detect, opts);
  try {
    const all = Object.values(lists).flat();
    const byFile = new Map<string, TrainItem[]>();
    for (const it of all) byFile.set(it.file, [...(byFile.get(it.file) ?? []), it]);
    const bar = progress(`landmarks (${source.detector})`, byFile.size, { quiet: opts.quiet, unit: 'img' });
    const found = new Map<TrainItem, [number, number][] | undefined>();
    await mapLimit([...byFile], 2, async ([file, its]) => {
      const dets = await finder.detections(() => decodeImage(file), its[0].sha256);
      for (const it of its) {
        const lm = matchLandmarks(dets, it.box ?? null, source.matchIou);
        found.set(it, lm ? lm.map(([x, y]) => [x, y] as [number, number]) : undefined);
      }
      bar.tick();
    });
    bar.done();
    const out = {} as Record<string, TrainItem[]>;
    const counts = {} as Record<string, LandmarkCounts>;
    for (const [name, items] of Object.entries(lists)) {
      const c: LandmarkCounts = {};
      out[name] = items.map((it) => {
        const lm = found.get(it);
        const row = (c[it.source] ??= { faces: 0, landmarks: 0 });
        row.faces++;
        if (lm) row.landmarks++;
        return lm ? { ...it, landmarks: lm } : it;
      });
      counts[name] = c;
    }
    return { lists: out as T, counts: counts as Record<keyof T & string, LandmarkCounts> };
  } finally {
    finder.dispose();
  }
}
