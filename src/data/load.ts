/**
 * Loading the datasets into one `ImageRecord` per image (dataset, label, path, size, format,
 * SHA-256; for scene photos the annotated faces; for ilc2021 the photo id, and for its crops the
 * face box), plus a perceptual fingerprint. ilc2021's own file rules live in `./ilc2021`.
 *
 * Every file under a dataset folder is either loaded or reported as a `LoadFailure` with its
 * reason (empty, not an image, corrupt, too many pixels, no annotation, …) — never a crash.
 * Images are recognised by content, so `.JPG`, `.jpeg`, `.webp` or `.jpg_1088Wx1632H` all load.
 *
 * Fingerprints (and the image metadata) are cached by SHA-256 in `.cache/fingerprints.json`, so
 * a second run only reads and hashes the bytes.
 *
 * Long (~360 lines) because it is the one reader of every dataset layout, with its cache; the
 * per-dataset rules that are more than a layout live elsewhere (src/data/kaggle.ts, ilc2021.ts, everyday.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { AnnotatedFace, DatasetName, ImageRecord, LoadFailure } from './types';
import { KAGGLE, KAGGLE_PART_NAMES, kaggleUsable, kagglePart, kagglePhotoNumber } from './kaggle';
import { ILC2021, ilc2021Entries, ilc2021Subset } from './ilc2021';
import { EVERYDAY_UNMASKED, everydayEntries } from './everyday';
import { AnnotationError, parseVocXml } from './voc';
import { Fingerprint, fingerprintFromGrid, gridFromHex, hashesFromGrid, thumbnailGrid } from './fingerprint';
import { ImageError, sniffImageFormat } from '../util/images';
import { writeFileAtomic } from '../util/atomic';
import { mapLimit } from '../util/files';
import { progress as makeProgress } from '../util/progress';
import { projectPaths } from '../paths';
import { isLabel, type Label } from '../labels';
import type { Config } from '../config';

sharp.cache(false);

/** The datasets this project knows. */
export const DATASETS = ['observations', 'chandrikadeb7', 'kaggle-face-mask-dev', 'ilc2021', 'everyday-unmasked'] as const;
/** The default mix for the split. */
export const DEFAULT_SPLIT_DATASETS: DatasetName[] = ['observations', 'chandrikadeb7'];

export interface LoadOptions {
  /** The configuration (its `data` section and small-data mode). */
  config: Config;
  /** Root folder of the datasets. default: `projectPaths().dataset` */
  datasetRoot?: string;
  /** Refuse images with more pixels than this. default: config `data.maxPixels` */
  maxPixels?: number;
  /** Concurrent decodes. default: config `data.decodeConcurrency` */
  concurrency?: number;
  /** Keep only the first N images per dataset and label (natural file-name order). default: config `data.smallPerClass` in small-data mode, else all */
  perClass?: number;
  /** Fingerprint cache file; null disables the cache. default: `.cache/fingerprints.json` */
  cacheFile?: string | null;
  /** Show a progress bar on stderr. default: false */
  progress?: boolean;
}

export interface LoadedData {
  records: ImageRecord[];
  failures: LoadFailure[];
  /** Fingerprint per SHA-256 of every loaded record. */
  fingerprints: Map<string, Fingerprint>;
  /** Seconds spent, and how many images came from the cache. */
  stats: { seconds: number; files: number; cached: number; decoded: number };
}

/** A reason on one line: distinct non-empty lines joined with "; " (libvips repeats itself). */
export function oneLine(s: string): string {
  const lines = [...new Set(s.split(/\r?\n/).map((x) => x.trim()).filter(Boolean))];
  const t = lines.join('; ');
  return t.length > 240 ? t.slice(0, 237) + '...' : t;
}

/** Natural order: `2.jpg` before `10.jpg`; byte order otherwise (deterministic everywhere). */
export function naturalCompare(a: string, b: string): number {
  const ra = a.split(/(\d+)/);
  const rb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    if (ra[i] === rb[i]) continue;
    if (i % 2 === 1) {
      const d = Number(ra[i]) - Number(rb[i]);
      if (d !== 0) return d;
    }
    return ra[i] < rb[i] ? -1 : 1;
  }
  return ra.length - rb.length || (a < b ? -1 : a > b ? 1 : 0);
}

function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else out.push(r);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cache

interface CacheEntry {
  w: number;
  h: number;
  f: string;
  s?: string;
  a?: boolean;
  o?: number;
  g: string;
}

const CACHE_VERSION = 1;

function readCache(file: string | null): Map<string, CacheEntry> {
  const m = new Map<string, CacheEntry>();
  if (!file || !fs.existsSync(file)) return m;
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (j.version !== CACHE_VERSION) return m;
    for (const [k, v] of Object.entries(j.entries as Record<string, CacheEntry>)) m.set(k, v);
  } catch {
    /* a broken cache is rebuilt */
  }
  return m;
}

function writeCache(file: string, m: Map<string, CacheEntry>): void {
  // Merge with what another process may have written meanwhile.
  const merged = readCache(file);
  for (const [k, v] of m) merged.set(k, v);
  const keys = [...merged.keys()].sort();
  const entries: Record<string, CacheEntry> = {};
  for (const k of keys) entries[k] = merged.get(k)!;
  writeFileAtomic(file, JSON.stringify({ version: CACHE_VERSION, entries }));
}

export function defaultFingerprintCache(): string {
  return path.join(projectPaths().cache, 'fingerprints.json');
}

// ---------------------------------------------------------------------------------------------
// One file

export interface ScannedImage {
  sha256: string;
  bytes: number;
  format: string;
  width: number;
  height: number;
  space?: string;
  hasAlpha?: boolean;
  orientation?: number;
  fingerprint: Fingerprint;
  cached: boolean;
}

/**
 * Read, hash, check and fingerprint one image file. Throws `ImageError` with a readable reason
 * (empty, not an image, corrupt, too many pixels, unreadable).
 */
export async function scanImage(file: string, opts: { maxPixels: number; cache?: Map<string, CacheEntry> }): Promise<ScannedImage> {
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(file);
  } catch (e) {
    throw new ImageError(`cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (buf.length === 0) throw new ImageError('empty file (0 bytes)');
  const fmt = sniffImageFormat(buf.subarray(0, 16));
  if (!fmt) throw new ImageError('not an image (unrecognised content)');
  const sha256 = createHash('sha256').update(buf).digest('hex');
  const hit = opts.cache?.get(sha256);
  if (hit) {
    if (hit.w * hit.h > opts.maxPixels) throw new ImageError(`image too large: ${hit.w}x${hit.h} = ${hit.w * hit.h} pixels (limit ${opts.maxPixels})`);
    const grid = gridFromHex(hit.g);
    return { sha256, bytes: buf.length, format: hit.f, width: hit.w, height: hit.h, space: hit.s, hasAlpha: hit.a, orientation: hit.o, fingerprint: { grid: hit.g, ...hashesFromGrid(grid) }, cached: true };
  }
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ImageError(`corrupt ${fmt} image: ${(e as Error).message}`);
  }
  if (!meta.width || !meta.height) throw new ImageError(`corrupt ${fmt} image: no dimensions`);
  const px = meta.width * meta.height;
  if (px > opts.maxPixels) throw new ImageError(`image too large: ${meta.width}x${meta.height} = ${px} pixels (limit ${opts.maxPixels})`);
  const grid = await thumbnailGrid(buf, opts.maxPixels, fmt);
  const rotated = (meta.orientation ?? 1) >= 5;
  const out: ScannedImage = {
    sha256,
    bytes: buf.length,
    format: fmt,
    width: rotated ? meta.height : meta.width,
    height: rotated ? meta.width : meta.height,
    space: meta.space,
    hasAlpha: meta.hasAlpha,
    orientation: meta.orientation,
    fingerprint: fingerprintFromGrid(grid),
    cached: false,
  };
  opts.cache?.set(sha256, { w: out.width, h: out.height, f: out.format, s: out.space, a: out.hasAlpha, o: out.orientation, g: out.fingerprint.grid });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Datasets

interface Candidate {
  dataset: DatasetName;
  relPath: string;
  label?: Label;
  annotation?: string;
  /** ilc2021: the photo the file shows, and for a crop its face box. */
  photo?: string;
  face?: AnnotatedFace;
}

function candidatesFor(name: DatasetName, root: string, failures: LoadFailure[]): Candidate[] {
  const dir = path.join(root, name);
  if (!fs.existsSync(dir)) throw new Error(`dataset "${name}" is not installed (no folder ${dir}); run "facemask prepare"`);
  const files = listFiles(dir).sort(naturalCompare);
  const fail = (relPath: string, reason: string) => failures.push({ dataset: name, relPath, path: path.join(dir, relPath), reason });
  const out: Candidate[] = [];
  if (name === ILC2021) {
    const r = ilc2021Entries(dir, files);
    for (const f of r.failures) fail(f.relPath, f.reason);
    return r.entries.map((e) => ({ dataset: name, ...e }));
  }
  if (name === EVERYDAY_UNMASKED) {
    const r = everydayEntries(files);
    for (const f of r.failures) fail(f.relPath, f.reason);
    return r.entries.map((e) => ({ dataset: name, ...e }));
  }
  if (name === KAGGLE) {
    const xmls = new Set(files.filter((f) => f.startsWith('annotations/') && f.toLowerCase().endsWith('.xml')));
    const stems = new Set<string>();
    for (const f of files) {
      if (f.startsWith('annotations/')) {
        if (!xmls.has(f)) fail(f, 'not an annotation (expected .xml)');
        continue;
      }
      if (!f.startsWith('images/')) {
        if (path.basename(f) !== 'SHA256SUMS') fail(f, 'outside images/ and annotations/');
        continue;
      }
      const stem = path.basename(f).replace(/\.[^.]*$/, '');
      stems.add(stem);
      const ann = `annotations/${stem}.xml`;
      if (!xmls.has(ann)) {
        fail(f, `no annotation ${ann}`);
        continue;
      }
      out.push({ dataset: name, relPath: f, annotation: path.join(dir, ann) });
    }
    for (const x of xmls) {
      const stem = path.basename(x).replace(/\.xml$/i, '');
      if (!stems.has(stem)) fail(x, `annotation without an image (images/${stem}.*)`);
    }
    return out;
  }
  for (const f of files) {
    if (path.basename(f) === 'SHA256SUMS') continue;
    const folder = f.split('/')[0];
    if (!f.includes('/') || !isLabel(folder)) {
      fail(f, `not inside a label folder (${['with_mask', 'without_mask', 'incorrect_mask'].join(', ')})`);
      continue;
    }
    out.push({ dataset: name, relPath: f, label: folder });
  }
  return out;
}

/** The first `n` candidates per label (they are in natural order already). */
function subsetPerClass(c: Candidate[], n: number, dataset: DatasetName): Candidate[] {
  if (dataset === ILC2021) return ilc2021Subset(c as (Candidate & { photo: string })[], n);
  if (dataset === KAGGLE) {
    // keep every part of the fixed partition (data/kaggle.ts): the first n/3 usable photos of each
    const third = Math.max(1, Math.ceil(n / 3));
    const photo = (x: Candidate) => kagglePhotoNumber(x.relPath) ?? -1;
    return KAGGLE_PART_NAMES.flatMap((p) => c.filter((x) => photo(x) >= 0 && photo(x) <= 299 && kagglePart(photo(x)) === p && (p === 'test' || kaggleUsable(photo(x)))).slice(0, third));
  }
  const seen = new Map<string, number>();
  return c.filter((x) => {
    const k = x.label ?? '';
    const m = seen.get(k) ?? 0;
    seen.set(k, m + 1);
    return m < n;
  });
}

/** A candidate's annotated faces (a scene's VOC file, a crop's box), checked against the image's size; none for a plain image. */
async function facesOf(c: Candidate, s: { width: number; height: number }): Promise<ImageRecord['faces']> {
  if (c.annotation) {
    let ann;
    try {
      ann = parseVocXml(await fs.promises.readFile(c.annotation, 'utf8'));
    } catch (e) {
      const why = e instanceof AnnotationError ? e.message : (e as Error).message;
      throw new ImageError(`bad annotation ${path.basename(c.annotation)}: ${why}`);
    }
    if (ann.width !== s.width || ann.height !== s.height) throw new ImageError(`annotation size ${ann.width}x${ann.height} differs from the image ${s.width}x${s.height}`);
    return ann.faces;
  }
  if (c.face) {
    const [x, y, w, h] = c.face.box;
    // half a pixel of slack: the list rounds boxes to whole pixels
    if (x + w > s.width + 0.5 || y + h > s.height + 0.5) throw new ImageError(`face box [${c.face.box.join(', ')}] leaves the ${s.width}x${s.height} image`);
    return [c.face];
  }
  return undefined;
}

/**
 * Load datasets (by name, under the dataset root). Records come in dataset order, then natural
 * file-name order. Throws only when a dataset folder is missing altogether.
 */
export async function loadDatasets(names: DatasetName[], opts: LoadOptions): Promise<LoadedData> {
  const cfg = opts.config;
  const t0 = Date.now();
  const root = opts.datasetRoot ?? projectPaths().dataset;
  const maxPixels = opts.maxPixels ?? cfg.data.maxPixels;
  const concurrency = opts.concurrency ?? cfg.data.decodeConcurrency;
  const perClass = opts.perClass ?? (cfg.small ? cfg.data.smallPerClass : Infinity);
  const cacheFile = opts.cacheFile === undefined ? defaultFingerprintCache() : opts.cacheFile;
  const cache = readCache(cacheFile);
  const cacheSize0 = cache.size;

  const failures: LoadFailure[] = [];
  const cands: Candidate[] = [];
  for (const name of names) {
    const all = candidatesFor(name, root, failures);
    cands.push(...(Number.isFinite(perClass) ? subsetPerClass(all, perClass, name) : all));
  }
  const bar = opts.progress ? makeProgress('fingerprinting', cands.length, { unit: 'img' }) : null;
  let cached = 0;
  let decoded = 0;
  const results = await mapLimit(cands, concurrency, async (c) => {
    const abs = path.join(root, c.dataset, c.relPath);
    try {
      const s = await scanImage(abs, { maxPixels, cache });
      if (s.cached) cached++;
      else decoded++;
      const faces = await facesOf(c, s);
      const rec: ImageRecord = {
        dataset: c.dataset,
        relPath: c.relPath,
        path: abs,
        ...(c.label ? { label: c.label } : {}),
        width: s.width,
        height: s.height,
        format: s.format,
        bytes: s.bytes,
        sha256: s.sha256,
        ...(faces ? { faces } : {}),
        ...(c.photo ? { photo: c.photo } : {}),
        space: s.space,
        hasAlpha: s.hasAlpha,
        orientation: s.orientation,
      };
      return { rec, fp: s.fingerprint };
    } catch (e) {
      const reason = oneLine(e instanceof ImageError ? e.message : `unexpected error: ${(e as Error).message}`);
      failures.push({ dataset: c.dataset, relPath: c.relPath, path: abs, reason });
      return null;
    } finally {
      bar?.tick();
    }
  });
  const records: ImageRecord[] = [];
  const fingerprints = new Map<string, Fingerprint>();
  for (const r of results) {
    if (!r) continue;
    records.push(r.rec);
    fingerprints.set(r.rec.sha256, r.fp);
  }
  if (cacheFile && cache.size !== cacheSize0) writeCache(cacheFile, cache);
  failures.sort((a, b) => (a.dataset === b.dataset ? naturalCompare(a.relPath, b.relPath) : a.dataset < b.dataset ? -1 : 1));
  const seconds = (Date.now() - t0) / 1000;
  bar?.done(`${records.length} loaded, ${failures.length} not usable, ${cached} from cache`);
  return { records, failures, fingerprints, stats: { seconds, files: results.length, cached, decoded } };
}

/** Load one dataset. */
export function loadDataset(name: DatasetName, opts: LoadOptions): Promise<LoadedData> {
  return loadDatasets([name], opts);
}

