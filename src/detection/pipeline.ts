/**
 * The pipeline object: an image in, labelled boxes out — detect faces → cut each box and classify
 * it (the classifier owns the crop rule) → the box policy decides what each box is (src/detection/
 * policy.ts). Browser-safe: the detector, the classifier and the settings are passed in, built by
 * `createFaceMaskDetector` (src/detection/create.ts) in Node and by the page in a browser.
 *
 * `score` is the raw material of `detect` (every box at the threshold, with its probabilities);
 * measurements that sweep settings over it (src/evaluation/scenes.ts) apply the same policy
 * function, so they measure what `detect` ships.
 */
import type { FaceClassifier } from '../model/types';
import type { Classification, DetectResult } from '../result';
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
  readonly detector: FaceDetector;
  readonly classifier: FaceClassifier;
  /** The faces of an image: found, classified, kept or dropped by the box policy; timings per stage. */
  detect(image: RgbImage, file?: string): Promise<DetectResult>;
  /** Every detection at the threshold with its probabilities (before the box policy). */
  score(image: RgbImage): Promise<ScoredImage>;
  /** Classify boxes found elsewhere (video tracks): in order, null where the policy drops the box. */
  classifyBoxes(image: RgbImage, boxes: readonly FaceDetection[]): Promise<(Classification | null)[]>;
  /** One line: detector, threshold and policy, and where they came from. */
  describe(): string;
  /** Release the detector, and the classifier when the pipeline owns it. */
  dispose(): void;
}

/** Assemble a pipeline from loaded parts. `ownsClassifier`: `dispose()` also disposes the classifier. */
export function assemblePipeline(detector: FaceDetector, classifier: FaceClassifier, settings: ResolvedSettings, ownsClassifier = true): FaceMaskDetector {
  const score = async (image: RgbImage): Promise<ScoredImage> => {
    const t0 = performance.now();
    const found = await detector.detectFaces(image);
    const c = settings.box;
    const detections = c ? found.map((d) => ({ ...d, box: clipBox(correctBox(d.box, c), image.width, image.height) ?? d.box })) : found;
    const t1 = performance.now();
    const probabilities = await classifier.probabilitiesOfBoxes(image, detections.map((d) => d.box), detections.map((d) => d.landmarks));
    return { detections, probabilities, ms: { detect: t1 - t0, classify: performance.now() - t1 } };
  };
  return {
    settings,
    detector,
    classifier,
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
