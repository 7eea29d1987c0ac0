/**
 * The classifier on an ONNX engine, one class for Node (onnxruntime-node) and the browser page
 * (onnxruntime-web) — browser-safe: the model's `model.onnx` (base, with its fine-tuned last blocks
 * when the model has a tail, + head; raw RGB 0–255 NHWC → class probabilities, written by
 * ./onnx/export.ts from the very tfjs weights), the crop rule in TypeScript (./crop.ts) and the
 * manifest's calibration and decision rule (./calibration.ts, src/result.ts). What loads a model
 * folder into it: ./load.ts in Node (from disk, checked), the page's pipeline (fetched, checked).
 */
import type { Net } from '../backend/engine';
import type { Box, DecisionRule } from '../result';
import type { RgbImage } from '../util/images';
import { cropFace, type CropRule, type Landmarks } from './crop';
import { resizeLinear } from './resize';
import { cropRuleOf, type ModelManifest } from './manifest';
import { ONNX_INPUT, ONNX_PROBABILITIES, runClassifierNet } from './classifier-net';
import type { LoadClassifierOptions, LoadedClassifier } from './types';
import type { Calibration } from './calibration';

export interface OnnxClassifierOptions extends LoadClassifierOptions {
  /** The model folder (Node). */
  dir?: string;
  /**
   * How a whole image is resized to the input (`probabilities`). default: `resizeLinear` (sharp's
   * linear resize in TypeScript); Node passes sharp's own resize, what the tfjs classifier uses.
   */
  resize?: (image: RgbImage, size: number) => Promise<RgbImage> | RgbImage;
}

export class OnnxClassifier implements LoadedClassifier {
  readonly runtime = 'onnx' as const;
  readonly inputSize: number;
  readonly crop: CropRule;
  /** The calibration applied to the network's probabilities (the manifest's unless loaded uncalibrated). */
  readonly calibration: Calibration | undefined;
  readonly decision: DecisionRule | undefined;
  readonly dir?: string;
  private readonly resize: NonNullable<OnnxClassifierOptions['resize']>;

  /**
   * @param net the loaded `model.onnx`; the classifier owns it (`dispose()` releases it)
   * @param manifest the model's manifest, validated (src/model/manifest.ts)
   */
  constructor(
    private readonly net: Net,
    readonly manifest: ModelManifest,
    opts: OnnxClassifierOptions = {},
  ) {
    if (!net.inputNames.includes(ONNX_INPUT) || !net.outputNames.includes(ONNX_PROBABILITIES)) {
      throw new Error(`model.onnx is not a facemask classifier: inputs ${net.inputNames.join(', ')}, outputs ${net.outputNames.join(', ')} (expected "${ONNX_INPUT}" → "${ONNX_PROBABILITIES}")`);
    }
    this.inputSize = manifest.base.inputSize;
    this.crop = cropRuleOf(manifest);
    const calibrated = opts.calibrated ?? true;
    this.calibration = calibrated ? manifest.calibration : undefined;
    this.decision = calibrated ? manifest.decision : undefined;
    this.dir = opts.dir;
    this.resize = opts.resize ?? ((im, s) => resizeLinear(im, s, s));
  }

  get classes() {
    return this.manifest.classes;
  }

  /** Whole images, each resized to the input. */
  async probabilities(images: RgbImage[]): Promise<Float32Array[]> {
    const s = this.inputSize;
    const inputs = await Promise.all(images.map((im) => (im.width === s && im.height === s ? im : this.resize(im, s))));
    return this.run(inputs);
  }

  /** Face boxes of one image, cut by the model's crop rule (the same code in Node and in the browser). */
  async probabilitiesOfBoxes(image: RgbImage, boxes: readonly Box[], landmarks?: readonly (Landmarks | undefined)[]): Promise<Float32Array[]> {
    if (boxes.length === 0) return [];
    return this.run(boxes.map((box, i) => cropFace(image, { box, landmarks: landmarks?.[i] }, this.inputSize, this.crop)));
  }

  private run(inputs: RgbImage[]): Promise<Float32Array[]> {
    return runClassifierNet(this.net, inputs, { inputSize: this.inputSize, classes: this.classes, calibration: this.calibration });
  }

  dispose(): void {
    void this.net.dispose();
  }
}
