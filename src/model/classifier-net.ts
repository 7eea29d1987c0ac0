/**
 * The classifier's ONNX network as both engines run it, browser-safe: its input and output names,
 * the batch size, and one run over model-input-sized images — batched, checked, then calibrated
 * (src/model/calibration.ts). The Node classifier (./onnx-classifier.ts) and the page's
 * (src/web/page/classifier.ts) both call `runClassifierNet`; the exporter (./onnx-export.ts) names
 * the graph's ends with these names.
 */
import type { Net } from '../backend/engine';
import type { RgbImage } from '../util/images';
import { calibrateRows, type Calibration } from './calibration';

/** Graph input: float32 [N, s, s, 3], raw RGB 0–255, NHWC. */
export const ONNX_INPUT = 'pixels';
/** Classifier output: float32 [N, classes], softmax probabilities in `classes` order. */
export const ONNX_PROBABILITIES = 'probabilities';
/** Images per network run. */
export const CLASSIFY_BATCH = 32;

/** Probabilities of images already at the model's input size, in order, calibrated when a calibration is given. */
export async function runClassifierNet(net: Net, inputs: readonly RgbImage[], o: { inputSize: number; classes: readonly string[]; calibration?: Calibration }): Promise<Float32Array[]> {
  const s = o.inputSize;
  const n = o.classes.length;
  const out: Float32Array[] = [];
  for (let i = 0; i < inputs.length; i += CLASSIFY_BATCH) {
    const chunk = inputs.slice(i, i + CLASSIFY_BATCH);
    const x = new Float32Array(chunk.length * s * s * 3);
    chunk.forEach((im, k) => x.set(im.data, k * s * s * 3));
    const r = await net.run({ [ONNX_INPUT]: { data: x, dims: [chunk.length, s, s, 3] } });
    const p = r[ONNX_PROBABILITIES].data;
    if (p.length !== chunk.length * n) throw new Error(`model.onnx gave ${p.length} probabilities for ${chunk.length} images and ${n} classes`);
    for (let k = 0; k < chunk.length; k++) out.push(p.slice(k * n, (k + 1) * n));
  }
  return calibrateRows(out, o.classes, o.calibration);
}
