/**
 * The trained mask classifier: base (from `models/pretrained/`, with its fine-tuned last blocks
 * when the model has a tail, src/model/tail.ts) + saved head + manifest.
 * `loadClassifier(dir)` is what detection and `facemask classify` use; it gives probabilities only
 * (what a box is decided by the box policy, src/detection/policy.ts). `saveClassifier` writes a
 * model folder atomically (a kill mid-save leaves the previous folder intact).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf, initBackend } from '../backend/tf';
import { projectPaths } from '../paths';
import type { ModelClass } from '../labels';
import type { Box, DecisionRule } from '../result';
import { resizeImage, type RgbImage } from '../util/images';
import { cropFace, type CropRule, type Landmarks } from './crop';
import { mapLimit } from '../util/files';
import { writeDirAtomic } from '../util/atomic';
import type { FaceClassifier, LoadClassifierOptions } from './types';
import { loadBase, baseChecksum, baseDir, type LoadedBase, PixelBase } from './base';
import { fileLoader, fileSaver, sha256File, MODEL_JSON, WEIGHTS_BIN, ONNX_FILE } from './io';
import { MANIFEST_FILE, cropRuleOf, type ModelManifest } from './manifest';
import { modelIdentity, readManifest, sealModelFolder, verifyIntegrity, writeSealedManifest } from './manifest-files';
import { checkClasses } from './head';
import { calibrateRows, type Calibration } from './calibration';
import { loadTailInto, saveTail, type TailSpec } from './tail';
import { CLASSIFY_BATCH } from './classifier-net';

/** Crops per forward pass. */
export { CLASSIFY_BATCH };

/** Resize any image to the model's square input (no-op when it already is). */
export async function toModelInput(img: RgbImage, size: number): Promise<RgbImage> {
  if (img.width === size && img.height === size) return img;
  return resizeImage(img, size, size);
}

/** Stack same-size RGB images into a [n, s, s, 3] int32 tensor of raw pixels. */
export function stackPixels(imgs: RgbImage[], size: number): tf.Tensor4D {
  const n = imgs.length;
  const buf = new Int32Array(n * size * size * 3);
  imgs.forEach((im, i) => {
    if (im.width !== size || im.height !== size) throw new Error(`image ${i} is ${im.width}x${im.height}, expected ${size}x${size}`);
    buf.set(im.data, i * size * size * 3);
  });
  return tf.tensor4d(buf, [n, size, size, 3], 'int32');
}

/**
 * A classifier on tfjs from raw pixels: `predictPixels` ([n, s, s, 3] → the network's probabilities)
 * is what each kind supplies; crops, batching and the calibration are shared here.
 */
abstract class PixelClassifier implements FaceClassifier {
  readonly runtime = 'tfjs' as const;
  readonly inputSize: number;
  /** The calibration applied to the network's probabilities by `probabilities` (the manifest's unless loaded uncalibrated). */
  readonly calibration: Calibration | undefined;
  readonly decision: DecisionRule | undefined;
  readonly crop: CropRule;
  constructor(
    readonly manifest: ModelManifest,
    /** The folder it was loaded from. */
    readonly dir: string,
    opts: LoadClassifierOptions = {},
  ) {
    this.inputSize = manifest.base.inputSize;
    this.crop = cropRuleOf(manifest);
    const calibrated = opts.calibrated ?? true;
    this.calibration = calibrated ? manifest.calibration : undefined;
    this.decision = calibrated ? manifest.decision : undefined;
  }
  get classes(): readonly ModelClass[] {
    return this.manifest.classes;
  }

  /** Raw pixels [n, s, s, 3] (0–255) → the network's probabilities [n, N] (uncalibrated: `probabilities` applies the calibration). */
  abstract predictPixels(pixels: tf.Tensor4D): tf.Tensor2D;

  /** Probabilities for images of any size, batched (calibrated when the model has a calibration). */
  async probabilities(crops: RgbImage[]): Promise<Float32Array[]> {
    const size = this.inputSize;
    const inputs = await mapLimit(crops, 4, (c) => toModelInput(c, size));
    const out: Float32Array[] = [];
    for (let i = 0; i < inputs.length; i += CLASSIFY_BATCH) {
      const chunk = inputs.slice(i, i + CLASSIFY_BATCH);
      const x = stackPixels(chunk, size);
      const p = this.predictPixels(x);
      const data = (await p.data()) as Float32Array;
      x.dispose();
      p.dispose();
      const n = this.classes.length;
      for (let k = 0; k < chunk.length; k++) out.push(data.slice(k * n, (k + 1) * n));
    }
    return calibrateRows(out, this.classes, this.calibration);
  }

  async probabilitiesOfBoxes(image: RgbImage, boxes: readonly Box[], landmarks?: readonly (Landmarks | undefined)[]): Promise<Float32Array[]> {
    if (boxes.length === 0) return [];
    // the model's crop rule (src/model/crop.ts): the same code in Node and in the browser
    return this.probabilities(boxes.map((box, i) => cropFace(image, { box, landmarks: landmarks?.[i] }, this.inputSize, this.crop)));
  }

  abstract dispose(): void;
}

/** The classifier on tfjs: the frozen base and a head, loaded from a model folder by `loadClassifier`. */
export class MaskClassifier extends PixelClassifier {
  constructor(
    readonly base: LoadedBase,
    readonly head: tf.LayersModel,
    manifest: ModelManifest,
    dir: string,
    opts: LoadClassifierOptions = {},
  ) {
    super(manifest, dir, opts);
  }

  predictPixels(pixels: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const maps = new PixelBase(this.base.model).apply(pixels) as tf.Tensor4D;
      return this.head.apply(maps, { training: false }) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.head.dispose();
    this.base.model.dispose();
  }
}

/**
 * A composite ensemble on tfjs (manifest `members`): each member model on its own base, the crop
 * (at the composite's input size, its largest member's) resized bilinearly (half-pixel centres, as
 * ONNX Resize "linear") to a smaller member's input, the members' network probabilities averaged.
 * Members are loaded uncalibrated; the composite's own calibration applies to the average.
 */
export class CompositeClassifier extends PixelClassifier {
  constructor(
    readonly members: readonly MaskClassifier[],
    manifest: ModelManifest,
    dir: string,
    opts: LoadClassifierOptions = {},
  ) {
    super(manifest, dir, opts);
    // what a composite is: members of its classes, none larger than its input (one of them at it)
    for (const m of members) {
      if (m.classes.join() !== manifest.classes.join()) throw new Error(`model ${dir}: member ${m.dir} has classes [${m.classes.join(', ')}], the composite [${manifest.classes.join(', ')}]`);
      if (m.inputSize > manifest.base.inputSize) throw new Error(`model ${dir}: member ${m.dir} takes ${m.inputSize} px, more than the composite's ${manifest.base.inputSize}`);
    }
    if (!members.some((m) => m.inputSize === manifest.base.inputSize)) throw new Error(`model ${dir}: no member takes the composite's ${manifest.base.inputSize} px input`);
  }

  predictPixels(pixels: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const s = this.inputSize;
      const outs = this.members.map((m) => m.predictPixels(m.inputSize === s ? pixels : memberInput(pixels, m.inputSize)));
      return tf.div(tf.addN(outs), outs.length) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.members.forEach((m) => m.dispose());
  }
}

/** A composite's pixels at a smaller member's input side: bilinear, half-pixel centres, no corner alignment (ONNX Resize "linear", "half_pixel"). */
export function memberInput(pixels: tf.Tensor4D, size: number): tf.Tensor4D {
  return tf.image.resizeBilinear(tf.cast(pixels, 'float32') as tf.Tensor4D, [size, size], false, true);
}

/** A classifier loaded on tfjs: one network, or a composite ensemble of them. */
export type TfjsClassifier = MaskClassifier | CompositeClassifier;

/**
 * Load a saved classifier. Refuses (with the reason) a folder without a manifest, a head whose
 * checksum or output size does not match the manifest, a base whose SHA-256 differs from the
 * one the head was trained on, or a fine-tuned tail whose weights are not the ones recorded.
 */
export async function loadClassifier(dir: string = projectPaths().defaultModel, opts: { baseDir?: string; manifest?: ModelManifest } & LoadClassifierOptions = {}): Promise<TfjsClassifier> {
  const manifest = opts.manifest ?? readManifest(dir);
  if (manifest.members) return loadComposite(dir, manifest, opts);
  return loadNetwork(dir, { ...opts, manifest });
}

/** Load a model folder that must be one network (not a composite ensemble): what exporting, averaging heads and fine-tuning need. */
export async function loadNetwork(dir: string, opts: { baseDir?: string; manifest?: ModelManifest } & LoadClassifierOptions = {}): Promise<MaskClassifier> {
  await initBackend({ quiet: true });
  const manifest = opts.manifest ?? readManifest(dir);
  if (manifest.members) throw new Error(`model ${dir} is a composite ensemble of ${manifest.members.length} models, not one network`);
  verifyIntegrity(dir, manifest); // what the model means: classes, calibration, graph, weights (src/model/integrity.ts)
  const headSha = sha256File(path.join(dir, WEIGHTS_BIN));
  if (manifest.head?.sha256 && headSha !== manifest.head.sha256) {
    throw new Error(`model ${dir}: head weights do not match the manifest (SHA-256 ${headSha.slice(0, 12)}…, manifest says ${manifest.head.sha256.slice(0, 12)}…)`);
  }
  const dirOfBase = opts.baseDir ?? baseDir(manifest.base.name);
  const installed = baseChecksum(manifest.base.name, dirOfBase);
  if (installed !== manifest.base.sha256) {
    throw new Error(
      `model ${dir} was trained on base "${manifest.base.name}" with SHA-256 ${manifest.base.sha256.slice(0, 12)}…, ` +
        `but the installed base (${dirOfBase}) has ${installed.slice(0, 12)}…: refusing it (run "facemask prepare" or retrain)`,
    );
  }
  const head = await tf.loadLayersModel(fileLoader(dir));
  const units = head.outputs[0].shape[head.outputs[0].shape.length - 1];
  if (units !== manifest.classes.length) {
    head.dispose();
    throw new Error(`model ${dir}: the head outputs ${units} classes but the manifest lists ${manifest.classes.length} (${manifest.classes.join(', ')}): refusing it`);
  }
  const base = await loadBase(manifest.base.name, dirOfBase);
  if (manifest.tail) {
    // the fine-tuned last blocks replace the installed base's (whose own checksum was checked above)
    try {
      await loadTailInto(base.model, dir, manifest.tail);
    } catch (e) {
      head.dispose();
      base.model.dispose();
      throw e;
    }
  }
  return new MaskClassifier(base, head, manifest, dir, opts);
}

/** A composite ensemble's members, each checked against the identity the composite recorded. */
async function loadComposite(dir: string, manifest: ModelManifest, opts: { baseDir?: string } & LoadClassifierOptions): Promise<CompositeClassifier> {
  verifyIntegrity(dir, manifest);
  const members: MaskClassifier[] = [];
  try {
    for (const m of manifest.members!) {
      const mdir = path.join(dir, m.dir);
      const mm = readManifest(mdir);
      if (mm.members) throw new Error(`model ${dir}: member ${m.dir} is itself a composite ensemble: refusing it`);
      if (modelIdentity(mm) !== m.identity) throw new Error(`model ${dir}: member ${m.dir} is not the model the composite recorded (identity ${modelIdentity(mm).slice(0, 12)}…, recorded ${m.identity.slice(0, 12)}…): refusing it`);
      members.push(await loadNetwork(mdir, { baseDir: opts.baseDir, calibrated: false, manifest: mm }));
    }
    return new CompositeClassifier(members, manifest, dir, opts);
  } catch (e) {
    members.forEach((m) => m.dispose());
    throw e;
  }
}

/**
 * Save a head + manifest as a model folder, atomically (with a fine-tuned tail of the base when
 * given: its files and record, src/model/tail.ts). Returns the manifest written.
 */
export async function saveClassifier(dir: string, head: tf.LayersModel, manifest: Omit<ModelManifest, 'head' | 'tail'>, tail?: { model: tf.LayersModel; spec: Pick<TailSpec, 'blocks' | 'input'> }): Promise<ModelManifest> {
  checkClasses(manifest.classes);
  let written: ModelManifest | undefined;
  await writeDirAtomic(dir, async (tmp) => {
    await head.save(fileSaver(tmp));
    const tailRecord = tail ? await saveTail(tmp, tail.model, tail.spec) : undefined;
    const m: ModelManifest = { ...manifest, head: { modelJson: MODEL_JSON, sha256: sha256File(path.join(tmp, WEIGHTS_BIN)) }, ...(tailRecord ? { tail: tailRecord } : {}) };
    written = writeSealedManifest(tmp, m);
  });
  return written!;
}

/**
 * Save a composite ensemble atomically: `members` (model folders, each one network) copied to
 * `dir/members/<name>/`, and the manifest with their identities. Returns the manifest written.
 */
export async function saveComposite(dir: string, members: readonly { name: string; dir: string }[], manifest: Omit<ModelManifest, 'head' | 'tail' | 'members' | 'features'>): Promise<ModelManifest> {
  checkClasses(manifest.classes);
  let written: ModelManifest | undefined;
  await writeDirAtomic(dir, async (tmp) => {
    const recorded: NonNullable<ModelManifest['members']> = [];
    for (const mem of members) {
      const mm = readManifest(mem.dir);
      if (mm.members) throw new Error(`${mem.dir} is itself a composite ensemble: a member must be one network`);
      const rel = `members/${mem.name}`;
      copyModelFiles(mem.dir, path.join(tmp, rel), mm, { onnx: false });
      sealModelFolder(path.join(tmp, rel));
      recorded.push({ dir: rel, identity: modelIdentity(mm) });
    }
    written = writeSealedManifest(tmp, { ...manifest, members: recorded });
  });
  return written!;
}

/**
 * A model folder's files (and a composite's members', recursively) copied into `to`. A member's own
 * ONNX export is left behind: the composite's one graph holds every member.
 */
function copyModelFiles(from: string, to: string, m: ModelManifest, opts: { onnx: boolean } = { onnx: true }): void {
  fs.mkdirSync(to, { recursive: true });
  for (const f of [MANIFEST_FILE, MODEL_JSON, WEIGHTS_BIN, ...(opts.onnx ? [ONNX_FILE] : []), ...(m.tail ? [m.tail.modelJson, m.tail.weights] : [])]) if (fs.existsSync(path.join(from, f))) fs.copyFileSync(path.join(from, f), path.join(to, f));
  for (const mem of m.members ?? []) copyModelFiles(path.join(from, mem.dir), path.join(to, mem.dir), readManifest(path.join(from, mem.dir)), { onnx: false });
}

/**
 * Copy a model folder to `target` atomically (used by `promote`, after checking it loads), sealed:
 * a model made before integrity records gets one here.
 */
export async function installModel(from: string, target: string): Promise<ModelManifest> {
  const m = readManifest(from);
  verifyIntegrity(from, m);
  await writeDirAtomic(target, async (tmp) => {
    copyModelFiles(from, tmp, m);
    sealModelFolder(tmp);
  });
  return readManifest(target);
}
