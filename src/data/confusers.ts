/**
 * The confuser test set — the one owner of `dataset/confusers.tsv` (docs/contracts.md "What counts
 * as a mask"): real faces without a proper mask that show something mask-like (a scarf round the
 * neck, a hand or a cup at the mouth, a beard, face paint, …), each chosen by eye.
 *
 * - `readConfuserList` reads and checks the list itself (columns, SHA-256s, kinds, labels, boxes);
 *   a missing list or a bad line is refused, naming the line and what to do.
 * - `confuserFaces` gives its faces as the project's `FaceItem`s (absolute file, box, label), after
 *   checking every file against the installed datasets: present, the listed SHA-256, and its face
 *   the one the annotators marked (a scene's annotated box, an ilc2021 crop's box, a folder
 *   dataset's label), with the annotators' label.
 * - `confuserExclusion` says what training must leave out: the listed images, every image of their
 *   near-duplicate groups (the caller's grouping), the ilc2021 photos they come from (with their
 *   photo group and linked images of other datasets), and synthetic images made from any of them
 *   (`confuserSynth`, by the source SHA-256 that synth manifests record). It needs only the list, so
 *   training needs no dataset it does not use; `checkConfuserRecords` checks the list against the
 *   records training loaded, so a changed file cannot slip through under the listed checksum.
 *
 * The list holds paths and checksums only: no image is committed (ilc2021's licence is unstated).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { projectPaths } from '../paths';
import { isLabel, type Label } from '../labels';
import type { Box } from '../result';
import type { FaceItem } from './types';
import { parseVocXml } from './voc';
import { KAGGLE } from './kaggle';
import { ILC2021, ILC2021_CROPS_LIST, parseCropsList, scenePhotoOf, type Ilc2021Split } from './ilc2021';

/** The kinds of confuser (docs/contracts.md, the table under "What counts as a mask"). */
export const CONFUSER_KINDS = ['scarf', 'collar', 'headscarf', 'hood', 'bandana', 'hand', 'phone', 'object', 'eyemask', 'paint', 'beard'] as const;
export type ConfuserKind = (typeof CONFUSER_KINDS)[number];

/** The columns of the list, in order (a header line names them; lines starting with `#` are comments). */
export const CONFUSER_COLUMNS = ['file', 'sha256', 'kind', 'label', 'box', 'note'] as const;

/** Datasets whose images are one face each, labelled by their folder. */
const FOLDER_DATASETS = ['chandrikadeb7', 'observations'];

/** A box in the list and an annotated box are the same face when every side is within this (px). */
const BOX_TOLERANCE = 0.5;

/** One line of the list, checked. */
export interface ConfuserEntry {
  /** Path under `dataset/`, forward slashes (`chandrikadeb7/without_mask/0.jpg`). */
  file: string;
  /** SHA-256 of the file's bytes when its face was looked at. */
  sha256: string;
  kind: ConfuserKind;
  /** The face's label under the policy (the annotators' label). */
  label: Label;
  /** The annotated face `[x, y, w, h]`; absent when the whole image is the face. */
  box?: Box;
  note: string;
  /** Line number in the list (1-based), for messages. */
  line: number;
}

/** A confuser as a labelled face (`FaceItem`, absolute path) with its kind, checksum and note. */
export interface ConfuserFace extends FaceItem {
  sha256: string;
  kind: ConfuserKind;
  note: string;
  /** The list's path under `dataset/`. */
  entry: string;
}

const FIX_LIST = 'see the header of dataset/confusers.tsv and docs/contracts.md "What counts as a mask"';

/** The dataset of a list path (its first folder). */
export function confuserDataset(file: string): string {
  return file.split('/')[0];
}

/** Parse and check the list's text; throws one message naming every bad line (at most 10). */
export function parseConfuserList(text: string, source = 'confusers.tsv'): ConfuserEntry[] {
  const entries: ConfuserEntry[] = [];
  const errors: string[] = [];
  const seen = new Map<string, number>();
  let header = false;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const where = `${source}:${line}`;
    const s = raw.replace(/\r$/, '');
    if (!s.trim() || s.startsWith('#')) return;
    const cols = s.split('\t');
    if (!header) {
      header = true;
      if (cols.join('\t') !== CONFUSER_COLUMNS.join('\t')) errors.push(`${where}: the header must be the columns ${CONFUSER_COLUMNS.join(', ')} separated by tabs (got ${JSON.stringify(s)})`);
      return;
    }
    const bad = (why: string) => errors.push(`${where}: ${why}`);
    if (cols.length !== CONFUSER_COLUMNS.length) return bad(`${cols.length} columns, expected ${CONFUSER_COLUMNS.length} (${CONFUSER_COLUMNS.join(', ')}) separated by tabs`);
    const [file, sha256, kind, label, boxText, note] = cols;
    if (!file || file.startsWith('/') || file.includes('\\') || file.split('/').some((p) => p === '..' || p === '.' || p === '') || !file.includes('/')) {
      return bad(`"file" must be a path under dataset/ like chandrikadeb7/without_mask/0.jpg (got ${JSON.stringify(file)})`);
    }
    if (!/^[0-9a-f]{64}$/.test(sha256)) return bad(`"sha256" must be 64 lowercase hex digits (got ${JSON.stringify(sha256)})`);
    if (!(CONFUSER_KINDS as readonly string[]).includes(kind)) return bad(`unknown kind "${kind}" (known: ${CONFUSER_KINDS.join(', ')}; a new kind goes into CONFUSER_KINDS and the contracts' table)`);
    if (!isLabel(label)) return bad(`unknown label "${label}" (known: with_mask, without_mask, incorrect_mask)`);
    let box: Box | undefined;
    if (boxText !== '') {
      const v = boxText.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
      if (v.length !== 4 || !v.every(Number.isFinite) || v[0] < 0 || v[1] < 0 || !(v[2] > 0) || !(v[3] > 0)) return bad(`"box" must be x,y,w,h with x, y >= 0 and w, h > 0, or empty for a whole image (got ${JSON.stringify(boxText)})`);
      box = v as Box;
    }
    const key = `${file}|${box?.join(',') ?? ''}`;
    if (seen.has(key)) return bad(`${file}${box ? ` box ${boxText}` : ''} is listed twice (first on line ${seen.get(key)})`);
    seen.set(key, line);
    entries.push({ file, sha256, kind: kind as ConfuserKind, label, ...(box ? { box } : {}), note: note.trim(), line });
  });
  if (!header) errors.push(`${source}: no header line (${CONFUSER_COLUMNS.join(', ')})`);
  if (errors.length) throw new Error(`${errors.length} bad line(s) in ${source}: ${errors.slice(0, 10).join('; ')} (${FIX_LIST})`);
  return entries;
}

/** Read and check the committed list. Throws when it is missing or a line is bad. */
export function readConfuserList(file: string = projectPaths().confusers): ConfuserEntry[] {
  if (!fs.existsSync(file)) throw new Error(`no confuser list at ${file}: it is committed with the project (restore it with "git checkout -- dataset/confusers.tsv")`);
  return parseConfuserList(fs.readFileSync(file, 'utf8'), file);
}

function sameBox(a: Box, b: Box): boolean {
  return a.every((v, k) => Math.abs(v - b[k]) <= BOX_TOLERANCE);
}

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The annotated faces of a list file, or null for a whole-image (folder) dataset; throws naming what is wrong. */
function annotatedFaces(root: string, e: ConfuserEntry, crops: () => Map<string, { box: Box; label: Label }>): { box: Box; label: Label }[] | null {
  const ds = confuserDataset(e.file);
  const rel = e.file.slice(ds.length + 1);
  if (FOLDER_DATASETS.includes(ds)) {
    const folder = rel.split('/')[0];
    if (!isLabel(folder)) throw new Error(`not inside a label folder of ${ds}`);
    return null;
  }
  if (ds === KAGGLE) {
    const m = /^images\/(.+)\.[^./]+$/.exec(rel);
    if (!m) throw new Error(`not a Kaggle dev image (images/<name>.jpg)`);
    const ann = path.join(root, ds, 'annotations', `${m[1]}.xml`);
    if (!fs.existsSync(ann)) throw new Error(`its annotation ${path.relative(root, ann)} is missing (run "facemask prepare --mirror ../shared --only ${ds}")`);
    return parseVocXml(fs.readFileSync(ann, 'utf8')).faces;
  }
  if (ds === ILC2021) {
    const photo = scenePhotoOf(rel);
    if (photo !== null) {
      const ann = path.join(root, ds, 'scenes', 'annotations', `${photo}.xml`);
      if (!fs.existsSync(ann)) throw new Error(`its annotation ${path.relative(root, ann)} is missing (run "facemask prepare --mirror ../shared --only ${ds}")`);
      return parseVocXml(fs.readFileSync(ann, 'utf8')).faces;
    }
    const c = crops().get(rel);
    if (!c) throw new Error(`not listed in ${ds}/${ILC2021_CROPS_LIST}`);
    return [c];
  }
  throw new Error(`dataset "${ds}" has no known layout for confusers (known: ${[...FOLDER_DATASETS, KAGGLE, ILC2021].join(', ')})`);
}

export interface ConfuserFaceOptions {
  /** The list. default: `dataset/confusers.tsv` */
  list?: string;
  /** Where the datasets are installed. default: `dataset/` */
  root?: string;
}

/**
 * The confusers as labelled faces, every file checked against the installed datasets (present,
 * the listed SHA-256, the face as annotated). Throws one message naming every problem (at most 10)
 * and what to do.
 */
export function confuserFaces(opts: ConfuserFaceOptions = {}): ConfuserFace[] {
  const listFile = opts.list ?? projectPaths().confusers;
  const root = opts.root ?? projectPaths().dataset;
  const entries = readConfuserList(listFile);
  const name = path.basename(listFile);
  let cropMap: Map<string, { box: Box; label: Label }> | undefined;
  const crops = () => {
    if (!cropMap) {
      const f = path.join(root, ILC2021, ILC2021_CROPS_LIST);
      if (!fs.existsSync(f)) throw new Error(`${ILC2021}/${ILC2021_CROPS_LIST} is missing (run "facemask prepare --mirror ../shared --only ${ILC2021}")`);
      cropMap = new Map(parseCropsList(fs.readFileSync(f, 'utf8'), f).map((l) => [l.file, { box: l.box, label: l.label }]));
    }
    return cropMap;
  };
  const problems: string[] = [];
  const out: ConfuserFace[] = [];
  for (const e of entries) {
    const where = `${e.file} (line ${e.line} of ${name})`;
    const ds = confuserDataset(e.file);
    const abs = path.join(root, ...e.file.split('/'));
    if (!fs.existsSync(abs)) {
      problems.push(`${where} is not installed: run "facemask prepare --mirror ../shared --only ${ds}" (or "facemask prepare")`);
      continue;
    }
    const sha = sha256File(abs);
    if (sha !== e.sha256) {
      problems.push(
        `${where} has SHA-256 ${sha.slice(0, 12)}…, the list says ${e.sha256.slice(0, 12)}…: it is not the image whose face was looked at. ` +
          `Reinstall the dataset ("facemask prepare --mirror ../shared --only ${ds}" verifies every file); if the dataset changed on purpose, look at the face again and update the line`,
      );
      continue;
    }
    let faces: { box: Box; label: Label }[] | null;
    try {
      faces = annotatedFaces(root, e, crops);
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
      continue;
    }
    if (faces === null) {
      const folder = e.file.split('/')[1] as Label;
      if (e.box) problems.push(`${where}: ${ds} images are one face each: leave "box" empty`);
      else if (folder !== e.label) problems.push(`${where}: the dataset files it as ${folder}, the list says ${e.label}: the list follows the annotators (docs/contracts.md)`);
      else out.push({ file: abs, label: e.label, sha256: e.sha256, kind: e.kind, note: e.note, entry: e.file });
      continue;
    }
    if (!e.box) {
      problems.push(`${where}: name the face by its annotated box (annotated: ${faces.map((f) => `[${f.box.join(', ')}] ${f.label}`).join('; ') || 'none'})`);
      continue;
    }
    const face = faces.find((f) => sameBox(f.box, e.box!));
    if (!face) problems.push(`${where}: no annotated face at [${e.box.join(', ')}] (annotated: ${faces.map((f) => `[${f.box.join(', ')}] ${f.label}`).join('; ') || 'none'}): the list names faces by their annotated box`);
    else if (face.label !== e.label) problems.push(`${where}: the annotators filed this face as ${face.label}, the list says ${e.label}: the list follows the annotators (docs/contracts.md)`);
    else out.push({ file: abs, box: face.box, label: e.label, sha256: e.sha256, kind: e.kind, note: e.note, entry: e.file });
  }
  if (problems.length) throw new Error(`${problems.length} confuser(s) cannot be used: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? '; …' : ''}`);
  return out;
}

/**
 * Check the list against images training loaded (`dataset` and its path, `relPath` under the
 * dataset's folder, and the SHA-256 of its bytes): every listed file of those datasets must be
 * there with the listed checksum, or the exclusion (which goes by checksum) could miss it. Throws
 * naming the files and what to do.
 */
export function checkConfuserRecords(entries: readonly ConfuserEntry[], records: readonly { dataset: string; relPath: string; sha256: string }[], datasets: readonly string[]): void {
  const byPath = new Map(records.map((r) => [`${r.dataset}/${r.relPath}`, r.sha256]));
  const problems: string[] = [];
  for (const e of entries) {
    const ds = confuserDataset(e.file);
    if (!datasets.includes(ds)) continue;
    const sha = byPath.get(e.file);
    if (sha === undefined) problems.push(`${e.file} (line ${e.line}) is not among the loaded ${ds} images: run "facemask prepare --mirror ../shared --only ${ds}"`);
    else if (sha !== e.sha256) problems.push(`${e.file} (line ${e.line}) has SHA-256 ${sha.slice(0, 12)}…, the list says ${e.sha256.slice(0, 12)}…: reinstall ${ds} ("facemask prepare --mirror ../shared --only ${ds}"), or look at the face again and update the line`);
  }
  if (problems.length) throw new Error(`the confuser list does not match the installed data (${problems.length}): ${problems.slice(0, 10).join('; ')}`);
}

/** What training leaves out because of the list (see `confuserExclusion`). */
export interface ConfuserExclusion {
  /** SHA-256s of the listed images, and of other datasets' images linked to a listed ilc2021 photo's group. */
  images: ReadonlySet<string>;
  /** Near-duplicate groups (of the caller's grouping) holding a listed image. */
  groups: ReadonlySet<string>;
  /** ilc2021 photos of listed ilc2021 files (a photo's crops and scene go together), with every photo of their ilc2021 group when the split is known. */
  ilc2021Photos: ReadonlySet<string>;
}

/** The ilc2021 photo a list file shows (`crops/<photo>_<k>.jpg` or `scenes/images/<photo>.jpg`), or null. */
export function confuserIlc2021Photo(file: string): string | null {
  if (confuserDataset(file) !== ILC2021) return null;
  const rel = file.slice(ILC2021.length + 1);
  return scenePhotoOf(rel) ?? /^crops\/(.+)_\d+\.[^./]+$/.exec(rel)?.[1] ?? null;
}

/**
 * What training must leave out because of the list: the listed images (by SHA-256), the groups
 * `groupOf` puts them in (near-duplicates, a synthetic image's source), their ilc2021 photos and,
 * with the recorded ilc2021 split, those photos' groups and the other datasets' images linked to
 * them. Needs no image file.
 */
export function confuserExclusion(entries: readonly ConfuserEntry[], opts: { groupOf?: (sha256: string) => string | undefined; ilc2021Split?: Ilc2021Split | null } = {}): ConfuserExclusion {
  const images = new Set(entries.map((e) => e.sha256));
  const groups = new Set<string>();
  for (const e of entries) {
    const g = opts.groupOf?.(e.sha256);
    if (g !== undefined) groups.add(g);
  }
  const photos = new Set(entries.map((e) => confuserIlc2021Photo(e.file)).filter((p): p is string => p !== null));
  const split = opts.ilc2021Split;
  if (split) {
    const ilcGroups = new Set([...photos].map((p) => split.photos[p]?.group).filter((g): g is string => g !== undefined));
    for (const [p, e] of Object.entries(split.photos)) if (ilcGroups.has(e.group)) photos.add(p);
    for (const l of split.links) if (photos.has(l.photo)) images.add(l.sha256);
  }
  return { images, groups, ilc2021Photos: photos };
}

/** Whether a training image must be left out: a listed image, a member of a listed image's group, or a photo of a listed ilc2021 face. */
export function isConfuserExcluded(ex: ConfuserExclusion, item: { sha256: string; group?: string; photo?: string }): boolean {
  return ex.images.has(item.sha256) || (item.group !== undefined && ex.groups.has(item.group)) || (item.photo !== undefined && ex.ilc2021Photos.has(item.photo));
}

/**
 * The synthetic images made from a listed image or a member of its group (a synth manifest
 * records each image's `sourceSha256`; `groupOf` gives the source's group), or that are listed themselves.
 */
export function confuserSynth<E extends { sha256: string; sourceSha256: string }>(ex: ConfuserExclusion, manifest: readonly E[], groupOf?: (sha256: string) => string | undefined): E[] {
  return manifest.filter((m) => ex.images.has(m.sha256) || isConfuserExcluded(ex, { sha256: m.sourceSha256, group: groupOf?.(m.sourceSha256) }));
}

/** Counts per kind, in `CONFUSER_KINDS` order (kinds with no entry left out). */
export function confuserKindCounts(entries: readonly { kind: ConfuserKind }[]): { kind: ConfuserKind; n: number }[] {
  return CONFUSER_KINDS.map((kind) => ({ kind, n: entries.filter((e) => e.kind === kind).length })).filter((r) => r.n > 0);
}
