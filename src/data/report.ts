/**
 * What the inspection shows: tables (rows for `showTable`), charts and image grids of an
 * `InspectionReport`, and `writeInspectionReport` that saves them all into a folder. Notebook 01
 * and `facemask inspect` show the same things through these functions.
 *
 * A little over 300 lines: one table or picture per finding of the inspection.
 */
import * as path from 'node:path';
import { barChart, histogram, imageGrid, type Figure, type GridItem, type Picture } from '../charts/index';
import { DISPLAY, type Label } from '../labels';
import { writeFileAtomic } from '../util/atomic';
import type { InspectionReport } from './inspect';
import { splitProportions } from './inspect';
import { KAGGLE, kagglePartOf } from './kaggle';
import { mulberry32 } from '../util/random';
import { linkDistance } from './duplicates';
import type { ImageRecord } from './types';

type Row = Record<string, string | number | boolean>;

/** A seeded sample of `n` items (order of `items` then shuffled). */
export function sample<T>(items: T[], n: number, seed = 1): T[] {
  const rand = mulberry32(seed);
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, n);
}

function extOf(relPath: string): string {
  const b = path.basename(relPath);
  const i = b.lastIndexOf('.');
  return i >= 0 ? b.slice(i) : '(none)';
}

/** Images per dataset and label (files and unique contents; Kaggle: photos, then faces per label). */
export function countsTable(r: InspectionReport): Row[] {
  return r.counts.map((c) => ({ dataset: c.dataset, label: c.label, files: c.files, unique: c.unique }));
}

/** Formats by content and by file-name extension, per dataset. */
export function formatTable(r: InspectionReport): Row[] {
  const m = new Map<string, number>();
  for (const x of r.records) {
    const k = `${x.dataset}\t${x.format}\t${extOf(x.relPath)}\t${x.space ?? '?'}${x.hasAlpha ? '+alpha' : ''}\t${x.orientation && x.orientation !== 1 ? 'rotated' : ''}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return [...m]
    .sort()
    .map(([k, n]) => {
      const [dataset, format, extension, colour, exif] = k.split('\t');
      return { dataset, format, extension, colour, exif, files: n };
    });
}

/** The near-duplicate numbers: the ones the issue asks for, measured. */
export function findingsTable(r: InspectionReport): Row[] {
  const d = r.groupingOptions.maxDistance;
  const rows: Row[] = [];
  const sn = r.sameNumber;
  if (sn) {
    rows.push({ finding: 'observations: same-number pairs (N.jpg ↔ N-with-mask.jpg)', value: sn.total });
    rows.push({ finding: `  … whole-image dHash <= ${d}`, value: sn.whole });
    rows.push({ finding: `  … upper-half dHash <= ${d}`, value: sn.upper });
    rows.push({ finding: '  … put in one group', value: sn.grouped });
  }
  for (const p of r.pairCounts) {
    const name = p.datasets[0] === p.datasets[1] ? `within ${p.datasets[0]}` : `across ${p.datasets[0]} and ${p.datasets[1]}`;
    rows.push({ finding: `${name}: file pairs, whole-image dHash <= ${d}`, value: p.whole });
    rows.push({ finding: `${name}: file pairs, upper-half dHash <= ${d}`, value: p.upper });
    rows.push({ finding: `${name}: file pairs linked (either hash, or identical bytes)`, value: p.linked });
    rows.push({ finding: `${name}: distinct files in linked pairs`, value: p.datasets[0] === p.datasets[1] ? p.distinct[0] + p.distinct[1] : `${p.distinct[0]} + ${p.distinct[1]}` });
    rows.push({ finding: `${name}: identical files (same SHA-256)`, value: p.identical });
  }
  const sizes = [...r.grouping.members.values()].map((m) => m.length);
  rows.push({ finding: 'files with identical bytes to another file', value: r.identicalFiles });
  rows.push({ finding: 'unique contents (labelled)', value: r.grouping.groupOf.size });
  rows.push({ finding: 'near pairs of unique contents', value: r.pairs.length });
  rows.push({ finding: 'groups (all)', value: sizes.length });
  rows.push({ finding: 'groups with more than one image', value: sizes.filter((s) => s > 1).length });
  rows.push({ finding: 'largest group (unique images)', value: r.grouping.largest.size });
  rows.push({ finding: `links refused by the chain guard (groups > ${r.groupingOptions.maxGroupSize})`, value: r.grouping.refused.length });
  const ilc = r.ilc2021;
  if (ilc) {
    const photos = Object.keys(ilc.split.photos).length + Object.keys(ilc.split.excluded).length;
    rows.push({ finding: 'ilc2021: photos (with crops or a scene); crops and scene of a photo form one node', value: photos });
    rows.push({ finding: 'ilc2021: groups holding several of its photos (near-duplicate photos)', value: `${ilc.multiPhotoGroups} (${ilc.photosGroupedTogether} photos)` });
    for (const x of ilc.shared) rows.push({ finding: `ilc2021 grouped with ${x.dataset}${x.side ? ` (${x.side})` : ''}: photos / images`, value: `${x.photos} / ${x.images}` });
    const kaggleTest = ilc.shared.filter((x) => x.dataset === KAGGLE && x.side === 'test').reduce((a, x) => a + x.photos, 0);
    rows.push({ finding: 'ilc2021 photos grouped with a Kaggle dev test photo (excluded)', value: kaggleTest });
    rows.push({ finding: 'ilc2021 photos excluded from its split', value: Object.keys(ilc.split.excluded).length });
    rows.push({ finding: `ilc2021: links refused by the chain guard`, value: ilc.refused.length });
  }
  for (const k of r.kaggleIdentical) rows.push({ finding: `${KAGGLE}: identical photos (${k.parts.join(' + ')})`, value: k.files.map((f) => path.basename(f)).join(' = ') });
  return rows;
}

/** Group sizes: how many groups of each size. */
export function groupSizeTable(r: InspectionReport): Row[] {
  const m = new Map<number, number>();
  for (const g of r.grouping.members.values()) m.set(g.length, (m.get(g.length) ?? 0) + 1);
  return [...m].sort((a, b) => a[0] - b[0]).map(([size, groups]) => ({ size, groups, images: size * groups }));
}

/** The split: images per split and label, and each label's share (percent). */
export function splitTable(r: InspectionReport): Row[] {
  if (!r.split) return [];
  return splitProportions(r.split).map((x) => ({ split: x.split, label: x.label, images: x.images, percent: Math.round(x.percent * 100) / 100 }));
}

/** ilc2021's split by photo group: photos, scenes and crops per label on each side. */
export function ilc2021SplitTable(r: InspectionReport): Row[] {
  if (!r.ilc2021) return [];
  const c = r.ilc2021.split.counts;
  return (['train', 'val', 'test'] as const).map((s) => ({
    split: s,
    photos: c[s].photos,
    scenes: c[s].scenes,
    'scenes with incorrect': c[s].scenesIncorrect,
    with_mask: c[s].with_mask ?? 0,
    without_mask: c[s].without_mask ?? 0,
    incorrect_mask: c[s].incorrect_mask ?? 0,
  }));
}

/** Files that could not be used, with the reason. */
export function failuresTable(r: InspectionReport): Row[] {
  return r.failures.map((f) => ({ dataset: f.dataset, file: f.relPath, reason: f.reason }));
}

export function countsChart(r: InspectionReport): Figure {
  const faces = (d: string) => d === KAGGLE || d.endsWith(' scenes');
  const rows = r.counts.filter((c) => c.label !== 'photo').map((c) => ({ dataset: faces(c.dataset) ? `${c.dataset} (faces)` : c.dataset, label: c.label, images: c.files }));
  return barChart(rows, { x: 'dataset', y: 'images', colour: 'label', stack: true, title: 'Images per dataset and label', labels: true });
}

/** Shorter image side, per dataset. */
export function sizeChart(r: InspectionReport): Figure {
  const by: Record<string, number[]> = {};
  for (const x of r.records) (by[x.dataset] ??= []).push(Math.min(x.width, x.height));
  return histogram(by, { title: 'Shorter side of the images (px)', xTitle: 'pixels', bins: 40 });
}

export function formatChart(r: InspectionReport): Figure {
  const m = new Map<string, number>();
  for (const x of r.records) m.set(`${x.dataset}\t${x.format}`, (m.get(`${x.dataset}\t${x.format}`) ?? 0) + 1);
  const rows = [...m].map(([k, n]) => ({ dataset: k.split('\t')[0], format: k.split('\t')[1], images: n }));
  return barChart(rows, { x: 'dataset', y: 'images', colour: 'format', stack: true, title: 'Formats (by content)' });
}

/** Kaggle faces: the shorter side of each annotated box (the conventions count faces >= 24 px). */
export function faceSizeChart(r: InspectionReport): Figure | null {
  const by: Record<string, number[]> = {};
  for (const x of r.records) if (x.dataset === KAGGLE) for (const f of x.faces ?? []) (by[f.label] ??= []).push(Math.min(f.box[2], f.box[3]));
  if (!Object.keys(by).length) return null;
  return histogram(by, { title: 'Kaggle dev set: shorter side of annotated faces (px)', xTitle: 'pixels', bins: 40 });
}

const SHORT: Record<string, string> = { observations: 'obs', chandrikadeb7: 'cdb7', [KAGGLE]: 'kaggle', ilc2021: 'ilc' };
const short = (x: ImageRecord) => `${SHORT[x.dataset] ?? x.dataset}/${path.basename(x.relPath)}`;

/** Random images of one label (classification datasets) — or Kaggle photos with their boxes. */
export function sampleGrid(r: InspectionReport, label: Label | 'kaggle', n = 12, seed = 1): Picture | null {
  if (label === 'kaggle') {
    const rs = sample(r.records.filter((x) => x.dataset === KAGGLE), n, seed);
    if (!rs.length) return null;
    const items: GridItem[] = rs.map((x) => ({
      image: x.path,
      caption: `${path.basename(x.relPath)} (${kagglePartOf(x.relPath)})`,
      boxes: (x.faces ?? []).map((f) => ({ box: f.box, colour: DISPLAY[f.label].colour })),
    }));
    return imageGrid(items, { columns: 4, cellSize: 220, title: 'Kaggle dev photos with their annotated faces' });
  }
  const rs = sample(r.records.filter((x) => x.label === label), n, seed);
  if (!rs.length) return null;
  return imageGrid(rs.map((x) => ({ image: x.path, caption: short(x) })), { columns: 6, cellSize: 128, title: `Random ${label} images` });
}

function recordOf(r: InspectionReport): Map<string, ImageRecord> {
  const m = new Map<string, ImageRecord>();
  for (const x of r.records) if (!m.has(x.sha256)) m.set(x.sha256, x);
  return m;
}

/** A few random groups of several images, one row per group. */
export function groupGrid(r: InspectionReport, groups = 6, perRow = 6, seed = 1): Picture | null {
  const bySha = recordOf(r);
  const multi = [...r.grouping.members.entries()].filter(([, m]) => m.length > 1).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const chosen = sample(multi, groups - 1, seed);
  const largest = r.grouping.members.get(r.grouping.largest.id);
  if (largest && largest.length > 1 && !chosen.some(([id]) => id === r.grouping.largest.id)) chosen.unshift([r.grouping.largest.id, largest]);
  if (!chosen.length) return null;
  const items: GridItem[] = [];
  for (const [id, m] of chosen) {
    for (let i = 0; i < perRow; i++) {
      const x = m[i] ? bySha.get(m[i]) : undefined;
      items.push(x ? { image: x.path, caption: `${id.slice(0, 7)} ${short(x)}` } : { image: { data: new Uint8Array(3).fill(255), width: 1, height: 1 }, caption: '' });
    }
  }
  return imageGrid(items, { columns: perRow, cellSize: 120, title: `Groups of near-duplicates (first row: the largest, ${r.grouping.largest.size} images)` });
}

export interface PairSample {
  a: ImageRecord;
  b: ImageRecord;
  whole: number;
  upper: number;
  note: string;
}

/**
 * Pairs to judge by eye. `grouped`: random linked pairs (across all datasets). `apart`: pairs the
 * inspection kept apart — same-number `observations` pairs not grouped, links refused by the
 * chain guard, candidates whose upper halves agree but whole images do not, and near misses
 * (either distance within threshold + 4, not grouped).
 */
export function pairSamples(r: InspectionReport, kind: 'grouped' | 'apart', n = 8, seed = 1): PairSample[] {
  const bySha = recordOf(r);
  const d = r.groupingOptions.maxDistance;
  if (kind === 'grouped') {
    const linked = r.pairs.filter((p) => linkDistance(p, r.groupingOptions) <= d && r.grouping.groupOf.get(p.a) === r.grouping.groupOf.get(p.b));
    return sample(linked, n, seed).map((p) => ({ a: bySha.get(p.a)!, b: bySha.get(p.b)!, whole: p.whole, upper: p.upper, note: 'grouped' }));
  }
  const out: PairSample[] = [];
  const sn = (r.sameNumber?.pairs ?? []).filter((p) => !p.grouped);
  for (const p of sample(sn, Math.ceil(n / 2), seed)) out.push({ a: p.unmasked, b: p.masked, whole: p.whole, upper: p.upper, note: `same number ${p.n}, kept apart` });
  for (const p of sample(r.grouping.refused, Math.ceil(n / 4), seed)) out.push({ a: bySha.get(p.a)!, b: bySha.get(p.b)!, whole: p.whole, upper: p.upper, note: 'refused by chain guard' });
  const unlinked = r.pairs.filter((p) => linkDistance(p, r.groupingOptions) > d && r.grouping.groupOf.get(p.a) !== r.grouping.groupOf.get(p.b));
  for (const p of sample(unlinked, Math.ceil(n / 4), seed)) out.push({ a: bySha.get(p.a)!, b: bySha.get(p.b)!, whole: p.whole, upper: p.upper, note: 'upper halves close, whole images not' });
  if (out.length < n) {
    const near = nearMisses(r, d + 4, 4000);
    for (const p of sample(near, n - out.length, seed)) out.push(p);
  }
  const seen = new Set<string>();
  return out
    .filter((p) => {
      const k = [p.a.sha256, p.b.sha256].sort().join();
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .slice(0, n);
}

/** Pairs of unique contents with a distance in (threshold, upTo] and in different groups. */
function nearMisses(r: InspectionReport, upTo: number, limit: number): PairSample[] {
  const bySha = recordOf(r);
  const shas = [...r.grouping.groupOf.keys()];
  const fp = r.fingerprints;
  const words = shas.map((s) => {
    const f = fp.get(s)!;
    return [parseInt(f.whole.slice(0, 8), 16), parseInt(f.whole.slice(8), 16), parseInt(f.upper.slice(0, 8), 16), parseInt(f.upper.slice(8), 16)];
  });
  const pc = (x: number) => {
    x = x - ((x >>> 1) & 0x55555555);
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    x = (x + (x >>> 4)) & 0x0f0f0f0f;
    return Math.imul(x, 0x01010101) >>> 24;
  };
  const out: PairSample[] = [];
  for (let i = 0; i < shas.length && out.length < limit; i++) {
    for (let j = i + 1; j < shas.length; j++) {
      const a = words[i], b = words[j];
      const whole = pc(a[0] ^ b[0]) + pc(a[1] ^ b[1]);
      const upper = pc(a[2] ^ b[2]) + pc(a[3] ^ b[3]);
      const m = Math.min(whole, upper);
      if (m > upTo || r.grouping.groupOf.get(shas[i]) === r.grouping.groupOf.get(shas[j])) continue;
      out.push({ a: bySha.get(shas[i])!, b: bySha.get(shas[j])!, whole, upper, note: 'near miss' });
    }
  }
  return out;
}

/** Pairs side by side: two cells per pair, captions with both distances. */
export function pairGrid(pairs: PairSample[], title: string): Picture | null {
  if (!pairs.length) return null;
  const items: GridItem[] = [];
  for (const p of pairs) {
    items.push({ image: p.a.path, caption: short(p.a) });
    items.push({ image: p.b.path, caption: `w${p.whole} u${p.upper} ${short(p.b)}` });
  }
  return imageGrid(items, { columns: 8, cellSize: 120, title });
}

/** Save every table (JSON/TSV), chart and grid of the report into `dir` (which must exist). */
export async function writeInspectionReport(r: InspectionReport, dir: string, seed = 1): Promise<string[]> {
  const written: string[] = [];
  const tsv = (rows: Row[]) => {
    if (!rows.length) return '';
    const cols = Object.keys(rows[0]);
    return [cols.join('\t'), ...rows.map((x) => cols.map((c) => String(x[c] ?? '')).join('\t'))].join('\n') + '\n';
  };
  const save = (name: string, data: string) => {
    const f = path.join(dir, name);
    writeFileAtomic(f, data);
    written.push(f);
  };
  save('counts.tsv', tsv(countsTable(r)));
  save('formats.tsv', tsv(formatTable(r)));
  save('findings.tsv', tsv(findingsTable(r)));
  save('group-sizes.tsv', tsv(groupSizeTable(r)));
  save('split.tsv', tsv(splitTable(r)));
  if (r.ilc2021) save('split-ilc2021.tsv', tsv(ilc2021SplitTable(r)));
  save('failures.tsv', tsv(failuresTable(r)) || 'dataset\tfile\treason\n');
  save(
    'summary.json',
    JSON.stringify(
      {
        datasets: r.datasets,
        counts: r.counts,
        identicalFiles: r.identicalFiles,
        sameNumber: r.sameNumber ? { total: r.sameNumber.total, whole: r.sameNumber.whole, upper: r.sameNumber.upper, grouped: r.sameNumber.grouped } : null,
        pairCounts: r.pairCounts,
        uniquePairs: r.pairs.length,
        groups: r.grouping.members.size,
        largestGroup: r.grouping.largest,
        refusedLinks: r.grouping.refused.length,
        kaggleIdentical: r.kaggleIdentical,
        ilc2021: r.ilc2021
          ? { multiPhotoGroups: r.ilc2021.multiPhotoGroups, photosGroupedTogether: r.ilc2021.photosGroupedTogether, shared: r.ilc2021.shared, refusedLinks: r.ilc2021.refused.length, excluded: r.ilc2021.split.excluded, links: r.ilc2021.split.links, splitCounts: r.ilc2021.split.counts }
          : null,
        grouping: r.groupingOptions,
        splitCounts: r.splitCounts,
        failures: r.failures.map((f) => ({ dataset: f.dataset, file: f.relPath, reason: f.reason })),
        timings: r.timings,
      },
      null,
      2,
    ) + '\n',
  );
  const figs: [string, Figure | null][] = [['counts.png', countsChart(r)], ['sizes.png', sizeChart(r)], ['formats.png', formatChart(r)], ['face-sizes.png', faceSizeChart(r)]];
  for (const [name, f] of figs) if (f) written.push(await f.save(path.join(dir, name)));
  const pics: [string, Picture | null][] = [
    ['samples-with_mask.jpg', sampleGrid(r, 'with_mask', 12, seed)],
    ['samples-without_mask.jpg', sampleGrid(r, 'without_mask', 12, seed)],
    ['samples-kaggle.jpg', sampleGrid(r, 'kaggle', 8, seed)],
    ['groups.jpg', groupGrid(r, 6, 6, seed)],
    ['pairs-grouped.jpg', pairGrid(pairSamples(r, 'grouped', 12, seed), 'Random pairs put in one group (w = whole-image, u = upper-half distance)')],
    ['pairs-apart.jpg', pairGrid(pairSamples(r, 'apart', 12, seed), 'Random pairs kept apart (w = whole-image, u = upper-half distance)')],
  ];
  for (const [name, p] of pics) if (p) written.push(await p.save(path.join(dir, name)));
  return written;
}
