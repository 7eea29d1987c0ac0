/**
 * The training data of a recipe, as labelled faces (`TrainItem`) for train, validation and test —
 * without leakage into what is measured.
 *
 * `split` data: the group-aware split of folder datasets (src/data/split.ts) by the split seed.
 *
 * `realworld` data (the measured set is the Kaggle dev set's test part, src/data/kaggle.ts):
 *  - `chandrikadeb7` (+ `extraDatasets`) whole images, minus every image whose near-duplicate group
 *    holds a Kaggle test photo;
 *  - the annotated faces of the Kaggle **fit** photos (0–159; faces >= 12 px, each `tuneCopies`
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
import type { TrainItem } from '../data/types';
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
  /** Kaggle fit faces smaller than this (shorter side, px) are not used for training. default: 12 */
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
export async function realworldData(spec: RealworldDataSpec, opts: RealworldOptions): Promise<TrainingData & { testGroups: Set<string>; synthDirs: string[]; confusers: ConfuserExclusion }> {
  const cfg = opts.config;
  const minTrainFace = opts.minTrainFace ?? 12;
  // Groups are always computed on the full datasets (a subset could miss a link), then subset.
  const extra = spec.extraDatasets;
  const data = await loadDatasets(['chandrikadeb7', ...extra, KAGGLE], { config: cfg, progress: opts.progress, perClass: Infinity });
  const grouping = groupImages(
    data.records.map((r) => r.sha256),
    findLinks(data.records, data.fingerprints, groupingFromConfig(cfg.split)),
    groupingFromConfig(cfg.split),
  );
  const groupOf = (sha: string) => grouping.groupOf.get(sha) ?? 'g' + sha.slice(0, 12);
  const photoOf = (relPath: string) => kagglePhotoNumber(relPath) ?? -1;
  const kaggle = data.records.filter((r) => r.dataset === KAGGLE && photoOf(r.relPath) >= 0 && photoOf(r.relPath) <= 299);
  const testGroups = new Set(kaggle.filter((r) => kagglePart(photoOf(r.relPath)) === 'test').map((r) => groupOf(r.sha256)));
  const excluded = { leakGroups: 0, kaggleLeak: 0, synthSources: 0, synthOfLeakOrMissing: 0, smallFitFaces: 0, confuserImages: 0, confuserKagglePhotos: 0, confuserSynth: 0, confuserDrawnOnMaskSources: 0, ilc2021Linked: 0, smallIlc2021Faces: 0, ilc2021Confusers: 0 };
  const ilcSplit = ilc2021SplitFor(spec);
  const ilcMeasured = ilcSplit ? ilc2021LinkedImages(['val', 'test'], ilcSplit) : new Set<string>();

  // the confuser test set: checked against the loaded images (the exclusion goes by checksum)
  const confuserList = readConfuserList();
  checkConfuserRecords(confuserList, data.records, ['chandrikadeb7', ...extra, KAGGLE]);
  const confusers = confuserExclusion(confuserList, { groupOf, ilc2021Split: ilcSplit });
  const isConfuser = (sha: string) => isConfuserExcluded(confusers, { sha256: sha, group: groupOf(sha) });

  // chandrikadeb7 (and extra) whole images, minus leak groups, confusers and their groups, and images grouped with ilc2021's measured photos
  let chandri = data.records.filter((r) => (r.dataset === 'chandrikadeb7' || extra.includes(r.dataset)) && r.label);
  const before = chandri.length;
  chandri = chandri.filter((r) => !testGroups.has(groupOf(r.sha256)));
  excluded.leakGroups = before - chandri.length;
  const beforeConfusers = chandri.length;
  chandri = chandri.filter((r) => !isConfuser(r.sha256));
  excluded.confuserImages = beforeConfusers - chandri.length;
  const beforeIlc = chandri.length;
  chandri = chandri.filter((r) => !ilcMeasured.has(r.sha256));
  excluded.ilc2021Linked = beforeIlc - chandri.length;

  // synthetic masks from chandrikadeb7 without_mask photos that survived the filter
  const synthDirs = opts.synthDir === undefined ? (fs.existsSync(path.join(defaultSynthDir(), 'manifest.jsonl')) ? [defaultSynthDir()] : []) : opts.synthDir === null ? [] : [opts.synthDir].flat();
  const synth: TrainItem[] = [];
  if (synthDirs.length) {
    const dirOf = new Map<SynthManifestEntry, string>();
    const all = synthDirs.flatMap((d) => readSynthManifest(d).map((e) => (dirOf.set(e, d), e)));
    const fromConfusers = new Set(confuserSynth(confusers, all, groupOf));
    excluded.confuserSynth = fromConfusers.size;
    const manifest = all.filter((e) => !fromConfusers.has(e));
    const allowed = new Set(chandri.filter((r) => r.label === 'without_mask').map((r) => r.sha256));
    const usable = manifest.filter((e) => allowed.has(e.sourceSha256));
    excluded.synthOfLeakOrMissing = manifest.length - usable.length;
    const { masks, confusers: drawn, dropped } = separateConfusers(usable);
    excluded.confuserDrawnOnMaskSources = dropped.length;
    const ex = excludeSynthSources(chandri, masks);
    excluded.synthSources = ex.excluded.length;
    chandri = ex.kept;
    for (const e of [...masks, ...drawn]) {
      synth.push({ file: path.join(dirOf.get(e)!, e.file), sha256: e.sha256, label: e.label, source: e.label === 'without_mask' ? 'synth-confuser' : 'synth', group: groupOf(e.sourceSha256) });
    }
  }

  const train: TrainItem[] = [];
  const val: TrainItem[] = [];
  const test: TrainItem[] = [];
  for (const r of chandri) if (r.dataset === 'chandrikadeb7') train.push({ file: r.path, sha256: r.sha256, label: r.label!, source: 'chandrikadeb7', group: groupOf(r.sha256) });
  for (const r of chandri) if (r.dataset !== 'chandrikadeb7') train.push({ file: r.path, sha256: r.sha256, label: r.label!, source: 'extra', group: groupOf(r.sha256) });
  train.push(...synth);
  /** Fit and validation photos that may be used: not grouped with a test photo, not excluded by the partition. */
  const usable = (r: (typeof kaggle)[number]) => kagglePart(photoOf(r.relPath)) === 'test' || (!testGroups.has(groupOf(r.sha256)) && kaggleUsable(photoOf(r.relPath)));
  for (const r of kaggle) {
    const part = kagglePart(photoOf(r.relPath));
    if (!usable(r)) {
      excluded.kaggleLeak++;
      continue;
    }
    if (part === 'fit' && isConfuser(r.sha256)) {
      excluded.confuserKagglePhotos++;
      continue;
    }
    const g = groupOf(r.sha256);
    for (const f of r.faces ?? []) {
      const item: TrainItem = { file: r.path, sha256: r.sha256, label: f.label, box: f.box, source: `kaggle-${part}`, group: g };
      if (part === 'test') {
        if (faceCounts(f.box, cfg.faces.minSize)) test.push(item);
      } else if (part === 'validation') {
        if (faceCounts(f.box, cfg.faces.minSize)) val.push(item);
      } else if (spec.kaggleFit) {
        if (faceCounts(f.box, minTrainFace)) for (let c = 0; c < spec.tuneCopies; c++) train.push(c ? { ...item, copy: c } : item);
        else excluded.smallFitFaces++;
      }
    }
  }
  if (spec.ilc2021Copies > 0 && ilcSplit) {
    const cv = opts.ilc2021Fold;
    const pool = ilc2021Crops(cv ? ['train', 'val'] : 'train', { split: ilcSplit, limit: cfg.small ? 20 : undefined });
    const folds = cv ? foldsByGroup(pool.map((c) => ilcSplit.photos[c.photo].group), cv.folds, cv.seed) : null;
    if (cv && !(Number.isInteger(cv.fold) && cv.fold >= 0 && cv.fold < cv.folds)) throw new Error(`fold must be 0 to ${cv.folds - 1}, got ${cv.fold}`);
    for (const [i, c] of pool.entries()) {
      if (folds && folds[i] === cv!.fold) {
        // the held-out fold, measured as ilc2021-val is
        if (c.facePx >= cfg.faces.minSize) val.push({ file: c.file, sha256: sha256File(c.file), label: c.label, box: c.box, source: 'ilc2021', group: `ilc2021:${ilcSplit.photos[c.photo].group}` });
        continue;
      }
      if (c.facePx < minTrainFace) {
        excluded.smallIlc2021Faces++;
        continue;
      }
      const sha256 = sha256File(c.file);
      if (isConfuserExcluded(confusers, { sha256, photo: c.photo })) {
        excluded.ilc2021Confusers++;
        continue;
      }
      const item: TrainItem = { file: c.file, sha256, label: c.label, box: c.box, source: 'ilc2021', group: `ilc2021:${ilcSplit.photos[c.photo].group}` };
      for (let k = 0; k < spec.ilc2021Copies; k++) train.push(k ? { ...item, copy: k } : item);
    }
  }
  if (spec.notFace) {
    // the detector's boxes on the fit and validation photos, mined (src/detection/mine-scenes.ts)
    const byFile = new Map(kaggle.map((r) => [r.path, r]));
    const scenes = kaggleScenes(['fit', 'validation']).filter((sc) => {
      const r = byFile.get(sc.file);
      return r && usable(r) && (kagglePart(sc.photo) === 'validation' || !isConfuser(r.sha256));
    });
    for (const { scene, boxes } of await mineScenes(scenes, spec.notFace, cfg.detect, minTrainFace)) {
      const r = byFile.get(scene.file)!;
      const isVal = kagglePart(scene.photo) === 'validation';
      for (const m of boxes) {
        const item: TrainItem = { file: r.path, sha256: r.sha256, label: m.label, box: m.box, source: 'detector', group: groupOf(r.sha256) };
        // validation gets only not_face boxes (its faces are already there as annotated boxes)
        if (isVal) {
          if (m.label === 'not_face') val.push(item);
        } else train.push(item);
      }
    }
  }
  const notes = {
    synthDir: synthDirs.length > 1 ? synthDirs : (synthDirs[0] ?? null),
    excluded,
    confusers: { list: path.relative(projectPaths().root, projectPaths().confusers), entries: confuserList.length, groups: confusers.groups.size, ilc2021Split: ilcSplit !== null },
    ilc2021Split: ilcSplit ? 'recorded' : 'not recorded (ilc2021 not installed or not inspected)',
    sources: sourceCounts(train),
    ...(opts.ilc2021Fold ? { ilc2021Fold: { ...opts.ilc2021Fold, heldOut: val.filter((v) => v.source === 'ilc2021').length } } : {}),
  };
  const testDescription = `real faces: ${describePart('test')}, faces >= ${cfg.faces.minSize} px, annotated boxes${cfg.small ? ', small-data mode' : ''}`;
  if (cfg.small) {
    // small-data mode: a few items per (source, label), every code path still runs
    const per = cfg.data.smallPerClass;
    const thin = (xs: TrainItem[]) => {
      const seen = new Map<string, number>();
      return xs.filter((x) => {
        const k = `${x.source}|${x.label}`;
        const n = seen.get(k) ?? 0;
        seen.set(k, n + 1);
        return n < per;
      });
    };
    return { train: thin(train), val: thin(val), test: thin(test), testDescription, notes, testGroups, synthDirs, confusers };
  }
  return { train, val, test, testDescription, notes, testGroups, synthDirs, confusers };
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
