/**
 * The pipeline object: an image in, labelled boxes out — detect faces → cut each box and classify
 * it (the classifier owns the crop rule) → the box policy decides what each box is (src/detection/
 * policy.ts). Browser-safe: the detector, the classifier and the settings are passed in, built by
 * `createFaceMaskDetector` (src/detection/create.ts) in Node and by the page in a browser.
 *
 * It is the one detection path: outside src/detection/, boxes come only from a pipeline — `detect`
 * for photos, `findFaces` + `classifyBoxes` for video tracks (so video gets the same box correction),
 * `findFaces({ raw: true })` for learning the correction. Its detector and classifier are not exposed.
 * `score` is the raw material of `detect` (every box at the threshold, with its probabilities);
 * measurements that sweep settings over it (src/evaluation/scenes.ts) apply the same policy
 * function, so they measure what `detect` ships.
 */
import type { FaceClassifier } from '../model/types';
import type { Classification, DecisionRule, DetectResult } from '../result';
import type { ModelClass } from '../labels';
import type { RgbImage } from '../util/images';
import { labelBox, labelBoxes } from './policy';
import { correctBox } from './boxfit';
import { clipBox } from './geometry';
import { describeSettings, type ResolvedSettings } from './registry';
import type { FaceDetection, FaceDetector } from './types';

/** Every detection of an image at the pipeline's threshold, with its class probabilities (same order). */
export interface ScoredImage {
  detections: FaceDetection[];
  probabilities: Float32Array[];
  ms: { detect: number; classify: number };
}

export interface FaceMaskDetector {
  readonly settings: ResolvedSettings;
  /** The classifier's classes in output order (internal ones, such as not_face, included). */
  readonly classes: readonly ModelClass[];
  /** The classifier's decision rule (src/result.ts `bestEmitted`); undefined: argmax. */
  readonly decision: DecisionRule | undefined;
  /** The faces of an image: found, classified, kept or dropped by the box policy; timings per stage. */
  detect(image: RgbImage, file?: string): Promise<DetectResult>;
  /**
   * The detector's faces at the pipeline's threshold, each box moved by the setting's box correction
   * (the boxes `detect` classifies). `raw`: as the detector gives them — what a correction is learnt from.
   */
  findFaces(image: RgbImage, opts?: { raw?: boolean }): Promise<FaceDetection[]>;
  /** Every detection at the threshold with its probabilities (before the box policy). */
  score(image: RgbImage): Promise<ScoredImage>;
  /** Classify boxes found by `findFaces` (video tracks): in order, null where the policy drops the box. */
  classifyBoxes(image: RgbImage, boxes: readonly FaceDetection[]): Promise<(Classification | null)[]>;
  /** One line: detector, threshold and policy, and where they came from. */
  describe(): string;
  /** Release the detector, and the classifier when the pipeline owns it. */
  dispose(): void;
}

/** Assemble a pipeline from loaded parts. `ownsClassifier`: `dispose()` also disposes the classifier. */
export function assemblePipeline(detector: FaceDetector, classifier: FaceClassifier, settings: ResolvedSettings, ownsClassifier = true): FaceMaskDetector {
  const findFaces = async (image: RgbImage, opts: { raw?: boolean } = {}): Promise<FaceDetection[]> => {
    const found = await detector.detectFaces(image);
    if (opts.raw || !settings.box) return found;
    // boxes found on the enlarged photo have their own correction when one was learnt for them
    const correction = (d: FaceDetection) => ((d.scale ?? 1) > 1 && settings.fineBox ? settings.fineBox : settings.box!);
    return found.map((d) => ({ ...d, box: clipBox(correctBox(d.box, correction(d)), image.width, image.height) ?? d.box }));
  };
  const score = async (image: RgbImage): Promise<ScoredImage> => {
    const t0 = performance.now();
    const detections = await findFaces(image);
    const t1 = performance.now();
    const probabilities = await classifier.probabilitiesOfBoxes(image, detections.map((d) => d.box), detections.map((d) => d.landmarks));
    return { detections, probabilities, ms: { detect: t1 - t0, classify: performance.now() - t1 } };
  };
  return {
    settings,
    classes: classifier.classes,
    decision: classifier.decision,
    findFaces,
    score,
    async detect(image, file = '') {
      const s = await score(image);
      const faces = labelBoxes(s.detections, s.probabilities, classifier.classes, settings.policy, classifier.decision);
      return { file, width: image.width, height: image.height, faces, ms: { ...s.ms } };
    },
    async classifyBoxes(image, boxes) {
      const probs = await classifier.probabilitiesOfBoxes(image, boxes.map((b) => b.box), boxes.map((b) => b.landmarks));
      return boxes.map((b, i) => labelBox(probs[i], classifier.classes, b.score, settings.policy, classifier.decision));
    },
    describe: () => describeSettings(settings, classifier.classes),
    dispose() {
      detector.dispose();
      if (ownsClassifier) classifier.dispose();
    },
  };
}
