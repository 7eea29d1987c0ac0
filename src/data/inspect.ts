/**
 * The inspection: load datasets, count, find near-duplicates and groups, split. One function,
 * `inspectDatasets`, that the CLI (`facemask inspect`) and notebook 01 both call; the pictures
 * and charts of its result are in `./report`.
 *
 * A little over 300 lines: the cross-dataset findings (pairs, Kaggle and ilc2021 pins) are computed
 * here, where the grouping is, so that the split and the report read one result.
 */
import type { DatasetName, ImageRecord, LoadFailure } from './types';
import type { Label } from '../labels';
import { loadDatasets, DEFAULT_SPLIT_DATASETS, type LoadOptions, type LoadedData } from './load';
import * as fs from 'node:fs';
import { KAGGLE, kagglePartOf } from './kaggle';
import { EVERYDAY_UNMASKED } from './everyday';
import { ILC2021, buildIlc2021Split, ilc2021PhotoCounts, type Ilc2021Link, type Ilc2021Pin, type Ilc2021Split } from './ilc2021';
import { findLinks, groupBound, groupImages, linkDistance, type Grouping, type GroupingOptions, type NearPair } from './duplicates';
import { LATER_SPLIT_DATASETS, extendWithLater, firstSplit, groupingFromConfig, splitCounts, type SplitFileV1 } from './split';
import { datasetDir } from '../paths';
import { hashWords, popcount32, type Fingerprint } from './fingerprint';

export interface InspectOptions extends LoadOptions {
  /** Datasets to inspect. default: observations, chandrikadeb7, kaggle-face-mask-dev, and ilc2021 when installed (`defaultInspectDatasets`) */
  datasets?: DatasetName[];
  /** Seed of the split. default: config `split.seed` */
  seed?: number;
  ratios?: { train: number; val: number; test: number };
  /** default: from config `split` */
  grouping?: GroupingOptions;
}

/** File-level pair counts of one pair of datasets (the way the issue counts them). */
export interface PairCounts {
  datasets: [DatasetName, DatasetName];
  /** File pairs with whole-image hash within the threshold. */
  whole: number;
  /** File pairs with upper-half hash within the threshold. */
  upper: number;
  /** File pairs linked by the grouping rule (or identical bytes). */
  linked: number;
  /** File pairs that ended in the same group (linked directly or through others). */
  grouped: number;
  /** Distinct files of each side in a linked pair. */
  distinct: [number, number];
  /** Identical bytes (SHA-256) across the two sides. */
  identical: number;
}

/** The `observations` pairs `without_mask/N.jpg` ↔ `with_mask/N-with-mask.jpg`. */
export interface SameNumberPairs {
  /** Numbers present on both sides. */
  total: number;
  /** Whole-image hash within the threshold. */
  whole: number;
  /** Upper-half hash within the threshold. */
  upper: number;
  /** Put in one group. */
  grouped: number;
  /** The pairs, for showing samples: paths relative to the dataset, both distances, grouped or not. */
  pairs: { n: number; masked: ImageRecord; unmasked: ImageRecord; whole: number; upper: number; grouped: boolean }[];
}

/** ilc2021 against every other inspected dataset: groups by photo, what they share, its split. */
export interface Ilc2021Inspection {
  /** Groups over every inspected image, ilc2021's crops and scene of one photo bound together (node = photo id, or another image's SHA-256). */
  grouping: Grouping;
  /** Photos in a group with another ilc2021 photo (near-duplicate photos). */
  photosGroupedTogether: number;
  /** Groups holding more than one ilc2021 photo. */
  multiPhotoGroups: number;
  /** Other datasets' images grouped with ilc2021 photos, per dataset (and Kaggle part). */
  shared: { dataset: string; side: string; photos: number; images: number }[];
  /** Links the chain guard refused that touch an ilc2021 photo. */
  refused: NearPair[];
  split: Ilc2021Split;
}

export interface InspectionReport {
  datasets: DatasetName[];
  records: ImageRecord[];
  failures: LoadFailure[];
  fingerprints: Map<string, Fingerprint>;
  /** Images per dataset and label (files). Kaggle rows count faces per label. */
  counts: { dataset: DatasetName; label: Label | 'photo'; files: number; unique: number }[];
  /** Files whose bytes are identical to another file's. */
  identicalFiles: number;
  /** Unique-content near pairs (either hash within the threshold). */
  pairs: NearPair[];
  grouping: Grouping;
  groupingOptions: Required<GroupingOptions>;
  pairCounts: PairCounts[];
  sameNumber: SameNumberPairs | null;
  split: SplitFileV1 | null;
  /** Kaggle dev photos with identical bytes, and whether they straddle the fixed tune/test split. */
  kaggleIdentical: { files: string[]; parts: string[] }[];
  splitCounts: ReturnType<typeof splitCounts> | null;
  /** ilc2021's groups and split, when it is inspected. */
  ilc2021: Ilc2021Inspection | null;
  timings: { loadSeconds: number; pairsSeconds: number; groupSeconds: number; splitSeconds: number; cached: number; decoded: number };
}

function fileLevelPairs(records: ImageRecord[], fps: Map<string, Fingerprint>, grouping: Grouping, go: Required<GroupingOptions>): PairCounts[] {
  const d = go.maxDistance;
  const lab = records.filter((r) => r.label);
  const n = lab.length;
  const w0 = new Uint32Array(n), w1 = new Uint32Array(n), u0 = new Uint32Array(n), u1 = new Uint32Array(n);
  lab.forEach((r, i) => {
    const f = fps.get(r.sha256)!;
    [w0[i], w1[i]] = hashWords(f.whole);
    [u0[i], u1[i]] = hashWords(f.upper);
  });
  const dsNames = [...new Set(lab.map((r) => r.dataset))].sort();
  const ds = lab.map((r) => dsNames.indexOf(r.dataset));
  const acc = new Map<string, { c: PairCounts; left: Set<number>; right: Set<number> }>();
  const get = (a: number, b: number) => {
    const k = `${a}|${b}`;
    let v = acc.get(k);
    if (!v) {
      v = { c: { datasets: [dsNames[a], dsNames[b]], whole: 0, upper: 0, linked: 0, grouped: 0, distinct: [0, 0], identical: 0 }, left: new Set(), right: new Set() };
      acc.set(k, v);
    }
    return v;
  };
  for (let a = 0; a < dsNames.length; a++) for (let b = a; b < dsNames.length; b++) get(a, b);
  const gid = lab.map((r) => grouping.groupOf.get(r.sha256));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dw = popcount32(w0[i] ^ w0[j]) + popcount32(w1[i] ^ w1[j]);
      const du = popcount32(u0[i] ^ u0[j]) + popcount32(u1[i] ^ u1[j]);
      const same = gid[i] === gid[j];
      if (dw > d && du > d && !same) continue;
      const [x, y] = ds[i] <= ds[j] ? [i, j] : [j, i];
      const v = get(ds[x], ds[y]);
      const identical = lab[i].sha256 === lab[j].sha256;
      const ld = linkDistance({ a: '', b: '', whole: dw, upper: du }, go);
      if (dw <= d) v.c.whole++;
      if (du <= d) v.c.upper++;
      if (identical) v.c.identical++;
      if (ld <= d || identical) {
        v.c.linked++;
        v.left.add(x);
        v.right.add(y);
      }
      if (same) v.c.grouped++;
    }
  }
  return [...acc.values()].map((v) => ({ ...v.c, distinct: [v.left.size, v.right.size] as [number, number] }));
}

function sameNumberPairs(records: ImageRecord[], fps: Map<string, Fingerprint>, grouping: Grouping, d: number): SameNumberPairs | null {
  const obs = records.filter((r) => r.dataset === 'observations');
  if (!obs.length) return null;
  const unmasked = new Map<number, ImageRecord>();
  for (const r of obs) {
    const m = /^without_mask\/(\d+)\.[^/]+$/.exec(r.relPath);
    if (m) unmasked.set(Number(m[1]), r);
  }
  const out: SameNumberPairs = { total: 0, whole: 0, upper: 0, grouped: 0, pairs: [] };
  for (const r of obs) {
    const m = /^with_mask\/(\d+)-with-mask\.[^/]+$/.exec(r.relPath);
    if (!m) continue;
    const n = Number(m[1]);
    const u = unmasked.get(n);
    if (!u) continue;
    const fa = fps.get(r.sha256)!, fb = fps.get(u.sha256)!;
    const [a0, a1] = hashWords(fa.whole), [b0, b1] = hashWords(fb.whole);
    const [c0, c1] = hashWords(fa.upper), [e0, e1] = hashWords(fb.upper);
    const whole = popcount32(a0 ^ b0) + popcount32(a1 ^ b1);
    const upper = popcount32(c0 ^ e0) + popcount32(c1 ^ e1);
    const grouped = grouping.groupOf.get(r.sha256) === grouping.groupOf.get(u.sha256);
    out.total++;
    if (whole <= d) out.whole++;
    if (upper <= d) out.upper++;
    if (grouped) out.grouped++;
    out.pairs.push({ n, masked: r, unmasked: u, whole, upper, grouped });
  }
  out.pairs.sort((a, b) => a.n - b.n);
  return out;
}

/** The datasets `facemask inspect` looks at by default: the three, and ilc2021 and everyday-unmasked when they are installed. */
export function defaultInspectDatasets(): DatasetName[] {
  return [...DEFAULT_SPLIT_DATASETS, KAGGLE, ...[ILC2021, EVERYDAY_UNMASKED].filter((d) => fs.existsSync(datasetDir(d)))];
}

/**
 * ilc2021 against everything inspected: every image (scenes included) is grouped with the others,
 * a photo's crops and scene bound together; a group that shares images with the Kaggle dev set
 * follows its part (fit → train, validation → val, test → excluded), one that shares images with
 * the main split follows their side; then `buildIlc2021Split` splits the rest.
 */
export function inspectIlc2021(records: ImageRecord[], fingerprints: Map<string, Fingerprint>, main: SplitFileV1 | null, opts: { seed: number; grouping: Required<GroupingOptions>; datasets: DatasetName[] }): Ilc2021Inspection {
  const ilc = records.filter((r) => r.dataset === ILC2021);
  const bindings: [string, string][] = ilc.map((r) => [r.sha256, r.photo!]);
  const shas = [...new Set(records.map((r) => r.sha256))];
  const pairs = findLinks(records, fingerprints, opts.grouping);
  const grouping = groupBound(shas, pairs, bindings, opts.grouping);
  const photoSet = new Set(ilc.map((r) => r.photo!));
  const others = new Map<string, ImageRecord>();
  for (const r of records) if (r.dataset !== ILC2021 && !others.has(r.sha256)) others.set(r.sha256, r);
  const sideOf = (r: ImageRecord): string | undefined => (r.dataset === KAGGLE ? kagglePartOf(r.relPath) : main?.images[r.sha256]?.split);
  const links: Ilc2021Link[] = [];
  const pins = new Map<string, Ilc2021Pin>();
  let multiPhotoGroups = 0;
  let photosGroupedTogether = 0;
  const shared = new Map<string, { dataset: string; side: string; photos: Set<string>; images: Set<string> }>();
  for (const [gid, members] of grouping.members) {
    const photos = members.filter((m) => photoSet.has(m));
    if (!photos.length) continue;
    if (photos.length > 1) {
      multiPhotoGroups++;
      photosGroupedTogether += photos.length;
    }
    const outside = members.filter((m) => !photoSet.has(m)).map((m) => others.get(m)!).filter(Boolean);
    if (!outside.length) continue;
    const sides = new Set<string>();
    for (const r of outside) {
      const side = sideOf(r);
      for (const p of photos) links.push({ photo: p, dataset: r.dataset, path: r.relPath, sha256: r.sha256, ...(side ? { side } : {}) });
      const k = `${r.dataset}\t${side ?? ''}`;
      const e = shared.get(k) ?? { dataset: r.dataset, side: side ?? '', photos: new Set(), images: new Set() };
      for (const p of photos) e.photos.add(p);
      e.images.add(r.sha256);
      shared.set(k, e);
      if (side) sides.add(r.dataset === KAGGLE ? `kaggle:${side}` : side);
    }
    const kaggleTest = outside.find((r) => r.dataset === KAGGLE && kagglePartOf(r.relPath) === 'test');
    const want = new Set([...sides].map((s) => (s === 'kaggle:fit' ? 'train' : s === 'kaggle:validation' ? 'val' : s)));
    if (kaggleTest) pins.set(gid, { exclude: `grouped with Kaggle dev test photo ${kaggleTest.relPath}` });
    else if (want.size > 1) pins.set(gid, { exclude: `grouped with images on two sides (${[...want].sort().join(', ')}): ${outside.map((r) => `${r.dataset}/${r.relPath}`).join(', ')}` });
    else if (want.size === 1) {
      const side = [...want][0] as 'train' | 'val' | 'test';
      pins.set(gid, { split: side, reason: `grouped with ${outside.map((r) => `${r.dataset}/${r.relPath}`).join(', ')}` });
    }
  }
  const crops = ilc.filter((r) => r.label).map((r) => ({ photo: r.photo!, label: r.label! }));
  const scenes = ilc.filter((r) => !r.label).map((r) => ({ photo: r.photo!, faces: r.faces ?? [] }));
  const groupOf = new Map([...photoSet].map((p) => [p, grouping.groupOf.get(p)!]));
  const split = buildIlc2021Split(ilc2021PhotoCounts(crops, scenes), groupOf, { seed: opts.seed, pins, links, checkedAgainst: opts.datasets.filter((d) => d !== ILC2021) });
  const refused = grouping.refused.filter((p) => photoSet.has(p.a) || photoSet.has(p.b));
  const sharedRows = [...shared.values()].map((e) => ({ dataset: e.dataset, side: e.side, photos: e.photos.size, images: e.images.size })).sort((a, b) => (a.dataset + a.side < b.dataset + b.side ? -1 : 1));
  return { grouping, photosGroupedTogether, multiPhotoGroups, shared: sharedRows, refused, split };
}

/** Files and unique contents per dataset and label (Kaggle and ilc2021's scenes: photos, then faces per label). */
function datasetCounts(datasets: readonly string[], records: readonly ImageRecord[]): InspectionReport['counts'] {
  const counts: InspectionReport['counts'] = [];
  for (const ds of datasets) {
    const rs = records.filter((r) => r.dataset === ds);
    if (ds === KAGGLE) {
      counts.push({ dataset: ds, label: 'photo', files: rs.length, unique: new Set(rs.map((r) => r.sha256)).size });
      const faces = new Map<Label, number>();
      for (const r of rs) for (const f of r.faces ?? []) faces.set(f.label, (faces.get(f.label) ?? 0) + 1);
      for (const [l, k] of [...faces].sort()) counts.push({ dataset: ds, label: l, files: k, unique: k });
      continue;
    }
    if (ds === ILC2021) {
      // crops per label, then scenes: photos and faces per label
      const crops = rs.filter((r) => r.label);
      for (const l of [...new Set(crops.map((r) => r.label!))].sort()) {
        const x = crops.filter((r) => r.label === l);
        counts.push({ dataset: `${ds} crops`, label: l, files: x.length, unique: new Set(x.map((r) => r.sha256)).size });
      }
      const scenes = rs.filter((r) => !r.label);
      counts.push({ dataset: `${ds} scenes`, label: 'photo', files: scenes.length, unique: new Set(scenes.map((r) => r.sha256)).size });
      const faces = new Map<Label, number>();
      for (const r of scenes) for (const f of r.faces ?? []) faces.set(f.label, (faces.get(f.label) ?? 0) + 1);
      for (const [l, k] of [...faces].sort()) counts.push({ dataset: `${ds} scenes`, label: l, files: k, unique: k });
      continue;
    }
    const labels = [...new Set(rs.map((r) => r.label!))].sort();
    for (const l of labels) {
      const x = rs.filter((r) => r.label === l);
      counts.push({ dataset: ds, label: l, files: x.length, unique: new Set(x.map((r) => r.sha256)).size });
    }
  }
  return counts;
}

/** Everything the inspection shows, computed once. */
export async function inspectDatasets(opts: InspectOptions): Promise<InspectionReport> {
  const cfg = opts.config;
  const datasets = opts.datasets ?? defaultInspectDatasets();
  const groupingOptions = { ...groupingFromConfig(cfg.split), ...(opts.grouping ?? {}) };
  const data: LoadedData = await loadDatasets(datasets, opts);
  const { records, failures, fingerprints } = data;

  const counts = datasetCounts(datasets, records);
  const seen = new Map<string, number>();
  for (const r of records) seen.set(r.sha256, (seen.get(r.sha256) ?? 0) + 1);
  const identicalFiles = records.filter((r) => seen.get(r.sha256)! > 1).length;

  // The main split: the labelled datasets but ilc2021, which has its own split by photo.
  const labelled = records.filter((r) => r.label && r.dataset !== ILC2021);
  const shas = [...new Set(labelled.map((r) => r.sha256))];
  let t = Date.now();
  const pairs = findLinks(labelled, fingerprints, groupingOptions);
  const pairsSeconds = (Date.now() - t) / 1000;
  t = Date.now();
  const grouping = groupImages(shas, pairs, groupingOptions);
  const groupSeconds = (Date.now() - t) / 1000;
  t = Date.now();
  const withIlc = datasets.includes(ILC2021);
  // the first datasets, then ilc2021 by photo, then the datasets that joined later, which follow
  // both and never move them (src/data/split.ts LATER_SPLIT_DATASETS)
  const params = { config: cfg, seed: opts.seed ?? cfg.split.seed, ratios: opts.ratios ?? cfg.split.ratios, grouping: groupingOptions };
  const later = (d: string) => LATER_SPLIT_DATASETS.includes(d);
  const first = labelled.length || withIlc ? firstSplit(labelled, fingerprints, params) : null;
  const ilc2021 = withIlc ? inspectIlc2021(records.filter((r) => !later(r.dataset)), fingerprints, first, { seed: params.seed, grouping: groupingOptions, datasets: datasets.filter((d) => !later(d)) }) : null;
  const ilcImages = ilc2021 ? records.filter((r) => r.dataset === ILC2021) : [];
  const ilcSides = new Map(ilcImages.flatMap((r) => (ilc2021?.split.photos[r.photo!] ? [[r.sha256, ilc2021.split.photos[r.photo!].split] as const] : [])));
  const split = first ? extendWithLater(first, labelled, fingerprints, params, { records: ilcImages, sideOf: ilcSides }) : null;
  if (split && ilc2021) split.ilc2021 = ilc2021.split;
  const splitSeconds = (Date.now() - t) / 1000;
  const kaggleByHash = new Map<string, ImageRecord[]>();
  for (const r of records) if (r.dataset === KAGGLE) kaggleByHash.set(r.sha256, [...(kaggleByHash.get(r.sha256) ?? []), r]);
  const kaggleIdentical = [...kaggleByHash.values()]
    .filter((rs) => rs.length > 1)
    .map((rs) => ({ files: rs.map((r) => r.relPath), parts: [...new Set(rs.map((r) => kagglePartOf(r.relPath)))] }));
  const d = groupingOptions.maxDistance;
  return {
    kaggleIdentical,
    datasets,
    records,
    failures,
    fingerprints,
    counts,
    identicalFiles,
    pairs,
    grouping,
    groupingOptions,
    pairCounts: fileLevelPairs(labelled, fingerprints, grouping, groupingOptions),
    sameNumber: sameNumberPairs(records, fingerprints, grouping, d),
    split,
    splitCounts: split ? splitCounts(split) : null,
    ilc2021,
    timings: { loadSeconds: data.stats.seconds, pairsSeconds, groupSeconds, splitSeconds, cached: data.stats.cached, decoded: data.stats.decoded },
  };
}

/** Class proportions (share of each label) per split and overall, in percent. */
export function splitProportions(split: SplitFileV1): { split: string; label: Label; images: number; percent: number }[] {
  const c = splitCounts(split);
  const all: Partial<Record<Label, number>> = {};
  for (const s of Object.values(c)) for (const [l, k] of Object.entries(s)) all[l as Label] = (all[l as Label] ?? 0) + (k as number);
  const rows: { split: string; label: Label; images: number; percent: number }[] = [];
  for (const [name, m] of [...Object.entries(c), ['all', all] as const]) {
    const tot = Object.values(m).reduce((a, b) => a + (b as number), 0);
    for (const [l, k] of Object.entries(m)) rows.push({ split: name as string, label: l as Label, images: k as number, percent: tot ? (100 * (k as number)) / tot : 0 });
  }
  return rows;
}
