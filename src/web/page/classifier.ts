/**
 * The mask classifier in the browser: the model's `model.onnx` (raw RGB 0–255, NHWC, in "pixels";
 * class probabilities out of "probabilities" — src/model/onnx-export.ts) on an ONNX engine, with
 * the crop rule done in JavaScript (./pixels.ts, matching sharp's bilinear resize). Implements the
 * pipeline's `FaceClassifier`, as `OnnxClassifier` (src/model/onnx-classifier.ts) does in Node,
 * with the model's calibration and decision rule applied the same way.
 */
import type { Net } from '../../backend/engine';
import type { ModelClass } from '../../labels';
import type { Box, DecisionRule } from '../../result';
import type { FaceClassifier } from '../../model/types';
import type { RgbImage } from '../../util/images';
import { BOX_CROP, cropFace, resizeLinear, type CropRule, type Landmarks } from '../../model/crop';
import { calibrateRows, type Calibration } from '../../model/calibration';

/** The network's input and output names (src/model/onnx-export.ts ONNX_INPUT, ONNX_PROBABILITIES). */
export const CLASSIFIER_INPUT = 'pixels';
export const CLASSIFIER_OUTPUT = 'probabilities';
/** Crops per network run (as CLASSIFY_BATCH in Node). */
export const BROWSER_BATCH = 32;

export class BrowserClassifier implements FaceClassifier {
  /**
   * @param net the loaded `model.onnx`; the classifier owns it (`dispose()` releases it)
   * @param classes the manifest's classes, in output order
   * @param inputSize the manifest's `base.inputSize` (224)
   * @param crop the manifest's crop rule (default: the box)
   * @param calibration the manifest's `calibration`, applied after the network as in Node (src/model/calibration.ts); absent: none
   * @param decision the manifest's decision rule (src/result.ts); absent: argmax
   */
  constructor(
    private readonly net: Net,
    readonly classes: readonly ModelClass[],
    readonly inputSize: number,
    readonly crop: CropRule = BOX_CROP,
    readonly calibration?: Calibration,
    readonly decision?: DecisionRule,
  ) {
    if (!net.inputNames.includes(CLASSIFIER_INPUT) || !net.outputNames.includes(CLASSIFIER_OUTPUT)) {
      throw new Error(`model.onnx is not a facemask classifier: inputs ${net.inputNames.join(', ')}, outputs ${net.outputNames.join(', ')} (expected "${CLASSIFIER_INPUT}" → "${CLASSIFIER_OUTPUT}")`);
    }
  }

  /** Whole images, each resized to the input with the same bilinear resize as the crops. */
  async probabilities(images: RgbImage[]): Promise<Float32Array[]> {
    const s = this.inputSize;
    return this.run(images.map((im) => (im.width === s && im.height === s ? im : resizeLinear(im, s, s))));
  }

  async probabilitiesOfBoxes(image: RgbImage, boxes: readonly Box[], landmarks?: readonly (Landmarks | undefined)[]): Promise<Float32Array[]> {
    return this.run(boxes.map((box, i) => cropFace(image, { box, landmarks: landmarks?.[i] }, this.inputSize, this.crop)));
  }

  private async run(inputs: RgbImage[]): Promise<Float32Array[]> {
    const s = this.inputSize;
    const n = this.classes.length;
    const out: Float32Array[] = [];
    for (let i = 0; i < inputs.length; i += BROWSER_BATCH) {
      const chunk = inputs.slice(i, i + BROWSER_BATCH);
      const x = new Float32Array(chunk.length * s * s * 3);
      chunk.forEach((im, k) => x.set(im.data, k * s * s * 3));
      const r = await this.net.run({ [CLASSIFIER_INPUT]: { data: x, dims: [chunk.length, s, s, 3] } });
      const p = r[CLASSIFIER_OUTPUT].data;
      if (p.length !== chunk.length * n) throw new Error(`model.onnx gave ${p.length} probabilities for ${chunk.length} crops and ${n} classes`);
      for (let k = 0; k < chunk.length; k++) out.push(p.slice(k * n, (k + 1) * n));
    }
    return calibrateRows(out, this.classes, this.calibration);
  }

  dispose(): void {
    void this.net.dispose();
  }
}
