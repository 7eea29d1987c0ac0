/**
 * Which landmarks a face gets for the aligned crop (src/model/crop.ts), pure and browser-safe: the
 * detections of a landmark detector (YuNet) on the face's image, matched to the face — to an annotated
 * or detected box by IoU, or, for an image that is one face (a folder dataset's image, a photo given
 * to `facemask classify`), the best-scoring detection. No match: no landmarks (the crop rule then
 * cuts the box). Training, evaluation, `classify` and the pipeline all match this way.
 */
import type { Box } from '../result';
import { LANDMARK_SOURCE, type Landmarks } from '../model/crop';
import { iou } from './geometry';
import type { FaceDetection, FaceDetector } from './types';

/**
 * The landmarks of the face at `box` (null: the image is the face) among `detections` (best first):
 * the detection with landmarks overlapping the box most (IoU >= `matchIou`), or for a whole image the
 * best-scoring one; undefined when none fits.
 */
export function matchLandmarks(detections: readonly FaceDetection[], box: Box | null, matchIou: number = LANDMARK_SOURCE.matchIou): Landmarks | undefined {
  const withLm = detections.filter((d) => d.landmarks && d.landmarks.length >= 5);
  if (box === null) return withLm.reduce<FaceDetection | undefined>((best, d) => (!best || d.score > best.score ? d : best), undefined)?.landmarks;
  let best: FaceDetection | undefined;
  let bestIou = matchIou;
  for (const d of withLm) {
    const v = iou(d.box, box);
    if (v >= bestIou) [best, bestIou] = [d, v];
  }
  return best?.landmarks;
}

/**
 * A detector whose detections without landmarks get them from `landmarker` (run once per image, only
 * when needed), matched by IoU >= `matchIou` — how a pipeline with a detector that gives no landmarks
 * (res10, SSD, …) still feeds an aligned model aligned crops. `dispose()` releases both.
 */
export function withLandmarks(detector: FaceDetector, landmarker: FaceDetector, matchIou: number = LANDMARK_SOURCE.matchIou): FaceDetector {
  return {
    name: detector.name,
    async detectFaces(image) {
      const found = await detector.detectFaces(image);
      if (found.every((d) => d.landmarks)) return found;
      const marks = await landmarker.detectFaces(image);
      return found.map((d) => {
        if (d.landmarks) return d;
        const lm = matchLandmarks(marks, d.box, matchIou);
        return lm ? { ...d, landmarks: lm.map(([x, y]) => [x, y] as [number, number]) } : d;
      });
    },
    dispose() {
      detector.dispose();
      landmarker.dispose();
    },
  };
}
