/**
 * The group-aware, label-stratified split (docs/contracts.md "Splits") and the split file
 * `dataset/splits.json`: one entry per unique image content (keyed by SHA-256) with its dataset,
 * path, label, group and split, plus the seed and ratios. Same inputs and seed → same bytes.
 *
 * Training reads it through `readSplitFile()` + `recordsForSplit()`, or asks `splitFor(datasets,
 * seed)` for any other mix of datasets and seed (built once, cached in `.cache/splits/`).
 * ilc2021 is split by photo group under its own rule (`./ilc2021`); the file records that split
 * too, in its `ilc2021` section, which `readIlc2021Split()` reads. A dataset that joined later
 * (`LATER_SPLIT_DATASETS`: everyday-unmasked) is split after the first ones and never moves them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetName, ImageRecord, SplitEntry, SplitFile, SplitName } from './types';
import type { Label } from '../labels';
import { LABELS } from '../labels';
import { writeFileAtomic } from '../util/atomic';
import { projectPaths } from '../paths';
import type { Config } from '../config';
import { hashSeed, mulberry32 } from '../util/random';
import { findLinks, groupImages, type GroupingOptions } from './duplicates';
import { loadDatasets, naturalCompare, type LoadOptions } from './load';
import { ILC2021, checkIlc2021Split, serialiseIlc2021Split, type Ilc2021Split } from './ilc2021';
import { EVERYDAY_UNMASKED } from './everyday';
import type { Fingerprint } from './fingerprint';

export const SPLITS: SplitName[] = ['train', 'val', 'test'];
export const SPLIT_FILE_VERSION = 1;

export interface SplitOptions {
  /** The configuration (its `split` section). */
  config: Config;
  /** default: config `split.seed` (42) */
  seed?: number;
  /** default: config `split.ratios` (0.7 / 0.1 / 0.2) */
  ratios?: { train: number; val: number; test: number };
  /** Recorded in the file (how the groups were made). */
  grouping?: GroupingOptions;
}

/** A split file with the grouping parameters recorded (optional fields beyond the conventions). */
export interface SplitFileV1 extends SplitFile {
  version?: number;
  grouping?: Required<GroupingOptions>;
  /** Images per split and label (unique contents). */
  counts?: Record<SplitName, Partial<Record<Label, number>>>;
  /** Images of a dataset split later (`extendSplit`) left out: their group holds images on two sides already. */
  excluded?: Record<string, { dataset: DatasetName; path: string; reason: string }>;
  /** ilc2021's own split by photo group (`./ilc2021`, the one owner of its rule). */
  ilc2021?: Ilc2021Split;
}

/**
 * Datasets that joined the split after it was first recorded, in the order they joined: each is split
 * after the ones before it (`extendSplit`), so adding one never moves an image already recorded.
 */
export const LATER_SPLIT_DATASETS: readonly DatasetName[] = [EVERYDAY_UNMASKED];

/**
 * Assign whole groups to train/val/test so that each label's images are split in the given
 * ratios. Records without a label (scene photos) are ignored. `groups` maps SHA-256 → group id
 * (from `groupImages`); an image missing from it is its own group.
 *
 * Method: groups in a seeded random order, larger groups first; each goes to the split with the
 * largest remaining shortfall for its labels (shortfall relative to that split's target).
 */
export function buildSplit(records: ImageRecord[], groups: Map<string, string>, opts: SplitOptions): SplitFileV1 {
  const cfg = opts.config;
  const seed = opts.seed ?? cfg.split.seed;
  const ratios = opts.ratios ?? cfg.split.ratios;
  const labelled = records.filter((r) => r.label);
  const entries = uniqueEntries(labelled, groups);
  const groupCounts = labelsPerGroup([...entries.values()]);
  const total = new Map<Label, number>();
  for (const e of entries.values()) total.set(e.label, (total.get(e.label) ?? 0) + 1);
  const assigned = placeGroups(groupCounts, ratios, seed, (s, l) => ratios[s] * (total.get(l) ?? 0), new Map());
  const images: Record<string, SplitEntry> = {};
  for (const sha of [...entries.keys()].sort()) {
    const e = entries.get(sha)!;
    e.split = assigned.get(e.group)!;
    images[sha] = e;
  }
  const datasets = [...new Set(labelled.map((r) => r.dataset))].sort();
  const file: SplitFileV1 = {
    version: SPLIT_FILE_VERSION,
    seed,
    ratios: { train: ratios.train, val: ratios.val, test: ratios.test },
    datasets,
    grouping: { ...groupingFromConfig(cfg.split), ...(opts.grouping ?? {}) },
    counts: splitCounts({ images } as SplitFile),
    images,
  };
  return file;
}

/** One entry per unique content (side not yet decided); other files with the same bytes are its copies. */
function uniqueEntries(labelled: ImageRecord[], groups: Map<string, string>): Map<string, SplitEntry> {
  const byHash = new Map<string, ImageRecord[]>();
  for (const r of labelled) byHash.set(r.sha256, [...(byHash.get(r.sha256) ?? []), r]);
  const entries = new Map<string, SplitEntry>();
  for (const [sha, rs] of byHash) {
    rs.sort((a, b) => (a.dataset === b.dataset ? naturalCompare(a.relPath, b.relPath) : a.dataset < b.dataset ? -1 : 1));
    const labels = new Set(rs.map((r) => r.label));
    if (labels.size > 1) throw new Error(`the same image has two labels (${[...labels].join(', ')}): ${rs.map((r) => `${r.dataset}/${r.relPath}`).join(', ')}`);
    const first = rs[0];
    const e: SplitEntry = { dataset: first.dataset, path: first.relPath, label: first.label!, group: groups.get(sha) ?? 'g' + sha.slice(0, 12), split: 'train' };
    if (rs.length > 1) e.copies = rs.slice(1).map((r) => `${r.dataset}/${r.relPath}`);
    entries.set(sha, e);
  }
  return entries;
}

/** Label counts per group. */
function labelsPerGroup(entries: readonly SplitEntry[]): Map<string, Map<Label, number>> {
  const out = new Map<string, Map<Label, number>>();
  for (const e of entries) {
    const m = out.get(e.group) ?? new Map<Label, number>();
    m.set(e.label, (m.get(e.label) ?? 0) + 1);
    out.set(e.group, m);
  }
  return out;
}

/**
 * Whole groups to sides: in a seeded random order, larger groups first, each to the side with the
 * largest shortfall for its labels against `target` (relative to it); `cur` (`${split}|${label}` →
 * images so far) starts with what is already placed and is updated.
 */
function placeGroups(groupCounts: Map<string, Map<Label, number>>, ratios: Record<SplitName, number>, seed: number, target: (s: SplitName, l: Label) => number, cur: Map<string, number>): Map<string, SplitName> {
  const key = (s: SplitName, l: Label) => `${s}|${l}`;
  const rand = mulberry32(seed);
  const order = [...groupCounts.keys()].sort();
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const gsize = (g: string) => [...groupCounts.get(g)!.values()].reduce((a, b) => a + b, 0);
  const sizes = new Map(order.map((g) => [g, gsize(g)]));
  order.sort((a, b) => sizes.get(b)! - sizes.get(a)!); // stable: ties keep the shuffled order
  const assigned = new Map<string, SplitName>();
  for (const g of order) {
    const counts = groupCounts.get(g)!;
    let best: SplitName = 'train';
    let bestScore = -Infinity;
    for (const s of SPLITS) {
      if (ratios[s] <= 0) continue;
      let score = 0;
      for (const [l, c] of counts) {
        const t = target(s, l);
        score += (c * (t - (cur.get(key(s, l)) ?? 0))) / Math.max(t, 1e-9);
      }
      if (score > bestScore + 1e-12) {
        bestScore = score;
        best = s;
      }
    }
    assigned.set(g, best);
    for (const [l, c] of counts) cur.set(key(best, l), (cur.get(key(best, l)) ?? 0) + c);
  }
  return assigned;
}

/**
 * Add the labelled `records` of datasets split later to `base` without moving anything in it. `groups`
 * is a grouping over the base's images and the new ones together (and `pinned`'s: images split
 * elsewhere, ilc2021's, with their side): a new image grouped with recorded images goes to their side
 * (under their group), or is left out (`excluded`) when they are on two sides; the other new groups
 * are split among themselves like `buildSplit` does (ratios per label, seeded order). New files with
 * bytes already recorded become copies of that entry.
 */
export function extendSplit(base: SplitFileV1, records: ImageRecord[], groups: Map<string, string>, opts: { seed: number; ratios: Record<SplitName, number>; pinned?: ReadonlyMap<string, SplitName> }): SplitFileV1 {
  const images: Record<string, SplitEntry> = Object.fromEntries(Object.entries(base.images).map(([k, e]) => [k, { ...e }]));
  const recorded = new Map<string, { split: SplitName; group?: string }[]>(); // group (over everything) → sides already recorded in it
  const record = (sha: string, x: { split: SplitName; group?: string }) => groups.has(sha) && recorded.set(groups.get(sha)!, [...(recorded.get(groups.get(sha)!) ?? []), x]);
  for (const [sha, e] of Object.entries(images)) record(sha, e);
  for (const [sha, split] of opts.pinned ?? []) record(sha, { split });
  const excluded = { ...(base.excluded ?? {}) };
  const fresh = new Map<string, SplitEntry>();
  for (const [sha, e] of uniqueEntries(records.filter((r) => r.label), groups)) {
    const old = images[sha];
    if (old && old.label !== e.label) throw new Error(`the same image has two labels (${old.label}, ${e.label}): ${old.dataset}/${old.path}, ${e.dataset}/${e.path}`);
    if (old) old.copies = [...(old.copies ?? []), `${e.dataset}/${e.path}`, ...(e.copies ?? [])];
    else fresh.set(sha, e);
  }
  const cur = new Map<string, number>();
  const total = new Map<Label, number>();
  const free: SplitEntry[] = [];
  for (const [sha, e] of fresh) {
    const sides = [...new Set((recorded.get(e.group) ?? []).map((x) => x.split))];
    if (sides.length > 1) {
      excluded[sha] = { dataset: e.dataset, path: e.path, reason: `grouped with recorded images on two sides (${sides.sort().join(', ')})` };
      continue;
    }
    total.set(e.label, (total.get(e.label) ?? 0) + 1);
    if (sides.length === 1) {
      Object.assign(e, { split: sides[0], group: recorded.get(e.group)!.find((x) => x.group)?.group ?? e.group });
      cur.set(`${e.split}|${e.label}`, (cur.get(`${e.split}|${e.label}`) ?? 0) + 1);
    } else free.push(e);
    images[sha] = e;
  }
  const assigned = placeGroups(labelsPerGroup(free), opts.ratios, opts.seed, (s, l) => opts.ratios[s] * (total.get(l) ?? 0), cur);
  for (const e of free) e.split = assigned.get(e.group)!;
  const sorted = Object.fromEntries(Object.keys(images).sort().map((k) => [k, images[k]]));
  const datasets = [...new Set([...base.datasets, ...records.filter((r) => r.label).map((r) => r.dataset)])].sort();
  return { ...base, datasets, counts: splitCounts({ images: sorted } as SplitFile), ...(Object.keys(excluded).length ? { excluded } : {}), images: sorted };
}

type SplitParams = { config: Config; seed: number; ratios: Record<SplitName, number>; grouping: Required<GroupingOptions> };

/** Near-duplicate links and groups of some records. */
function groupOver(records: { dataset: string; relPath: string; sha256: string }[], fingerprints: Map<string, Fingerprint>, grouping: Required<GroupingOptions>) {
  const pairs = findLinks(records, fingerprints, grouping);
  return { pairs, grouping: groupImages([...new Set(records.map((r) => r.sha256))], pairs, grouping) };
}

/** The split of the first datasets (labelled records, not ilc2021 nor `LATER_SPLIT_DATASETS`). */
export function firstSplit(labelled: ImageRecord[], fingerprints: Map<string, Fingerprint>, opts: SplitParams): SplitFileV1 {
  const first = labelled.filter((r) => !LATER_SPLIT_DATASETS.includes(r.dataset));
  return buildSplit(first, groupOver(first, fingerprints, opts.grouping).grouping.groupOf, opts);
}

/**
 * `split` with each of `LATER_SPLIT_DATASETS` among `labelled` added in turn (`extendSplit`), grouped
 * with everything before it and with `others` (images split elsewhere, with their side: ilc2021's).
 */
export function extendWithLater(split: SplitFileV1, labelled: ImageRecord[], fingerprints: Map<string, Fingerprint>, opts: SplitParams, others: { records: ImageRecord[]; sideOf: ReadonlyMap<string, SplitName> } = { records: [], sideOf: new Map() }): SplitFileV1 {
  for (let k = 0; k < LATER_SPLIT_DATASETS.length; k++) {
    const added = labelled.filter((r) => r.dataset === LATER_SPLIT_DATASETS[k]);
    if (!added.length) continue;
    const upTo = labelled.filter((r) => !LATER_SPLIT_DATASETS.slice(k + 1).includes(r.dataset));
    const { grouping } = groupOver([...upTo, ...others.records], fingerprints, opts.grouping);
    split = extendSplit(split, added, grouping.groupOf, { ...opts, pinned: others.sideOf });
  }
  return split;
}

/** The split of labelled records (not ilc2021, which has its own): `firstSplit`, then `extendWithLater`. */
export function splitLabelled(labelled: ImageRecord[], fingerprints: Map<string, Fingerprint>, opts: SplitParams): SplitFileV1 {
  return extendWithLater(firstSplit(labelled, fingerprints, opts), labelled, fingerprints, opts);
}

/** Images per split and label. */
export function splitCounts(file: SplitFile): Record<SplitName, Partial<Record<Label, number>>> {
  const out: Record<SplitName, Partial<Record<Label, number>>> = { train: {}, val: {}, test: {} };
  for (const e of Object.values(file.images)) out[e.split][e.label] = (out[e.split][e.label] ?? 0) + 1;
  for (const s of SPLITS) {
    const o: Partial<Record<Label, number>> = {};
    for (const l of LABELS) if (out[s][l] !== undefined) o[l] = out[s][l];
    out[s] = o;
  }
  return out;
}

/** Deterministic bytes: fixed key order, entries sorted by SHA-256, one entry per line. */
export function serialiseSplitFile(file: SplitFileV1): string {
  const head: Record<string, unknown> = {};
  for (const k of ['version', 'seed', 'ratios', 'datasets', 'grouping', 'counts', 'excluded'] as const) if (file[k] !== undefined) head[k] = file[k];
  const lines = Object.keys(file.images)
    .sort()
    .map((sha) => {
      const e = file.images[sha];
      const o: Record<string, unknown> = { dataset: e.dataset, path: e.path, label: e.label, group: e.group, split: e.split };
      if (e.copies?.length) o.copies = e.copies;
      return `    ${JSON.stringify(sha)}: ${JSON.stringify(o)}`;
    });
  const headJson = JSON.stringify(head, null, 2);
  const images = lines.length ? `{\n${lines.join(',\n')}\n  }` : '{}';
  const ilc = file.ilc2021 ? `,\n  "ilc2021": ${serialiseIlc2021Split(file.ilc2021)}` : '';
  return `${headJson.slice(0, -2)},\n  "images": ${images}${ilc}\n}\n`;
}

/** Write the split file atomically (default `dataset/splits.json`). */
export function writeSplitFile(file: string, split: SplitFileV1): void {
  writeFileAtomic(file, serialiseSplitFile(split));
}

/** Whether `file` is a split file facemask wrote (judged on its first bytes): what inspect may rewrite. */
export function isSplitFile(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(256);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      return /^\{\s*"version": 1,\s*"seed": \d+,/.test(buf.subarray(0, n).toString('utf8'));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

export class MissingSplitError extends Error {}

/** Read and check a split file (default `dataset/splits.json`). */
export function readSplitFile(file: string = projectPaths().splits): SplitFileV1 {
  if (!fs.existsSync(file)) {
    throw new MissingSplitError(`no split file at ${file}: run "facemask inspect" to build it (it groups near-duplicates and writes the split)`);
  }
  let j: SplitFileV1;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`split file ${file} is not valid JSON (${(e as Error).message}): run "facemask inspect" to rebuild it`);
  }
  if (!j || typeof j !== 'object' || typeof j.images !== 'object' || typeof j.seed !== 'number' || !j.ratios) {
    throw new Error(`split file ${file} lacks seed/ratios/images: run "facemask inspect" to rebuild it`);
  }
  for (const [sha, e] of Object.entries(j.images)) {
    if (!SPLITS.includes(e.split) || !e.label || !e.dataset || !e.path || !e.group) throw new Error(`split file ${file}: bad entry ${sha}`);
  }
  if (j.ilc2021 !== undefined) checkIlc2021Split(j.ilc2021, `split file ${file}`);
  return j;
}

/** One image of a split, ready to load: the absolute path is resolved on this machine. */
export interface SplitRecord {
  sha256: string;
  dataset: DatasetName;
  /** Path relative to the dataset folder. */
  relPath: string;
  /** Absolute path. */
  path: string;
  label: Label;
  group: string;
  split: SplitName;
}

/** The images of one split (sorted by SHA-256, i.e. in a fixed order), with absolute paths. */
export function recordsForSplit(file: SplitFile, split: SplitName, datasetRoot: string = projectPaths().dataset): SplitRecord[] {
  if (!SPLITS.includes(split)) throw new Error(`unknown split "${split}" (valid: ${SPLITS.join(', ')})`);
  return Object.keys(file.images)
    .sort()
    .filter((sha) => file.images[sha].split === split)
    .map((sha) => {
      const e = file.images[sha];
      return { sha256: sha, dataset: e.dataset, relPath: e.path, path: path.join(datasetRoot, e.dataset, e.path), label: e.label, group: e.group, split: e.split };
    });
}

/** The grouping parameters of the config's `split` section. */
export function groupingFromConfig(s: Config['split']): Required<GroupingOptions> {
  return { maxDistance: s.maxHashDistance, hash: s.hash, maxGroupSize: s.maxGroupSize, strictDistance: s.strictDistance, upperWholeLimit: s.upperWholeLimit, namedPairDistance: s.namedPairDistance };
}

export interface SplitForOptions extends SplitOptions, LoadOptions {
  /** Rebuild even when a cached split exists. default: false */
  rebuild?: boolean;
  /** Cache folder. default: `.cache/splits` */
  cacheDir?: string;
}

/** The cache name of a split: datasets, seed, ratios, grouping and (small mode) the subset size. */
export function splitCacheName(datasets: DatasetName[], seed: number, ratios: { train: number; val: number; test: number }, perClass: number, grouping: Required<GroupingOptions>): string {
  const ds = [...datasets].sort().join('+');
  const r = `${ratios.train}-${ratios.val}-${ratios.test}`;
  const g = `${grouping.hash}${grouping.maxDistance}-w${grouping.upperWholeLimit}-n${grouping.namedPairDistance}-max${grouping.maxGroupSize}-strict${grouping.strictDistance}`;
  const sub = Number.isFinite(perClass) ? `-first${perClass}` : '';
  return `${ds}_seed${seed}_${r}_${g}${sub}.json`;
}

/**
 * The split of a mix of datasets for a seed: built once (loading with the fingerprint cache,
 * pairs, groups, split) and cached in `.cache/splits/`. In small-data mode the datasets are
 * subset first (config `data.smallPerClass`).
 *
 *   const split = await splitFor(['observations'], 1);
 *   const train = recordsForSplit(split, 'train');
 */
export async function splitFor(datasets: DatasetName[], seed: number, opts: SplitForOptions): Promise<SplitFileV1> {
  if (datasets.includes(ILC2021)) {
    throw new Error(`ilc2021 has its own fixed split by photo (src/data/ilc2021.ts): read it with ilc2021Crops(side) / ilc2021Scenes(side), not through splitFor`);
  }
  const cfg = opts.config;
  const ratios = opts.ratios ?? cfg.split.ratios;
  const grouping = { ...groupingFromConfig(cfg.split), ...(opts.grouping ?? {}) };
  const perClass = opts.perClass ?? (cfg.small ? cfg.data.smallPerClass : Infinity);
  const dir = opts.cacheDir ?? path.join(projectPaths().cache, 'splits');
  const file = path.join(dir, splitCacheName(datasets, seed, ratios, perClass, grouping));
  if (!opts.rebuild && fs.existsSync(file)) {
    try {
      return readSplitFile(file);
    } catch {
      /* rebuild below */
    }
  }
  const data = await loadDatasets(datasets, { ...opts, perClass });
  const split = splitLabelled(data.records.filter((r) => r.label), data.fingerprints, { config: cfg, seed, ratios, grouping });
  writeSplitFile(file, split);
  return split;
}

/**
 * K-fold partition by group: the fold of each item, groups in a seeded order dealt round-robin, so
 * a group's items (a photo's faces, near-duplicates) share a fold. Out-of-fold studies (a decision
 * rule, cross-validation of a recipe) take their folds from here.
 */
export function foldsByGroup(groups: readonly string[], k: number, seed = 42): number[] {
  if (!(Number.isInteger(k) && k >= 2)) throw new Error(`folds must be a whole number >= 2 (got ${k})`);
  const order = [...new Set(groups)].sort((a, b) => hashSeed(a, seed) - hashSeed(b, seed) || (a < b ? -1 : 1));
  const fold = new Map(order.map((g, i) => [g, i % k]));
  return groups.map((g) => fold.get(g)!);
}
