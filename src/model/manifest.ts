/**
 * The manifest that travels with every saved classifier (docs/contracts.md "Runs, models"): classes
 * in output order, the base network and its SHA-256, alpha, input size, preprocessing, the
 * training preset and seeds, and the measured test numbers. Only the head's weights (and a
 * fine-tuned tail's, `tail`) are saved beside it; the base comes from `models/pretrained/` and must
 * match the checksum. Pure and browser-safe (the page validates with it): reading, writing and
 * sealing a model folder's manifest are ./manifest-files.ts.
 */
import { INTERNAL_LABELS, LABELS, type ModelClass } from '../labels';
import { checkPhotoSetting, checkTunedSetting, type PhotoSetting, type TunedSetting } from './setting';
import { BOX_CROP, checkCropRule, type CropRule } from './crop';
import { checkCalibration, type Calibration } from './calibration';
import { checkDecisionRule, type DecisionRule } from '../result';
import type { TailRecord } from './tail';
import { checkIntegrityRecord, type Integrity } from './integrity';

export type { TunedSetting };

export const MANIFEST_FILE = 'manifest.json';

export const MANIFEST_FORMAT = 'facemask-classifier/1';

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  /** Classes in the model's output order. */
  classes: ModelClass[];
  base: {
    name: string;
    /** SHA-256 of the base's `weights.bin`. */
    sha256: string;
    alpha: number;
    inputSize: number;
    /** How raw pixels are scaled before the base (inside the model). */
    preprocessing: string;
  };
  /**
   * The crop rule the model was trained with, and which inference must use (src/model/crop.ts,
   * docs/contracts.md "Boxes"): `box` (absent means this), or `aligned` with its template and the
   * landmark detector for faces that come without landmarks.
   */
  crop?: CropRule;
  /** The head's files in this folder (absent in a composite ensemble, `members`). */
  head?: { modelJson: string; sha256: string };
  /**
   * A composite ensemble (`facemask ensemble` of models on different bases, `CompositeClassifier` in
   * src/model/classifier.ts):
   * complete model folders under this one (`dir`, relative), each run on its own base at its own
   * input size, their probabilities averaged; `identity` is each member's `modelIdentity`. Such a
   * model has no `head`, `tail` or `features` of its own; `base` names its largest member's base, whose
   * input size is the composite's.
   */
  members?: { dir: string; identity: string }[];
  /**
   * A fine-tuned tail of the base (src/model/tail.ts): its last `blocks` blocks + Conv_1, trained with
   * the head; its files in this folder and the weights' SHA-256. Absent: the base is used as installed.
   */
  tail?: TailRecord;
  /** The whole classifier as ONNX (derived from base + head, src/model/onnx-classifier.ts): its SHA-256 and opset. */
  onnx?: { file: string; sha256: string; opset: number };
  training: {
    preset: string;
    /** Seed of initialisation, augmentation and shuffling. */
    seed: number;
    /** Seed of the group-aware split. */
    splitSeed: number;
    datasets: string[];
    epochs: number;
    /** Augmented views per training image whose base features were cached. */
    views: number;
    run?: string;
    /** Kaggle dev photos (numbers, inclusive ranges) it was fitted on and whose faces chose its variants; absent: none. */
    kaggle?: { fit: [number, number]; validation: [number, number]; excluded: number[] };
    /** Overrides of the recipe (`--set key=value`), as given. */
    overrides?: Record<string, unknown>;
    /** An ensemble (`facemask ensemble`, src/training/ensemble.ts): the runs whose heads it averages. */
    ensemble?: { run: string; preset: string; seed: number; overrides?: Record<string, unknown> }[];
  };
  /** Detection settings chosen for this model (`facemask tune` → `facemask promote`). */
  detection?: {
    /** The detector photos use with this model when none is asked for. */
    detector?: string;
    /** Per detector name: its one-scale setting (what video runs; photos too with that detector asked for). */
    settings: Record<string, TunedSetting>;
    /** What photos run when no detector is asked for: a detector, maybe two scales, and its setting. */
    photo?: PhotoSetting;
  };
  /**
   * Calibration of its probabilities (`facemask calibrate` → `facemask promote`, src/model/calibration.ts):
   * every classifier returns softmax(log(p) / temperature + bias) instead of the network's p; absent: p as is.
   */
  calibration?: Calibration;
  /** How a label is decided from the (calibrated) probabilities (src/result.ts `bestEmitted`); absent: 'argmax'. */
  decision?: DecisionRule;
  /** Measured numbers (fractions), filled after training/evaluation. */
  test: Record<string, number | string | null>;
  createdAt: string;
  /**
   * The checksum of what the model means (src/model/integrity.ts): this manifest without `training`,
   * `test` and `createdAt`, and the files it loads. Verified at load; absent in models made before it.
   */
  integrity?: Integrity;
}

/** Where a composite's members live: `members/<name>`. */
const MEMBER_DIR = /^members\/[\w.+-]+$/;

/** A file a manifest names is a plain name inside its model folder: no folder part, not `.` or `..`. */
export const isPlainFileName = (f: unknown): boolean => typeof f === 'string' && /^[\w.-]+$/.test(f) && f !== '.' && f !== '..';

export function validateManifest(m: ModelManifest, where = 'manifest'): void {
  if (m.format !== MANIFEST_FORMAT) throw new Error(`${where}: format "${m.format}" is not ${MANIFEST_FORMAT}`);
  // every file a manifest names lies in its own folder (a name such as ../../etc/passwd is refused)
  for (const [field, f] of [['onnx.file', m.onnx?.file], ['head.modelJson', m.head?.modelJson], ['tail.modelJson', m.tail?.modelJson], ['tail.weights', m.tail?.weights]] as const) {
    if (f !== undefined && !isPlainFileName(f)) throw new Error(`${where}: "${field}" must name a file in the model's own folder, got ${JSON.stringify(f)}`);
  }
  const known = [...LABELS, ...INTERNAL_LABELS] as readonly string[];
  if (!Array.isArray(m.classes) || m.classes.length < 2) throw new Error(`${where}: "classes" must list at least 2 classes`);
  for (const c of m.classes) if (!known.includes(c)) throw new Error(`${where}: unknown class "${c}" (known: ${known.join(', ')})`);
  if (new Set(m.classes).size !== m.classes.length) throw new Error(`${where}: duplicate classes`);
  if (!m.base || typeof m.base.sha256 !== 'string' || typeof m.base.name !== 'string') throw new Error(`${where}: missing base name/sha256`);
  if (m.onnx !== undefined && !(m.onnx && typeof m.onnx.file === 'string' && /^[0-9a-f]{64}$/.test(m.onnx.sha256))) throw new Error(`${where}: "onnx" must be { file, sha256, opset }`);
  if (m.detection !== undefined) {
    const d = m.detection;
    if (!d || typeof d !== 'object' || !d.settings || typeof d.settings !== 'object') throw new Error(`${where}: "detection" must be { detector?, settings: { <detector>: { threshold, rejectAt, trustAbove } } }`);
    for (const [name, t] of Object.entries(d.settings)) checkTunedSetting(t, `${where}: detection.settings.${name}`);
    if (d.photo !== undefined) checkPhotoSetting(d.photo, `${where}: detection.photo`);
  }
  if (m.crop !== undefined) checkCropRule(m.crop, `${where}: crop`);
  if (m.integrity !== undefined) checkIntegrityRecord(m.integrity, where);
  if (m.calibration !== undefined) checkCalibration(m.calibration, m.classes, where);
  if (m.decision !== undefined) checkDecisionRule(m.decision, `${where}: decision`, m.classes);
  if (m.tail !== undefined) {
    const t = m.tail;
    const ok = t && Number.isInteger(t.blocks) && t.blocks >= 0 && t.blocks <= 16 && typeof t.input === 'string' && isPlainFileName(t.modelJson) && isPlainFileName(t.weights) && /^[0-9a-f]{64}$/.test(t.sha256);
    if (!ok) throw new Error(`${where}: "tail" must be { blocks: 0-16, input: <layer>, modelJson: <file>, weights: <file>, sha256: <64 hex digits> }`);
  }
  if (m.members !== undefined) {
    const ok = Array.isArray(m.members) && m.members.length >= 2 && m.members.every((x) => x && typeof x.dir === 'string' && MEMBER_DIR.test(x.dir) && /^[0-9a-f]{64}$/.test(x.identity));
    if (!ok) throw new Error(`${where}: "members" must list at least 2 { dir: "members/<name>", identity: <64 hex digits> }`);
    if (new Set(m.members.map((x) => x.dir)).size !== m.members.length) throw new Error(`${where}: "members" lists a folder twice`);
    if (m.head || m.tail) throw new Error(`${where}: a composite ensemble ("members") has no "head" or "tail" of its own`);
  } else if (!m.head || typeof m.head.sha256 !== 'string') throw new Error(`${where}: missing "head" (or "members")`);
  // heads on "rich" base features (the bands+mid and finetune recipes) were retired; their results stay in docs/experiments/fine-tuning.md
  if ('features' in m) throw new Error(`${where}: "features": a head on "rich" base features is no longer supported (the bands+mid and finetune recipes were retired): train the model again`);

}

/** A manifest's crop rule (absent: the box). */
export function cropRuleOf(m: Pick<ModelManifest, 'crop'>): CropRule {
  return m.crop ? checkCropRule(m.crop) : BOX_CROP;
}
