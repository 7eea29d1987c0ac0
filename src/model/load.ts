/**
 * Loading a model folder's classifier in Node — loading only reads: the manifest is read once and
 * its integrity verified (./manifest-files.ts), then the network runs on ONNX Runtime (the folder's
 * `model.onnx`, which `prepare`, `train`, `ensemble` and `promote` write: ./onnx/export.ts) or on
 * tfjs (./classifier.ts, for training, notebooks and heads without an ONNX form).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../backend/engine';
import type { Runtime } from '../config';
import { resizeImage } from '../util/images';
import { ONNX_FILE, sha256File } from './files';
import type { ModelManifest } from './manifest';
import { readManifest, verifyIntegrity } from './manifest-files';
import { OnnxClassifier } from './onnx-classifier';
import type { LoadClassifierOptions, LoadedClassifier } from './types';

/** Where a classifier runs: its ONNX export on ONNX Runtime, or tfjs (config `classify.runtime`). */
export type ClassifierRuntime = Runtime;

/**
 * A model folder's classifier on an ONNX engine. Refuses (saying what to run) a folder without its
 * `model.onnx`, a file that is not the export the manifest records, or a model whose integrity fails.
 */
export async function loadOnnxClassifier(dir: string, engine: Engine, opts: LoadClassifierOptions = {}, manifest: ModelManifest = readManifest(dir)): Promise<OnnxClassifier> {
  const file = path.join(dir, manifest.onnx?.file ?? ONNX_FILE);
  if (!manifest.onnx || !fs.existsSync(file)) {
    throw new Error(`model ${dir} has no ${ONNX_FILE}${manifest.onnx ? '' : ' recorded in its manifest'}: it is made by \`npx facemask prepare\` (shipped models) or when a model is trained, averaged or promoted`);
  }
  // a sealed model's check covers the ONNX file (the tfjs files it does not read may be absent: the
  // installed package carries none); a model made before integrity records is checked here
  if (!verifyIntegrity(dir, manifest, { onnxOnly: true }) && sha256File(file) !== manifest.onnx.sha256) {
    throw new Error(`model ${dir}: ${ONNX_FILE} is not the export its manifest records: refusing it (delete it and run \`npx facemask prepare\`, or train again)`);
  }
  const net = await engine.load(fs.readFileSync(file));
  return new OnnxClassifier(net, manifest, { ...opts, dir, resize: (im, s) => resizeImage(im, s, s) });
}

/**
 * A model folder's classifier on a runtime; a model whose manifest records no ONNX form (a head saved
 * without its export, as tests make) runs on tfjs. The error names the folder.
 */
export async function loadFaceClassifier(dir: string, runtime: ClassifierRuntime, engine: () => Promise<Engine>, opts: LoadClassifierOptions = {}): Promise<LoadedClassifier> {
  try {
    const manifest = readManifest(dir);
    if (runtime === 'onnx' && manifest.onnx) return await loadOnnxClassifier(dir, await engine(), opts, manifest);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- tfjs is loaded only here: the ONNX path (the shipped pipeline) runs without it
    const { loadClassifier } = require('./classifier') as typeof import('./classifier');
    return await loadClassifier(dir, { ...opts, manifest });
  } catch (e) {
    throw new Error(`cannot load the classifier from ${dir}: ${(e as Error).message}`);
  }
}
