/**
 * Training recipes: two named presets — `original` (the tutorial's `train_mask_detector.py`) and
 * `realworld` (real faces, three classes + not_face, src/training/data.ts) — and overrides of any
 * field (`facemask train --set head.units=256 --set fit.classWeights=none`, or `--overrides
 * file.json`), recorded in the run's `config.json` and the model's manifest. An ablation is an
 * override, not a preset. The classes come from the labels present in the training data.
 */
import { ORIGINAL_AUGMENTATION, type AugmentParams } from '../model/learn/augment';
import { MOBILENET_V2_035 } from '../model/base';
import { REAL_AUGMENT, type RealAugment } from '../model/learn/views';
import { ALIGN_TEMPLATE, checkAlignTemplate, checkBoxContext, type AlignTemplate, type BoxContext } from '../model/crop';
import type { ModelManifest } from '../model/manifest';

/** The group-aware split of folder datasets (src/data/split.ts). */
export interface SplitDataSpec {
  kind: 'split';
  /** Datasets whose split (by the split seed) provides train/val/test. */
  datasets: string[];
}

/** The realworld mix (src/training/data.ts). */
export interface RealworldDataSpec {
  kind: 'realworld';
  /** Labelled folder datasets used whole besides chandrikadeb7 (leak-filtered the same way), e.g. the tutorial's `observations`. */
  extraDatasets: string[];
  /** Use the Kaggle fit photos' annotated faces. */
  kaggleFit: boolean;
  /** Copies of every Kaggle fit face, each with its own views (over-sampling). */
  tuneCopies: number;
  /** Train the internal `not_face` class on this detector's false boxes on the Kaggle fit photos (score >= minScore); null: none. */
  notFace: { detector: string; minScore: number } | null;
  /** Copies of every ilc2021 train-side face crop (its own views each; src/data/ilc2021.ts); 0: none. */
  ilc2021Copies: number;
  /** Kaggle fit faces and ilc2021 crops smaller than this (shorter side, px) are left out of training (and their detector boxes). */
  minFace: number;
  /** Copies of every face the detector finds on everyday-unmasked's train-side photos, each `without_mask` (src/training/everyday-data.ts); 0: none. */
  everydayCopies: number;
  /** Hard training faces (src/training/hard.ts): a committed list (path from the project root) whose items get `copies` more copies each; null: none. */
  hard: { list: string; copies: number } | null;
}

/** What the head sees: the base's last map pooled whole or in three bands, or pooled behind fine-tuned last blocks. */
export type FeatureSelection = 'pooled' | 'bands' | 'blocks';

export interface Recipe {
  name: string;
  summary: string;
  base: string;
  data: SplitDataSpec | RealworldDataSpec;
  head: {
    /** Hidden Dense units. */
    units: number;
    /** Dropout rate. */
    dropout: number;
  };
  fit: {
    epochs: number;
    batchSize: number;
    /** Adam learning rate. */
    learningRate: number;
    /** Keras' legacy time-based decay per step: lr / (1 + decay * step); the tutorial uses lr / epochs. */
    decay: 'lr/epochs' | 'none';
    /** 'balanced' weights each item's loss by n / (k * n_class). */
    classWeights: 'balanced' | 'none';
  };
  views: {
    /** Views per training item whose base features are cached; each epoch uses a different one. */
    count: number;
    /** Views in small-data mode. */
    smallCount: number;
    /** The tutorial's affine augmentation of whole images, or null. */
    affine: AugmentParams | null;
    /** Street-like views of face boxes (jitter, small faces, blur, JPEG, light), or null. */
    real: RealAugment | null;
  };
  /**
   * 'pooled' — the mean of the base's last map (the tutorial's); 'bands' — that map averaged in three
   * horizontal bands, rows 0–2, 2–4, 4–6 (src/model/base.ts `BANDS_POOL`; the saved head pools them itself,
   * so the model has an ONNX form); 'blocks' — 'pooled' first, then the base's last `finetune.blocks`
   * blocks + Conv_1 trained with the head on the cached map that feeds them (src/model/tail.ts; saved as
   * the model's tail). (Heads on inner layers' features — 'bands+mid', 'finetune' — were measured and
   * retired: docs/experiments/fine-tuning.md.)
   */
  features: FeatureSelection;
  /**
   * 'blocks': epochs and learning rate (Adam, no decay) of the second phase, and how many of
   * MobileNetV2's last inverted-residual blocks train with Conv_1 (0: Conv_1 alone, 16: all).
   */
  finetune: { epochs: number; learningRate: number; blocks: number };
  /**
   * The crop rule (src/model/crop.ts), recorded in the model's manifest so inference cuts faces the
   * same way: 'box' — the face box as is; 'aligned' — the aligned crop from YuNet's 5 landmarks (eyes
   * level, fixed eye-to-mouth scale and margin), the box when a face has none (realworld data only).
   */
  crop: CropKind;
  /** With crop 'aligned': where the eyes' and the mouth's midpoints sit, fractions of the side from the top (src/model/crop.ts `ALIGN_TEMPLATE`). */
  alignTemplate: AlignTemplate;
  /**
   * With crop 'box': context for small faces — a box whose shorter side is below `below` px is cut
   * scaled by `scale` around its centre, in training and at inference (src/model/crop.ts `BoxContext`,
   * recorded in the manifest's crop rule); null: the box as is.
   */
  cropContext: BoxContext | null;
}

export const CROP_KINDS = ['box', 'aligned'] as const;
export type CropKind = (typeof CROP_KINDS)[number];

export const PRESETS: Record<'original' | 'realworld', Recipe> = {
  original: {
    name: 'original',
    summary: "the tutorial's recipe: observations, Adam 1e-4 with decay lr/epochs, 20 epochs, batch 32, augmentation",
    base: MOBILENET_V2_035.name,
    data: { kind: 'split', datasets: ['observations'] },
    head: { units: 128, dropout: 0.5 },
    fit: { epochs: 20, batchSize: 32, learningRate: 1e-4, decay: 'lr/epochs', classWeights: 'none' },
    views: { count: 8, smallCount: 2, affine: ORIGINAL_AUGMENTATION, real: null },
    features: 'pooled',
    finetune: { epochs: 4, learningRate: 1e-4, blocks: 1 },
    crop: 'box',
    alignTemplate: { ...ALIGN_TEMPLATE },
    cropContext: null,
  },
  realworld: {
    name: 'realworld',
    summary:
      'real faces, three classes: chandrikadeb7 + Kaggle fit face crops + synthetic masks (correct/nose/chin) + not_face boxes, ' +
      'detector-like views (jittered boxes, small faces, blur, JPEG, lighting), balanced class weights',
    base: MOBILENET_V2_035.name,
    data: { kind: 'realworld', extraDatasets: [], kaggleFit: true, tuneCopies: 3, notFace: { detector: 'yunet-n', minScore: 0.3 }, ilc2021Copies: 2, minFace: 12, everydayCopies: 0, hard: null },
    head: { units: 256, dropout: 0.5 },
    fit: { epochs: 30, batchSize: 64, learningRate: 1e-3, decay: 'lr/epochs', classWeights: 'balanced' },
    views: { count: 2, smallCount: 2, affine: null, real: REAL_AUGMENT },
    features: 'pooled',
    finetune: { epochs: 4, learningRate: 1e-4, blocks: 1 },
    crop: 'box',
    alignTemplate: { ...ALIGN_TEMPLATE },
    cropContext: null,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);

/** The datasets a recipe's data come from (recorded in the manifest). */
export function recipeDatasets(r: Recipe): string[] {
  return r.data.kind === 'split' ? r.data.datasets : ['chandrikadeb7', ...r.data.extraDatasets, 'kaggle-face-mask-dev', ...(r.data.ilc2021Copies > 0 ? ['ilc2021'] : []), ...(r.data.everydayCopies > 0 ? ['everyday-unmasked'] : [])];
}

/**
 * The not_face boxes a saved model's recipe mined (its preset and overrides; an ensemble's: its first
 * member's, which all members share), or null: none, or a recipe this version does not know.
 */
export function manifestNotFace(m: ModelManifest): { detector: string; minScore: number } | null {
  const source = m.training.ensemble?.[0] ?? m.training;
  try {
    const data = getRecipe(source.preset, source.overrides ?? {}).data;
    return 'notFace' in data ? data.notFace : null;
  } catch {
    return null;
  }
}

/** Parse `key=value` (value as JSON when it parses — numbers, true, null, arrays — else a string; `a,b` for a list of strings). */
export function parseOverride(s: string): [string, unknown] {
  const i = s.indexOf('=');
  if (i <= 0) throw new Error(`an override is key=value (e.g. head.units=256), got "${s}"`);
  const key = s.slice(0, i).trim();
  const raw = s.slice(i + 1).trim();
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * A recipe with overrides applied (`{ 'head.units': 256, 'data.notFace': null }`). Every key must
 * name an existing field; a value must have the field's type (an object field may become null and
 * back only where the recipe allows null: `data.notFace`, `views.affine`, `views.real`). Refused
 * with the valid keys.
 */
export function applyOverrides(recipe: Recipe, overrides: Record<string, unknown>): Recipe {
  const out = structuredClone(recipe) as unknown as Record<string, unknown>;
  const nullable = new Set(['data.notFace', 'data.hard', 'views.affine', 'views.real', 'cropContext']);
  for (const [key, value0] of Object.entries(overrides)) {
    const parts = key.split('.');
    let obj = out;
    for (const p of parts.slice(0, -1)) {
      const next = obj[p];
      if (next === undefined) throw new Error(`unknown recipe field "${key}": the recipe has no section "${p}" (sections: ${Object.keys(obj).filter((k) => obj[k] !== null && typeof obj[k] === 'object' && !Array.isArray(obj[k])).join(', ')})`);
      if (next === null || typeof next !== 'object' || Array.isArray(next)) throw new Error(`unknown recipe field "${key}" (${p} is a ${kindOf(next)}, not a section)`);
      obj = next as Record<string, unknown>;
    }
    const last = parts[parts.length - 1];
    if (!(last in obj) || last === 'name') throw new Error(`unknown recipe field "${key}" (valid here: ${Object.keys(obj).filter((k) => k !== 'name').map((k) => [...parts.slice(0, -1), k].join('.')).join(', ')})`);
    const old = obj[last];
    let value = value0;
    if (Array.isArray(old) && typeof value === 'string') value = value.split(',').map((x) => x.trim()).filter(Boolean);
    const ok = kindOf(value) === kindOf(old) || (nullable.has(key) && (value === null || kindOf(value) === 'object'));
    if (!ok) throw new Error(`recipe field "${key}" is a ${kindOf(old)}, got ${JSON.stringify(value)}`);
    obj[last] = value;
  }
  return out as unknown as Recipe;
}

/** A preset by name, with overrides. */
export function getRecipe(name: string, overrides: Record<string, unknown> = {}): Recipe {
  const p = PRESETS[name as keyof typeof PRESETS];
  if (!p) throw new Error(`unknown training preset "${name}" (known: ${PRESET_NAMES.join(', ')}; variants are overrides, e.g. --set fit.classWeights=none)`);
  const r = applyOverrides(p, overrides);
  if (!(CROP_KINDS as readonly string[]).includes(r.crop)) throw new Error(`recipe field "crop" must be one of ${CROP_KINDS.join(', ')} (e.g. --set crop=aligned), got ${JSON.stringify(r.crop)}`);
  checkAlignTemplate(r.alignTemplate, 'recipe field "alignTemplate"');
  if (r.crop === 'aligned' && r.data.kind !== 'realworld') throw new Error(`crop=aligned needs the realworld data (face boxes and landmarks); preset ${r.name} uses the ${r.data.kind} data`);
  if (r.cropContext !== null) {
    checkBoxContext(r.cropContext, 'recipe field "cropContext"');
    if (r.crop !== 'box' || r.data.kind !== 'realworld') throw new Error('recipe field "cropContext" goes with crop=box and the realworld data (face boxes); set cropContext=null otherwise');
  }
  checkRecipeValues(r);
  return r;
}

const wholeFrom = (min: number, max = Infinity) => (x: unknown) => Number.isInteger(x) && (x as number) >= min && (x as number) <= max;
const positive = (x: unknown) => typeof x === 'number' && x > 0 && Number.isFinite(x);
const oneOf = (...v: unknown[]) => (x: unknown) => v.includes(x);

/** The values a recipe field may take, with the valid form for the message. */
const RECIPE_VALUES: [string, (x: unknown) => boolean, string][] = [
  ['head.units', wholeFrom(1, 8192), 'a whole number from 1 to 8192'],
  ['head.dropout', (x) => typeof x === 'number' && x >= 0 && x < 1, 'a number from 0 up to (not including) 1'],
  ['fit.epochs', wholeFrom(1, 10_000), 'a whole number >= 1'],
  ['fit.batchSize', wholeFrom(1, 65_536), 'a whole number >= 1'],
  ['fit.learningRate', positive, 'a number > 0'],
  ['fit.decay', oneOf('lr/epochs', 'none'), '"lr/epochs" or "none"'],
  ['fit.classWeights', oneOf('balanced', 'none'), '"balanced" or "none"'],
  ['views.count', wholeFrom(1, 1000), 'a whole number >= 1'],
  ['views.smallCount', wholeFrom(1, 1000), 'a whole number >= 1'],
  ['features', oneOf('pooled', 'bands', 'blocks'), 'pooled, bands or blocks (bands+mid and finetune were retired)'],
  ['finetune.epochs', wholeFrom(0, 10_000), 'a whole number >= 0'],
  ['finetune.learningRate', positive, 'a number > 0'],
  ['finetune.blocks', wholeFrom(0, 16), 'a whole number from 0 to 16'],
  ['data.tuneCopies', (x) => x === undefined || wholeFrom(0, 100)(x), 'a whole number from 0 to 100'],
  ['data.ilc2021Copies', (x) => x === undefined || wholeFrom(0, 100)(x), 'a whole number from 0 to 100'],
  ['data.minFace', (x) => x === undefined || wholeFrom(1, 1000)(x), 'a whole number of pixels from 1 to 1000'],
  ['data.everydayCopies', (x) => x === undefined || wholeFrom(0, 100)(x), 'a whole number from 0 to 100'],
];

/** Refuse a recipe whose values make no sense (a negative layer size, a learning rate of 0), naming the valid form. */
export function checkRecipeValues(r: Recipe): void {
  for (const [key, ok, valid] of RECIPE_VALUES) {
    const v = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], r);
    if (!ok(v)) throw new Error(`recipe field "${key}" must be ${valid}, got ${JSON.stringify(v)}`);
  }
  const nf = r.data.kind === 'realworld' ? r.data.notFace : null;
  if (nf && !(nf.minScore > 0 && nf.minScore < 1)) throw new Error(`recipe field "data.notFace.minScore" must be between 0 and 1, got ${JSON.stringify(nf.minScore)}`);
  if (r.views.real) checkRealAugment(r.views.real);
  const hard = r.data.kind === 'realworld' ? r.data.hard : null;
  if (hard && !(typeof hard.list === 'string' && hard.list.length > 0 && wholeFrom(1, 20)(hard.copies))) throw new Error(`recipe field "data.hard" must be null or { "list": "<file from the project root>", "copies": 1 to 20 }, got ${JSON.stringify(hard)}`);
}

const probability = (x: unknown) => typeof x === 'number' && x >= 0 && x <= 1;
const range = (ok: (x: unknown) => boolean) => (x: unknown) => Array.isArray(x) && x.length === 2 && ok(x[0]) && ok(x[1]) && (x[0] as number) <= (x[1] as number);

/** The street-like views' values (`views.real.*`), each with its valid form. */
const REAL_VALUES: [keyof RealAugment, (x: unknown) => boolean, string][] = [
  ['scale', range(positive), 'two numbers [low, high], 0 < low <= high'],
  ['shift', (x) => typeof x === 'number' && x >= 0 && x < 1, 'a number from 0 up to (not including) 1'],
  ['small', probability, 'a probability from 0 to 1'],
  ['smallSide', range(wholeFrom(2, 1024)), 'two whole numbers of pixels [low, high], 2 <= low <= high'],
  ['blur', probability, 'a probability from 0 to 1'],
  ['blurSigma', range(positive), 'two numbers [low, high], 0 < low <= high'],
  ['jpeg', probability, 'a probability from 0 to 1'],
  ['jpegQuality', range(wholeFrom(1, 100)), 'two whole numbers [low, high] from 1 to 100'],
  ['light', probability, 'a probability from 0 to 1'],
  ['brightness', range(positive), 'two numbers [low, high], 0 < low <= high'],
  ['wholeCrop', range((x) => typeof x === 'number' && x > 0 && x <= 1), 'two numbers [low, high], 0 < low <= high <= 1'],
  ['flip', (x) => typeof x === 'boolean', 'true or false'],
];

/** Refuse street-like view parameters that make no sense (a probability of 2, a range backwards), naming the valid form. */
export function checkRealAugment(p: RealAugment): void {
  for (const [key, ok, valid] of REAL_VALUES) if (!ok(p[key])) throw new Error(`recipe field "views.real.${key}" must be ${valid}, got ${JSON.stringify(p[key])}`);
}

/** A recipe in one table row (notebooks, reports): what a run with it will use. */
export function recipeRow(r: Recipe, small: boolean): Record<string, string | number> {
  return {
    preset: r.name,
    datasets: recipeDatasets(r).join(', '),
    epochs: small ? `${r.fit.epochs} (small-data mode: train.smallEpochs)` : r.fit.epochs,
    batchSize: r.fit.batchSize,
    learningRate: r.fit.learningRate,
    decay: r.fit.decay,
    views: small ? r.views.smallCount : r.views.count,
    head: `Dense ${r.head.units} ReLU, dropout ${r.head.dropout}`,
    classWeights: r.fit.classWeights,
  };
}
