/**
 * The face detector interface (after tfjs-models' face-detection): one small interface, one
 * implementation per network, created through the registry (src/detection/registry.ts).
 * Results are plain data in pixels of the image that was passed in.
 */
import type { Box } from '../result';
import type { RgbImage } from '../util/images';

/** One detected face: a box `[x, y, w, h]` in pixels of the input image and the detector's confidence. */
export interface FaceDetection {
  box: Box;
  score: number;
  /** Facial landmarks `[x, y]` in pixels, when the detector gives them (YuNet: eyes, nose tip, mouth corners). */
  landmarks?: [number, number][];
  /** The factor the photo was enlarged by when the face was found (a second pass, src/detection/scales.ts); absent: 1. */
  scale?: number;
}

export interface FaceDetector {
  /** The registered name (`res10`, `ssd-mobilenet`, …). */
  readonly name: string;
  /** Faces in `image`, best first, after the detector's threshold and non-max suppression. */
  detectFaces(image: RgbImage): Promise<FaceDetection[]>;
  /** Free the detector's own resources (opencv-wasm nets; face-api's nets stay shared). */
  dispose(): void;
}

/** A detector cannot be created or run (unknown name, bad setting, missing weights). */
export class DetectorError extends Error {}
