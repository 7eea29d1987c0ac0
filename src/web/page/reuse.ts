/**
 * When the camera reuses a track's classification instead of classifying its face again (pure, no
 * I/O). A track is classified when it starts; afterwards its classification holds while its box stays
 * where it was classified (IoU at least `minIou`) and for at most `maxAge` frames. Tracks whose box
 * moved are classified again at once; tracks whose classification only aged are refreshed at most
 * `refreshPerFrame` a frame, the oldest first, so refreshes spread over frames instead of landing
 * together. The rule's one owner for the page: swap `ClassificationReuse` for the library's rule when
 * Node video has one.
 */
import type { Box } from '../../result';
import type { Track } from '../../detection/tracker';
import { iou } from '../../detection/geometry';

export interface ReuseRule {
  /** A classification holds while the track's box overlaps the box it was classified at by at least this IoU. */
  minIou: number;
  /** ...and for at most this many frames. */
  maxAge: number;
  /** Aged classifications refreshed in one frame, the oldest first. */
  refreshPerFrame: number;
}

/** The page's rule (bench/page.ts measures how often it gives the labels of classifying every frame). */
export const PAGE_REUSE: ReuseRule = { minIou: 0.7, maxAge: 30, refreshPerFrame: 1 };

/** Each live track's last classification (its box and frame), and the rule over them. */
export class ClassificationReuse {
  private readonly at = new Map<number, { box: Box; frame: number }>();
  constructor(readonly rule: ReuseRule = PAGE_REUSE) {}

  /** Of the tracks seen in `frame`, those to classify now: new or moved ones, then the oldest aged ones. */
  select(seen: readonly Track[], frame: number): Track[] {
    const now: Track[] = [];
    const aged: { t: Track; age: number }[] = [];
    for (const t of seen) {
      const last = this.at.get(t.id);
      if (!last || iou(last.box, t.box) < this.rule.minIou) now.push(t);
      else if (frame - last.frame >= this.rule.maxAge) aged.push({ t, age: frame - last.frame });
    }
    aged.sort((a, b) => b.age - a.age);
    return [...now, ...aged.slice(0, this.rule.refreshPerFrame).map((a) => a.t)];
  }

  /** `track` was classified in `frame` at its current box. */
  classified(track: Track, frame: number): void {
    this.at.set(track.id, { box: track.box, frame });
  }

  /** Forget the tracks that ended (those not in `live`). */
  keep(live: readonly Track[]): void {
    const ids = new Set(live.map((t) => t.id));
    for (const id of this.at.keys()) if (!ids.has(id)) this.at.delete(id);
  }

  /** Forget every track (the camera restarted). */
  clear(): void {
    this.at.clear();
  }
}
