/** What the detection stage needs from a classifier: crops in, classifications out. */
import type { Classification } from '../result';
import type { ModelClass } from '../labels';
import type { RgbImage } from '../util/images';

export interface FaceClassifier {
  /** Classes in the model's output order (may include internal classes such as `not_face`). */
  readonly classes: readonly ModelClass[];
  /** Input side in pixels (crops are resized to it). */
  readonly inputSize: number;
  /**
   * Classify face crops (any size; resized inside). A box the classifier rejects — its best class is
   * internal (`not_face`), or p(not_face) >= its rejection level (`toClassification`) — is returned
   * as `null`: the caller drops that box — unless its face-detector score (`faceScores`, when given) makes it trusted.
   */
  classify(crops: RgbImage[], faceScores?: readonly number[]): Promise<(Classification | null)[]>;
  dispose(): void;
}
