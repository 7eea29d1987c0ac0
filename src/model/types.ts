/**
 * What the detection stage needs from a classifier: probabilities — calibrated when the model has a
 * calibration (src/model/calibration.ts) — and the model's decision rule, nothing more. Deciding what a
 * box is (kept or dropped, which label) is the box policy's job (src/detection/policy.ts).
 */
import type { ModelClass } from '../labels';
import type { Box, DecisionRule } from '../result';
import type { RgbImage } from '../util/images';
import type { CropRule, Landmarks } from './crop';
import type { ModelManifest } from './manifest';
import type { Calibration } from './calibration';

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

/** A classifier that knows the model it came from: its manifest, runtime and calibration (and folder, in Node). */
export type LoadedClassifier = FaceClassifier & {
  readonly manifest: ModelManifest;
  /** The model folder it was loaded from (none in a browser). */
  readonly dir?: string;
  readonly runtime: 'onnx' | 'tfjs';
  readonly calibration: Calibration | undefined;
};

/** How a model folder's classifier is loaded. */
export interface LoadClassifierOptions {
  /**
   * Apply the manifest's calibration and decision rule (src/model/calibration.ts); false: the
   * network's own probabilities and argmax, what `facemask calibrate` fits on. default: true
   */
  calibrated?: boolean;
}
