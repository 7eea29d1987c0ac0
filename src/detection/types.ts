/**
 * The face detector interface (after tfjs-models' face-detection): one small interface, one
 * implementation per runtime, created by an async factory (`createDetector` in `./index.ts`).
 * Results are plain data in pixels of the image that was passed in.
 */
import type { Box } from '../result';
import type { RgbImage } from '../util/images';

/** One detected face: a box `[x, y, w, h]` in pixels of the input image and the detector's confidence. */
export interface FaceDetection {
  box: Box;
  score: number;
  /**
   * Facial key points `[x, y]` in pixels of the input image, when the detector gives them (YuNet:
   * 5 points — the eyes, the nose tip, the mouth corners).
   */
  landmarks?: [number, number][];
}

export interface FaceDetector {
  /** The registered name (`res10`, `ssd-mobilenet`, …). */
  readonly name: string;
  /** Faces in `image`, best first, after the detector's threshold and non-max suppression. */
  detectFaces(image: RgbImage): Promise<FaceDetection[]>;
  /** Free the detector's own resources (opencv-wasm nets; face-api's nets stay shared). */
  dispose(): void;
}

/** Registered detector names (see `createDetector`). */
export const DETECTOR_NAMES = ['res10', 'ssd-mobilenet', 'blazeface', 'tiny', 'ssd-tiled', 'consensus'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

export function isDetectorName(s: string): s is DetectorName {
  return (DETECTOR_NAMES as readonly string[]).includes(s);
}

export class DetectorError extends Error {}
