/**
 * The Kaggle face-mask dev set (`kaggle-face-mask-dev`, 300 street photos with annotated faces) and
 * its fixed partition by photo number — the one owner of these rules (docs/contracts.md "Splits"):
 *
 * | part         | photos  | used for                                                        |
 * |--------------|---------|-----------------------------------------------------------------|
 * | `fit`        | 0–159   | training (face crops) and mining not_face boxes                 |
 * | `validation` | 160–199 | choosing settings (`facemask tune`, a recipe's variants)         |
 * | `test`       | 200–299 | measuring only; every real-scene number the README reports      |
 *
 * Photos in `KAGGLE_EXCLUDED` are left out of fitting and validation (each is a copy of a test
 * photo). A face counts for measurements when the shorter side of its box is >= `faces.minSize`
 * (24 px). A model's manifest records the photos it was fitted on (`training.photos`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { datasetDir } from '../paths';
import type { Box } from '../result';
import type { AnnotatedScene, FaceItem } from './types';
import { parseVocXml } from './voc';

export const KAGGLE = 'kaggle-face-mask-dev';

export type KagglePart = 'fit' | 'validation' | 'test';
export const KAGGLE_PART_NAMES: readonly KagglePart[] = ['fit', 'validation', 'test'];

/** First and last photo number of each part. */
export const KAGGLE_PARTS: Readonly<Record<KagglePart, readonly [number, number]>> = { fit: [0, 159], validation: [160, 199], test: [200, 299] };

/** Photos never used to fit or validate, with the reason (found by `facemask inspect`: byte-identical copies of test photos). */
export const KAGGLE_EXCLUDED: ReadonlyMap<number, string> = new Map([[146, 'byte-identical to test photo 219']]);

/** The photo number of a Kaggle dev image (`images/maksssksksss123.jpg` → 123), or null. */
export function kagglePhotoNumber(file: string): number | null {
  const m = /maksssksksss(\d+)\.[^/]*$/.exec(file);
  return m ? Number(m[1]) : null;
}

/** The part of a photo number; throws outside 0–299. */
export function kagglePart(photo: number): KagglePart {
  for (const p of KAGGLE_PART_NAMES) if (photo >= KAGGLE_PARTS[p][0] && photo <= KAGGLE_PARTS[p][1]) return p;
  throw new Error(`not a Kaggle dev photo number (0–299): ${photo}`);
}

/** The part of a Kaggle dev image path; throws for any other file. */
export function kagglePartOf(file: string): KagglePart {
  const n = kagglePhotoNumber(file);
  if (n === null || !Number.isInteger(n)) throw new Error(`not a Kaggle dev photo (expected maksssksksss0–299): ${file}`);
  return kagglePart(n);
}

/** Whether a photo may be used for fitting or validation (test photos are measured, excluded ones never used). */
export function kaggleUsable(photo: number): boolean {
  return !KAGGLE_EXCLUDED.has(photo);
}

/** A face counts for measurements when the shorter side of its box is at least `minSize` (config `faces.minSize`, 24 px). */
export function faceCounts(box: Box, minSize: number): boolean {
  return Math.min(box[2], box[3]) >= minSize;
}

/** One annotated photo of the dev set: annotated faces (every size), boxes `[x, y, w, h]`. */
export interface KaggleScene extends AnnotatedScene {
  /** Photo number (0–299). */
  photo: number;
}

/**
 * The annotated photos of some parts, sorted by number; excluded photos are left out of `fit` and
 * `validation`. `limit`: the first N photos of each part (small-data mode).
 */
export function kaggleScenes(parts: KagglePart | readonly KagglePart[], opts: { dir?: string; limit?: number } = {}): KaggleScene[] {
  const want = new Set(typeof parts === 'string' ? [parts] : parts);
  const dir = opts.dir ?? datasetDir(KAGGLE);
  const annDir = path.join(dir, 'annotations');
  const imgDir = path.join(dir, 'images');
  if (!fs.existsSync(annDir)) throw new Error(`Kaggle dev set not installed: ${annDir} missing (run "facemask prepare")`);
  const out: KaggleScene[] = [];
  for (const f of fs.readdirSync(annDir)) {
    if (!f.endsWith('.xml')) continue;
    const n = kagglePhotoNumber(f.replace(/\.xml$/, '.jpg'));
    if (n === null || n > 299) continue;
    const part = kagglePart(n);
    if (!want.has(part) || (part !== 'test' && !kaggleUsable(n))) continue;
    const file = path.join(imgDir, f.replace(/\.xml$/, '.jpg'));
    const ann = parseVocXml(fs.readFileSync(path.join(annDir, f), 'utf8'));
    out.push({ file, photo: n, faces: ann.faces.map((a) => ({ file, box: a.box, label: a.label })) });
  }
  out.sort((a, b) => a.photo - b.photo);
  if (opts.limit === undefined) return out;
  return KAGGLE_PART_NAMES.flatMap((p) => out.filter((s) => kagglePart(s.photo) === p).slice(0, opts.limit));
}

/** The faces of some scenes that count for measurements (shorter side >= `minSize`). */
export function countedFaces(scenes: KaggleScene[], minSize: number): (FaceItem & { box: Box })[] {
  return scenes.flatMap((s) => s.faces.filter((f) => faceCounts(f.box, minSize)));
}

/** "photos 160–199" — a part's range for messages and reports. */
export function describePart(part: KagglePart): string {
  const [a, b] = KAGGLE_PARTS[part];
  return `Kaggle dev ${part} photos ${a}–${b}`;
}
