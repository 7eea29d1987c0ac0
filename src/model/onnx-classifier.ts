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
import { cropResizeLinear } from './crop';
import { writeFileAtomic } from '../util/atomic';
import { mapLimit } from '../util/files';
import { sha256File } from './io';
import { loadClassifier, toModelInput, CLASSIFY_BATCH } from './classifier';
import { MANIFEST_FILE, readManifest, validateManifest, type ModelManifest } from './manifest';
import { exportMaskClassifierOnnx, ONNX_INPUT, ONNX_OPSET, ONNX_PROBABILITIES } from './onnx-export';
import type { FaceClassifier } from './types';
import { checkTailFile } from './tail';

export const ONNX_FILE = 'model.onnx';

/** A classifier that knows the model it came from (manifest and folder). */
export type LoadedClassifier = FaceClassifier & { readonly manifest: ModelManifest; readonly dir: string; readonly runtime: 'onnx' | 'tfjs' };

export class OnnxClassifier implements LoadedClassifier {
  readonly runtime = 'onnx' as const;
  readonly inputSize: number;
  constructor(
    private readonly net: Net,
    readonly manifest: ModelManifest,
    readonly dir: string,
  ) {
    this.inputSize = manifest.base.inputSize;
  }
  get classes() {
    return this.manifest.classes;
  }

  async probabilities(images: RgbImage[]): Promise<Float32Array[]> {
    const s = this.inputSize;
    const inputs = await mapLimit(images, 4, (c) => toModelInput(c, s));
    const n = this.classes.length;
    const out: Float32Array[] = [];
    for (let i = 0; i < inputs.length; i += CLASSIFY_BATCH) {
      const chunk = inputs.slice(i, i + CLASSIFY_BATCH);
      const x = new Float32Array(chunk.length * s * s * 3);
      chunk.forEach((im, k) => x.set(im.data, k * s * s * 3));
      const r = await this.net.run({ [ONNX_INPUT]: { data: x, dims: [chunk.length, s, s, 3] } });
      const p = r[ONNX_PROBABILITIES].data;
      for (let k = 0; k < chunk.length; k++) out.push(p.slice(k * n, (k + 1) * n));
    }
    return out;
  }

  async probabilitiesOfBoxes(image: RgbImage, boxes: readonly Box[]): Promise<Float32Array[]> {
    if (boxes.length === 0) return [];
    // the crop rule (src/model/crop.ts): the same code in Node and in the browser
    return this.probabilities(boxes.map((b) => cropResizeLinear(image, b, this.inputSize)));
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
  if (!m.onnx) {
    m.onnx = { file: ONNX_FILE, sha256: sha, opset: ONNX_OPSET };
    validateManifest(m);
    writeFileAtomic(path.join(dir, MANIFEST_FILE), JSON.stringify(m, null, 2) + '\n');
  }
  return sha;
}

/** Load a model folder's classifier on an ONNX engine (exporting `model.onnx` first when it is missing). */
export async function loadOnnxClassifier(dir: string, engine: Engine): Promise<OnnxClassifier> {
  await ensureOnnx(dir);
  const manifest = readManifest(dir);
  const net = await engine.load(fs.readFileSync(path.join(dir, ONNX_FILE)));
  return new OnnxClassifier(net, manifest, dir);
}
