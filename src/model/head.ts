/**
 * The original head on the base's 7x7x1280 map: AveragePooling 7x7 → Flatten → Dense 128 ReLU →
 * Dropout 0.5 → Dense N softmax (N = number of classes, in output order); or, pooled in three
 * horizontal bands (`pool: 'bands'`), AveragePooling 3x7 at stride 2x7 → Flatten [3 x 1280] → the same.
 *
 * Two models share the same layers (and weights): `head` takes the [7, 7, 1280] map (what is saved
 * and composed with the base), `pooledHead` takes the pooled [1280] vector (what training runs on:
 * pooling a 7x7 map with a 7x7 window is the spatial mean, so cached pooled features give exactly
 * the same function; for bands, the cached band features).
 */
import { tf } from '../backend/tf';
import type { ModelClass } from '../labels';
import { PixelBase, BANDS_POOL } from './base';

export interface HeadOptions {
  /** Units of the hidden Dense layer. default: 128 */
  hidden?: number;
  /** Dropout rate. default: 0.5 */
  dropout?: number;
  /** Seed of the weight initialisers. default: 42 */
  seed?: number;
  /** Base output [side, side, channels]. default: [7, 7, 1280] */
  featureShape?: [number, number, number];
  /**
   * How the map is pooled: 'mean' — one 7x7 window (the tutorial's); 'bands' — three horizontal bands
   * (src/model/base.ts `BANDS_POOL`), so `pooledHead` takes [3 * channels]. default: 'mean'
   */
  pool?: 'mean' | 'bands';
}

export interface Head {
  head: tf.LayersModel;
  pooledHead: tf.LayersModel;
}

export function buildHead(nClasses: number, opts: HeadOptions = {}): Head {
  if (!Number.isInteger(nClasses) || nClasses < 2) throw new Error(`a classifier needs at least 2 classes, got ${nClasses}`);
  const [side, , channels] = opts.featureShape ?? [7, 7, 1280];
  const seed = opts.seed ?? 42;
  const dense1 = tf.layers.dense({
    units: opts.hidden ?? 128,
    activation: 'relu',
    name: 'head_dense',
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
  });
  // No seed here: tfjs' Dropout with a seed draws the same mask on every call. Training draws its
  // own seeded masks per step (`trainStep` in train.ts), so runs stay repeatable.
  const dropout = tf.layers.dropout({ rate: opts.dropout ?? 0.5, name: 'head_dropout' });
  const dense2 = tf.layers.dense({
    units: nClasses,
    activation: 'softmax',
    name: 'head_output',
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
  });
  const bands = opts.pool === 'bands';
  if (bands && side !== BANDS_POOL.side) throw new Error(`a band head needs the base's ${BANDS_POOL.side}x${BANDS_POOL.side} map, got ${side}x${side}`);
  const mapIn = tf.input({ shape: [side, side, channels], name: 'features' });
  const pool = bands ? tf.layers.averagePooling2d({ poolSize: BANDS_POOL.poolSize, strides: BANDS_POOL.strides, name: 'head_pool' }) : tf.layers.averagePooling2d({ poolSize: [side, side], name: 'head_pool' });
  const pooled = tf.layers.flatten({ name: 'head_flatten' }).apply(pool.apply(mapIn)) as tf.SymbolicTensor;
  const out = dense2.apply(dropout.apply(dense1.apply(pooled))) as tf.SymbolicTensor;
  const head = tf.model({ inputs: mapIn, outputs: out, name: 'head' });
  const vecIn = tf.input({ shape: [bands ? BANDS_POOL.count * channels : channels], name: 'pooled_features' });
  const out2 = dense2.apply(dropout.apply(dense1.apply(vecIn))) as tf.SymbolicTensor;
  const pooledHead = tf.model({ inputs: vecIn, outputs: out2, name: 'pooled_head' });
  return { head, pooledHead };
}

/**
 * Heads averaged (an ensemble of heads on one base, `facemask ensemble`): one model on the base's map
 * whose output is the mean of the heads' probabilities. Each head's layers are copied with their
 * weights, names prefixed `m<i>_`; a head must be a chain of AveragePooling2D, Flatten, Dense and
 * Dropout layers on the same map (what `buildHead` makes, mean or bands).
 */
export function averageHeads(heads: readonly tf.LayersModel[]): tf.LayersModel {
  if (heads.length < 2) throw new Error(`an ensemble averages at least 2 heads, got ${heads.length}`);
  const shape = heads[0].inputs[0].shape;
  const out0 = heads[0].outputs[0].shape;
  for (const h of heads) {
    if (h.inputs.length !== 1 || h.outputs.length !== 1) throw new Error(`head "${h.name}" must have one input and one output`);
    if (h.inputs[0].shape.join() !== shape.join()) throw new Error(`heads take different inputs: [${shape.slice(1).join(', ')}] and [${h.inputs[0].shape.slice(1).join(', ')}]`);
    if (h.outputs[0].shape.join() !== out0.join()) throw new Error(`heads give different outputs: [${out0.slice(1).join(', ')}] and [${h.outputs[0].shape.slice(1).join(', ')}]`);
  }
  const input = tf.input({ shape: shape.slice(1) as number[], name: 'features' });
  const outs = heads.map((h, i) => {
    let x = input;
    let previous = h.layers[0];
    for (const l of h.layers.slice(1)) {
      const from = l.inboundNodes.flatMap((n) => n.inboundLayers);
      if (from.length !== 1 || from[0] !== previous) throw new Error(`head "${h.name}" is not a chain of layers at "${l.name}": it cannot be averaged`);
      const copy = copyHeadLayer(l, `m${i}_${l.name}`);
      x = copy.apply(x) as tf.SymbolicTensor;
      copy.setWeights(l.getWeights());
      previous = l;
    }
    return x;
  });
  const mean = tf.layers.average({ name: 'head_average' }).apply(outs) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: mean, name: 'head' });
}

function copyHeadLayer(l: tf.layers.Layer, name: string): tf.layers.Layer {
  const c = l.getConfig() as Record<string, unknown>;
  switch (l.getClassName()) {
    case 'AveragePooling2D':
      return tf.layers.averagePooling2d({ poolSize: c.poolSize as [number, number], strides: c.strides as [number, number], padding: c.padding as 'valid' | 'same', name });
    case 'Flatten':
      return tf.layers.flatten({ name });
    case 'Dense':
      return tf.layers.dense({ units: c.units as number, activation: c.activation as 'relu' | 'softmax' | 'linear', useBias: c.useBias as boolean, name });
    case 'Dropout':
      return tf.layers.dropout({ rate: c.rate as number, name });
    default:
      throw new Error(`a head layer "${l.name}" (${l.getClassName()}) cannot be averaged (supported: AveragePooling2D, Flatten, Dense, Dropout)`);
  }
}

/**
 * The composed model: raw pixels [n, 224, 224, 3] (0–255) → class probabilities [n, N]. Scaling
 * lives inside (in `PixelBase`), the base stays in inference mode, only the head trains.
 */
export function composeModel(base: tf.LayersModel, head: tf.LayersModel, inputSize = 224): tf.LayersModel {
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'pixels' });
  const maps = new PixelBase(base).apply(input) as tf.SymbolicTensor;
  const out = head.apply(maps) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'facemask_classifier' });
}

/** Class list sanity: non-empty, unique. */
export function checkClasses(classes: readonly ModelClass[]): void {
  if (classes.length < 2) throw new Error(`a classifier needs at least 2 classes, got [${classes.join(', ')}]`);
  if (new Set(classes).size !== classes.length) throw new Error(`duplicate classes in [${classes.join(', ')}]`);
}

