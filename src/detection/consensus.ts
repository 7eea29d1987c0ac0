/**
 * `consensus`: a primary detector's boxes confirmed by a second, different detector. Each primary
 * box gets the fused score sqrt(primary score × best verifier score among the verifier's boxes that
 * overlap it at IoU >= `agreeIou`, 0 when none), and boxes below `minConfidence` are dropped. The two
 * networks' false boxes rarely coincide while real faces are found by both, so a low threshold on
 * each (high recall) plus agreement keeps recall and cuts false detections.
 */
import type { FaceDetection, FaceDetector } from './types';
import { iou, nonMaxSuppression } from './geometry';

/** Fuse primary and verifier detections of one image (pure). */
export function fuseDetections(primary: FaceDetection[], verifier: FaceDetection[], agreeIou: number): FaceDetection[] {
  return primary.map((p) => {
    let best = 0;
    for (const v of verifier) if (v.score > best && iou(p.box, v.box) >= agreeIou) best = v.score;
    return { box: p.box, score: Math.sqrt(p.score * best) };
  });
}

export interface ConsensusOptions {
  /** Minimum fused score. */
  minConfidence: number;
  /** IoU for the verifier to confirm a primary box. */
  agreeIou: number;
  nmsIou: number;
  maxResults: number;
}

/** Combine two loaded detectors (each with its own low threshold). Disposes both on dispose(). */
export function createConsensus(primary: FaceDetector, verifier: FaceDetector, opts: ConsensusOptions): FaceDetector {
  return {
    name: 'consensus',
    async detectFaces(image) {
      const a = await primary.detectFaces(image);
      if (a.length === 0) return [];
      const b = await verifier.detectFaces(image);
      const fused = fuseDetections(a, b, opts.agreeIou).filter((d) => d.score >= opts.minConfidence);
      return nonMaxSuppression(fused, opts.nmsIou, opts.maxResults);
    },
    dispose() {
      primary.dispose();
      verifier.dispose();
    },
  };
}
