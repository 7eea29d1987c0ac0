/**
 * The camera's frames through the pipeline as `facemask video` runs a video: every frame detected
 * (`findFaces`, with the setting's box correction), the faces tracked by the library's IoU tracker
 * (src/detection/tracker.ts, smoothed class scores), and the tracks classified by the pipeline's
 * `classifyBoxes` — a track's last classification reused under the library's rule (`classifySeen`,
 * `mayReuse`, config `video.reuse`), the step Node's video runs. A frame's faces are the visible
 * tracks, each with its smoothed label and scores. Browser-safe.
 */
import type { FaceResult } from '../../result';
import type { RgbImage } from '../../util/images';
import type { FaceMaskDetector } from '../../detection/pipeline';
import { IouTracker, classifySeen, trackBox, type ReuseRule, type Track, type TrackerOptions } from '../../detection/tracker';

/** A frame's faces and what it cost. */
export interface LiveFrame {
  faces: FaceResult[];
  ms: { detect: number; classify: number };
  /** Tracks classified afresh in this frame (the others reused their last classification). */
  classified: number;
}

/** The config's `video` section as far as the camera uses it: the tracks and the reuse rule. */
export type LiveOptions = Pick<TrackerOptions, 'trackIou' | 'maxMissed' | 'smoothing'> & { reuse: ReuseRule };

/** A visible track as a face of the `facemask detect` line: its box, face score and smoothed label and scores. */
export function trackFace(t: Track): FaceResult {
  return { box: t.box, faceScore: t.faceScore, label: t.label!, score: t.score, scores: { ...t.smoothed! }, ...(t.landmarks ? { landmarks: t.landmarks } : {}) };
}

/** Tracks over consecutive camera frames, classified as Node's video classifies them. */
export class LiveFaces {
  private tracker: IouTracker;
  private frame = 0;

  /**
   * @param pipeline the camera's pipeline (the video setting)
   * @param video the config's `video` section: track IoU, missed rounds, smoothing, the reuse rule
   */
  constructor(
    private readonly pipeline: FaceMaskDetector,
    private readonly video: LiveOptions,
  ) {
    this.tracker = this.newTracker();
  }

  private newTracker(): IouTracker {
    return new IouTracker({ trackIou: this.video.trackIou, maxMissed: this.video.maxMissed, smoothing: this.video.smoothing, decision: this.pipeline.decision });
  }

  /** The next frame: detect, track, classify what the rule asks for; the visible tracks as faces. */
  async step(image: RgbImage): Promise<LiveFrame> {
    const t0 = performance.now();
    const found = await this.pipeline.findFaces(image);
    const t1 = performance.now();
    const seen = this.tracker.update(found, this.frame++);
    const fresh = await classifySeen(this.tracker, seen, this.video.reuse, (due) => this.pipeline.classifyBoxes(image, due.map(trackBox)));
    return { faces: this.tracker.visible().map(trackFace), ms: { detect: t1 - t0, classify: performance.now() - t1 }, classified: fresh.size };
  }

  /** Start over: no tracks (the camera was paused or restarted). */
  reset(): void {
    this.tracker = this.newTracker();
    this.frame = 0;
  }
}
