/**
 * The inspection: load datasets, count, find near-duplicates and groups, split. One function,
 * `inspectDatasets`, that the CLI (`facemask inspect`) and notebook 01 both call; the pictures
 * and charts of its result are in `./report`.
 */
import type { DatasetName, ImageRecord, LoadFailure } from './types';
import type { Label } from '../labels';
import { loadDatasets, DEFAULT_SPLIT_DATASETS, type LoadOptions, type LoadedData } from './load';
import { KAGGLE, kagglePartOf } from './kaggle';
import { findLinks, groupImages, linkDistance, type Grouping, type GroupingOptions, type NearPair } from './duplicates';
import { buildSplit, groupingFromConfig, splitCounts, type SplitFileV1 } from './split';
import { hashWords, popcount32, type Fingerprint } from './fingerprint';
import { resolveConfig } from '../config';

export interface InspectOptions extends LoadOptions {
  /** Datasets to inspect. default: observations, chandrikadeb7, kaggle-face-mask-dev */
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

/** Everything the inspection shows, computed once. */
export async function inspectDatasets(opts: InspectOptions = {}): Promise<InspectionReport> {
  const cfg = resolveConfig();
  const datasets = opts.datasets ?? [...DEFAULT_SPLIT_DATASETS, KAGGLE];
  const groupingOptions = { ...groupingFromConfig(), ...(opts.grouping ?? {}) };
  const data: LoadedData = await loadDatasets(datasets, opts);
  const { records, failures, fingerprints } = data;

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
    const labels = [...new Set(rs.map((r) => r.label!))].sort();
    for (const l of labels) {
      const x = rs.filter((r) => r.label === l);
      counts.push({ dataset: ds, label: l, files: x.length, unique: new Set(x.map((r) => r.sha256)).size });
    }
  }
  const seen = new Map<string, number>();
  for (const r of records) seen.set(r.sha256, (seen.get(r.sha256) ?? 0) + 1);
  const identicalFiles = records.filter((r) => seen.get(r.sha256)! > 1).length;

  const labelled = records.filter((r) => r.label);
  const shas = [...new Set(labelled.map((r) => r.sha256))];
  let t = Date.now();
  const pairs = findLinks(labelled, fingerprints, groupingOptions);
  const pairsSeconds = (Date.now() - t) / 1000;
  t = Date.now();
  const grouping = groupImages(shas, pairs, groupingOptions);
  const groupSeconds = (Date.now() - t) / 1000;
  t = Date.now();
  const split = labelled.length ? buildSplit(labelled, grouping.groupOf, { seed: opts.seed ?? cfg.split.seed, ratios: opts.ratios, grouping: groupingOptions }) : null;
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
