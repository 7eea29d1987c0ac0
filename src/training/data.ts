/**
 * The training data of a recipe, as labelled faces (`TrainItem`) for train, validation and test —
 * without leakage into what is measured.
 *
 * `split` data: the group-aware split of folder datasets (src/data/split.ts) by the split seed.
 *
 * `realworld` data (the measured set is the Kaggle dev set's test part, src/data/kaggle.ts):
 *  - `chandrikadeb7` (+ `extraDatasets`) whole images, minus every image whose near-duplicate group
 *    holds a Kaggle test photo;
 *  - the annotated faces of the Kaggle **fit** photos (0–159; faces >= `minFace` px, 12 by default, each `tuneCopies`
 *    times with its own views), minus photos grouped with a test photo or excluded by the partition;
 *    the **validation** photos' counted faces (160–199, >= 24 px) are the validation set;
 *  - synthetic masks (`facemask synth` output with `manifest.jsonl`) made from chandrikadeb7
 *    `without_mask` photos that survived the filter; their sources leave `without_mask`;
 *  - synthetic confusers (`facemask synth --modes scarf …`, label `without_mask`, source
 *    `synth-confuser`) from such photos too, when a synth folder holds them; their sources stay (same
 *    label, same group), but a confuser drawn on a photo that is also a mask source is left out, so
 *    that no face appears both masked and, as a confuser, unmasked;
 *  - `not_face`: a detector's boxes on the fit photos that overlap no face (and its boxes matching a
 *    face, as extra crops of that face; src/detection/mining.ts); on validation photos only the
 *    not_face boxes, for measuring rejection;
 *  - with `ilc2021Copies` > 0: ilc2021's **train**-side face crops (src/data/ilc2021.ts), each that
 *    many times with its own views; whenever ilc2021's split is recorded, images of other datasets
 *    grouped with its validation or test photos are left out (they are measured there);
 *  - with `everydayCopies` > 0: the faces the detector finds on everyday-unmasked's **train**-side
 *    photos, each `without_mask` that many times (src/training/everyday-data.ts);
 *  - with `hard`: more copies of the training faces on a committed list of hard ones (src/training/hard.ts);
 *  - test: every counted face (>= 24 px) of the test photos, the annotated box as is.
 *
 * The confuser test set (`dataset/confusers.tsv`, src/data/confusers.ts) never reaches training: its
 * images, every image of their near-duplicate groups and synthetic images made from any of them
 * leave the training items (a listed Kaggle fit photo leaves whole, with its detector boxes); the
 * counts go into the run's notes (`excluded.confuser*`, `confusers`).
 */
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Config } from '../config';
import { projectPaths } from '../paths';
import { LABELS, type Label, type ModelClass } from '../labels';
import type { ImageRecord, TrainItem } from '../data/types';
import { loadDatasets } from '../data/load';
import { findLinks, groupImages } from '../data/duplicates';
import { foldsByGroup, groupingFromConfig, splitFor, recordsForSplit } from '../data/split';
import { ILC2021, ilc2021Crops, ilc2021LinkedImages, readIlc2021Split, type Ilc2021Split } from '../data/ilc2021';
import { KAGGLE, faceCounts, kaggleScenes, kagglePart, kagglePhotoNumber, kaggleUsable, describePart } from '../data/kaggle';
import { checkConfuserRecords, confuserExclusion, confuserSynth, isConfuserExcluded, readConfuserList, type ConfuserExclusion } from '../data/confusers';
import { readSynthManifest, type SynthManifestEntry } from '../synth/synth';
import { excludeSynthSources, separateConfusers } from '../synth/groups';
import { mineScenes } from '../detection/mine-scenes';
import type { RealworldDataSpec, SplitDataSpec } from './presets';
import { everydayTrainItems } from './everyday-data';
import { addHardCopies, readHardList } from './hard';

export interface TrainingData {
  train: TrainItem[];
  val: TrainItem[];
  test: TrainItem[];
  /** What the test set is, in words (manifest and reports). */
  testDescription: string;
  /** Recorded in the run's config: what was left out and why, the synthetic folder, item sources. */
  notes: Record<string, unknown>;
}

/** The classes of a model trained on `items`: the labels present (in `LABELS` order), then `not_face` when present. */
export function classesOf(items: readonly TrainItem[]): ModelClass[] {
  const present = LABELS.filter((l) => items.some((r) => r.label === l)) as Label[];
  return [...present, ...(items.some((r) => r.label === 'not_face') ? (['not_face'] as const) : [])];
}

/** Counts per label. */
export function labelCounts(items: readonly TrainItem[]): Partial<Record<string, number>> {
  const c: Partial<Record<string, number>> = {};
  for (const it of items) c[it.label] = (c[it.label] ?? 0) + 1;
  return c;
}

/** Counts per source and label. */
export function sourceCounts(items: readonly TrainItem[]): Record<string, Partial<Record<string, number>>> {
  const out: Record<string, Partial<Record<string, number>>> = {};
  for (const it of items) {
    const c = (out[it.source] ??= {});
    c[it.label] = (c[it.label] ?? 0) + 1;
  }
  return out;
}

/** The group-aware split of folder datasets. */
export async function splitData(spec: SplitDataSpec, splitSeed: number, opts: { config: Config; progress?: boolean }): Promise<TrainingData> {
  const split = await splitFor(spec.datasets, splitSeed, { config: opts.config, progress: opts.progress });
  const items = (s: 'train' | 'val' | 'test'): TrainItem[] => recordsForSplit(split, s).map((r) => ({ file: r.path, sha256: r.sha256, label: r.label, source: 'split', group: r.group }));
  const small = opts.config.small;
  return {
    train: items('train'),
    val: items('val'),
    test: items('test'),
    testDescription: `${spec.datasets.join('+')} test (group-aware split, seed ${splitSeed}${small ? ', small-data mode' : ''})`,
    notes: {},
  };
}

/** The default synth folder of the realworld recipe. */
export function defaultSynthDir(): string {
  return path.join(projectPaths().cache, 'synth-realworld');
}

export interface RealworldOptions {
  /** The configuration (data, split, detect and faces sections; small-data mode). */
  config: Config;
  /** `facemask synth` outputs to use (one or several), or null for none. default: `.cache/synth-realworld` when it exists */
  synthDir?: string | string[] | null;
  /** Kaggle fit faces and ilc2021 crops smaller than this (shorter side, px) are not used for training. default: the recipe's `data.minFace` */
  minTrainFace?: number;
  /** Progress bars. default: false */
  progress?: boolean;
  /**
   * Cross-validation over ilc2021's train and validation photos (`src/training/cv.ts`): their crops
   * are dealt into `folds` folds by photo group (`foldsByGroup`, seeded); fold `fold` joins the
   * validation items (faces >= `faces.minSize`, the annotated box, once, source `ilc2021`) and the
   * others are the ilc2021 training side. The test photos stay out. default: off (the train side only)
   */
  ilc2021Fold?: { fold: number; folds: number; seed?: number };
}

/** Assemble the realworld train/val/test items (see the module comment). */
/** What every stage of the realworld mix shares: the recipe, the groups, the exclusions and their counts. */
interface MixContext {
  cfg: Config;
  spec: RealworldDataSpec;
  opts: RealworldOptions;
  minTrainFace: number;
  groupOf: (sha: string) => string;
  /** The Kaggle dev photos 0–299 that loaded. */
  kaggle: ImageRecord[];
  testGroups: Set<string>;
  ilcSplit: Ilc2021Split | null;
  confusers: ConfuserExclusion;
  isConfuser: (sha: string) => boolean;
  excluded: Record<string, number>;
  train: TrainItem[];
  val: TrainItem[];
  test: TrainItem[];
}

const kagglePhotoOf = (r: ImageRecord) => kagglePhotoNumber(r.relPath) ?? -1;

/** Fit and validation photos that may be used: not grouped with a test photo, not excluded by the partition. */
const usableKaggle = (c: MixContext, r: ImageRecord) => kagglePart(kagglePhotoOf(r)) === 'test' || (!c.testGroups.has(c.groupOf(r.sha256)) && kaggleUsable(kagglePhotoOf(r)));

/** chandrikadeb7 (and extra) whole images, minus leak groups, confusers and their groups, and images grouped with ilc2021's measured photos. */
function folderImages(c: MixContext, records: readonly ImageRecord[]): ImageRecord[] {
  const extra = c.spec.extraDatasets;
  const ilcMeasured = c.ilcSplit ? ilc2021LinkedImages(['val', 'test'], c.ilcSplit) : new Set<string>();
  let kept = records.filter((r) => (r.dataset === 'chandrikadeb7' || extra.includes(r.dataset)) && r.label);
  const drop = (why: string, keep: (r: ImageRecord) => boolean) => {
    const before = kept.length;
    kept = kept.filter(keep);
    c.excluded[why] = before - kept.length;
  };
  drop('leakGroups', (r) => !c.testGroups.has(c.groupOf(r.sha256)));
  drop('confuserImages', (r) => !c.isConfuser(r.sha256));
  drop('ilc2021Linked', (r) => !ilcMeasured.has(r.sha256));
  return kept;
}

/** Synthetic masks and confusers drawn on the folder images that survived (their sources then leave without_mask). */
function synthItems(c: MixContext, folder: ImageRecord[], synthDirs: string[]): { synth: TrainItem[]; folder: ImageRecord[] } {
  if (!synthDirs.length) return { synth: [], folder };
  const dirOf = new Map<SynthManifestEntry, string>();
  const all = synthDirs.flatMap((d) => readSynthManifest(d).map((e) => (dirOf.set(e, d), e)));
  const fromConfusers = new Set(confuserSynth(c.confusers, all, c.groupOf));
  c.excluded.confuserSynth = fromConfusers.size;
  const manifest = all.filter((e) => !fromConfusers.has(e));
  const allowed = new Set(folder.filter((r) => r.label === 'without_mask').map((r) => r.sha256));
  const usable = manifest.filter((e) => allowed.has(e.sourceSha256));
  c.excluded.synthOfLeakOrMissing = manifest.length - usable.length;
  const { masks, confusers: drawn, dropped } = separateConfusers(usable);
  c.excluded.confuserDrawnOnMaskSources = dropped.length;
  const ex = excludeSynthSources(folder, masks);
  c.excluded.synthSources = ex.excluded.length;
  const synth = [...masks, ...drawn].map((e): TrainItem => ({ file: path.join(dirOf.get(e)!, e.file), sha256: e.sha256, label: e.label, source: e.label === 'without_mask' ? 'synth-confuser' : 'synth', group: c.groupOf(e.sourceSha256) }));
  return { synth, folder: ex.kept };
}

/** The Kaggle dev set's annotated faces: fit faces train (copies), validation and test faces measure. */
function kaggleItems(c: MixContext): void {
  for (const r of c.kaggle) {
    const part = kagglePart(kagglePhotoOf(r));
    if (!usableKaggle(c, r)) {
      c.excluded.kaggleLeak++;
      continue;
    }
    if (part === 'fit' && c.isConfuser(r.sha256)) {
      c.excluded.confuserKagglePhotos++;
      continue;
    }
    for (const f of r.faces ?? []) {
      const item: TrainItem = { file: r.path, sha256: r.sha256, label: f.label, box: f.box, source: `kaggle-${part}`, group: c.groupOf(r.sha256) };
      if (part !== 'fit') {
        if (faceCounts(f.box, c.cfg.faces.minSize)) (part === 'test' ? c.test : c.val).push(item);
      } else if (c.spec.kaggleFit) {
        if (faceCounts(f.box, c.minTrainFace)) for (let k = 0; k < c.spec.tuneCopies; k++) c.train.push(k ? { ...item, copy: k } : item);
        else c.excluded.smallFitFaces++;
      }
    }
  }
}

/** ilc2021's train-side crops (copies); under cross-validation one fold of train + validation is held out and measured. */
function ilc2021Items(c: MixContext): void {
  const ilcSplit = c.ilcSplit;
  if (!(c.spec.ilc2021Copies > 0 && ilcSplit)) return;
  const cv = c.opts.ilc2021Fold;
  const pool = ilc2021Crops(cv ? ['train', 'val'] : 'train', { split: ilcSplit, limit: c.cfg.small ? 20 : undefined });
  const folds = cv ? foldsByGroup(pool.map((x) => ilcSplit.photos[x.photo].group), cv.folds, cv.seed) : null;
  if (cv && !(Number.isInteger(cv.fold) && cv.fold >= 0 && cv.fold < cv.folds)) throw new Error(`fold must be 0 to ${cv.folds - 1}, got ${cv.fold}`);
  for (const [i, x] of pool.entries()) {
    const group = `ilc2021:${ilcSplit.photos[x.photo].group}`;
    if (folds && folds[i] === cv!.fold) {
      // the held-out fold, measured as ilc2021-val is
      if (x.facePx >= c.cfg.faces.minSize) c.val.push({ file: x.file, sha256: sha256File(x.file), label: x.label, box: x.box, source: 'ilc2021', group });
      continue;
    }
    if (x.facePx < c.minTrainFace) {
      c.excluded.smallIlc2021Faces++;
      continue;
    }
    const sha256 = sha256File(x.file);
    if (isConfuserExcluded(c.confusers, { sha256, photo: x.photo })) {
      c.excluded.ilc2021Confusers++;
      continue;
    }
    const item: TrainItem = { file: x.file, sha256, label: x.label, box: x.box, source: 'ilc2021', group };
    for (let k = 0; k < c.spec.ilc2021Copies; k++) c.train.push(k ? { ...item, copy: k } : item);
  }
}

/** The recipe's detector's boxes on the fit and validation photos, mined (src/detection/mine-scenes.ts): validation gets only not_face boxes. */
async function notFaceItems(c: MixContext): Promise<void> {
  if (!c.spec.notFace) return;
  const byFile = new Map(c.kaggle.map((r) => [r.path, r]));
  const scenes = kaggleScenes(['fit', 'validation']).filter((sc) => {
    const r = byFile.get(sc.file);
    return r && usableKaggle(c, r) && (kagglePart(sc.photo) === 'validation' || !c.isConfuser(r.sha256));
  });
  for (const { scene, boxes } of await mineScenes(scenes, c.spec.notFace, c.cfg.detect, c.minTrainFace)) {
    const r = byFile.get(scene.file)!;
    const isVal = kagglePart(scene.photo) === 'validation';
    for (const m of boxes) {
      const item: TrainItem = { file: r.path, sha256: r.sha256, label: m.label, box: m.box, source: 'detector', group: c.groupOf(r.sha256) };
      if (!isVal) c.train.push(item);
      else if (m.label === 'not_face') c.val.push(item); // its faces are already there as annotated boxes
    }
  }
}

/** Small-data mode: a few items per (source, label), so every code path still runs. */
function thinOut(xs: TrainItem[], per: number): TrainItem[] {
  const seen = new Map<string, number>();
  return xs.filter((x) => {
    const k = `${x.source}|${x.label}`;
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    return n < per;
  });
}

/** Assemble the realworld train/val/test items (see the module comment). */
export async function realworldData(spec: RealworldDataSpec, opts: RealworldOptions): Promise<TrainingData & { testGroups: Set<string>; synthDirs: string[]; confusers: ConfuserExclusion }> {
  const cfg = opts.config;
  // Groups are always computed on the full datasets (a subset could miss a link), then subset.
  const datasets = ['chandrikadeb7', ...spec.extraDatasets, KAGGLE];
  const data = await loadDatasets(datasets, { config: cfg, progress: opts.progress, perClass: Infinity });
  const grouping = groupImages(data.records.map((r) => r.sha256), findLinks(data.records, data.fingerprints, groupingFromConfig(cfg.split)), groupingFromConfig(cfg.split));
  const groupOf = (sha: string) => grouping.groupOf.get(sha) ?? 'g' + sha.slice(0, 12);
  const kaggle = data.records.filter((r) => r.dataset === KAGGLE && kagglePhotoOf(r) >= 0 && kagglePhotoOf(r) <= 299);
  const ilcSplit = ilc2021SplitFor(spec);
  // the confuser test set: checked against the loaded images (the exclusion goes by checksum)
  const confuserList = readConfuserList();
  checkConfuserRecords(confuserList, data.records, datasets);
  const confusers = confuserExclusion(confuserList, { groupOf, ilc2021Split: ilcSplit });
  const c: MixContext = {
    cfg, spec, opts, minTrainFace: opts.minTrainFace ?? spec.minFace, groupOf, kaggle, ilcSplit, confusers,
    testGroups: new Set(kaggle.filter((r) => kagglePart(kagglePhotoOf(r)) === 'test').map((r) => groupOf(r.sha256))),
    isConfuser: (sha: string) => isConfuserExcluded(confusers, { sha256: sha, group: groupOf(sha) }),
    excluded: { leakGroups: 0, kaggleLeak: 0, synthSources: 0, synthOfLeakOrMissing: 0, smallFitFaces: 0, confuserImages: 0, confuserKagglePhotos: 0, confuserSynth: 0, confuserDrawnOnMaskSources: 0, ilc2021Linked: 0, smallIlc2021Faces: 0, ilc2021Confusers: 0 },
    train: [], val: [], test: [],
  };
  const synthDirs = opts.synthDir === undefined ? (fs.existsSync(path.join(defaultSynthDir(), 'manifest.jsonl')) ? [defaultSynthDir()] : []) : opts.synthDir === null ? [] : [opts.synthDir].flat();
  const { synth, folder } = synthItems(c, folderImages(c, data.records), synthDirs);
  for (const r of folder) if (r.dataset === 'chandrikadeb7') c.train.push({ file: r.path, sha256: r.sha256, label: r.label!, source: 'chandrikadeb7', group: groupOf(r.sha256) });
  for (const r of folder) if (r.dataset !== 'chandrikadeb7') c.train.push({ file: r.path, sha256: r.sha256, label: r.label!, source: 'extra', group: groupOf(r.sha256) });
  c.train.push(...synth);
  kaggleItems(c);
  ilc2021Items(c);
  await notFaceItems(c);
  const everyday = await everydayTrainItems({ copies: spec.everydayCopies, detector: spec.notFace?.detector ?? 'yunet-n', minFace: c.minTrainFace, config: cfg, isConfuser: c.isConfuser, limit: cfg.small ? 4 : undefined });
  c.train.push(...everyday.items);
  const hard = spec.hard ? addHardCopies(c.train, readHardList(path.resolve(projectPaths().root, spec.hard.list)), spec.hard.copies) : null;
  if (hard) c.train.push(...hard.added);
  const notes = {
    synthDir: synthDirs.length > 1 ? synthDirs : (synthDirs[0] ?? null),
    excluded: c.excluded,
    confusers: { list: path.relative(projectPaths().root, projectPaths().confusers), entries: confuserList.length, groups: confusers.groups.size, ilc2021Split: ilcSplit !== null },
    ilc2021Split: ilcSplit ? 'recorded' : 'not recorded (ilc2021 not installed or not inspected)',
    sources: sourceCounts(c.train),
    ...(hard ? { hard: { list: spec.hard!.list, copies: spec.hard!.copies, found: hard.found, missing: hard.missing, added: hard.added.length } } : {}),
    ...(spec.everydayCopies > 0 ? { everyday: { photos: everyday.photos, faces: everyday.faces, confuserPhotos: everyday.confuserPhotos, copies: spec.everydayCopies } } : {}),
    ...(opts.ilc2021Fold ? { ilc2021Fold: { ...opts.ilc2021Fold, heldOut: c.val.filter((v) => v.source === 'ilc2021').length } } : {}),
  };
  const testDescription = `real faces: ${describePart('test')}, faces >= ${cfg.faces.minSize} px, annotated boxes${cfg.small ? ', small-data mode' : ''}`;
  const per = cfg.data.smallPerClass;
  const [train, val, test] = cfg.small ? [thinOut(c.train, per), thinOut(c.val, per), thinOut(c.test, per)] : [c.train, c.val, c.test];
  return { train, val, test, testDescription, notes, testGroups: c.testGroups, synthDirs, confusers };
}

/**
 * ilc2021's recorded split, or null when it is not there (ilc2021 not installed, or `facemask
 * inspect` not run since). A recipe that trains on ilc2021 needs it: then its absence is an error.
 */
function ilc2021SplitFor(spec: RealworldDataSpec): Ilc2021Split | null {
  try {
    return readIlc2021Split();
  } catch (e) {
    if (spec.ilc2021Copies > 0) throw new Error(`the recipe trains on ilc2021 (data.ilc2021Copies = ${spec.ilc2021Copies}) but its split is not recorded: install it (facemask prepare --only ${ILC2021}) and run "facemask inspect" (${(e as Error).message})`);
    return null;
  }
}

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
