/**
 * Keras layers as ONNX nodes: a tfjs model walked generically, layer by layer along its inbound
 * nodes, by class name (`LAYER_CLASSES`); an unknown layer is refused with its name and class. On the way:
 *  - maps are NCHW (ONNX' convolution layout);
 *  - BatchNormalization is folded into the preceding convolution's weights and bias (when that
 *    convolution feeds nothing else), otherwise it becomes Mul + Add;
 *  - ZeroPadding2D is folded into the next convolution's pads (when it feeds only that), otherwise
 *    it becomes a Pad;
 *  - Keras "same" padding gets explicit pads: the odd pixel goes after (bottom/right), as in
 *    TensorFlow, which matters for stride 2;
 *  - ReLU with a maximum is Clip, depthwise convolution is Conv with group = channels, a pooling
 *    window covering the whole map is GlobalAveragePool, Dense is Gemm, Dropout is skipped.
 */
import { tf } from '../../backend/tf';
import { clip, type OnnxGraph, type Value } from './graph';

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
export function walkModel(g: OnnxGraph, model: tf.LayersModel, inputs: Value[], prefix: string): Value[] {
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

/** What a layer emitter gets: the graph and model, the layer, its node name, its inputs (emitted or pending), and whether its one input feeds only it. */
interface LayerInput {
  g: OnnxGraph;
  model: tf.LayersModel;
  l: LayerConfig;
  name: string;
  inputs: Slot[];
  only: boolean;
  emit: (s: Slot) => Value;
}

/** Conv2D and DepthwiseConv2D, pending (a BatchNormalization after it may fold in); a zero padding feeding only it goes into its pads. */
function emitConvLayer({ g, model, l, name, inputs, only, emit }: LayerInput): Slot {
  const c = l.config;
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

/** BatchNormalization: folded into the convolution before it when that feeds only it, else Mul + Add. */
function emitBatchNorm({ g, model, l, name, inputs, only, emit }: LayerInput): Slot {
  const c = l.config;
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

/** ZeroPadding2D, pending (the next convolution may take it into its pads). */
function emitZeroPadding({ l, name, emit, inputs }: LayerInput): Slot {
  const c = l.config;
  if (inputs.length !== 1) refuse(l, `has ${inputs.length} inputs, expected 1`);
  const x = emit(inputs[0]);
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

/** A layer's one input, emitted (refused when it has several). */
function onlyInput(l: LayerConfig, inputs: Slot[], emit: (s: Slot) => Value): Value {
  if (inputs.length !== 1) refuse(l, `has ${inputs.length} inputs, expected 1`);
  return emit(inputs[0]);
}

/** AveragePooling2D: one window over the whole map is GlobalAveragePool; TensorFlow's "same" leaves the padding out of the count. */
function emitAveragePooling({ g, l, name, inputs, emit }: LayerInput): Slot {
  const c = l.config;
  const x = onlyInput(l, inputs, emit);
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

/** Dense as Gemm (with its bias), then its activation. */
function emitDense({ g, model, l, name, inputs: from, emit }: LayerInput): Slot {
  const c = l.config;
  const x = onlyInput(l, from, emit);
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

function emitLayer(g: OnnxGraph, model: tf.LayersModel, l: LayerConfig, name: string, inputs: Slot[], only: boolean, emit: (s: Slot) => Value): Slot {
  const input: LayerInput = { g, model, l, name, inputs, only, emit };
  const c = l.config;
  if ('dataFormat' in c && c.dataFormat !== 'channelsLast') refuse(l, `has data format "${String(c.dataFormat)}" (supported: channelsLast)`);
  const one = (): Value => {
    if (inputs.length !== 1) refuse(l, `has ${inputs.length} inputs, expected 1`);
    return emit(inputs[0]);
  };
  switch (l.className) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
      return emitConvLayer(input);
    case 'BatchNormalization':
      return emitBatchNorm(input);
    case 'ZeroPadding2D':
      return emitZeroPadding(input);
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
    case 'AveragePooling2D':
      return emitAveragePooling(input);
    case 'Flatten': {
      const x = one();
      if (x.layout === 'flat') return { value: x };
      const [, ch, h, w] = x.shape;
      // Keras flattens channels last: a map wider than 1x1 goes back to NHWC first
      const src = h * w === 1 ? x.name : g.node('Transpose', [x.name], name + '/nhwc', { perm: [0, 2, 3, 1] });
      return { value: { name: g.node('Flatten', [src], name, { axis: 1 }), shape: [-1, ch * h * w], layout: 'flat' } };
    }
    case 'Dense':
      return emitDense(input);
    case 'Dropout':
      return inputs.length === 1 ? inputs[0] : refuse(l, `has ${inputs.length} inputs, expected 1`);
    case 'InputLayer':
      return refuse(l, 'is an input layer fed by another layer');
    default:
      return refuse(l, `is not supported by the ONNX exporter (supported: ${LAYER_CLASSES.join(', ')})`);
  }
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
