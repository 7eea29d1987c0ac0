/**
 * The ilc2021 dataset (`dataset/ilc2021/`, see ../shared/README.md) and its fixed split by photo —
 * the one owner of these rules (docs/contracts.md "Splits"):
 *
 * - `crops/` with `crops.jsonl`: one real face per crop (the face box doubled around its centre),
 *   each line `file`, `label`, `box` [x, y, w, h] of the face inside the crop, `photo` (the source
 *   photo's id), `face_px` (the face's shorter side in the source photo) and `padded`.
 * - `scenes/`: whole photos, `images/<photo>.jpg` with `annotations/<photo>.xml` (PASCAL VOC,
 *   `with_incorrect_mask` becomes `incorrect_mask`). A scene's file stem is its photo id, so a
 *   photo's crops and its scene are found together.
 *
 * The split is by photo group (a photo's crops and scene, plus whatever the near-duplicate check
 * puts with them), 60 / 20 / 20, stratified so that validation and test each hold about a fifth
 * of the incorrectly worn faces; it is built by `facemask inspect` (`buildIlc2021Split`) and
 * recorded in `dataset/splits.json` under `ilc2021`. Training, choices of settings and the test
 * measurement all read it from there (`readIlc2021Split`, `ilc2021Crops`, `ilc2021Scenes`).
 *
 * The source states no licence: its images are never committed or redistributed.
 *
 * Long (~510 lines) because it is the one owner of everything ilc2021: reading both layouts with
 * their checks, the photo grouping against the other datasets, the split and its reader.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { datasetDir, projectPaths } from '../paths';
import { normaliseLabel, LABELS, type Label } from '../labels';
import { mulberry32 } from '../util/random';
import type { Box } from '../result';
import type { AnnotatedFace, AnnotatedScene, FaceItem, SplitName } from './types';
import { parseVocXml } from './voc';

export const ILC2021 = 'ilc2021';
export const ILC2021_CROPS_LIST = 'crops.jsonl';

/** One line of `crops.jsonl`, checked. */
export interface Ilc2021CropLine {
  /** Path relative to the dataset folder (`crops/<photo>_<k>.jpg`). */
  file: string;
  label: Label;
  /** The face inside the crop, [x, y, w, h] in the crop's pixels. */
  box: Box;
  photo: string;
  /** The face's shorter side in the source photo (px). */
  facePx: number;
  /** The doubled box left the photo and its edges were replicated. */
  padded: boolean;
}

/** A face crop as a labelled face (`FaceItem`, the face box inside the crop) with its photo. */
export interface Ilc2021Crop extends FaceItem {
  box: Box;
  photo: string;
  facePx: number;
  padded: boolean;
}

/** One annotated scene: the photo and its faces (every size), like a Kaggle scene. */
export interface Ilc2021Scene extends AnnotatedScene {
  photo: string;
}

/** Parse and check `crops.jsonl`; throws one message naming every bad line (at most 10). */
export function parseCropsList(text: string, source = ILC2021_CROPS_LIST): Ilc2021CropLine[] {
  const { lines, errors } = parseCropsLines(text, source);
  if (errors.length) throw new Error(`${errors.length} bad line(s) in ${source}: ${errors.slice(0, 10).map((e) => e.reason).join('; ')}`);
  return lines;
}

/** Parse `crops.jsonl` line by line: the good lines, and each bad line with its reason. */
export function parseCropsLines(text: string, source = ILC2021_CROPS_LIST): { lines: Ilc2021CropLine[]; errors: { line: number; file?: string; reason: string }[] } {
  const lines: Ilc2021CropLine[] = [];
  const errors: { line: number; file?: string; reason: string }[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    const where = `${source}:${i + 1}`;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(raw);
    } catch {
      errors.push({ line: i + 1, reason: `${where}: not a JSON line` });
      return;
    }
    const file = typeof o.file === 'string' ? o.file : undefined;
    const bad = (why: string) => errors.push({ line: i + 1, file, reason: `${where}: ${why}` });
    if (!file || !/^crops\/[^/]+$/.test(file)) return bad(`"file" must be crops/<name> (got ${JSON.stringify(o.file)})`);
    let label: Label;
    try {
      label = normaliseLabel(String(o.label));
    } catch (e) {
      return bad((e as Error).message);
    }
    const box = o.box;
    if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v)) || box[2] <= 0 || box[3] <= 0 || box[0] < 0 || box[1] < 0) {
      return bad(`"box" must be [x, y, w, h] with x, y >= 0 and w, h > 0 (got ${JSON.stringify(box)})`);
    }
    if (typeof o.photo !== 'string' || !/^[A-Za-z0-9_-]+$/.test(o.photo)) return bad(`"photo" must be a photo id (got ${JSON.stringify(o.photo)})`);
    if (typeof o.face_px !== 'number' || !(o.face_px > 0)) return bad(`"face_px" must be a positive number (got ${JSON.stringify(o.face_px)})`);
    if (typeof o.padded !== 'boolean') return bad(`"padded" must be true or false (got ${JSON.stringify(o.padded)})`);
    if (seen.has(file)) return bad(`${file} is listed twice (first on line ${seen.get(file)})`);
    seen.set(file, i + 1);
    lines.push({ file, label, box: box as Box, photo: o.photo, facePx: o.face_px, padded: o.padded });
  });
  return { lines, errors };
}

/** The photo id of a file of the dataset: `crops/<photo>_<k>.jpg` (via its line) or `scenes/images/<photo>.jpg`. */
export function scenePhotoOf(relPath: string): string | null {
  const m = /^scenes\/images\/([^/]+)\.[^./]+$/.exec(relPath);
  return m ? m[1] : null;
}

/** What loading needs to know about one file of the dataset (see `loadDatasets`). */
export interface Ilc2021Entry {
  relPath: string;
  photo: string;
  /** Crops: the label and the face box inside the crop. */
  label?: Label;
  face?: AnnotatedFace;
  /** Scenes: the annotation file (absolute). */
  annotation?: string;
}

/**
 * Sort the files of an installed copy (paths relative to `dir`, forward slashes) into crops and
 * scenes to load, and files that cannot be used with the reason: a crop not in `crops.jsonl` or a
 * bad line of it, a line naming a missing crop, a scene without its annotation or the reverse, a
 * file outside `crops/` and `scenes/`.
 */
export function ilc2021Entries(dir: string, files: string[]): { entries: Ilc2021Entry[]; failures: { relPath: string; reason: string }[] } {
  const entries: Ilc2021Entry[] = [];
  const failures: { relPath: string; reason: string }[] = [];
  const fileSet = new Set(files);
  const listFile = path.join(dir, ILC2021_CROPS_LIST);
  const byFile = new Map<string, Ilc2021CropLine>();
  const badLine = new Map<string, string>();
  if (fs.existsSync(listFile)) {
    const { lines, errors } = parseCropsLines(fs.readFileSync(listFile, 'utf8'));
    for (const l of lines) byFile.set(l.file, l);
    for (const e of errors) {
      if (e.file && fileSet.has(e.file)) badLine.set(e.file, e.reason);
      else failures.push({ relPath: ILC2021_CROPS_LIST, reason: e.reason });
    }
  }
  const xmls = new Set(files.filter((f) => f.startsWith('scenes/annotations/') && f.toLowerCase().endsWith('.xml')));
  const sceneStems = new Set<string>();
  for (const f of files) {
    if (f === 'SHA256SUMS' || f === ILC2021_CROPS_LIST) continue;
    if (f.startsWith('crops/')) {
      const line = byFile.get(f);
      if (line) entries.push({ relPath: f, photo: line.photo, label: line.label, face: { box: line.box, label: line.label } });
      else failures.push({ relPath: f, reason: badLine.get(f) ?? (fs.existsSync(listFile) ? `not listed in ${ILC2021_CROPS_LIST}` : `no ${ILC2021_CROPS_LIST} (it gives each crop its label, face box and photo)`) });
      continue;
    }
    if (f.startsWith('scenes/annotations/')) {
      if (!xmls.has(f)) failures.push({ relPath: f, reason: 'not an annotation (expected .xml)' });
      continue;
    }
    const photo = scenePhotoOf(f);
    if (photo === null) {
      failures.push({ relPath: f, reason: `outside crops/ and scenes/{images,annotations}/` });
      continue;
    }
    sceneStems.add(photo);
    const ann = `scenes/annotations/${photo}.xml`;
    if (!xmls.has(ann)) failures.push({ relPath: f, reason: `no annotation ${ann}` });
    else entries.push({ relPath: f, photo, annotation: path.join(dir, ann) });
  }
  for (const x of xmls) {
    const stem = path.posix.basename(x).replace(/\.xml$/i, '');
    if (!sceneStems.has(stem)) failures.push({ relPath: x, reason: `annotation without an image (scenes/images/${stem}.*)` });
  }
  for (const [f, l] of byFile) if (!fileSet.has(f)) failures.push({ relPath: ILC2021_CROPS_LIST, reason: `lists ${f} (photo ${l.photo}), which is missing` });
  return { entries, failures };
}

/**
 * Small-data mode: whole photos in name order, kept while some label still has fewer than `n`
 * crops, plus photos with a scene while fewer than `n` scenes are kept (a photo's crops and scene
 * stay together).
 */
export function ilc2021Subset<E extends { photo: string; label?: Label; annotation?: string }>(entries: E[], n: number): E[] {
  const byPhoto = new Map<string, E[]>();
  for (const e of entries) byPhoto.set(e.photo, [...(byPhoto.get(e.photo) ?? []), e]);
  const kept = new Set<string>();
  const crops = new Map<Label, number>();
  let scenes = 0;
  for (const photo of [...byPhoto.keys()].sort()) {
    const es = byPhoto.get(photo)!;
    const wantsCrop = es.some((e) => e.label && (crops.get(e.label) ?? 0) < n);
    const wantsScene = es.some((e) => e.annotation) && scenes < n;
    if (!wantsCrop && !wantsScene) continue;
    kept.add(photo);
    for (const e of es) {
      if (e.label) crops.set(e.label, (crops.get(e.label) ?? 0) + 1);
      if (e.annotation) scenes++;
    }
  }
  return entries.filter((e) => kept.has(e.photo));
}

// ---------------------------------------------------------------------------------------------
// Reading the installed copy (no decoding): crops and scenes as labelled faces

/** The crops listed in `crops.jsonl`, as labelled faces with absolute paths (throws when a line is bad). */
export function readIlc2021Crops(dir: string = datasetDir(ILC2021)): Ilc2021Crop[] {
  const list = path.join(dir, ILC2021_CROPS_LIST);
  if (!fs.existsSync(list)) throw new Error(`ilc2021 not installed: ${list} missing (run "facemask prepare --mirror ../shared --only ilc2021")`);
  return parseCropsList(fs.readFileSync(list, 'utf8'), list).map((l) => ({ file: path.join(dir, l.file), box: l.box, label: l.label, photo: l.photo, facePx: l.facePx, padded: l.padded }));
}

/** Every annotated scene, sorted by photo id, boxes `[x, y, w, h]`. */
export function readIlc2021Scenes(dir: string = datasetDir(ILC2021)): Ilc2021Scene[] {
  const annDir = path.join(dir, 'scenes', 'annotations');
  if (!fs.existsSync(annDir)) throw new Error(`ilc2021 not installed: ${annDir} missing (run "facemask prepare --mirror ../shared --only ilc2021")`);
  const out: Ilc2021Scene[] = [];
  for (const f of fs.readdirSync(annDir).sort()) {
    if (!f.endsWith('.xml')) continue;
    const photo = f.replace(/\.xml$/, '');
    const file = path.join(dir, 'scenes', 'images', `${photo}.jpg`);
    let faces: AnnotatedFace[];
    try {
      faces = parseVocXml(fs.readFileSync(path.join(annDir, f), 'utf8')).faces;
    } catch (e) {
      throw new Error(`ilc2021 scene ${f}: ${(e as Error).message}`);
    }
    out.push({ file, photo, faces: faces.map((a) => ({ file, box: a.box, label: a.label })) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The split by photo group

export const ILC2021_SPLITS: readonly SplitName[] = ['train', 'val', 'test'];
/** The ratios of the split, by photo group. */
export const ILC2021_RATIOS: Readonly<Record<SplitName, number>> = { train: 0.6, val: 0.2, test: 0.2 };
export const ILC2021_SPLIT_VERSION = 1;

/** What a photo holds, for the split: crops per label, and its scene if there is one. */
export interface Ilc2021PhotoCounts {
  photo: string;
  crops: Partial<Record<Label, number>>;
  /** Its scene is installed. */
  scene: boolean;
  /** Its scene shows an incorrectly worn mask. */
  sceneIncorrect: boolean;
}

/** Where a group must go because of what it shares with another dataset, or why it is left out. */
export type Ilc2021Pin = { split: SplitName; reason: string } | { exclude: string };

/** Another dataset's image in the same near-duplicate group as an ilc2021 photo. */
export interface Ilc2021Link {
  photo: string;
  dataset: string;
  path: string;
  sha256: string;
  /** Its side: the Kaggle dev part, or its split in the same split file. */
  side?: string;
}

export interface Ilc2021PhotoEntry {
  group: string;
  split: SplitName;
}

/** Counts per side: photos, scenes, scenes with an incorrectly worn mask, crops per label. */
export type Ilc2021SideCounts = { photos: number; scenes: number; scenesIncorrect: number } & Partial<Record<Label, number>>;

/** The `ilc2021` section of `dataset/splits.json`. */
export interface Ilc2021Split {
  version: number;
  seed: number;
  ratios: Record<SplitName, number>;
  /** The datasets its near-duplicate groups were checked against. */
  checkedAgainst: string[];
  counts: Record<SplitName, Ilc2021SideCounts>;
  /** Photos never used, with the reason (grouped with a Kaggle dev test photo, or pulled two ways). */
  excluded: Record<string, string>;
  /** Other datasets' images grouped with ilc2021 photos (leave them out when those photos are measured). */
  links: Ilc2021Link[];
  /** Every photo that is used: its group and side. */
  photos: Record<string, Ilc2021PhotoEntry>;
}

/**
 * Assign ilc2021's photo groups to train / val / test (docs/contracts.md "Splits"):
 * - a group is one side, whole: a photo's crops and scene together, near-duplicate photos together;
 * - pinned groups go where their pin says (a group sharing images with the Kaggle dev set's fit
 *   part is training, with its validation part validation) or are excluded (with its test part);
 * - the others, in a seeded random order, larger groups first, each go to the side with the
 *   largest shortfall against its targets, counted per stratum: crops of each label (so each of
 *   validation and test gets about a fifth of the incorrectly worn faces), scenes, and scenes with
 *   an incorrectly worn mask.
 * Same inputs and seed → same result (input order does not matter).
 */
export function buildIlc2021Split(
  photos: Ilc2021PhotoCounts[],
  groupOf: ReadonlyMap<string, string>,
  opts: { seed: number; ratios?: Record<SplitName, number>; pins?: ReadonlyMap<string, Ilc2021Pin>; links?: Ilc2021Link[]; checkedAgainst?: string[] },
): Ilc2021Split {
  const ratios = opts.ratios ?? { ...ILC2021_RATIOS };
  const sum = ILC2021_SPLITS.reduce((a, s) => a + ratios[s], 0);
  if (ILC2021_SPLITS.some((s) => !(ratios[s] >= 0)) || Math.abs(sum - 1) > 1e-9) throw new Error(`ilc2021 split ratios must be >= 0 and sum to 1 (got ${JSON.stringify(ratios)})`);
  const strata = [...LABELS, 'scene', 'sceneIncorrect'] as const;
  type Stratum = (typeof strata)[number];
  const vec = (p: Ilc2021PhotoCounts): Record<Stratum, number> => ({
    with_mask: p.crops.with_mask ?? 0,
    without_mask: p.crops.without_mask ?? 0,
    incorrect_mask: p.crops.incorrect_mask ?? 0,
    scene: p.scene ? 1 : 0,
    sceneIncorrect: p.sceneIncorrect ? 1 : 0,
  });
  const groups = new Map<string, { photos: string[]; v: Record<Stratum, number> }>();
  const seenPhoto = new Set<string>();
  for (const p of photos) {
    if (seenPhoto.has(p.photo)) throw new Error(`ilc2021 photo ${p.photo} given twice`);
    seenPhoto.add(p.photo);
    const g = groupOf.get(p.photo) ?? p.photo;
    const cur = groups.get(g) ?? { photos: [], v: { with_mask: 0, without_mask: 0, incorrect_mask: 0, scene: 0, sceneIncorrect: 0 } };
    cur.photos.push(p.photo);
    const v = vec(p);
    for (const k of strata) cur.v[k] += v[k];
    groups.set(g, cur);
  }
  const excluded: Record<string, string> = {};
  const total = Object.fromEntries(strata.map((k) => [k, 0])) as Record<Stratum, number>;
  for (const [g, x] of groups) {
    const pin = opts.pins?.get(g);
    if (pin && 'exclude' in pin) for (const p of x.photos) excluded[p] = pin.exclude;
    else for (const k of strata) total[k] += x.v[k];
  }
  const cur = new Map<string, number>();
  const key = (s: SplitName, k: Stratum) => `${s}|${k}`;
  const assigned = new Map<string, SplitName>();
  const place = (g: string, s: SplitName) => {
    assigned.set(g, s);
    for (const k of strata) cur.set(key(s, k), (cur.get(key(s, k)) ?? 0) + groups.get(g)!.v[k]);
  };
  const ids = [...groups.keys()].sort();
  for (const g of ids) {
    const pin = opts.pins?.get(g);
    if (pin && 'split' in pin) place(g, pin.split);
  }
  const free = ids.filter((g) => !opts.pins?.has(g));
  const rand = mulberry32(opts.seed);
  for (let i = free.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [free[i], free[j]] = [free[j], free[i]];
  }
  const size = (g: string) => strata.reduce((a, k) => a + (k === 'sceneIncorrect' ? 0 : groups.get(g)!.v[k]), 0);
  free.sort((a, b) => size(b) - size(a)); // stable: ties keep the shuffled order
  // each goes to the side whose targets it fills most (shortfall weighted by the group's counts)
  const shortfall = (v: Record<Stratum, number>, s: SplitName) => strata.reduce((acc, k) => (v[k] ? acc + (v[k] * (ratios[s] * total[k] - (cur.get(key(s, k)) ?? 0))) / Math.max(ratios[s] * total[k], 1e-9) : acc), 0);
  for (const g of free) {
    const v = groups.get(g)!.v;
    let best: SplitName = 'train';
    let bestScore = -Infinity;
    for (const s of ILC2021_SPLITS.filter((x) => ratios[x] > 0)) {
      const score = shortfall(v, s);
      if (score > bestScore + 1e-12) [bestScore, best] = [score, s];
    }
    place(g, best);
  }
  const out: Record<string, Ilc2021PhotoEntry> = {};
  for (const p of [...seenPhoto].sort()) {
    if (excluded[p]) continue;
    const g = groupOf.get(p) ?? p;
    out[p] = { group: g, split: assigned.get(g)! };
  }
  const counts = sideCounts(photos, out);
  const sortedExcluded: Record<string, string> = {};
  for (const p of Object.keys(excluded).sort()) sortedExcluded[p] = excluded[p];
  const links = [...(opts.links ?? [])].sort((a, b) => (a.photo === b.photo ? (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0) : a.photo < b.photo ? -1 : 1));
  return { version: ILC2021_SPLIT_VERSION, seed: opts.seed, ratios: { ...ratios }, checkedAgainst: [...(opts.checkedAgainst ?? [])].sort(), counts, excluded: sortedExcluded, links, photos: out };
}

/** Photos, scenes and crops per label on each side of a split. */
function sideCounts(photos: readonly Ilc2021PhotoCounts[], entries: Record<string, Ilc2021PhotoEntry>): Record<SplitName, Ilc2021SideCounts> {
  const counts = Object.fromEntries(ILC2021_SPLITS.map((s) => [s, { photos: 0, scenes: 0, scenesIncorrect: 0, with_mask: 0, without_mask: 0, incorrect_mask: 0 } as Ilc2021SideCounts])) as Record<SplitName, Ilc2021SideCounts>;
  for (const p of photos) {
    const e = entries[p.photo];
    if (!e) continue;
    const c = counts[e.split];
    c.photos++;
    if (p.scene) c.scenes++;
    if (p.sceneIncorrect) c.scenesIncorrect++;
    for (const l of LABELS) c[l] = (c[l] ?? 0) + (p.crops[l] ?? 0);
  }
  return counts;
}

/** What each photo holds, from the installed copy's crops and scenes (no decoding). */
export function ilc2021PhotoCounts(crops: { photo: string; label: Label }[], scenes: { photo: string; faces: { label: Label }[] }[]): Ilc2021PhotoCounts[] {
  const m = new Map<string, Ilc2021PhotoCounts>();
  const get = (photo: string) => {
    let p = m.get(photo);
    if (!p) m.set(photo, (p = { photo, crops: {}, scene: false, sceneIncorrect: false }));
    return p;
  };
  for (const c of crops) {
    const p = get(c.photo);
    p.crops[c.label] = (p.crops[c.label] ?? 0) + 1;
  }
  for (const s of scenes) {
    const p = get(s.photo);
    p.scene = true;
    if (s.faces.some((f) => f.label === 'incorrect_mask')) p.sceneIncorrect = true;
  }
  return [...m.values()].sort((a, b) => (a.photo < b.photo ? -1 : a.photo > b.photo ? 1 : 0));
}

/** Deterministic text of the section: fixed key order, one photo per line (inside `dataset/splits.json`). */
export function serialiseIlc2021Split(s: Ilc2021Split, indent = '  '): string {
  const i2 = indent + '  ';
  const head = ['version', 'seed', 'ratios', 'checkedAgainst', 'counts', 'excluded'] as const;
  const lines = head.map((k) => `${i2}${JSON.stringify(k)}: ${JSON.stringify(s[k])}`);
  lines.push(`${i2}"links": [${s.links.length ? '\n' + s.links.map((l) => `${i2}  ${JSON.stringify(l)}`).join(',\n') + `\n${i2}` : ''}]`);
  const photos = Object.keys(s.photos).sort().map((p) => `${i2}  ${JSON.stringify(p)}: ${JSON.stringify(s.photos[p])}`);
  lines.push(`${i2}"photos": {\n${photos.join(',\n')}\n${i2}}`);
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

/** Check a parsed section; throws naming what is wrong. */
export function checkIlc2021Split(j: unknown, where: string): Ilc2021Split {
  const s = j as Ilc2021Split;
  const fix = 'run "facemask inspect" (with ilc2021 installed) to rebuild it';
  if (!s || typeof s !== 'object' || typeof s.seed !== 'number' || !s.ratios || typeof s.photos !== 'object' || !s.photos || typeof s.excluded !== 'object' || !Array.isArray(s.links)) {
    throw new Error(`${where}: the ilc2021 split lacks seed/ratios/photos/excluded/links: ${fix}`);
  }
  for (const [p, e] of Object.entries(s.photos)) {
    if (!e || !ILC2021_SPLITS.includes(e.split) || typeof e.group !== 'string') throw new Error(`${where}: bad ilc2021 photo entry ${p}: ${fix}`);
  }
  return s;
}

/**
 * The recorded split (the `ilc2021` section of `dataset/splits.json`) — what training, the choice
 * of settings and the test measurement all read. Throws with what to do when it is missing.
 */
export function readIlc2021Split(file: string = projectPaths().splits): Ilc2021Split {
  const fix = 'run "facemask inspect" with ilc2021 installed ("facemask prepare --mirror ../shared --only ilc2021") to build it';
  if (!fs.existsSync(file)) throw new Error(`no split file at ${file}: ${fix}`);
  let j: { ilc2021?: unknown };
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`split file ${file} is not valid JSON (${(e as Error).message}): ${fix}`);
  }
  if (!j || typeof j !== 'object' || !j.ilc2021) throw new Error(`split file ${file} has no ilc2021 split: ${fix}`);
  return checkIlc2021Split(j.ilc2021, file);
}

export interface Ilc2021ReadOptions {
  /** The installed copy. default: `dataset/ilc2021` */
  dir?: string;
  /** The recorded split. default: `readIlc2021Split()` */
  split?: Ilc2021Split;
  /** Small-data mode: the crops of the first N photos (by id) of each side, or the first N scenes of each side. default: all */
  limit?: number;
}

function partsSet(parts: SplitName | readonly SplitName[]): Set<SplitName> {
  const want = new Set<SplitName>(typeof parts === 'string' ? [parts] : parts);
  for (const p of want) if (!ILC2021_SPLITS.includes(p)) throw new Error(`unknown split "${p}" (valid: ${ILC2021_SPLITS.join(', ')})`);
  return want;
}

/** The photos of some sides in the recorded split (sorted by id; excluded photos never appear). */
export function ilc2021Photos(parts: SplitName | readonly SplitName[], split: Ilc2021Split, limit?: number): Set<string> {
  const want = partsSet(parts);
  const out = new Set<string>();
  for (const s of ILC2021_SPLITS) {
    if (!want.has(s)) continue;
    const ps = Object.keys(split.photos).filter((p) => split.photos[p].split === s).sort();
    for (const p of limit === undefined ? ps : ps.slice(0, limit)) out.add(p);
  }
  return out;
}

/**
 * The face crops of some sides of the recorded split, as labelled faces (the face box inside the
 * crop) with their photo. A crop whose photo the split does not know is refused: the split was
 * built from another copy.
 */
export function ilc2021Crops(parts: SplitName | readonly SplitName[], opts: Ilc2021ReadOptions = {}): Ilc2021Crop[] {
  const split = opts.split ?? readIlc2021Split();
  const photos = ilc2021Photos(parts, split, opts.limit);
  const all = readIlc2021Crops(opts.dir);
  const unknown = all.filter((c) => !split.photos[c.photo] && !split.excluded[c.photo]);
  if (unknown.length) throw new Error(`${unknown.length} ilc2021 crops belong to photos the recorded split does not know (e.g. ${unknown[0].photo}): run "facemask inspect" to rebuild it`);
  return all.filter((c) => photos.has(c.photo));
}

/** The annotated scenes of some sides of the recorded split, sorted by photo id (`limit`: the first N scenes of each side). */
export function ilc2021Scenes(parts: SplitName | readonly SplitName[], opts: Ilc2021ReadOptions = {}): Ilc2021Scene[] {
  const split = opts.split ?? readIlc2021Split();
  const want = partsSet(parts);
  const all = readIlc2021Scenes(opts.dir);
  const unknown = all.filter((s) => !split.photos[s.photo] && !split.excluded[s.photo]);
  if (unknown.length) throw new Error(`${unknown.length} ilc2021 scenes are photos the recorded split does not know (e.g. ${unknown[0].photo}): run "facemask inspect" to rebuild it`);
  return ILC2021_SPLITS.filter((s) => want.has(s)).flatMap((side) => {
    const xs = all.filter((s) => split.photos[s.photo]?.split === side);
    return opts.limit === undefined ? xs : xs.slice(0, opts.limit);
  }).sort((a, b) => (a.photo < b.photo ? -1 : a.photo > b.photo ? 1 : 0));
}

/**
 * SHA-256s of other datasets' images that share a group with ilc2021 photos of some sides: leave
 * them out of training when those photos are validated or measured on.
 */
export function ilc2021LinkedImages(parts: SplitName | readonly SplitName[], split: Ilc2021Split): Set<string> {
  const photos = ilc2021Photos(parts, split);
  return new Set(split.links.filter((l) => photos.has(l.photo) || split.excluded[l.photo]).map((l) => l.sha256));
}
