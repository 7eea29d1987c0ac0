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
import type { Calibration } from '../../model/calibration';
import { ONNX_INPUT, ONNX_PROBABILITIES, runClassifierNet } from '../../model/classifier-net';


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
    if (!net.inputNames.includes(ONNX_INPUT) || !net.outputNames.includes(ONNX_PROBABILITIES)) {
      throw new Error(`model.onnx is not a facemask classifier: inputs ${net.inputNames.join(', ')}, outputs ${net.outputNames.join(', ')} (expected "${ONNX_INPUT}" → "${ONNX_PROBABILITIES}")`);
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

  private run(inputs: RgbImage[]): Promise<Float32Array[]> {
    return runClassifierNet(this.net, inputs, { inputSize: this.inputSize, classes: this.classes, calibration: this.calibration });
  }

  dispose(): void {
    void this.net.dispose();
  }
}
