/**
 * The classifier on ONNX Runtime: the model's `model.onnx` (base — with its fine-tuned last blocks
 * when the model has a tail, src/model/tail.ts — + head, raw pixels → class probabilities, written
 * by src/model/onnx-export.ts from the very tfjs weights) run on an engine
 * (src/backend/onnx.ts: native onnxruntime-node, onnxruntime-web as a fallback) — what detection
 * uses; tfjs (src/model/classifier.ts) stays for training and notebooks.
 *
 * `model.onnx` is derived, never committed (it holds the pretrained base's weights): training and
 * `facemask prepare` write it, and loading writes it when it is missing. The manifest records its
 * SHA-256 (`onnx.sha256`); the export is deterministic, so a fresh export must give those bytes, and
 * a file that does not is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine, Net } from '../backend/engine';
import type { Box } from '../result';
import type { RgbImage } from '../util/images';
import { cropFace, type CropRule, type Landmarks } from './crop';
import { writeFileAtomic } from '../util/atomic';
import { mapLimit } from '../util/files';
import { sha256File, ONNX_FILE } from './io';
import { loadClassifier, toModelInput } from './classifier';
import { cropRuleOf, readManifest, type ModelManifest } from './manifest';
import { updateManifest, verifyIntegrity } from './manifest-files';
import { exportMaskClassifierOnnx, ONNX_OPSET } from './onnx-export';
import { runClassifierNet } from './classifier-net';
import type { FaceClassifier } from './types';
import type { Calibration } from './calibration';
import type { DecisionRule } from '../result';
import { checkTailFile } from './tail';

export { ONNX_FILE };

/** A classifier that knows the model it came from (manifest and folder). */
export type LoadedClassifier = FaceClassifier & { readonly manifest: ModelManifest; readonly dir: string; readonly runtime: 'onnx' | 'tfjs'; readonly calibration: Calibration | undefined };

/** How a model folder's classifier is loaded. */
export interface LoadClassifierOptions {
  /**
   * Apply the manifest's calibration and decision rule (src/model/calibration.ts); false: the
   * network's own probabilities and argmax, what `facemask calibrate` fits on. default: true
   */
  calibrated?: boolean;
}

export class OnnxClassifier implements LoadedClassifier {
  readonly runtime = 'onnx' as const;
  readonly inputSize: number;
  /** The calibration applied to the network's probabilities (the manifest's unless loaded uncalibrated). */
  readonly calibration: Calibration | undefined;
  readonly decision: DecisionRule | undefined;
  constructor(
    private readonly net: Net,
    readonly manifest: ModelManifest,
    readonly dir: string,
    opts: LoadClassifierOptions = {},
  ) {
    this.inputSize = manifest.base.inputSize;
    this.crop = cropRuleOf(manifest);
    const calibrated = opts.calibrated ?? true;
    this.calibration = calibrated ? manifest.calibration : undefined;
    this.decision = calibrated ? manifest.decision : undefined;
  }
  readonly crop: CropRule;
  get classes() {
    return this.manifest.classes;
  }

  async probabilities(images: RgbImage[]): Promise<Float32Array[]> {
    const s = this.inputSize;
    const inputs = await mapLimit(images, 4, (c) => toModelInput(c, s));
    return runClassifierNet(this.net, inputs, { inputSize: s, classes: this.classes, calibration: this.calibration });
  }

  async probabilitiesOfBoxes(image: RgbImage, boxes: readonly Box[], landmarks?: readonly (Landmarks | undefined)[]): Promise<Float32Array[]> {
    if (boxes.length === 0) return [];
    // the model's crop rule (src/model/crop.ts): the same code in Node and in the browser
    return this.probabilities(boxes.map((box, i) => cropFace(image, { box, landmarks: landmarks?.[i] }, this.inputSize, this.crop)));
  }

  dispose(): void {
    void this.net.dispose();
  }
}

/** Whether a model can run on ONNX (a head on `rich` features cannot be exported). */
export function hasOnnxForm(m: ModelManifest): boolean {
  return !m.features;
}

/**
 * Make sure `dir/model.onnx` exists and is the export of the folder's weights: written (atomically)
 * when missing; when the manifest records no ONNX checksum yet, it is recorded. Returns its SHA-256.
 * Throws when the file (existing or freshly exported) does not match the manifest.
 */
export async function ensureOnnx(dir: string): Promise<string> {
  const file = path.join(dir, ONNX_FILE);
  const m = readManifest(dir);
  if (!hasOnnxForm(m)) throw new Error(`model ${dir}: a head on "rich" base features has no ONNX form; run it on tfjs`);
  // the ONNX file holds the fine-tuned tail too: a model folder whose tail is not the recorded one is refused either way
  if (m.tail) checkTailFile(dir, m.tail);
  for (const mem of m.members ?? []) {
    const mm = readManifest(path.join(dir, mem.dir));
    if (mm.tail) checkTailFile(path.join(dir, mem.dir), mm.tail);
  }
  if (!fs.existsSync(file)) {
    const clf = await loadClassifier(dir);
    try {
      writeFileAtomic(file, exportMaskClassifierOnnx(clf));
    } finally {
      clf.dispose();
    }
  }
  const sha = sha256File(file);
  if (m.onnx && m.onnx.sha256 !== sha) {
    throw new Error(`model ${dir}: ${ONNX_FILE} (SHA-256 ${sha.slice(0, 12)}…) is not the export the manifest records (${m.onnx.sha256.slice(0, 12)}…): refusing it (delete it to export it again, or retrain)`);
  }
  if (!m.onnx) updateManifest(dir, (x) => void (x.onnx = { file: ONNX_FILE, sha256: sha, opset: ONNX_OPSET }));
  return sha;
}

/** Load a model folder's classifier on an ONNX engine (exporting `model.onnx` first when it is missing). */
export async function loadOnnxClassifier(dir: string, engine: Engine, opts: LoadClassifierOptions = {}): Promise<OnnxClassifier> {
  await ensureOnnx(dir);
  const manifest = readManifest(dir);
  verifyIntegrity(dir, manifest);
  const net = await engine.load(fs.readFileSync(path.join(dir, ONNX_FILE)));
  return new OnnxClassifier(net, manifest, dir, opts);
}
