/**
 * A fine-tuned tail of the base (issue 14, item 5): MobileNetV2's last `blocks` inverted-residual
 * blocks (block_(17 - blocks) .. block_16) and its last 1x1 convolution `Conv_1`, with their
 * BatchNorm layers, cut out of the base as a model of its own — the map at the input of the first
 * of them in, `out_relu` [7, 7, 1280] out. `blocks` 0 is `Conv_1` alone.
 *
 * Training caches that input map per view (`map:<layer>` features, src/model/base.ts) and trains the
 * tail with the head, BatchNorm in inference mode (moving statistics fixed; scale and offset train).
 * A model folder keeps the tail beside the head (`tail.json` + `tail.bin`, the weights' SHA-256 in
 * the manifest's `tail`); loading checks the installed base against its own SHA-256, then the tail's
 * file against the manifest, then writes the tail's weights into the base's layers of the same name:
 * the tfjs classifier, the ONNX export and everything downstream then run the fine-tuned network
 * with no other change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../backend/tf';
import { layerMapShape } from './base';
import { fileLoader, fileSaver, sha256File, type ModelFiles } from './io';

/** The tail's files in a model folder. */
export const TAIL_FILES: ModelFiles = { json: 'tail.json', bin: 'tail.bin' };
/** MobileNetV2's inverted-residual blocks with an expansion are block_1 .. block_16. */
export const MAX_TAIL_BLOCKS = 16;
/** Name of the tail model's input layer. */
const TAIL_INPUT = 'tail_input';

/** Which layers of a base a tail of `blocks` blocks holds. */
export interface TailSpec {
  blocks: number;
  /** The base layer whose output is the tail's input (e.g. `block_14_add` for 2 blocks). */
  input: string;
  /** The input map [h, w, channels]. */
  inputShape: [number, number, number];
  /** The base's layers in the tail, in the base's order (the last one is the base's output). */
  layers: string[];
}

/** What a model's manifest records of its tail. */
export interface TailRecord {
  blocks: number;
  /** The base layer whose output is the tail's input. */
  input: string;
  modelJson: string;
  weights: string;
  /** SHA-256 of the weights file. */
  sha256: string;
}

type NodeRef = [string, number, number, unknown?];
interface LayerJson {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: NodeRef[][];
}
interface ModelJson {
  class_name: string;
  config: { name: string; layers: LayerJson[]; input_layers: [string, number, number][]; output_layers: [string, number, number][] };
  [key: string]: unknown;
}

/** The layers of the last `blocks` blocks + Conv_1 of a MobileNetV2 base, and the one map that feeds them. */
export function tailSpec(base: tf.LayersModel, blocks: number): TailSpec {
  if (!Number.isInteger(blocks) || blocks < 0 || blocks > MAX_TAIL_BLOCKS) {
    throw new Error(`finetune.blocks must be an integer from 0 (Conv_1 alone) to ${MAX_TAIL_BLOCKS} (every block), got ${JSON.stringify(blocks)}`);
  }
  const json = base.toJSON(null, false) as unknown as ModelJson;
  const names = json.config.layers.map((l) => l.name);
  const firstName = blocks === 0 ? 'Conv_1' : `block_${17 - blocks}_expand`;
  const first = names.indexOf(firstName);
  if (first < 0) throw new Error(`the base "${base.name}" has no layer "${firstName}": a tail is cut from MobileNetV2 only`);
  const layers = names.slice(first);
  const inside = new Set(layers);
  const feeds = new Set<string>();
  for (const l of json.config.layers.slice(first)) for (const node of l.inbound_nodes) for (const r of node) if (!inside.has(r[0])) feeds.add(`${r[0]}:${r[1]}:${r[2]}`);
  const outputs = json.config.output_layers.map((r) => r[0]);
  if (feeds.size !== 1 || outputs.length !== 1 || outputs[0] !== layers[layers.length - 1]) {
    throw new Error(`the last ${blocks} blocks of base "${base.name}" are not fed by one map and ending in its output (fed by ${[...feeds].join(', ')}; output ${outputs.join(', ')})`);
  }
  const input = [...feeds][0].split(':')[0];
  return { blocks, input, inputShape: layerMapShape(base, input), layers };
}

/**
 * The tail as its own model ("tail_input" [h, w, c] → the base's output map), a copy of the base's
 * layers with their current weights; the base is not touched.
 */
export async function buildTail(base: tf.LayersModel, blocks: number): Promise<tf.LayersModel> {
  const spec = tailSpec(base, blocks);
  const json = base.toJSON(null, false) as unknown as ModelJson;
  const inside = new Set(spec.layers);
  const layers = json.config.layers
    .filter((l) => inside.has(l.name))
    .map((l) => ({ ...l, inbound_nodes: l.inbound_nodes.map((node) => node.map((r): NodeRef => (inside.has(r[0]) ? r : [TAIL_INPUT, 0, 0, {}]))) }));
  const tail = await tailFromJson(json, `tail_${blocks}`, layers, spec.inputShape);
  for (const name of spec.layers) tail.getLayer(name).setWeights(base.getLayer(name).getWeights());
  return tail;
}

/** A tail model from the base's JSON: its layers (rewired), fed by one input of `inputShape`. */
async function tailFromJson(json: ModelJson, name: string, layers: LayerJson[], inputShape: number[]): Promise<tf.LayersModel> {
  const input: LayerJson = { name: TAIL_INPUT, class_name: 'InputLayer', config: { batch_input_shape: [null, ...inputShape], dtype: 'float32', sparse: false, name: TAIL_INPUT }, inbound_nodes: [] };
  const topology = { ...json, config: { name, layers: [input, ...layers], input_layers: [[TAIL_INPUT, 0, 0]], output_layers: json.config.output_layers } };
  const model = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
  model.trainable = true;
  return model;
}

/** BatchNormalization (inference mode) as a per-channel affine map: y = x * scale + shift. */
function bnAffine(bn: tf.layers.Layer): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  const [gamma, beta, mean, variance] = bn.getWeights();
  const eps = (bn.getConfig() as { epsilon: number }).epsilon;
  return tf.tidy(() => {
    const scale = tf.div(gamma, tf.sqrt(tf.add(variance, eps))) as tf.Tensor1D;
    return { scale: tf.keep(scale), shift: tf.keep(tf.sub(beta, tf.mul(mean, scale)) as tf.Tensor1D) };
  });
}

/**
 * The tail for training, with every BatchNormalization folded into the convolution before it
 * (inference mode makes it a per-channel affine map: W' = W * scale, b' = b * scale + shift): the
 * same function as `buildTail`, twice as fast to train on wasm (BatchNorm's gradient tiles its
 * statistics over the whole map; bench/tail-step.ts: 1123 → 590 ms a step for the last block). `unfoldTail` turns it back into the base's layers for saving.
 */
export async function buildFoldedTail(base: tf.LayersModel, blocks: number): Promise<tf.LayersModel> {
  const spec = tailSpec(base, blocks);
  const json = base.toJSON(null, false) as unknown as ModelJson;
  const inside = new Set(spec.layers);
  const own = json.config.layers.filter((l) => inside.has(l.name));
  const foldInto = foldPairs(own);
  const convOf = new Map([...foldInto].map(([conv, bn]) => [bn, conv]));
  const layers = own
    .filter((l) => !convOf.has(l.name))
    .map((l) => ({
      ...l,
      config: foldInto.has(l.name) ? { ...l.config, use_bias: true } : l.config,
      inbound_nodes: l.inbound_nodes.map((node) => node.map((r): NodeRef => (!inside.has(r[0]) ? [TAIL_INPUT, 0, 0, {}] : convOf.has(r[0]) ? [convOf.get(r[0])!, 0, 0, {}] : r))),
    }));
  const tail = await tailFromJson(json, `tail_${blocks}_folded`, layers, spec.inputShape);
  for (const l of layers) {
    const src = base.getLayer(l.name);
    const bnName = foldInto.get(l.name);
    if (!bnName) {
      tail.getLayer(l.name).setWeights(src.getWeights());
      continue;
    }
    const [kernel, bias] = src.getWeights();
    const { scale, shift } = bnAffine(base.getLayer(bnName));
    const folded = tf.tidy(() => [tf.reshape(tf.mul(tf.reshape(kernel, [-1, scale.shape[0]]), scale), kernel.shape), bias ? tf.add(tf.mul(bias, scale), shift) : tf.clone(shift)]);
    tail.getLayer(l.name).setWeights(folded);
    tf.dispose([...folded, scale, shift]);
  }
  return tail;
}

/** conv layer → the BatchNormalization it feeds alone (every BatchNormalization of the tail must have one). */
function foldPairs(layers: LayerJson[]): Map<string, string> {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const uses = new Map<string, number>();
  for (const l of layers) for (const node of l.inbound_nodes) for (const r of node) uses.set(r[0], (uses.get(r[0]) ?? 0) + 1);
  const pairs = new Map<string, string>();
  for (const l of layers) {
    if (l.class_name !== 'BatchNormalization') continue;
    const src = l.inbound_nodes.length === 1 && l.inbound_nodes[0].length === 1 ? byName.get(l.inbound_nodes[0][0][0]) : undefined;
    const axis = l.config.axis as number | number[];
    if (!src || !['Conv2D', 'DepthwiseConv2D'].includes(src.class_name) || uses.get(src.name) !== 1 || !(axis === -1 || axis === 3 || (Array.isArray(axis) && axis.length === 1 && [3, -1].includes(axis[0])))) {
      throw new Error(`cannot fold BatchNormalization "${l.name}": it does not follow a convolution that feeds it alone`);
    }
    pairs.set(src.name, l.name);
  }
  return pairs;
}

/**
 * A folded tail (`buildFoldedTail`) back in the base's layers (`buildTail`'s form, what a model folder
 * keeps): each convolution gets the folded kernel, its BatchNormalization the identity scale and the
 * folded bias as offset (gamma 1, beta b', moving mean 0, moving variance 1 - epsilon).
 */
export async function unfoldTail(base: tf.LayersModel, folded: tf.LayersModel, blocks: number): Promise<tf.LayersModel> {
  const tail = await buildTail(base, blocks);
  const json = tail.toJSON(null, false) as unknown as ModelJson;
  const pairs = foldPairs(json.config.layers.filter((l) => l.class_name !== 'InputLayer'));
  for (const l of tailLayers(tail)) {
    if (l.getClassName() === 'BatchNormalization') continue;
    const [kernel, bias] = folded.getLayer(l.name).getWeights();
    const bnName = pairs.get(l.name);
    if (!bnName) {
      l.setWeights(folded.getLayer(l.name).getWeights());
      continue;
    }
    const bn = tail.getLayer(bnName);
    const eps = (bn.getConfig() as { epsilon: number }).epsilon;
    const c = bias.shape[0];
    const hasBias = l.weights.length > 1;
    tf.tidy(() => {
      l.setWeights(hasBias ? [kernel, tf.zerosLike(bias)] : [kernel]);
      bn.setWeights([tf.ones([c]), bias, tf.zeros([c]), tf.fill([c], 1 - eps)]);
    });
  }
  return tail;
}

/** The tail's layers that hold weights (everything but its input). */
function tailLayers(tail: tf.LayersModel): tf.layers.Layer[] {
  return tail.layers.filter((l) => l.getClassName() !== 'InputLayer');
}

/**
 * Write a tail's weights into the base's layers of the same name. Refused (base untouched) unless
 * the tail is exactly the base's last layers for its number of blocks, weight shapes included.
 */
export function applyTail(base: tf.LayersModel, tail: tf.LayersModel, blocks: number): void {
  const spec = tailSpec(base, blocks);
  const own = tailLayers(tail);
  const names = own.map((l) => l.name);
  if (names.join() !== spec.layers.join()) {
    throw new Error(`the tail's layers (${names.length}: ${names.slice(0, 2).join(', ')}, …) are not the base's last ${blocks} blocks + Conv_1 (${spec.layers.length}: ${spec.layers.slice(0, 2).join(', ')}, …)`);
  }
  const inShape = tail.inputs[0].shape.slice(1);
  if (inShape.join() !== spec.inputShape.join()) throw new Error(`the tail takes [${inShape.join(', ')}] but the base's "${spec.input}" gives [${spec.inputShape.join(', ')}]`);
  for (const l of own) {
    const target = base.getLayer(l.name);
    const [a, b] = [l.weights.map((w) => w.shape.join('x')), target.weights.map((w) => w.shape.join('x'))];
    if (l.getClassName() !== target.getClassName() || a.join() !== b.join()) throw new Error(`the tail's layer "${l.name}" (${l.getClassName()}, weights ${a.join(', ')}) does not fit the base's (${target.getClassName()}, ${b.join(', ')})`);
  }
  for (const l of own) base.getLayer(l.name).setWeights(l.getWeights());
}

/**
 * The tail applied to cached maps flattened per row ([n, h * w * c]) → the mean of its output map
 * [n, channels] (the head's pooled input). BatchNorm in inference mode.
 */
export function tailPooled(tail: tf.LayersModel, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [h, w, c] = tail.inputs[0].shape.slice(1) as number[];
    const maps = tail.apply(tf.reshape(x, [x.shape[0], h, w, c]), { training: false }) as tf.Tensor4D;
    return tf.mean(maps, [1, 2]) as tf.Tensor2D;
  });
}

/** Save a tail into a model folder (being written; the caller makes it atomic); returns its record. */
export async function saveTail(dir: string, tail: tf.LayersModel, spec: Pick<TailSpec, 'blocks' | 'input'>): Promise<TailRecord> {
  await tail.save(fileSaver(dir, TAIL_FILES));
  return { blocks: spec.blocks, input: spec.input, modelJson: TAIL_FILES.json, weights: TAIL_FILES.bin, sha256: sha256File(path.join(dir, TAIL_FILES.bin)) };
}

/** Refuse a model folder whose tail weights are missing or are not the ones its manifest records. */
export function checkTailFile(dir: string, record: TailRecord): void {
  const file = path.join(dir, record.weights);
  if (!fs.existsSync(file)) throw new Error(`model ${dir}: the fine-tuned tail's weights ${record.weights} are missing: refusing it (the manifest records a tail of ${record.blocks} blocks)`);
  const sha = sha256File(file);
  if (sha !== record.sha256) {
    throw new Error(`model ${dir}: the fine-tuned tail's weights do not match the manifest (${record.weights} SHA-256 ${sha.slice(0, 12)}…, manifest says ${record.sha256.slice(0, 12)}…): refusing it`);
  }
}

/** Load a model folder's tail (checked against its record) and write it into `base`. */
export async function loadTailInto(base: tf.LayersModel, dir: string, record: TailRecord): Promise<void> {
  checkTailFile(dir, record);
  const tail = await tf.loadLayersModel(fileLoader(dir, { json: record.modelJson, bin: record.weights }));
  try {
    const spec = tailSpec(base, record.blocks);
    if (spec.input !== record.input) throw new Error(`a tail of ${record.blocks} blocks starts at "${spec.input}", the manifest says "${record.input}"`);
    applyTail(base, tail, record.blocks);
  } catch (e) {
    throw new Error(`model ${dir}: ${(e as Error).message}: refusing it`);
  } finally {
    tail.dispose();
  }
}
