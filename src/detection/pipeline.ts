/**
 * The image pipeline: detect faces → crop each box as is (no padding, CONVENTIONS.md) → classify →
 * one `DetectResult` (the shared result type). Boxes the classifier rejects (`not_face`) are dropped.
 */
import type { FaceClassifier } from '../model/types';
import type { DetectResult, ErrorResult, FaceResult } from '../result';
import { cropResize, decodeImage, ImageError } from '../util/images';
import type { RgbImage } from '../util/images';
import type { FaceDetection, FaceDetector } from './types';

/** Classify detected boxes of one image; rejected boxes (null) are dropped. */
export async function classifyDetections(img: RgbImage, dets: FaceDetection[], classifier: FaceClassifier): Promise<FaceResult[]> {
  if (dets.length === 0) return [];
  const crops = await Promise.all(dets.map((d) => cropResize(img, d.box, classifier.inputSize)));
  const cls = await classifier.classify(crops, dets.map((d) => d.score));
  const out: FaceResult[] = [];
  dets.forEach((d, i) => {
    const c = cls[i];
    if (c) out.push({ box: d.box, faceScore: d.score, label: c.label, score: c.score, scores: c.scores });
  });
  return out;
}

/** Detect and classify every face of a decoded image. */
export async function detectImage(file: string, img: RgbImage, detector: FaceDetector, classifier: FaceClassifier): Promise<DetectResult> {
  const t0 = performance.now();
  const dets = await detector.detectFaces(img);
  const t1 = performance.now();
  const faces = await classifyDetections(img, dets, classifier);
  const t2 = performance.now();
  return { file, width: img.width, height: img.height, faces, ms: { detect: t1 - t0, classify: t2 - t1 } };
}

/**
 * Decode a file and run `detectImage`. Unreadable inputs give an `ErrorResult` (the run goes on);
 * other failures (a broken model) are thrown. Returns the decoded image too, for drawing.
 */
export async function detectFile(
  file: string,
  detector: FaceDetector,
  classifier: FaceClassifier,
  opts: { maxPixels?: number } = {},
): Promise<{ result: DetectResult | ErrorResult; image?: RgbImage }> {
  let img: RgbImage;
  const t0 = performance.now();
  try {
    img = await decodeImage(file, { maxPixels: opts.maxPixels });
  } catch (e) {
    if (e instanceof ImageError) return { result: { file, error: e.message } };
    throw e;
  }
  const decodeMs = performance.now() - t0;
  const r = await detectImage(file, img, detector, classifier);
  r.ms.decode = decodeMs;
  return { result: r, image: img };
}
