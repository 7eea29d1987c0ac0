/**
 * The camera's frames through the pipeline as `facemask video` runs a video: every frame detected
 * (`findFaces`, with the setting's box correction), the faces tracked by the library's IoU tracker
 * (src/detection/tracker.ts, smoothed class scores), and the tracks classified by the pipeline's
 * `classifyBoxes` — except that a track's classification is reused while it holds (./reuse.ts).
 * A frame's faces are the visible tracks, each with its smoothed label and scores. Browser-safe.
 */
import type { FaceResult } from '../../result';
import type { RgbImage } from '../../util/images';
import type { FaceMaskDetector } from '../../detection/pipeline';
import { IouTracker, type Track, type TrackerOptions } from '../../detection/tracker';
import { ClassificationReuse, PAGE_REUSE, type ReuseRule } from './reuse';

/** A frame's faces and what it cost. */
export interface LiveFrame {
  faces: FaceResult[];
  ms: { detect: number; classify: number };
  /** Tracks classified in this frame (the others reused their classification). */
  classified: number;
}

/** A visible track as a face of the `facemask detect` line: its box, face score and smoothed label and scores. */
export function trackFace(t: Track): FaceResult {
  return { box: t.box, faceScore: t.faceScore, label: t.label!, score: t.score, scores: { ...t.smoothed! }, ...(t.landmarks ? { landmarks: t.landmarks } : {}) };
}

/** Tracks over consecutive camera frames, with their classifications reused by a rule. */
export class LiveFaces {
  private tracker: IouTracker;
  private readonly reuse: ClassificationReuse;
  private frame = 0;

  /**
   * @param pipeline the camera's pipeline (the video setting)
   * @param tracks the config's `video` section: track IoU, missed rounds, smoothing
   * @param rule when a classification is reused. default: `PAGE_REUSE`
   */
  constructor(
    private readonly pipeline: FaceMaskDetector,
    private readonly tracks: Pick<TrackerOptions, 'trackIou' | 'maxMissed' | 'smoothing'>,
    rule: ReuseRule = PAGE_REUSE,
  ) {
    this.tracker = this.newTracker();
    this.reuse = new ClassificationReuse(rule);
  }

  private newTracker(): IouTracker {
    return new IouTracker({ trackIou: this.tracks.trackIou, maxMissed: this.tracks.maxMissed, smoothing: this.tracks.smoothing, decision: this.pipeline.decision });
  }

  /** The next frame: detect, track, classify what the rule asks for; the visible tracks as faces. */
  async step(image: RgbImage): Promise<LiveFrame> {
    const index = this.frame++;
    const t0 = performance.now();
    const found = await this.pipeline.findFaces(image);
    const t1 = performance.now();
    const seen = this.tracker.update(found, index);
    const now = this.reuse.select(seen, index);
    if (now.length) {
      const labels = await this.pipeline.classifyBoxes(image, now.map((t) => ({ box: t.box, score: t.faceScore, landmarks: t.landmarks })));
      now.forEach((t, k) => {
        this.tracker.classify(t, labels[k]);
        this.reuse.classified(t, index);
      });
    }
    this.reuse.keep(this.tracker.tracks);
    return { faces: this.tracker.visible().map(trackFace), ms: { detect: t1 - t0, classify: performance.now() - t1 }, classified: now.length };
  }

  /** Start over: no tracks (the camera was paused or restarted). */
  reset(): void {
    this.tracker = this.newTracker();
    this.reuse.clear();
    this.frame = 0;
  }
}
