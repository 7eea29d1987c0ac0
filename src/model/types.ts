/**
 * What the detection stage needs from a classifier: probabilities — calibrated when the model has a
 * calibration (src/model/calibration.ts) — and the model's decision rule, nothing more. Deciding what a
 * box is (kept or dropped, which label) is the box policy's job (src/detection/policy.ts).
 */
import type { ModelClass } from '../labels';
import type { Box, DecisionRule } from '../result';
import type { RgbImage } from '../util/images';
import type { CropRule, Landmarks } from './crop';

export interface FaceClassifier {
  /** Classes in the model's output order (may include internal classes such as `not_face`). */
  readonly classes: readonly ModelClass[];
  /** How a label is decided from its probabilities (the model's manifest `decision`; absent: argmax). */
  readonly decision?: DecisionRule;
  /** Input side in pixels. */
  readonly inputSize: number;
  /** The model's crop rule (its manifest's `crop`, src/model/crop.ts). default: the box */
  readonly crop?: CropRule;
  /** Probabilities of whole images (each resized to the input), in order. */
  probabilities(images: RgbImage[]): Promise<Float32Array[]>;
  /**
   * Probabilities of face boxes of one image, in order. The crop rule (docs/contracts.md "Boxes",
   * `cropFace`): each box as is — the part inside the image, no padding — resized to the input; for
   * a model with the aligned rule, the aligned crop from the face's `landmarks` (same order as the
   * boxes; a face without them: its box).
   */
  probabilitiesOfBoxes(image: RgbImage, boxes: readonly Box[], landmarks?: readonly (Landmarks | undefined)[]): Promise<Float32Array[]>;
  dispose(): void;
}
