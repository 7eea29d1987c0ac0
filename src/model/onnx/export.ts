/**
 * ONNX export of the mask classifier (frozen base + head, raw pixels → class probabilities; a
 * composite ensemble as one graph) and of the base alone (raw pixels → pooled features): the graph
 * starts at "pixels" [N, s, s, 3] NHWC → Transpose → NCHW → x / 127.5 − 1 → the base (its layers by
 * ./layers.ts, into ./graph.ts). `exportModelOnnx` writes a model folder's `model.onnx` and records
 * it in the manifest: what `prepare`, `train`, `ensemble` and `promote` do — loading only reads it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../../backend/tf';
import { writeFileAtomic } from '../../util/atomic';
import { modelIdentity, readManifest, updateManifest, verifyIntegrity } from '../manifest-files';
import { loadClassifier, type CompositeClassifier, type TfjsClassifier } from '../classifier';
import { ONNX_INPUT, ONNX_PROBABILITIES } from '../classifier-net';
import { BANDS_POOL } from '../base';
import { sha256File, ONNX_FILE } from '../io';
import { checkTailFile } from '../tail';
import { ONNX_BATCH_DIM, ONNX_OPSET, OnnxGraph, type Value } from './graph';
import { walkModel } from './layers';

/** The graph's input and the classifier's output names (../classifier-net.ts, shared with the browser); the opset. */
export { ONNX_INPUT, ONNX_PROBABILITIES, ONNX_OPSET };
/** Base output: float32 [N, channels], the spatial mean of the base's last map. */
export const ONNX_FEATURES = 'features';
/** Keys of the model's `metadata_props`. */
export const ONNX_METADATA = {
  /** JSON array of the class names, in output order. */
  classes: 'facemask.classes',
  /** SHA-256 of the base's `weights.bin`. */
  baseSha256: 'facemask.base.sha256',
  /** SHA-256 of the head's `weights.bin` (a composite ensemble: its `modelIdentity`). */
  headSha256: 'facemask.head.sha256',
  /** SHA-256 of a fine-tuned tail's weights (`tail.bin`, src/model/tail.ts), when the base's last blocks were fine-tuned. */
  tailSha256: 'facemask.tail.sha256',
  /** A composite ensemble's members in order (JSON: input size, base, identity, tail). */
  members: 'facemask.members',
  /** How the graph scales the raw pixels before the base ("x/127.5-1"). */
  preprocessing: 'facemask.preprocessing',
  /** The input layout in words. */
  input: 'facemask.input',
} as const;
const SHA256 = /^[0-9a-f]{64}$/;

export interface BaseExportOptions {
  /** Side of the square input in pixels; must match the base's input. */
  inputSize: number;
  /** SHA-256 of the base's `weights.bin` (`LoadedBase.sha256`), recorded in the metadata. */
  baseSha256: string;
  /** `exportBaseOnnx`: the output of this inner layer, flattened channels last, instead of the pooled last map. default: none */
  mapLayer?: string;
  /** `exportBaseOnnx`: how the last map is pooled — its mean, or its three horizontal bands (src/model/base.ts `BANDS_POOL`). default: 'mean' */
  pool?: 'mean' | 'bands';
}

export interface ClassifierExportOptions extends BaseExportOptions {
  /** Class names in the head's output order (`manifest.classes`), recorded in the metadata. */
  classes: readonly string[];
  /** SHA-256 of the head's `weights.bin` (`manifest.head.sha256`), recorded in the metadata. */
  headSha256: string;
  /** SHA-256 of the fine-tuned tail's weights (`manifest.tail.sha256`) when the base carries one, recorded in the metadata. default: none */
  tailSha256?: string;
}

/**
 * Export base + head as one ONNX graph: "pixels" float32 [N, s, s, 3] (raw 0–255 RGB, NHWC) →
 * "probabilities" float32 [N, classes]. Refuses a head that does not take the base's output map
 * (a head on pooled features), an unknown layer, or options that do not match the models.
 */
export function exportClassifierOnnx(base: tf.LayersModel, head: tf.LayersModel, opts: ClassifierExportOptions): Uint8Array {

  checkSha256('baseSha256', opts.baseSha256);
  checkSha256('headSha256', opts.headSha256);
  if (opts.tailSha256 !== undefined) checkSha256('tailSha256', opts.tailSha256);
  const baseOut = shapeOf(base.outputs[0]);
  const headIn = shapeOf(head.inputs[0]);
  if (head.inputs.length !== 1 || head.outputs.length !== 1) throw new Error(`cannot export to ONNX: the head must have one input and one output (it has ${head.inputs.length} and ${head.outputs.length})`);
  if (headIn.join() !== baseOut.join()) {
    throw new Error(`cannot export to ONNX: the head takes [${headIn.join(', ')}] but the base outputs [${baseOut.join(', ')}]; only heads on the base's output map can be exported`);
  }
  const outShape = shapeOf(head.outputs[0]);
  const units = outShape[outShape.length - 1];
  if (outShape.length !== 1) throw new Error(`cannot export to ONNX: the head's output must be [classes], it is [${outShape.join(', ')}]`);
  if (opts.classes.length !== units) throw new Error(`cannot export to ONNX: ${opts.classes.length} class names (${opts.classes.join(', ')}) for a head with ${units} outputs`);
  if (new Set(opts.classes).size !== opts.classes.length || opts.classes.some((c) => typeof c !== 'string' || c === '')) {
    throw new Error(`cannot export to ONNX: class names must be unique non-empty strings, got ${JSON.stringify(opts.classes)}`);
  }
  const g = new OnnxGraph();
  const maps = walkModel(g, base, [pixelInput(g, base, opts.inputSize)], 'base/');
  const [probs] = walkModel(g, head, maps, 'head/');
  if (probs.layout !== 'flat') throw new Error('cannot export to ONNX: the head does not end in a flat [N, classes] output');
  g.rename(probs.name, ONNX_PROBABILITIES);
  return g.encode({
    name: 'facemask_classifier',
    input: [ONNX_INPUT, [ONNX_BATCH_DIM, opts.inputSize, opts.inputSize, 3]],
    output: [ONNX_PROBABILITIES, [ONNX_BATCH_DIM, units]],
    doc: `facemask classifier: raw RGB pixels [N, ${opts.inputSize}, ${opts.inputSize}, 3] (0–255) → probabilities of ${opts.classes.join(', ')}`,
    metadata: [
      [ONNX_METADATA.classes, JSON.stringify(opts.classes)],
      [ONNX_METADATA.baseSha256, opts.baseSha256],
      [ONNX_METADATA.headSha256, opts.headSha256],
      ...(opts.tailSha256 ? [[ONNX_METADATA.tailSha256, opts.tailSha256] as [string, string]] : []),
      ...commonMetadata(opts.inputSize),
    ],
  });
}

/**
 * Export the base alone: "pixels" float32 [N, s, s, 3] (raw 0–255 RGB, NHWC) → "features" float32
 * [N, channels], the spatial mean of the base's last map (what `pooledFeatures` computes); with `pool`
 * 'bands', [N, 3 * channels], its three horizontal bands (what `bandFeatures` computes); or, with
 * `mapLayer`, [N, h * w * c], that inner layer's map flattened channels last (what `mapFeatureFn`
 * computes: the input of a fine-tuned tail).
 */
export function exportBaseOnnx(base: tf.LayersModel, opts: BaseExportOptions): Uint8Array {
  checkSha256('baseSha256', opts.baseSha256);
  if (opts.mapLayer && opts.pool === 'bands') throw new Error('cannot export to ONNX: a base map (mapLayer) is not pooled; leave pool out');
  const g = new OnnxGraph();
  const net = opts.mapLayer ? innerModel(base, opts.mapLayer) : base;
  const [maps] = walkModel(g, net, [pixelInput(g, base, opts.inputSize)], 'base/');
  if (maps.layout !== 'nchw') throw new Error(`cannot export to ONNX: the base must end in a [h, w, channels] map, it ends in [${maps.shape.slice(1).join(', ')}]`);
  const [, channels, h, w] = maps.shape;
  let dim = channels;
  let what = `mean of the base's last map [N, ${channels}]`;
  if (opts.mapLayer) {
    const nhwc = g.node('Transpose', [maps.name], 'features/nhwc', { perm: [0, 2, 3, 1] });
    g.node('Flatten', [nhwc], ONNX_FEATURES, { axis: 1 });
    dim = h * w * channels;
    what = `the base's "${opts.mapLayer}" map [N, ${h} * ${w} * ${channels}], channels last`;
  } else if (opts.pool === 'bands') {
    const [k, s] = [BANDS_POOL.poolSize, BANDS_POOL.strides];
    if (h !== BANDS_POOL.side || w !== BANDS_POOL.side) throw new Error(`cannot export to ONNX: band features need the base's ${BANDS_POOL.side}x${BANDS_POOL.side} last map, it gives ${h}x${w}`);
    const bands = g.node('AveragePool', [maps.name], 'features/bands', { kernel_shape: k, strides: s, pads: [0, 0, 0, 0], count_include_pad: 0 });
    // band after band, channels last (as Keras' Flatten of [bands, 1, channels])
    const nhwc = g.node('Transpose', [bands], 'features/nhwc', { perm: [0, 2, 3, 1] });
    g.node('Flatten', [nhwc], ONNX_FEATURES, { axis: 1 });
    dim = BANDS_POOL.count * channels;
    what = `the base's last map averaged in ${BANDS_POOL.count} horizontal bands [N, ${BANDS_POOL.count} * ${channels}]`;
  } else {
    const pooled = g.node('GlobalAveragePool', [maps.name], 'features/pool');
    g.node('Flatten', [pooled], ONNX_FEATURES, { axis: 1 });
  }
  return g.encode({
    name: 'facemask_base_features',
    input: [ONNX_INPUT, [ONNX_BATCH_DIM, opts.inputSize, opts.inputSize, 3]],
    output: [ONNX_FEATURES, [ONNX_BATCH_DIM, dim]],
    doc: `facemask base ${opts.mapLayer ? 'map' : 'features'}: raw RGB pixels [N, ${opts.inputSize}, ${opts.inputSize}, 3] (0–255) → ${what}`,
    metadata: [[ONNX_METADATA.baseSha256, opts.baseSha256], ...commonMetadata(opts.inputSize)],
  });
}

/** The base from its input to an inner layer's output (the same layers and weights). */
function innerModel(base: tf.LayersModel, layer: string): tf.LayersModel {
  let out: tf.SymbolicTensor;
  try {
    out = base.getLayer(layer).output as tf.SymbolicTensor;
  } catch {
    throw new Error(`cannot export to ONNX: the base has no layer "${layer}"`);
  }
  return tf.model({ inputs: base.inputs, outputs: out, name: `${base.name}_to_${layer}` });
}

/**
 * Export a loaded classifier (`loadClassifier`) with the class names and checksums of its manifest;
 * a model with a fine-tuned tail has it in its base already (`loadClassifier` wrote it there), so the
 * file is the whole fine-tuned network. A composite ensemble becomes one graph (`exportCompositeOnnx`).
 */
export function exportMaskClassifierOnnx(clf: TfjsClassifier): Uint8Array {
  if (!('head' in clf)) return exportCompositeOnnx(clf);
  return exportClassifierOnnx(clf.base.model, clf.head, {
    classes: clf.classes,
    inputSize: clf.inputSize,
    baseSha256: clf.base.sha256,
    headSha256: modelIdentity(clf.manifest),
    ...(clf.manifest.tail ? { tailSha256: clf.manifest.tail.sha256 } : {}),
  });
}

/**
 * A composite ensemble as one graph: "pixels" [N, s, s, 3] at the composite's input → for each
 * member, Resize (linear, half-pixel centres: what `memberInput` does on tfjs) to its own input when
 * smaller → its base (with its tail) and head → the members' probabilities averaged (Mean).
 */
export function exportCompositeOnnx(clf: CompositeClassifier): Uint8Array {
  const size = clf.inputSize;
  const classes = clf.classes;
  const g = new OnnxGraph();
  const outer = clf.members.find((m) => m.inputSize === size)!; // CompositeClassifier checks its members: one at its input, all of its classes
  const scaled = pixelInput(g, outer.base.model, size);
  const probs = clf.members.map((m, i) => {
    const s = m.inputSize;
    const input: Value =
      s === size
        ? scaled
        : { name: g.node('Resize', [scaled.name, '', g.constant(`m${i}/resize/scales`, [4], [1, 1, s / size, s / size])], `m${i}/resize`, { mode: { str: 'linear' }, coordinate_transformation_mode: { str: 'half_pixel' } }), shape: [-1, 3, s, s], layout: 'nchw' };
    const maps = walkModel(g, m.base.model, [input], `m${i}/base/`);
    const [p] = walkModel(g, m.head, maps, `m${i}/head/`);
    if (p.layout !== 'flat' || p.shape[1] !== classes.length) throw new Error(`cannot export to ONNX: member ${i}'s head does not end in [N, ${classes.length}]`);
    return p.name;
  });
  g.node('Mean', probs, ONNX_PROBABILITIES);
  return g.encode({
    name: 'facemask_composite_classifier',
    input: [ONNX_INPUT, [ONNX_BATCH_DIM, size, size, 3]],
    output: [ONNX_PROBABILITIES, [ONNX_BATCH_DIM, classes.length]],
    doc: `facemask composite classifier (${clf.members.length} members averaged): raw RGB pixels [N, ${size}, ${size}, 3] (0–255) → probabilities of ${classes.join(', ')}`,
    metadata: [
      [ONNX_METADATA.classes, JSON.stringify(classes)],
      [ONNX_METADATA.headSha256, modelIdentity(clf.manifest)],
      [ONNX_METADATA.members, JSON.stringify(clf.members.map((m) => ({ inputSize: m.inputSize, base: m.base.sha256, identity: modelIdentity(m.manifest), ...(m.manifest.tail ? { tail: m.manifest.tail.sha256 } : {}) })))],
      ...commonMetadata(size),
    ],
  });
}

function commonMetadata(size: number): [string, string][] {
  return [
    [ONNX_METADATA.preprocessing, 'x/127.5-1'],
    [ONNX_METADATA.input, `${ONNX_INPUT}: float32 [N, ${size}, ${size}, 3], raw RGB 0-255, NHWC`],
  ];
}

function checkSha256(what: string, s: string): void {
  if (typeof s !== 'string' || !SHA256.test(s)) throw new Error(`cannot export to ONNX: ${what} must be a SHA-256 (64 lowercase hex digits), got ${JSON.stringify(s)}`);
}

/** Static shape of a symbolic tensor without the batch dimension. */
function shapeOf(t: tf.SymbolicTensor): (number | null)[] {
  return t.shape.slice(1);
}

/** "pixels" NHWC → Transpose → NCHW → x / 127.5 − 1: the base's input. */
function pixelInput(g: OnnxGraph, base: tf.LayersModel, size: number): Value {
  if (!Number.isInteger(size) || size < 1) throw new Error(`cannot export to ONNX: inputSize must be a positive integer, got ${size}`);
  const want = shapeOf(base.inputs[0]);
  if (base.inputs.length !== 1 || want.length !== 3 || want[2] !== 3 || (want[0] !== null && want[0] !== size) || (want[1] !== null && want[1] !== size)) {
    throw new Error(`cannot export to ONNX: the base takes [${want.map(String).join(', ')}], not RGB pixels [${size}, ${size}, 3]`);
  }
  const nchw = g.node('Transpose', [ONNX_INPUT], 'pixels/nchw', { perm: [0, 3, 1, 2] });
  const scaled = g.node('Div', [nchw, g.constant('pixels/127.5', [], [127.5])], 'pixels/div');
  const name = g.node('Sub', [scaled, g.constant('pixels/one', [], [1])], 'pixels/scaled');
  return { name, shape: [-1, 3, size, size], layout: 'nchw' };
}

/**
 * Make `dir/model.onnx` the export of the folder's weights: written (atomically) when missing and
 * recorded in the manifest (sealed again) when it records none; an existing file must be the export
 * the manifest records. Returns its SHA-256. Loading never writes: this is for prepare, train,
 * ensemble and promote.
 */
export async function exportModelOnnx(dir: string): Promise<string> {
  const file = path.join(dir, ONNX_FILE);
  const m = readManifest(dir);
  verifyIntegrity(dir, m);
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
