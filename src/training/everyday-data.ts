/**
 * everyday-unmasked's **train** side as training items (`data.everydayCopies` > 0): the photos carry
 * no face boxes, so the recipe's detector (its not_face detector, YuNet-n by default) finds them —
 * every box it scores at least `EVERYDAY_MIN_SCORE` whose shorter side is at least the recipe's
 * smallest training face is a `without_mask` face (every face of the set is; src/data/everyday.ts),
 * used `copies` times with its own views. Its validation and test photos are never read here; a photo
 * of the confuser set's groups is left out. Boxes are cached with the measurement cache (src/detection/mine-scenes.ts `scanPhotos`).
 */
import type { Config } from '../config';
import type { Box } from '../result';
import type { TrainItem } from '../data/types';
import { readSplitFile, recordsForSplit } from '../data/split';
import { EVERYDAY_LABEL, EVERYDAY_UNMASKED } from '../data/everyday';
import { clampBox } from '../util/images';
import { scanPhotos } from '../detection/mine-scenes';

/** A box the detector scores below this is not taken for a face of an everyday photo (the shipped threshold is 0.6). */
export const EVERYDAY_MIN_SCORE = 0.7;

/** The faces found on one everyday photo (pure): the detector's boxes scored at least `EVERYDAY_MIN_SCORE`, clamped inside the image, at least `minFace` px (shorter side), each a without_mask face. */
export function everydayFaces(detections: readonly { box: Box; score: number }[], width: number, height: number, minFace: number): Box[] {
  return detections
    .filter((d) => d.score >= EVERYDAY_MIN_SCORE)
    .map((d) => clampBox(d.box, width, height))
    .filter((b) => Math.min(b[2], b[3]) >= Math.max(1, minFace));
}

/**
 * The train side's faces, `copies` times each. `isConfuser` leaves a photo out; `limit`: the first N
 * photos (small-data mode).
 */
export async function everydayTrainItems(o: { copies: number; detector: string; minFace: number; config: Config; isConfuser: (sha: string) => boolean; limit?: number; cacheDir?: string }): Promise<{ items: TrainItem[]; photos: number; faces: number; confuserPhotos: number }> {
  if (o.copies <= 0) return { items: [], photos: 0, faces: 0, confuserPhotos: 0 };
  const all = recordsForSplit(readSplitFile(), 'train').filter((r) => r.dataset === EVERYDAY_UNMASKED);
  const kept = all.filter((r) => !o.isConfuser(r.sha256));
  const records = kept.slice(0, o.limit);
  const items: TrainItem[] = [];
  let faces = 0;
  let i = 0;
  for await (const p of scanPhotos(records.map((r) => r.path), { detector: o.detector, minScore: EVERYDAY_MIN_SCORE }, o.config.detect, o.cacheDir)) {
    const r = records[i++];
    for (const box of everydayFaces(p.detections, p.width, p.height, o.minFace)) {
      faces++;
      const item: TrainItem = { file: r.path, sha256: r.sha256, label: EVERYDAY_LABEL, box, source: 'everyday', group: `everyday:${r.group}` };
      for (let k = 0; k < o.copies; k++) items.push(k ? { ...item, copy: k } : item);
    }
  }
  return { items, photos: records.length, faces, confuserPhotos: all.length - kept.length };
}
