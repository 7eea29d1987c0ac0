/**
 * The frozen ImageNet base: MobileNetV2 alpha 0.35 at 224x224, no top (output `out_relu`,
 * [n, 7, 7, 1280]), expecting inputs in [-1, 1] — or the same weights at 128x128 ([n, 4, 4, 1280]).
 * Installed by the asset layer in `models/pretrained/<files>/`; identified by the SHA-256 of its
 * `weights.bin`.
 *
 * The base always runs in inference mode (BatchNorm uses its moving statistics, never batch
 * statistics): `PixelBase` is the layer that puts it inside a trainable model that way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../backend/tf';
import { pretrainedDir } from '../paths';
import { fileLoader, sha256File, WEIGHTS_BIN } from './io';

/** What identifies a base network. */
export interface BaseSpec {
  name: string;
  /** Folder under `models/pretrained/` holding its weights (bases that differ only in input size share one). */
  files: string;
  alpha: number;
  inputSize: number;
  /** Output of the base: [side, side, channels]. */
  outputShape: [number, number, number];
  /** How raw 0–255 pixels are scaled before the base: x / 127.5 - 1. */
  preprocessing: 'x/127.5-1';
}

/** The base of the tutorial (alpha 0.35 here, see README of shared/). */
export const MOBILENET_V2_035: BaseSpec = {
  name: 'mobilenet_v2_0.35_224',
  files: 'mobilenet_v2_0.35_224',
  alpha: 0.35,
  inputSize: 224,
  outputShape: [7, 7, 1280],
  preprocessing: 'x/127.5-1',
};

/**
 * The same weights at a 128x128 input (issue 14 item 5: street faces are ~30 px, and the network
 * costs about a third): every convolution is the same, the maps are smaller, the last one 4x4.
 */
export const MOBILENET_V2_035_128: BaseSpec = { ...MOBILENET_V2_035, name: 'mobilenet_v2_0.35_128', inputSize: 128, outputShape: [4, 4, 1280] };

export const BASES: Record<string, BaseSpec> = { [MOBILENET_V2_035.name]: MOBILENET_V2_035, [MOBILENET_V2_035_128.name]: MOBILENET_V2_035_128 };

/** A known base's spec; refused with the known names otherwise. */
export function baseSpec(name: string): BaseSpec {
  const spec = BASES[name];
  if (!spec) throw new Error(`unknown base network "${name}" (known: ${Object.keys(BASES).join(', ')})`);
  return spec;
}

/** The folder of a base's installed weights. */
export function baseDir(name: string): string {
  return pretrainedDir(baseSpec(name).files);
}

export interface LoadedBase {
  spec: BaseSpec;
  dir: string;
  /** SHA-256 of `weights.bin`. */
  sha256: string;
  model: tf.LayersModel;
}

/** The SHA-256 of an installed base, or a clear error when it is not installed. */
export function baseChecksum(name: string, dir: string = baseDir(name)): string {
  const w = path.join(dir, WEIGHTS_BIN);
  if (!fs.existsSync(w)) throw new Error(`base network "${name}" is not installed (no ${w}); run "facemask prepare"`);
  return sha256File(w);
}

/** Load a base, frozen. */
export async function loadBase(name: string = MOBILENET_V2_035.name, dir: string = baseDir(name)): Promise<LoadedBase> {
  const spec = baseSpec(name);
  const sha256 = baseChecksum(name, dir);
  const files = fileLoader(dir);
  // the saved topology fixes its input at 224x224: the spec's size is written in before building
  const model = await tf.loadLayersModel({ load: async () => withInputSize(await files.load!(), spec.inputSize) });
  model.trainable = false;
  const out = model.outputs[0].shape;
  if (out[1] !== spec.outputShape[0] || out[3] !== spec.outputShape[2]) {
    throw new Error(`base "${name}" has output shape ${JSON.stringify(out)}, expected [null, ${spec.outputShape.join(', ')}]`);
  }
  return { spec, dir, sha256, model };
}

/** A Keras functional topology with its input layer's size set to `size` x `size`. */
function withInputSize(a: tf.io.ModelArtifacts, size: number): tf.io.ModelArtifacts {
  const topology = structuredClone(a.modelTopology) as { config?: { layers?: { class_name: string; config: { batch_input_shape?: (number | null)[] } }[] } };
  const inputs = (topology.config?.layers ?? []).filter((l) => l.class_name === 'InputLayer');
  if (inputs.length !== 1 || inputs[0].config.batch_input_shape?.length !== 4) throw new Error('the base model.json has no single [n, h, w, c] input layer');
  const [n, , , c] = inputs[0].config.batch_input_shape;
  inputs[0].config.batch_input_shape = [n, size, size, c];
  return { ...a, modelTopology: topology as tf.io.ModelArtifacts['modelTopology'] };
}

/** Raw pixels (0–255, any numeric dtype) → the base's input range [-1, 1]. */
export function scalePixels(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.div(tf.cast(x, 'float32'), 127.5), 1) as tf.Tensor4D);
}

/**
 * Pooled base features: raw pixels [n, 224, 224, 3] → [n, 1280], the mean over the 7x7 map
 * (identical to the head's AveragePooling 7x7 + Flatten). The base runs in inference mode.
 */
export function pooledFeatures(base: tf.LayersModel, pixels: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const maps = base.apply(scalePixels(pixels), { training: false }) as tf.Tensor4D;
    return tf.mean(maps, [1, 2]) as tf.Tensor2D;
  });
}

/**
 * A layer holding the frozen base: raw pixels in, [n, 7, 7, 1280] out. Whatever the caller's
 * `training` flag, the base runs with `training: false`, so its BatchNorm layers keep using their
 * moving statistics during `fit` (Keras' "BatchNorm in inference mode when the base is frozen").
 * It has no trainable weights.
 */
export class PixelBase extends tf.layers.Layer {
  static className = 'FacemaskPixelBase';
  constructor(private readonly base: tf.LayersModel) {
    super({ name: 'pixel_base', trainable: false });
  }
  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    const o = this.base.outputs[0].shape;
    return [s[0], o[1], o[2], o[3]];
  }
  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => this.base.apply(scalePixels(x as tf.Tensor4D), { training: false }) as tf.Tensor);
  }
  getClassName(): string {
    return PixelBase.className;
  }
}

/**
 * What a base runner computes per image:
 *  - `pooled`: the mean of `out_relu` over the 7x7 map, [1280] (the tutorial's head input);
 *  - `bands`: `out_relu` averaged in three horizontal bands (`BANDS_POOL`), [3 x 1280];
 *  - `map:<layer>`: an inner layer's map, flattened (the input of a fine-tuned tail).
 */
export type FeatureKind = 'pooled' | 'bands' | MapKind;

/**
 * `bands`: the base's last 7x7 map averaged in three overlapping horizontal bands, rows 0–2, 2–4 and
 * 4–6 (eyes, nose, mouth and chin of a face box), [3 * channels], band after band — exactly what an
 * AveragePooling2D of this window and stride followed by Flatten computes (src/model/head.ts), so
 * cached band features, the head's own pooling and the ONNX export agree. Where a face's parts are
 * is what a mask worn under the nose and a scarf under the chin differ in; one mean over the map
 * loses it.
 */
const BAND_ROWS = 3;
const BAND_STRIDE = 2;
const MAP_SIDE = 7;
export const BANDS_POOL = {
  side: MAP_SIDE,
  poolSize: [BAND_ROWS, MAP_SIDE] as [number, number],
  strides: [BAND_STRIDE, MAP_SIDE] as [number, number],
  /** Bands over the map: (7 - 3) / 2 + 1 = 3. */
  count: (MAP_SIDE - BAND_ROWS) / BAND_STRIDE + 1,
};

/**
 * `map:<layer>`: the output of one inner layer of the base, flattened channels last ([h * w * c] per
 * image) — the input of a fine-tuned tail (src/model/tail.ts), cached once per view.
 */
export type MapKind = `map:${string}`;

/** The layer a `map:<layer>` kind names, or null for another kind. */
export function mapLayerOf(kind: FeatureKind): string | null {
  return kind.startsWith('map:') ? kind.slice(4) : null;
}

/** The shape [h, w, c] of an inner layer's output; refused with the layer's name when it is not a map. */
export function layerMapShape(base: tf.LayersModel, layer: string): [number, number, number] {
  let out: tf.SymbolicTensor;
  try {
    out = base.getLayer(layer).output as tf.SymbolicTensor;
  } catch {
    throw new Error(`the base has no layer "${layer}"`);
  }
  const s = out.shape.slice(1);
  if (s.length !== 3 || s.some((d) => d === null)) throw new Error(`layer "${layer}" of the base does not output a fixed [h, w, channels] map (it outputs ${JSON.stringify(out.shape)})`);
  return s as [number, number, number];
}

/** The feature size of a kind (a `map:` kind needs the base to know its layer's shape). */
export function featureDim(kind: FeatureKind, spec: BaseSpec = MOBILENET_V2_035, base?: tf.LayersModel): number {
  const layer = mapLayerOf(kind);
  if (layer) {
    if (!base) throw new Error(`featureDim: "${kind}" needs the base model`);
    return layerMapShape(base, layer).reduce((a, b) => a * b, 1);
  }
  return kind === 'bands' ? BANDS_POOL.count * spec.outputShape[2] : spec.outputShape[2];
}

/** Band features (`BANDS_POOL`): raw pixels [n, s, s, 3] → [n, 3 * channels]. The base runs in inference mode. */
export function bandFeatures(base: tf.LayersModel, pixels: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const maps = base.apply(scalePixels(pixels), { training: false }) as tf.Tensor4D;
    if (maps.shape[1] !== BANDS_POOL.side || maps.shape[2] !== BANDS_POOL.side) throw new Error(`band features need the base's ${BANDS_POOL.side}x${BANDS_POOL.side} last map, it gives ${maps.shape[1]}x${maps.shape[2]}`);
    const bands = tf.avgPool(maps, BANDS_POOL.poolSize, BANDS_POOL.strides, 'valid');
    return tf.reshape(bands, [pixels.shape[0], -1]) as tf.Tensor2D;
  });
}

/** A function computing an inner layer's map, flattened ([n, h * w * c], channels last). */
export function mapFeatureFn(base: tf.LayersModel, layer: string): (pixels: tf.Tensor4D) => tf.Tensor2D {
  layerMapShape(base, layer);
  const inner = tf.model({ inputs: base.inputs, outputs: base.getLayer(layer).output as tf.SymbolicTensor });
  return (pixels) => tf.tidy(() => tf.reshape(inner.apply(scalePixels(pixels), { training: false }) as tf.Tensor, [pixels.shape[0], -1]) as tf.Tensor2D);
}

/** The feature function of a kind. */
export function featureFn(kind: FeatureKind, base: tf.LayersModel): (pixels: tf.Tensor4D) => tf.Tensor2D {
  const layer = mapLayerOf(kind);
  if (layer) return mapFeatureFn(base, layer);
  return kind === 'bands' ? (pixels) => bandFeatures(base, pixels) : (pixels) => pooledFeatures(base, pixels);
}
