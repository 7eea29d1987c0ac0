/**
 * A model folder's manifest on disk (the manifest itself, pure and browser-safe: ./manifest.ts):
 * read and validated (`readManifest`), what a model is (`modelIdentity`), and written sealed: its `integrity` (what it is: ./integrity.ts) is
 * computed whenever a model is written (train, ensemble, promote, the calibrate and tune promotions,
 * `prepare` for models made before it) and verified when it is loaded or served. Every change to a
 * manifest goes through `updateManifest`, which verifies first — a tampered model is never sealed
 * again as if it were whole.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../util/atomic';
import { integrityText, type Integrity } from './integrity';
import { MANIFEST_FILE, MANIFEST_FORMAT, validateManifest, type ModelManifest } from './manifest';
import { checkPhotoSetting, checkTunedSetting, type PhotoSetting, type TunedSetting } from './setting';
import type { Calibration } from './calibration';
import type { DecisionRule } from '../result';

/**
 * What a model is, as one string: its head's SHA-256, or for a composite ensemble the SHA-256 of its
 * members' identities in order. Runs that fit something to a model (calibrate, tune) record it, and
 * promote refuses a model whose identity changed; caches key on it.
 */
export function modelIdentity(m: Pick<ModelManifest, 'head' | 'members'>): string {
  if (m.members) return createHash('sha256').update(m.members.map((x) => x.identity).join('\n')).digest('hex');
  if (!m.head) throw new Error('a model manifest has either a "head" or "members"');
  return m.head.sha256;
}

/** Whether `dir` holds a facemask model (a manifest of this format): what `promote --overwrite` may replace. */
export function isModelFolder(dir: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as { format?: unknown }).format === MANIFEST_FORMAT;
  } catch {
    return false;
  }
}

/** Read and validate a model folder's manifest (throws saying what is missing or wrong). */
export function readManifest(dir: string): ModelManifest {
  const f = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(dir)) throw new Error(`model folder not found: ${dir}`);
  if (!fs.existsSync(f)) throw new Error(`not a facemask model: no ${MANIFEST_FILE} in ${dir}`);
  let m: ModelManifest;
  try {
    m = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (e) {
    throw new Error(`unreadable model manifest ${f}: ${(e as Error).message}`);
  }
  validateManifest(m, f);
  return m;
}


/** A model whose files or manifest are not what its `integrity` records. */
export class IntegrityError extends Error {}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A file's SHA-256; an absent file takes its sum from `recorded` when given there (a folder of the ONNX form alone), else it is refused. */
function fileSum(dir: string, name: string, recorded?: Record<string, string>): string {
  const f = path.join(dir, name);
  if (!fs.existsSync(f)) {
    if (recorded?.[name]) return recorded[name];
    throw new IntegrityError(`model ${dir}: ${name} is missing`);
  }
  return sha256(fs.readFileSync(f));
}

/** The weight files a tfjs `model.json` names (an absent `model.json` in a folder of the ONNX form alone: the recorded names that are not `skip`). */
function weightFiles(dir: string, json: string, recorded?: Record<string, string>, skip: readonly string[] = []): string[] {
  if (!fs.existsSync(path.join(dir, json))) {
    if (recorded) return Object.keys(recorded).filter((n) => n !== json && !skip.includes(n));
    throw new IntegrityError(`model ${dir}: ${json} is missing`);
  }
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dir, json), 'utf8')) as { weightsManifest?: { paths: string[] }[] };
    return (j.weightsManifest ?? []).flatMap((g) => g.paths);
  } catch (e) {
    throw new IntegrityError(`model ${dir}: ${json} is not readable JSON (${(e as Error).message})`);
  }
}

/**
 * The SHA-256 of every file that shapes the model's outputs (a member: its own integrity), by name.
 * With `recorded` (a folder of the ONNX form alone, `VerifyOptions.onnxOnly`), the tfjs files, all
 * absent, take the sums recorded for them.
 */
export function modelFileSums(dir: string, m: ModelManifest, members: readonly ModelManifest[] = memberManifests(dir, m), recorded?: Record<string, string>): Record<string, string> {
  const files: Record<string, string> = {};
  const add = (name: string) => (files[name] = fileSum(dir, name, recorded));
  const tailFiles = m.tail ? [m.tail.modelJson, m.tail.weights] : [];
  const notWeights = [...tailFiles, ...(m.members ?? []).map((x) => x.dir)];
  if (m.head) for (const f of [m.head.modelJson, ...weightFiles(dir, m.head.modelJson, recorded, notWeights)]) add(f);
  for (const f of tailFiles) add(f);
  for (const [i, mem] of (m.members ?? []).entries()) {
    const mm = members[i];
    if (!mm.integrity) throw new IntegrityError(`model ${dir}: member ${mem.dir} is not sealed (no "integrity"): seal it first`);
    files[mem.dir] = mm.integrity.sha256;
  }
  return files;
}

/** A composite's members' manifests, in order (none for one network). */
function memberManifests(dir: string, m: ModelManifest): ModelManifest[] {
  return (m.members ?? []).map((mem) => readManifest(path.join(dir, mem.dir)));
}

/** The integrity record of a model folder as its files and manifest are now (`recorded`: see `modelFileSums`). */
export function integrityOf(dir: string, m: ModelManifest, members?: readonly ModelManifest[], recorded?: Record<string, string>): Integrity {
  const files = modelFileSums(dir, m, members, recorded);
  return { files, sha256: sha256(integrityText(m, files)) };
}

export interface VerifyOptions {
  /**
   * The caller runs the model's ONNX form only: a folder that carries none of its tfjs files (a head's
   * graph and weights, a fine-tuned tail) — the installed package carries `model.onnx` and the
   * manifests only — is checked on what it has: its manifest against its checksum (which covers the
   * recorded sums of the files left out), each member's manifest, and `model.onnx`. A folder with some
   * of its tfjs files but not all is broken, and refused as without this option. default: false
   * (every file must be present)
   */
  onnxOnly?: boolean;
}

/** Whether a model folder holds none of the files its integrity records (members aside): its ONNX form alone. */
function onnxFormOnly(dir: string, m: ModelManifest): boolean {
  const members = new Set((m.members ?? []).map((x) => x.dir));
  return Object.keys(m.integrity?.files ?? {}).every((name) => members.has(name) || !fs.existsSync(path.join(dir, name)));
}

/**
 * Check a folder against its manifest's `integrity`. Returns false when the manifest has none (a
 * model made before it: loaded as it is); throws `IntegrityError` naming what changed.
 */
export function verifyIntegrity(dir: string, m: ModelManifest, opts: VerifyOptions = {}): boolean {
  if (!m.integrity) return false;
  const members = memberManifests(dir, m);
  (m.members ?? []).forEach((mem, i) => {
    if (!verifyIntegrity(path.join(dir, mem.dir), members[i], opts)) throw new IntegrityError(`model ${dir}: member ${mem.dir} has no integrity record although the composite was sealed: refusing it`);
  });
  const now = integrityOf(dir, m, members, opts.onnxOnly && onnxFormOnly(dir, m) ? m.integrity.files : undefined);
  const names = new Set([...Object.keys(now.files), ...Object.keys(m.integrity.files)]);
  for (const n of names) {
    if (now.files[n] !== m.integrity.files[n]) {
      throw new IntegrityError(`model ${dir}: ${n} is not the file its manifest was sealed with (SHA-256 ${(now.files[n] ?? 'none').slice(0, 12)}…, sealed ${(m.integrity.files[n] ?? 'none').slice(0, 12)}…): refusing it — restore the model (git checkout, or promote it again)`);
    }
  }
  // the ONNX form is derived, but what detection runs: its bytes must be the export the manifest records
  if (m.onnx && fs.existsSync(path.join(dir, m.onnx.file)) && fileSum(dir, m.onnx.file) !== m.onnx.sha256) {
    throw new IntegrityError(`model ${dir}: ${m.onnx.file} is not the export its manifest records: refusing it — delete it and run \`npx facemask prepare\` (shipped models) or train again`);
  }
  if (now.sha256 !== m.integrity.sha256) {
    throw new IntegrityError(`model ${dir}: ${MANIFEST_FILE} was changed since the model was sealed (its classes, calibration, crop, decision or detection settings no longer match its integrity checksum): refusing it — restore the manifest, or make the change with the verb that owns it (calibrate, tune, promote)`);
  }
  return true;
}

/** The manifest with its `integrity` computed from the folder's files. */
export function sealManifest(dir: string, m: ModelManifest): ModelManifest {
  const { integrity: _old, ...rest } = m;
  void _old;
  return { ...rest, integrity: integrityOf(dir, rest as ModelManifest) };
}

/** Write a manifest (validated, sealed) into a model folder, atomically. */
export function writeSealedManifest(dir: string, m: ModelManifest): ModelManifest {
  validateManifest(m, path.join(dir, MANIFEST_FILE));
  const sealed = sealManifest(dir, m);
  writeFileAtomic(path.join(dir, MANIFEST_FILE), JSON.stringify(sealed, null, 2) + '\n');
  return sealed;
}

/** Change a model's manifest: verified first, then changed in place by `change`, validated, sealed and written atomically. */
export function updateManifest(dir: string, change: (m: ModelManifest) => void): ModelManifest {
  const m = readManifest(dir);
  verifyIntegrity(dir, m);
  change(m);
  return writeSealedManifest(dir, m);
}

/**
 * Seal a model folder (its members first) that has no integrity yet; a sealed one is verified and
 * left as it is. Returns whether anything was written (what `prepare` and `promote` do for models
 * made before sealing).
 */
export function sealModelFolder(dir: string): boolean {
  const m = readManifest(dir);
  let wrote = false;
  for (const mem of m.members ?? []) wrote = sealModelFolder(path.join(dir, mem.dir)) || wrote;
  if (m.integrity) {
    verifyIntegrity(dir, m);
    return wrote;
  }
  writeSealedManifest(dir, m);
  return true;
}

/** Write measured numbers into a model's manifest: `<set>_accuracy`, `<set>_macroF1`, … (what `evaluate --record` does). */
export function recordTestNumbers(
  dir: string,
  evals: { name: string; description: string; report: { accuracy: number; balancedAccuracy: number; macro: { f1: number }; total: number } }[],
): ModelManifest {
  return updateManifest(dir, (m) => {
    for (const e of evals) {
      m.test[`${e.name}_set`] = e.description;
      m.test[`${e.name}_n`] = e.report.total;
      m.test[`${e.name}_accuracy`] = e.report.accuracy;
      m.test[`${e.name}_balancedAccuracy`] = e.report.balancedAccuracy;
      m.test[`${e.name}_macroF1`] = e.report.macro.f1;
    }
  });
}

/**
 * Write a tune run's choices into a model's manifest: the photo setting, the video detector's
 * one-scale setting (other detectors' settings stay) and that detector as the model's default.
 */
export function recordTunedDetection(dir: string, choice: { photo: PhotoSetting; video: { detector: string; setting: TunedSetting } }): ModelManifest {
  checkPhotoSetting(choice.photo, 'photo setting');
  checkTunedSetting(choice.video.setting, `detection setting for ${choice.video.detector}`);
  return updateManifest(dir, (m) => {
    m.detection = { detector: choice.video.detector, settings: { ...(m.detection?.settings ?? {}), [choice.video.detector]: choice.video.setting }, photo: choice.photo };
  });
}

/**
 * Write a calibration and the decision rule into a model's manifest, refusing a calibration whose
 * classes are not the model's. `decision` 'argmax' is stored as such.
 */
export function recordCalibration(dir: string, calibration: Calibration, decision: DecisionRule): ModelManifest {
  return updateManifest(dir, (m) => {
    m.calibration = calibration;
    m.decision = decision;
  });
}
