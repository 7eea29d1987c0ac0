/**
 * ONNX export of the mask classifier (frozen base + head, raw pixels → class probabilities) and of
 * the base alone (raw pixels → pooled features), written with the ONNX protobuf schema
 * (`onnx-proto`), no Python.
 *
 * The tfjs models are walked generically, layer by layer along their inbound nodes, by class name
 * (`LAYER_CLASSES`); an unknown layer is refused with its name and class. On the way:
 *  - the graph is NCHW (ONNX' convolution layout): input "pixels" [N, s, s, 3] NHWC → Transpose →
 *    x / 127.5 − 1 → the base;
 *  - BatchNormalization is folded into the preceding convolution's weights and bias (when that
 *    convolution feeds nothing else), otherwise it becomes Mul + Add;
 *  - ZeroPadding2D is folded into the next convolution's pads (when it feeds only that), otherwise
 *    it becomes a Pad;
 *  - Keras "same" padding gets explicit pads: the odd pixel goes after (bottom/right), as in
 *    TensorFlow, which matters for stride 2;
 *  - ReLU with a maximum is Clip, depthwise convolution is Conv with group = channels, a pooling
 *    window covering the whole map is GlobalAveragePool, Dense is Gemm, Dropout is skipped.
 *
 * The output is deterministic: the same weights give the same bytes (no timestamps, fixed order).
 *
 * One file of ~630 lines on purpose: the graph walk, the folding decisions and the node builders
 * share one small state (names, initialisers, what feeds what); split apart they would pass it around.
 */
import { onnx } from 'onnx-proto';
import { tf } from '../backend/tf';
import { modelIdentity, type ModelManifest } from './manifest';
import type { CompositeClassifier, TfjsClassifier } from './classifier';
import { ONNX_INPUT, ONNX_PROBABILITIES } from './classifier-net';
import { BANDS_POOL } from './base';

/** ONNX operator set (13: Clip takes its bounds as inputs, Softmax works along one axis). */
export const ONNX_OPSET = 13;
/** The IR version that goes with opset 13 (ONNX 1.8). */
export const ONNX_IR_VERSION = 7;
/** The graph's input and the classifier's output names (./classifier-net.ts, shared with the browser). */
export { ONNX_INPUT, ONNX_PROBABILITIES };
/** Base output: float32 [N, channels], the spatial mean of the base's last map. */
export const ONNX_FEATURES = 'features';
/** Name of the batch dimension in the graph's input and output shapes. */
export const ONNX_BATCH_DIM = 'N';
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

/** The layer classes the exporter knows (anything else is refused). */
export const LAYER_CLASSES = [
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'BatchNormalization',
  'ReLU',
  'LeakyReLU',
  'Activation',
  'Softmax',
  'ZeroPadding2D',
  'Add',
  'GlobalAveragePooling2D',
  'AveragePooling2D',
  'Flatten',
  'Dense',
  'Dropout',
] as const;

const PRODUCER = 'facemask onnx-export';
const PRODUCER_VERSION = '1';
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
  /** The manifest's `features` (a head on "rich" base features): such a head is refused. default: none */
  features?: ModelManifest['features'];
}

/**
 * Export base + head as one ONNX graph: "pixels" float32 [N, s, s, 3] (raw 0–255 RGB, NHWC) →
 * "probabilities" float32 [N, classes]. Refuses a head that does not take the base's output map
 * (a head on pooled or "rich" features), an unknown layer, or options that do not match the models.
 */
export function exportClassifierOnnx(base: tf.LayersModel, head: tf.LayersModel, opts: ClassifierExportOptions): Uint8Array {
  if (opts.features) {
    throw new Error(
      `cannot export to ONNX: this head takes "rich" base features (manifest "features": ${JSON.stringify(opts.features)}), ` +
        `not the base's output map; only heads on the base's [${shapeOf(base.outputs[0]).join(', ')}] map can be exported`,
    );
  }
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
    features: clf.manifest.features,
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
    if (m.manifest.features) throw new Error(`cannot export to ONNX: member ${i} has a head on "rich" base features`);
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

// ---------------------------------------------------------------------------------------------
// The ONNX graph being built

type AttrValue = number | number[] | { float: number } | { str: string };

class OnnxGraph {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>([ONNX_INPUT]);

  private fresh(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX export: duplicate tensor name "${name}"`);
    this.names.add(name);
    return name;
  }

  /** A float32 initializer; returns its name. */
  constant(name: string, dims: number[], data: ArrayLike<number>): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`ONNX export: constant "${name}" has ${data.length} values for shape [${dims.join(', ')}]`);
    const raw = new Uint8Array(4 * n);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) view.setFloat32(4 * i, data[i], true); // ONNX raw_data is little-endian
    this.initializers.push({ name: this.fresh(name), dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  /** An int64 initializer (shapes and pads); returns its name. */
  int64Constant(name: string, data: number[]): string {
    this.initializers.push({ name: this.fresh(name), dims: [data.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: data });
    return name;
  }

  /** One node with one output named `output` (and the node too, unless `nodeName`); returns the output name. */
  node(op: string, inputs: string[], output: string, attrs: Record<string, AttrValue> = {}, nodeName = output): string {
    const attribute: onnx.IAttributeProto[] = Object.entries(attrs).map(([name, v]) => {
      if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
      if (typeof v === 'object' && 'str' in v) return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v.str) };
      if (typeof v === 'object') return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v.float };
      return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
    });
    this.nodes.push({ name: nodeName, opType: op, input: inputs, output: [this.fresh(output)], attribute });
    return output;
  }

  /** Rename a node output (and its uses): the graph's output gets its public name. */
  rename(from: string, to: string): void {
    this.fresh(to);
    for (const n of this.nodes) {
      n.output = n.output!.map((o) => (o === from ? to : o));
      n.input = n.input!.map((i) => (i === from ? to : i));
    }
  }

  encode(m: { name: string; input: [string, (number | string)[]]; output: [string, (number | string)[]]; doc: string; metadata: [string, string][] }): Uint8Array {
    const info = ([name, dims]: [string, (number | string)[]]): onnx.IValueInfoProto => ({
      name,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
    });
    const model = onnx.ModelProto.create({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: PRODUCER,
      producerVersion: PRODUCER_VERSION,
      docString: m.doc,
      graph: { name: m.name, node: this.nodes, initializer: this.initializers, input: [info(m.input)], output: [info(m.output)] },
      metadataProps: m.metadata.map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

// ---------------------------------------------------------------------------------------------
// Walking a tfjs model

/** A tensor of the ONNX graph: NCHW maps ([-1, c, h, w]) or flat vectors ([-1, f]); -1 is the batch. */
interface Value {
  name: string;
  shape: number[];
  layout: 'nchw' | 'flat';
}

/** A convolution not emitted yet (a following BatchNormalization may fold into it). */
interface PendingConv {
  kind: 'conv';
  /** Name of the convolution layer (the node and its initializers). */
  layer: string;
  /** Name of the output: the convolution's, or that of the BatchNormalization folded into it. */
  output: string;
  input: Value;
  /** ONNX layout [out, in / group, kh, kw]. */
  weight: Float64Array;
  wShape: [number, number, number, number];
  bias: Float64Array;
  strides: [number, number];
  dilations: [number, number];
  group: number;
  /** [top, left, bottom, right] */
  pads: [number, number, number, number];
  shape: number[];
}

/** Zero padding not emitted yet (the next convolution may take it into its pads). */
interface PendingPad {
  kind: 'pad';
  layer: string;
  input: Value;
  /** [top, left, bottom, right] */
  pads: [number, number, number, number];
  shape: number[];
}

/** What a layer produced: an emitted value, or a pending one emitted on first use. */
interface Slot {
  value?: Value;
  pending?: PendingConv | PendingPad;
}

type NodeRef = [string, number, number, unknown?];
interface LayerConfig {
  name: string;
  className: string;
  config: Record<string, unknown>;
  inboundNodes: NodeRef[][];
}
interface ModelConfig {
  layers?: LayerConfig[];
  inputLayers?: [string, number, number][];
  outputLayers?: [string, number, number][];
}

/**
 * Emit the layers of `model` into `g`, fed by `inputs` (one per model input), in an order that
 * follows the inbound nodes. Names get `prefix`. Returns the model's outputs, emitted.
 */
function walkModel(g: OnnxGraph, model: tf.LayersModel, inputs: Value[], prefix: string): Value[] {
  const cfg = model.getConfig() as unknown as ModelConfig;
  if (!cfg.layers || !cfg.inputLayers || !cfg.outputLayers || cfg.layers.some((l) => !Array.isArray(l.inboundNodes))) {
    throw new Error(`cannot export to ONNX: model "${model.name}" is not a functional model with a layer graph (build it with tf.model, not tf.sequential)`);
  }
  if (cfg.inputLayers.length !== inputs.length) throw new Error(`cannot export to ONNX: model "${model.name}" has ${cfg.inputLayers.length} inputs, expected ${inputs.length}`);
  const key = (r: NodeRef | [string, number, number]) => `${r[0]}:${r[1]}:${r[2]}`;
  const slots = new Map<string, Slot>();
  const uses = new Map<string, number>();
  const use = (k: string) => uses.set(k, (uses.get(k) ?? 0) + 1);
  for (const l of cfg.layers) for (const node of l.inboundNodes) for (const r of node) use(key(r));
  for (const r of cfg.outputLayers) use(key(r));

  cfg.inputLayers.forEach((r, i) => {
    const layer = cfg.layers!.find((l) => l.name === r[0]);
    const want = (layer?.config.batchInputShape as (number | null)[] | undefined)?.slice(1) ?? [];
    const have = kerasShape(inputs[i]);
    if (want.length !== have.length || want.some((d, j) => d !== null && d !== have[j])) {
      throw new Error(`cannot export to ONNX: input "${r[0]}" of model "${model.name}" takes [${want.map(String).join(', ')}] but is fed [${have.join(', ')}]`);
    }
    slots.set(key(r), { value: inputs[i] });
  });

  const emit = (s: Slot): Value => {
    if (!s.value) s.value = s.pending!.kind === 'conv' ? emitConv(g, s.pending!) : emitPad(g, s.pending!);
    return s.value;
  };

  let todo = cfg.layers.flatMap((l) => (l.className === 'InputLayer' ? [] : l.inboundNodes.map((node, index) => ({ l, node, index }))));
  while (todo.length) {
    const next = todo.findIndex((t) => t.node.every((r) => slots.has(key(r))));
    if (next < 0) throw new Error(`cannot export to ONNX: layers ${todo.map((t) => `"${t.l.name}"`).join(', ')} of model "${model.name}" are not connected to its inputs`);
    const { l, node, index } = todo[next];
    todo = [...todo.slice(0, next), ...todo.slice(next + 1)];
    const inSlots = node.map((r) => slots.get(key(r))!);
    const only = node.length === 1 && uses.get(key(node[0])) === 1;
    const name = prefix + l.name + (index > 0 ? `:${index}` : '');
    slots.set(`${l.name}:${index}:0`, emitLayer(g, model, l, name, inSlots, only, emit));
  }
  return cfg.outputLayers.map((r) => emit(slots.get(key(r))!));
}

/** A value's shape as Keras sees it (no batch; channels last). */
function kerasShape(v: Value): number[] {
  return v.layout === 'nchw' ? [v.shape[2], v.shape[3], v.shape[1]] : v.shape.slice(1);
}

function refuse(l: LayerConfig, why: string): never {
  throw new Error(`cannot export to ONNX: layer "${l.name}" (${l.className}) ${why}`);
}

function pair(v: unknown, l: LayerConfig, what: string): [number, number] {
  const p = typeof v === 'number' ? [v, v] : (v as number[]);
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= 0)) refuse(l, `has an unsupported ${what} ${JSON.stringify(v)}`);
  return [p[0], p[1]];
}

/** The layer's weights by their short name (`kernel`, `bias`, `gamma`, …) as float32 arrays. */
function weightsOf(model: tf.LayersModel, l: LayerConfig): Map<string, Float32Array> {
  const layer = model.getLayer(l.name);
  const values = layer.getWeights();
  const out = new Map<string, Float32Array>();
  layer.weights.forEach((w, i) => out.set(w.originalName.split('/').pop()!, values[i].dataSync() as Float32Array));
  return out;
}

function weight(ws: Map<string, Float32Array>, name: string, l: LayerConfig): Float32Array {
  const w = ws.get(name);
  if (!w) refuse(l, `has no "${name}" weight (it has ${[...ws.keys()].join(', ') || 'none'})`);
  return w;
}

function needLayout(v: Value, layout: Value['layout'], l: LayerConfig): void {
  if (v.layout !== layout) refuse(l, `needs a ${layout === 'nchw' ? '[h, w, channels] map' : 'flat [features] input'}, got [${kerasShape(v).join(', ')}]`);
}

/** Pads [top, left, bottom, right] and output size of a window over an `h`x`w` map (TensorFlow rules for "same"). */
function windowPads(l: LayerConfig, padding: unknown, [h, w]: [number, number], k: [number, number], s: [number, number], d: [number, number]): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding !== 'same') refuse(l, `has padding "${String(padding)}" (supported: valid, same)`);
  const total = (size: number, i: number) => Math.max((Math.ceil(size / s[i]) - 1) * s[i] + (k[i] - 1) * d[i] + 1 - size, 0);
  const th = total(h, 0);
  const tw = total(w, 1);
  // TensorFlow puts the smaller half before: with stride 2 on an even map the extra row/column is at the bottom/right
  return [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
}

function convOut(size: number, before: number, after: number, k: number, s: number, d: number): number {
  return Math.floor((size + before + after - d * (k - 1) - 1) / s) + 1;
}

function emitLayer(g: OnnxGraph, model: tf.LayersModel, l: LayerConfig, name: string, inputs: Slot[], only: boolean, emit: (s: Slot) => Value): Slot {
  const c = l.config;
  if ('dataFormat' in c && c.dataFormat !== 'channelsLast') refuse(l, `has data format "${String(c.dataFormat)}" (supported: channelsLast)`);
  const one = (): Value => {
    if (inputs.length !== 1) refuse(l, `has ${inputs.length} inputs, expected 1`);
    return emit(inputs[0]);
  };
  switch (l.className) {
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      if (inputs.length !== 1) refuse(l, `has ${inputs.length} inputs, expected 1`);
      // a zero padding feeding only this convolution becomes part of its pads
      const src = inputs[0];
      const padded = !src.value && src.pending?.kind === 'pad' && only ? src.pending : undefined;
      const x = padded ? padded.input : emit(src);
      needLayout(x, 'nchw', l);
      const [, cin, h0, w0] = x.shape;
      const extra = padded?.pads ?? [0, 0, 0, 0];
      const h = h0 + extra[0] + extra[2];
      const w = w0 + extra[1] + extra[3];
      const k = pair(c.kernelSize, l, 'kernel size');
      const s = pair(c.strides, l, 'stride');
      const d = pair(c.dilationRate ?? 1, l, 'dilation rate');
      if (((c.groups as number | undefined) ?? 1) !== 1) refuse(l, `has groups ${String(c.groups)} (supported: 1)`);
      const ws = weightsOf(model, l);
      const depthwise = l.className === 'DepthwiseConv2D';
      const mult = depthwise ? ((c.depthMultiplier as number | undefined) ?? 1) : 1;
      const cout = depthwise ? cin * mult : (c.filters as number);
      const kernel = weight(ws, depthwise ? 'depthwise_kernel' : 'kernel', l);
      // tfjs kernels: Conv2D [kh, kw, in, out], DepthwiseConv2D [kh, kw, in, multiplier] (output channel c * multiplier + m)
      const wShape: [number, number, number, number] = [cout, depthwise ? 1 : cin, k[0], k[1]];
      if (kernel.length !== cout * wShape[1] * k[0] * k[1]) refuse(l, `has a kernel of ${kernel.length} values for ${cin} input channels`);
      const weightOnnx = new Float64Array(kernel.length);
      for (let i = 0; i < k[0]; i++)
        for (let j = 0; j < k[1]; j++)
          for (let a = 0; a < cin; a++)
            for (let b = 0; b < (depthwise ? mult : cout); b++) {
              const src = ((i * k[1] + j) * cin + a) * (depthwise ? mult : cout) + b;
              const [o, ii] = depthwise ? [a * mult + b, 0] : [b, a];
              weightOnnx[((o * wShape[1] + ii) * k[0] + i) * k[1] + j] = kernel[src];
            }
      const bias = c.useBias ? Float64Array.from(weight(ws, 'bias', l)) : new Float64Array(cout);
      const own = windowPads(l, c.padding, [h, w], k, s, d);
      const pads: [number, number, number, number] = [own[0] + extra[0], own[1] + extra[1], own[2] + extra[2], own[3] + extra[3]];
      const shape = [-1, cout, convOut(h0, pads[0], pads[2], k[0], s[0], d[0]), convOut(w0, pads[1], pads[3], k[1], s[1], d[1])];
      if (shape[2] < 1 || shape[3] < 1) refuse(l, `gives an empty map from [${h0}, ${w0}]`);
      const conv: PendingConv = { kind: 'conv', layer: name, output: name, input: x, weight: weightOnnx, wShape, bias, strides: s, dilations: d, group: depthwise ? cin : 1, pads, shape };
      const act = (c.activation as string | undefined) ?? 'linear';
      if (act === 'linear') return { pending: conv };
      return { value: activation(g, emitConv(g, conv), act, name + '/act', l) };
    }
    case 'BatchNormalization': {
      if (inputs.length !== 1) refuse(l, `has ${inputs.length} inputs, expected 1`);
      const src = inputs[0];
      const conv = !src.value && src.pending?.kind === 'conv' && only ? src.pending : undefined;
      const shape = conv ? conv.shape : emit(src).shape;
      const rank = shape.length;
      const axis = c.axis as number;
      if (!(axis === -1 || axis === (rank === 4 ? 3 : 1))) refuse(l, `normalises axis ${String(axis)}; only the channel axis (-1) is supported`);
      const ws = weightsOf(model, l);
      const channels = shape[1];
      const mean = weight(ws, 'moving_mean', l);
      const variance = weight(ws, 'moving_variance', l);
      const gamma = c.scale === false ? undefined : weight(ws, 'gamma', l);
      const beta = c.center === false ? undefined : weight(ws, 'beta', l);
      const eps = c.epsilon as number;
      // y = (x - mean) * scale + beta, scale = gamma / sqrt(variance + eps)
      const scale = Float64Array.from({ length: channels }, (_, i) => (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + eps));
      const shift = Float64Array.from({ length: channels }, (_, i) => (beta ? beta[i] : 0) - mean[i] * scale[i]);
      if (conv) {
        // folded: W' = W * scale[out], b' = b * scale + shift
        const per = conv.weight.length / channels;
        const weight = conv.weight.map((v, i) => v * scale[Math.floor(i / per)]);
        const bias = conv.bias.map((v, i) => v * scale[i] + shift[i]);
        return { pending: { ...conv, output: name, weight, bias } };
      }
      const x = emit(src);
      const dims = x.layout === 'nchw' ? [channels, 1, 1] : [channels];
      const mul = g.node('Mul', [x.name, g.constant(name + '/scale', dims, scale)], name + '/mul');
      return { value: { ...x, name: g.node('Add', [mul, g.constant(name + '/shift', dims, shift)], name) } };
    }
    case 'ZeroPadding2D': {
      const x = one();
      needLayout(x, 'nchw', l);
      const p = c.padding;
      let tb: [number, number];
      let lr: [number, number];
      if (typeof p === 'number') [tb, lr] = [pair(p, l, 'padding'), pair(p, l, 'padding')];
      else if (Array.isArray(p) && p.length === 2 && Array.isArray(p[0])) [tb, lr] = [pair(p[0], l, 'padding'), pair(p[1], l, 'padding')];
      else if (Array.isArray(p) && p.length === 2) [tb, lr] = [pair(p[0], l, 'padding'), pair(p[1], l, 'padding')];
      else refuse(l, `has an unsupported padding ${JSON.stringify(p)}`);
      const pads: [number, number, number, number] = [tb[0], lr[0], tb[1], lr[1]];
      return { pending: { kind: 'pad', layer: name, input: x, pads, shape: [-1, x.shape[1], x.shape[2] + tb[0] + tb[1], x.shape[3] + lr[0] + lr[1]] } };
    }
    case 'ReLU': {
      const x = one();
      if ((c.negativeSlope as number | undefined) || (c.threshold as number | undefined)) refuse(l, 'has a negative slope or threshold (supported: plain ReLU with an optional maximum)');
      const max = c.maxValue as number | null | undefined;
      if (max === null || max === undefined) return { value: { ...x, name: g.node('Relu', [x.name], name) } };
      return { value: { ...x, name: clip(g, x.name, 0, max, name) } };
    }
    case 'LeakyReLU': {
      const x = one();
      return { value: { ...x, name: g.node('LeakyRelu', [x.name], name, { alpha: { float: (c.alpha as number | undefined) ?? 0.3 } }) } };
    }
    case 'Activation':
      return { value: activation(g, one(), c.activation as string, name, l) };
    case 'Softmax': {
      const x = one();
      const axis = (c.axis as number | undefined) ?? -1;
      if (axis !== -1) refuse(l, `takes the softmax along axis ${axis} (supported: -1)`);
      return { value: activation(g, x, 'softmax', name, l) };
    }
    case 'Average': {
      if (inputs.length < 2) refuse(l, `has ${inputs.length} inputs, expected at least 2`);
      const xs = inputs.map(emit);
      if (xs.some((x) => x.shape.join() !== xs[0].shape.join() || x.layout !== xs[0].layout)) refuse(l, `averages tensors of different shapes ${xs.map((x) => `[${kerasShape(x).join(', ')}]`).join(', ')}`);
      return { value: { ...xs[0], name: g.node('Mean', xs.map((x) => x.name), name) } };
    }
    case 'Add': {
      if (inputs.length < 2) refuse(l, `has ${inputs.length} inputs, expected at least 2`);
      const xs = inputs.map(emit);
      if (xs.some((x) => x.shape.join() !== xs[0].shape.join())) refuse(l, `adds tensors of different shapes ${xs.map((x) => `[${kerasShape(x).join(', ')}]`).join(', ')}`);
      let sum = xs[0].name;
      for (let i = 1; i < xs.length; i++) sum = g.node('Add', [sum, xs[i].name], i === xs.length - 1 ? name : `${name}/${i}`);
      return { value: { ...xs[0], name: sum } };
    }
    case 'GlobalAveragePooling2D': {
      const x = one();
      needLayout(x, 'nchw', l);
      const pooled = g.node('GlobalAveragePool', [x.name], c.keepDims ? name : name + '/pool');
      if (c.keepDims) return { value: { name: pooled, shape: [-1, x.shape[1], 1, 1], layout: 'nchw' } };
      return { value: { name: g.node('Flatten', [pooled], name, { axis: 1 }), shape: [-1, x.shape[1]], layout: 'flat' } };
    }
    case 'AveragePooling2D': {
      const x = one();
      needLayout(x, 'nchw', l);
      const [, ch, h, w] = x.shape;
      const k = pair(c.poolSize, l, 'pool size');
      const s = pair(c.strides ?? c.poolSize, l, 'stride');
      const pads = windowPads(l, c.padding, [h, w], k, s, [1, 1]);
      const shape = [-1, ch, convOut(h, pads[0], pads[2], k[0], s[0], 1), convOut(w, pads[1], pads[3], k[1], s[1], 1)];
      if (shape[2] < 1 || shape[3] < 1) refuse(l, `gives an empty map from [${h}, ${w}]`);
      // one window over the whole map: the spatial mean
      if (k[0] === h && k[1] === w && pads.every((p) => p === 0)) return { value: { name: g.node('GlobalAveragePool', [x.name], name), shape: [-1, ch, 1, 1], layout: 'nchw' } };
      // TensorFlow's "same" average pooling leaves the padding out of the count
      return { value: { name: g.node('AveragePool', [x.name], name, { kernel_shape: k, strides: s, pads, count_include_pad: 0 }), shape, layout: 'nchw' } };
    }
    case 'Flatten': {
      const x = one();
      if (x.layout === 'flat') return { value: x };
      const [, ch, h, w] = x.shape;
      // Keras flattens channels last: a map wider than 1x1 goes back to NHWC first
      const src = h * w === 1 ? x.name : g.node('Transpose', [x.name], name + '/nhwc', { perm: [0, 2, 3, 1] });
      return { value: { name: g.node('Flatten', [src], name, { axis: 1 }), shape: [-1, ch * h * w], layout: 'flat' } };
    }
    case 'Dense': {
      const x = one();
      needLayout(x, 'flat', l);
      const ws = weightsOf(model, l);
      const units = c.units as number;
      const kernel = weight(ws, 'kernel', l);
      if (kernel.length !== x.shape[1] * units) refuse(l, `has a kernel of ${kernel.length} values for ${x.shape[1]} inputs and ${units} units`);
      const inputs = [x.name, g.constant(name + '/kernel', [x.shape[1], units], kernel)];
      if (c.useBias) inputs.push(g.constant(name + '/bias', [units], weight(ws, 'bias', l)));
      const act = (c.activation as string | undefined) ?? 'linear';
      const out = g.node('Gemm', inputs, act === 'linear' ? name : name + '/gemm');
      return { value: activation(g, { name: out, shape: [-1, units], layout: 'flat' }, act, name, l) };
    }
    case 'Dropout':
      return inputs.length === 1 ? inputs[0] : refuse(l, `has ${inputs.length} inputs, expected 1`);
    case 'InputLayer':
      return refuse(l, 'is an input layer fed by another layer');
    default:
      return refuse(l, `is not supported by the ONNX exporter (supported: ${LAYER_CLASSES.join(', ')})`);
  }
}

function clip(g: OnnxGraph, x: string, min: number, max: number, name: string): string {
  return g.node('Clip', [x, g.constant(name + '/min', [], [min]), g.constant(name + '/max', [], [max])], name);
}

/** A Keras activation by name (`linear` is the value itself). */
function activation(g: OnnxGraph, x: Value, act: string, name: string, l: LayerConfig): Value {
  const channelAxis = x.layout === 'nchw' ? 1 : -1;
  switch (act) {
    case 'linear':
      return x;
    case 'relu':
      return { ...x, name: g.node('Relu', [x.name], name) };
    case 'relu6':
      return { ...x, name: clip(g, x.name, 0, 6, name) };
    case 'sigmoid':
      return { ...x, name: g.node('Sigmoid', [x.name], name) };
    case 'tanh':
      return { ...x, name: g.node('Tanh', [x.name], name) };
    case 'softmax':
      return { ...x, name: g.node('Softmax', [x.name], name, { axis: channelAxis }) };
    default:
      return refuse(l, `has activation "${act}" (supported: linear, relu, relu6, sigmoid, tanh, softmax)`);
  }
}

function emitConv(g: OnnxGraph, p: PendingConv): Value {
  const w = g.constant(p.layer + '/weight', p.wShape, p.weight);
  const b = g.constant(p.layer + '/bias', [p.wShape[0]], p.bias);
  const attrs = { kernel_shape: [p.wShape[2], p.wShape[3]], strides: p.strides, dilations: p.dilations, group: p.group, pads: p.pads };
  const name = g.node('Conv', [p.input.name, w, b], p.output, attrs, p.layer);
  return { name, shape: p.shape, layout: 'nchw' };
}

function emitPad(g: OnnxGraph, p: PendingPad): Value {
  const [t, l, b, r] = p.pads;
  // ONNX Pad (opset 13) takes the pads as an int64 input: [n, c, h, w begins, n, c, h, w ends]
  const pads = g.int64Constant(p.layer + '/pads', [0, 0, t, l, 0, 0, b, r]);
  return { name: g.node('Pad', [p.input.name, pads], p.layer), shape: p.shape, layout: 'nchw' };
}
