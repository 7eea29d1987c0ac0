/**
 * The `realworld` training data: real photos and real scene faces, without leakage into the
 * measured set (the Kaggle dev set's **test** part, photos 200–299).
 *
 * Sources:
 *  - `chandrikadeb7` (whole images, with_mask / without_mask), minus every image whose
 *    near-duplicate group (the data module's links over chandrikadeb7 + the Kaggle dev set) holds
 *    a Kaggle test photo;
 *  - face crops of the Kaggle dev set's **tune** part (photos 0–199, annotated boxes, all three
 *    classes), minus tune photos grouped with a test photo (e.g. 146 = 219, byte-identical).
 *    Tune photos numbered >= `valFrom` are held out as the validation set (choices are made there);
 *  - synthetic masks (`facemask synth` output with `manifest.jsonl`, modes correct/nose/chin) made
 *    from chandrikadeb7 `without_mask` photos: only those whose source survived the leak filter,
 *    and the source photos are then removed from `without_mask` (`excludeSynthSources`).
 * The test set is every Kaggle test face whose shorter side is >= `faces.minSize` (24 px), crops =
 * the annotated box as is — the same faces `facemask evaluate` measures.
 *
 * Views: each training item is seen as K views built from the original photo — jittered boxes
 * (tight, loose, off-centre), small faces (downscaled to 24–48 px and upscaled back), blur, JPEG
 * noise, lighting and flips — embedded once by the frozen base and cached on disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { resolveConfig } from '../config';
import { projectPaths } from '../paths';
import type { Label, ModelClass } from '../labels';
import type { Box } from '../result';
import { loadDatasets, KAGGLE, kaggleSplitOf, kagglePhotoNumber } from '../data/load';
import { findLinks, groupImages } from '../data/duplicates';
import { groupingFromConfig } from '../data/split';
import { decodeImage, type RgbImage } from '../util/images';
import { mapLimit } from '../util/files';
import { writeFileAtomic } from '../util/atomic';
import { readSynthManifest } from '../synth/synth';
import { excludeSynthSources } from '../synth/groups';
import { hashSeed, mulberry32 } from './augment';
import type { BaseRunner, FeatureMatrix } from './features';
import { createDetector } from '../detection/index';
import { kaggleScenes, runDetectorOnScenes, type SceneResult } from '../detection/evaluate';
import { iou } from '../detection/geometry';

/** One training/evaluation item: a whole image, or a face box in a scene photo. */
export interface RealItem {
  /** Absolute path of the image file. */
  path: string;
  sha256: string;
  label: ModelClass;
  /** Face box in the photo; absent for whole images. */
  box?: Box;
  source: 'chandrikadeb7' | 'extra' | 'kaggle-tune' | 'kaggle-test' | 'synth' | 'detector';
  /** Near-duplicate group of the photo (for the leakage check). */
  group: string;
  /** Copies of one face get different views (over-sampling of scarce real scene faces). default: 0 */
  copy?: number;
}

export interface RealworldData {
  train: RealItem[];
  val: RealItem[];
  test: RealItem[];
  /** What was left out and why (counts). */
  excluded: { leakGroups: number; kaggleTuneLeak: number; synthSources: number; synthOfLeakOrMissing: number; smallTuneFaces: number };
  /** Groups that hold a Kaggle test photo. */
  testGroups: Set<string>;
  synthDir: string | null;
}

export interface RealworldDataOptions {
  /** Folder of a `facemask synth` output to use, or null for none. default: `.cache/synth-realworld` when it exists */
  synthDir?: string | null;
  /** Tune photos numbered from this one on are the validation set. default: 160 */
  valFrom?: number;
  /** Kaggle tune faces smaller than this (shorter side, px) are not used for training. default: 12 */
  minTrainFace?: number;
  /** More labelled face-image datasets used whole (e.g. the tutorial's `observations`), leak-filtered the same way. default: [] */
  extraDatasets?: string[];
  /** Use chandrikadeb7. default: true */
  chandrikadeb7?: boolean;
  /** Use Kaggle tune face crops for training. default: true */
  kaggleTune?: boolean;
  /** Copies of every Kaggle tune training face (each with its own views). default: 1 */
  tuneCopies?: number;
  /**
   * Boxes of a face detector on the tune photos (`detectorScenes`): false boxes (IoU < 0.3 with
   * every annotated face) become the internal class `not_face`; boxes matching a face (IoU >= 0.5)
   * become extra crops of that face's class (real detector framing). null: none. default: null
   */
  detector?: { scenes: { scene: { file: string }; detections: { box: Box; score: number }[] }[]; minScore: number } | null;
  /** Progress bars. default: false */
  progress?: boolean;
}

/** The default synth folder of the realworld preset. */
export function defaultSynthDir(): string {
  return path.join(projectPaths().cache, 'synth-realworld');
}

/** Assemble the realworld train/val/test items (see the module comment). */
export async function realworldData(opts: RealworldDataOptions = {}): Promise<RealworldData> {
  const cfg = resolveConfig();
  const valFrom = opts.valFrom ?? 160;
  const minTrainFace = opts.minTrainFace ?? 12;
  // Groups are always computed on the full datasets (a subset could miss a link), then subset.
  const extra = opts.extraDatasets ?? [];
  const data = await loadDatasets(['chandrikadeb7', ...extra, KAGGLE], { progress: opts.progress, perClass: Infinity });
  const grouping = groupImages(
    data.records.map((r) => r.sha256),
    findLinks(data.records, data.fingerprints, groupingFromConfig()),
    groupingFromConfig(),
  );
  const groupOf = (sha: string) => grouping.groupOf.get(sha) ?? 'g' + sha.slice(0, 12);
  const kaggle = data.records.filter((r) => r.dataset === KAGGLE);
  const testGroups = new Set(kaggle.filter((r) => kaggleSplitOf(r) === 'test').map((r) => groupOf(r.sha256)));
  const excluded = { leakGroups: 0, kaggleTuneLeak: 0, synthSources: 0, synthOfLeakOrMissing: 0, smallTuneFaces: 0 };

  // chandrikadeb7 whole images, minus leak groups
  let chandri = data.records.filter((r) => (r.dataset === 'chandrikadeb7' || extra.includes(r.dataset)) && r.label);
  const before = chandri.length;
  chandri = chandri.filter((r) => !testGroups.has(groupOf(r.sha256)));
  excluded.leakGroups = before - chandri.length;

  // synthetic masks from chandrikadeb7 without_mask photos that survived the filter
  const synthDir = opts.synthDir === undefined ? (fs.existsSync(path.join(defaultSynthDir(), 'manifest.jsonl')) ? defaultSynthDir() : null) : opts.synthDir;
  const synth: RealItem[] = [];
  if (synthDir) {
    const manifest = readSynthManifest(synthDir);
    const allowed = new Set(chandri.filter((r) => r.label === 'without_mask').map((r) => r.sha256));
    const usable = manifest.filter((e) => allowed.has(e.sourceSha256));
    excluded.synthOfLeakOrMissing = manifest.length - usable.length;
    const ex = excludeSynthSources(chandri, usable);
    excluded.synthSources = ex.excluded.length;
    chandri = ex.kept;
    for (const e of usable) synth.push({ path: path.join(synthDir, e.file), sha256: e.sha256, label: e.label, source: 'synth', group: groupOf(e.sourceSha256) });
  }

  const train: RealItem[] = [];
  const val: RealItem[] = [];
  const test: RealItem[] = [];
  if (opts.chandrikadeb7 ?? true) for (const r of chandri) if (r.dataset === 'chandrikadeb7') train.push({ path: r.path, sha256: r.sha256, label: r.label!, source: 'chandrikadeb7', group: groupOf(r.sha256) });
  for (const r of chandri) if (r.dataset !== 'chandrikadeb7') train.push({ path: r.path, sha256: r.sha256, label: r.label!, source: 'extra', group: groupOf(r.sha256) });
  train.push(...synth);
  for (const r of kaggle) {
    const part = kaggleSplitOf(r);
    const g = groupOf(r.sha256);
    if (part === 'tune' && testGroups.has(g)) {
      excluded.kaggleTuneLeak++;
      continue;
    }
    const isVal = part === 'tune' && (kagglePhotoNumber(r.relPath) ?? 0) >= valFrom;
    for (const f of r.faces ?? []) {
      const short = Math.min(f.box[2], f.box[3]);
      const item: RealItem = { path: r.path, sha256: r.sha256, label: f.label, box: f.box, source: part === 'test' ? 'kaggle-test' : 'kaggle-tune', group: g };
      if (part === 'test') {
        if (short >= cfg.faces.minSize) test.push(item);
      } else if (isVal) {
        if (short >= cfg.faces.minSize) val.push(item);
      } else if (opts.kaggleTune ?? true) {
        if (short >= minTrainFace) for (let c = 0; c < (opts.tuneCopies ?? 1); c++) train.push(c ? { ...item, copy: c } : item);
        else excluded.smallTuneFaces++;
      }
    }
  }
  if (opts.detector) {
    const byFile = new Map(kaggle.map((r) => [r.path, r]));
    for (const sc of opts.detector.scenes) {
      const r = byFile.get(sc.scene.file);
      if (!r || kaggleSplitOf(r) !== 'tune' || testGroups.has(groupOf(r.sha256))) continue;
      const isVal = (kagglePhotoNumber(r.relPath) ?? 0) >= valFrom;
      for (const d of sc.detections) {
        if (d.score < opts.detector.minScore) continue;
        const box = clampBox(d.box, r.width, r.height);
        if (Math.min(box[2], box[3]) < 8) continue;
        let best = 0;
        let bestFace: (typeof r.faces & object)[number] | null = null;
        for (const f of r.faces ?? []) {
          const v = iou(box, f.box);
          if (v > best) [best, bestFace] = [v, f];
        }
        let label: ModelClass | null = null;
        if (best < 0.3) label = 'not_face';
        else if (best >= 0.5 && bestFace && Math.min(bestFace.box[2], bestFace.box[3]) >= minTrainFace) label = bestFace.label;
        if (!label) continue;
        const item: RealItem = { path: r.path, sha256: r.sha256, label, box, source: 'detector', group: groupOf(r.sha256) };
        // validation gets only not_face boxes (its faces are already there as annotated boxes)
        if (isVal) {
          if (label === 'not_face') val.push(item);
        } else train.push(item);
      }
    }
  }
  if (cfg.small) {
    // small-data mode: a few items per (source, label), every code path still runs
    const per = cfg.data.smallPerClass;
    const thin = (xs: RealItem[]) => {
      const seen = new Map<string, number>();
      return xs.filter((x) => {
        const k = `${x.source}|${x.label}`;
        const n = seen.get(k) ?? 0;
        seen.set(k, n + 1);
        return n < per;
      });
    };
    return { train: thin(train), val: thin(val), test: thin(test), excluded, testGroups, synthDir };
  }
  return { train, val, test, excluded, testGroups, synthDir };
}

/** Parameters of the real-world views. */
export interface RealAugment {
  /** Box scale range (1 = the annotated box). */
  scale: [number, number];
  /** Box centre shift as a share of the box side (±). */
  shift: number;
  /** Probability of the small-face degradation (downscaled to `smallSide` px, upscaled back). */
  small: number;
  smallSide: [number, number];
  /** Probability and sigma range of a Gaussian blur. */
  blur: number;
  blurSigma: [number, number];
  /** Probability and quality range of a JPEG round trip. */
  jpeg: number;
  jpegQuality: [number, number];
  /** Brightness multiplier range and probability of a lighting change. */
  light: number;
  brightness: [number, number];
  /** Whole images: crop scale range (share of the image side kept). */
  wholeCrop: [number, number];
  flip: boolean;
}

export const REAL_AUGMENT: RealAugment = {
  scale: [0.9, 1.35],
  shift: 0.12,
  small: 0.3,
  smallSide: [20, 48],
  blur: 0.25,
  blurSigma: [0.6, 1.8],
  jpeg: 0.35,
  jpegQuality: [15, 60],
  light: 0.5,
  brightness: [0.6, 1.4],
  wholeCrop: [0.75, 1],
  flip: true,
};

/** The region of view `view` of an item (view 0 is the item as is: the annotated box, or the whole image). */
export function viewRegion(item: RealItem, width: number, height: number, rng: () => number, view: number, p: RealAugment): Box {
  const u = (a: number, b: number) => a + (b - a) * rng();
  if (item.box) {
    const [x, y, w, h] = item.box;
    if (view === 0) return clampBox([x, y, w, h], width, height);
    const s = u(p.scale[0], p.scale[1]);
    const ax = u(0.92, 1.08);
    const nw = w * s * ax;
    const nh = h * s / ax;
    const cx = x + w / 2 + u(-p.shift, p.shift) * w;
    const cy = y + h / 2 + u(-p.shift, p.shift) * h;
    return clampBox([cx - nw / 2, cy - nh / 2, nw, nh], width, height);
  }
  if (view === 0) return [0, 0, width, height];
  const k = u(p.wholeCrop[0], p.wholeCrop[1]);
  const cw = width * k;
  const ch = height * k;
  return clampBox([u(0, width - cw), u(0, height - ch), cw, ch], width, height);
}

export function clampBox([x, y, w, h]: Box, width: number, height: number): Box {
  const x0 = Math.max(0, Math.min(width - 1, Math.floor(x)));
  const y0 = Math.max(0, Math.min(height - 1, Math.floor(y)));
  const x1 = Math.max(x0 + 1, Math.min(width, Math.ceil(x + w)));
  const y1 = Math.max(y0 + 1, Math.min(height, Math.ceil(y + h)));
  return [x0, y0, x1 - x0, y1 - y0];
}

/** View `view` of an item from its decoded photo, at `size` x `size`. Deterministic in (seed, item, view). */
export async function realView(img: RgbImage, item: RealItem, view: number, size: number, seed: number, p: RealAugment | null = REAL_AUGMENT): Promise<RgbImage> {
  const rng = mulberry32(hashSeed(seed, item.sha256, item.box ? item.box.join(',') : '-', item.copy ?? 0, view));
  const u = (a: number, b: number) => a + (b - a) * rng();
  const region = p ? viewRegion(item, img.width, img.height, rng, view, p) : viewRegion(item, img.width, img.height, rng, 0, REAL_AUGMENT);
  const raw = { raw: { width: img.width, height: img.height, channels: 3 as const } };
  let s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), raw).extract({ left: region[0], top: region[1], width: region[2], height: region[3] });
  const augmented = p && view > 0;
  if (augmented && rng() < p.small) {
    const side = Math.round(u(p.smallSide[0], p.smallSide[1]));
    if (side < Math.min(region[2], region[3])) {
      const buf = await s.resize(side, side, { fit: 'fill' }).raw().toBuffer();
      s = sharp(buf, { raw: { width: side, height: side, channels: 3 } });
    }
  }
  s = s.resize(size, size, { fit: 'fill', kernel: 'linear' });
  if (augmented) {
    if (p.flip && rng() < 0.5) s = s.flop();
    if (rng() < p.blur) s = s.blur(u(p.blurSigma[0], p.blurSigma[1]));
    if (rng() < p.light) s = s.linear(u(p.brightness[0], p.brightness[1]), u(-20, 20));
    if (rng() < p.jpeg) {
      const jpg = await s.jpeg({ quality: Math.round(u(p.jpegQuality[0], p.jpegQuality[1])) }).toBuffer();
      s = sharp(jpg).removeAlpha();
    }
  }
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== size || info.height !== size || info.channels !== 3) throw new Error(`view of ${item.path}: got ${info.width}x${info.height}x${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: size, height: size };
}

export interface RealEmbedOptions {
  views: number;
  augment: RealAugment | null;
  seed: number;
  size: number;
  /** Base checksum: part of the cache key. */
  baseSha256: string;
  /** Feature cache folder, or null for none. default: `.cache/features` */
  cacheDir?: string | null;
  onProgress?: (n: number) => void;
}

/** The cache folder key: everything the features depend on except the item. */
export function featureCacheKey(o: RealEmbedOptions, dim: number): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: 1, views: o.views, augment: o.augment, seed: o.seed, size: o.size, base: o.baseSha256, dim }));
  return h.digest('hex').slice(0, 24);
}

/** An item's key: its photo, box and copy. */
export function itemKey(it: RealItem): string {
  return createHash('sha256').update(`${it.sha256}|${it.box ? it.box.join(',') : ''}|${it.copy ?? 0}`).digest('hex').slice(0, 32);
}

/**
 * Base features of `views` views of every item (row v * n + i = view v of item i), photos
 * decoded once per chunk, views embedded on the runner. Cached on disk per item (so another mix
 * of the same items costs nothing).
 */
export async function embedRealItems(items: RealItem[], runner: BaseRunner, dim: number, o: RealEmbedOptions): Promise<FeatureMatrix> {
  const n = items.length;
  const views = o.views;
  const cacheRoot = o.cacheDir === undefined ? path.join(projectPaths().cache, 'features') : o.cacheDir;
  const dir = cacheRoot ? path.join(cacheRoot, `real-${featureCacheKey(o, dim)}`) : null;
  if (dir) fs.mkdirSync(dir, { recursive: true });
  const data = new Float32Array(n * views * dim);
  const todo: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = dir ? path.join(dir, itemKey(items[i]) + '.f32') : null;
    if (f && fs.existsSync(f)) {
      const buf = fs.readFileSync(f);
      if (buf.length === views * dim * 4) {
        const row = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
        for (let v = 0; v < views; v++) data.set(row.subarray(v * dim, (v + 1) * dim), (v * n + i) * dim);
        continue;
      }
    }
    todo.push(i);
  }
  o.onProgress?.((n - todo.length) * views);
  const size = o.size;
  const chunk = 16;
  const chunks: number[][] = [];
  for (let s = 0; s < todo.length; s += chunk) chunks.push(todo.slice(s, s + chunk));
  await mapLimit(chunks, runner.slots * 2, async (idx) => {
    const photos = new Map<string, Promise<RgbImage>>();
    const photo = (p: string) => {
      let d = photos.get(p);
      if (!d) photos.set(p, (d = decodeImage(p)));
      return d;
    };
    const own = new Float32Array(idx.length * views * dim);
    for (let v = 0; v < views; v++) {
      const imgs = await mapLimit(idx, 4, async (i) => {
        try {
          return await realView(await photo(items[i].path), items[i], v, size, o.seed, o.augment);
        } catch (e) {
          throw new Error(`${items[i].path}: ${(e as Error).message}`);
        }
      });
      const pixels = new Uint8Array(idx.length * size * size * 3);
      imgs.forEach((im, k) => pixels.set(im.data, k * size * size * 3));
      const f = await runner.embed(pixels, idx.length);
      for (let k = 0; k < idx.length; k++) {
        const row = f.subarray(k * dim, (k + 1) * dim);
        data.set(row, (v * n + idx[k]) * dim);
        own.set(row, (k * views + v) * dim);
      }
      o.onProgress?.(idx.length);
    }
    if (dir) idx.forEach((i, k) => writeFileAtomic(path.join(dir, itemKey(items[i]) + '.f32'), Buffer.from(own.buffer, k * views * dim * 4, views * dim * 4)));
  });
  return { n, views, dim, data };
}

/**
 * A detector's raw boxes (score >= `low`) on every photo of a Kaggle part, cached in
 * `.cache/detection/<detector>-<part>.json` (the format of bench/detect.ts, which shares the cache:
 * a threshold applied afterwards equals running at that threshold, as greedy NMS commutes with it).
 */
/** Which photos of a part: from photo number `fromPhoto` on, at most `limit` of them. */
export interface SceneSelection {
  fromPhoto?: number;
  limit?: number;
}

function selectScenes<T extends { index: number }>(xs: T[], sel: SceneSelection): T[] {
  const from = sel.fromPhoto === undefined ? xs : xs.filter((s) => s.index >= sel.fromPhoto!);
  return sel.limit ? from.slice(0, sel.limit) : from;
}

/**
 * The detector's raw boxes (score >= `low`) on the photos of one Kaggle part. A whole part is
 * cached in `.cache/detection/`; with a `limit` (small-data mode) only the selected photos are
 * run, and nothing is cached.
 */
export async function detectorScenes(part: 'tune' | 'test', detector = 'ssd-mobilenet', low = 0.05, sel: SceneSelection = {}): Promise<SceneResult[]> {
  const file = path.join(projectPaths().cache, 'detection', `${detector}-${part}.json`);
  const pickResults = (rs: SceneResult[]) => {
    const kept = new Set(selectScenes(rs.map((r) => r.scene), sel));
    return rs.filter((r) => kept.has(r.scene));
  };
  if (fs.existsSync(file)) return pickResults(JSON.parse(fs.readFileSync(file, 'utf8')) as SceneResult[]);
  const partial = Boolean(sel.limit);
  const scenes = partial ? selectScenes(kaggleScenes(part), sel) : kaggleScenes(part);
  const det = await createDetector(detector, resolveConfig({ detect: { minConfidence: low } as never }).detect);
  try {
    const res = await runDetectorOnScenes(det, scenes);
    if (!partial) writeFileAtomic(file, JSON.stringify(res));
    return partial ? res : pickResults(res);
  } finally {
    det.dispose();
  }
}

/** Counts per label of items. */
export function labelCounts(items: RealItem[]): Partial<Record<ModelClass, number>> {
  const c: Partial<Record<ModelClass, number>> = {};
  for (const it of items) c[it.label] = (c[it.label] ?? 0) + 1;
  return c;
}

/** Class weights for a weighted loss: n / (k * n_c) ("balanced", as sklearn). */
export function balancedClassWeights(y: number[], nClasses: number): number[] {
  const counts = new Array<number>(nClasses).fill(0);
  for (const c of y) counts[c]++;
  return counts.map((c) => (c ? y.length / (nClasses * c) : 0));
}

void ({} as Label);
