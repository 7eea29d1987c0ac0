/**
 * An IoU tracker with per-track exponential smoothing of class scores (pure, no I/O).
 *
 * On a detection frame, detections continue the track they overlap most (greedy by IoU, at least
 * `trackIou`; then, for fast motion, a track whose centre is near and size similar), unmatched detections start tracks, and tracks unmatched for more than `maxMissed`
 * detection rounds end. Between detection frames a track's box moves with the velocity measured
 * between its last two detections. Each classification updates the track's smoothed scores:
 * `s ← α·new + (1 − α)·s` (α = `smoothing`); the drawn label is the smoothed scores' label under
 * the classifier's decision rule (`bestEmitted`, src/result.ts: the best class by default), so a
 * single-frame flip of the raw label does not flip the drawn one.
 *
 * A track's last classification may stand in for a new one on the next frames (`ReuseRule`, config
 * `video.reuse`): while the box still overlaps the box that was classified, the classifier was sure
 * of it, and for a few frames at most. A reused classification is folded into the smoothed scores as
 * a fresh one would be, so the drawn label moves frame by frame as when every frame is classified.
 */
import { bestEmitted, type Box, type Classification, type ClassScores, type DecisionRule } from '../result';
import type { Label } from '../labels';
import { LABELS } from '../labels';
import type { FaceDetection } from './types';
import { iou } from './geometry';

export interface TrackerOptions {
  /** default: 0.3 */
  trackIou: number;
  /** default: 2 */
  maxMissed: number;
  /** Weight of the newest classification. default: 0.3 */
  smoothing: number;
  /** The classifier's decision rule, applied to the smoothed scores (src/result.ts). default: argmax */
  decision?: DecisionRule;
}

/** When a track's last classification stands in for a new one (config `video.reuse`). */
export interface ReuseRule {
  /** Most frames in a row a classification is reused before the track is classified again; 0: every frame is classified. */
  frames: number;
  /** Reused only while the track's box overlaps the box that was classified at least this much (IoU). */
  minIou: number;
  /** Reused only when that classification's score (its label's calibrated probability) was at least this. */
  minScore: number;
}

/** Every frame classified: nothing reused. */
export const NO_REUSE: ReuseRule = { frames: 0, minIou: 1, minScore: 1 };

export interface Track {
  id: number;
  box: Box;
  faceScore: number;
  /** The last matched detection's landmarks, when the detector gives them (an aligned model's crop). */
  landmarks?: [number, number][];
  /** Box change per frame, from the last two detections. */
  velocity: [number, number, number, number];
  /** Frame of the last matched detection. */
  lastSeen: number;
  missed: number;
  /** Last raw classification (null: the classifier rejected the box). */
  raw: Classification | null | undefined;
  smoothed: ClassScores | undefined;
  /** Drawn label and score: the best smoothed class. */
  label: Label | undefined;
  score: number;
  /** Classification rounds so far (reused ones included). */
  classified: number;
  /** The box the last fresh classification was made on. */
  classifiedBox?: Box;
  /** Frames in a row the last fresh classification has been reused. */
  reusedFor: number;
  /** Rounds in a row the classifier rejected this box (not_face). */
  rejected: number;
}

/** Second-pass match: centre distance at most this share of the mean box side. */
export const NEAR_CENTRE = 0.6;

function centreDistance(a: Box, b: Box): number {
  const dx = a[0] + a[2] / 2 - (b[0] + b[2] / 2);
  const dy = a[1] + a[3] / 2 - (b[1] + b[3] / 2);
  return Math.hypot(dx, dy) / ((a[2] + a[3] + b[2] + b[3]) / 4);
}

export class IouTracker {
  private next = 1;
  private live: Track[] = [];
  constructor(readonly opts: TrackerOptions) {}

  get tracks(): readonly Track[] {
    return this.live;
  }

  /** A detection frame: match, start and end tracks. Returns the tracks seen in this frame. */
  update(dets: FaceDetection[], frame: number): Track[] {
    const pairs: { t: number; d: number; v: number }[] = [];
    this.live.forEach((t, ti) =>
      dets.forEach((d, di) => {
        const v = iou(t.box, d.box);
        if (v >= this.opts.trackIou) pairs.push({ t: ti, d: di, v });
      }),
    );
    pairs.sort((a, b) => b.v - a.v);
    const usedT = new Set<number>();
    const usedD = new Set<number>();
    const seen: Track[] = [];
    // greedy one-to-one matching, best pairs first; a matched track takes the detection's box
    const adopt = (list: { t: number; d: number }[]) => {
      for (const p of list) {
        if (usedT.has(p.t) || usedD.has(p.d)) continue;
        usedT.add(p.t);
        usedD.add(p.d);
        const t = this.live[p.t];
        const d = dets[p.d];
        const gap = Math.max(1, frame - t.lastSeen);
        t.velocity = [0, 1, 2, 3].map((k) => (d.box[k] - t.box[k]) / gap) as Track['velocity'];
        Object.assign(t, { box: d.box, faceScore: d.score, landmarks: d.landmarks, lastSeen: frame, missed: 0 });
        seen.push(t);
      }
    };
    adopt(pairs);
    // second pass for fast motion between detection frames: nearby centre and similar size
    const near: { t: number; d: number; v: number }[] = [];
    this.live.forEach((t, ti) => {
      if (usedT.has(ti)) return;
      dets.forEach((d, di) => {
        if (usedD.has(di)) return;
        const v = centreDistance(t.box, d.box);
        const ratio = (d.box[2] * d.box[3]) / Math.max(1, t.box[2] * t.box[3]);
        if (v <= NEAR_CENTRE && ratio >= 0.5 && ratio <= 2) near.push({ t: ti, d: di, v });
      });
    });
    near.sort((a, b) => a.v - b.v);
    adopt(near);
    const kept: Track[] = [];
    this.live.forEach((t, ti) => {
      if (usedT.has(ti)) kept.push(t);
      else if (++t.missed <= this.opts.maxMissed) {
        t.velocity = [0, 0, 0, 0];
        kept.push(t);
      }
    });
    dets.forEach((d, di) => {
      if (usedD.has(di)) return;
      const t: Track = {
        id: this.next++,
        box: d.box,
        faceScore: d.score,
        landmarks: d.landmarks,
        velocity: [0, 0, 0, 0],
        lastSeen: frame,
        missed: 0,
        raw: undefined,
        smoothed: undefined,
        label: undefined,
        score: 0,
        classified: 0,
        reusedFor: 0,
        rejected: 0,
      };
      kept.push(t);
      seen.push(t);
    });
    this.live = kept;
    return seen;
  }

  /** A frame without detection: move each track by its velocity. */
  predict(): void {
    for (const t of this.live) {
      if (t.missed > 0) continue;
      t.box = [t.box[0] + t.velocity[0], t.box[1] + t.velocity[1], Math.max(1, t.box[2] + t.velocity[2]), Math.max(1, t.box[3] + t.velocity[3])];
    }
  }

  /** Fold a new classification of `track` (made on its current box) into its smoothed scores. */
  classify(track: Track, c: Classification | null): void {
    track.classifiedBox = track.box;
    track.reusedFor = 0;
    this.fold(track, c);
  }

  /** Fold the track's last classification in again, in place of a new one (see `mayReuse`). */
  reuse(track: Track): void {
    if (track.raw === undefined) throw new Error(`track ${track.id} has no classification to reuse`);
    track.reusedFor++;
    this.fold(track, track.raw);
  }

  private fold(track: Track, c: Classification | null): void {
    track.raw = c;
    if (!c) {
      track.rejected++;
      return;
    }
    track.rejected = 0;
    track.classified++;
    track.smoothed = smoothScores(track.smoothed, c.scores, this.opts.smoothing);
    const best = bestLabel(track.smoothed, this.opts.decision);
    track.label = best.label;
    track.score = best.score;
  }

  /**
   * Tracks to draw: classified and not currently rejected. A track missed by up to `maxMissed`
   * rounds keeps its last box unless it overlaps a track seen in the last round (no double boxes).
   */
  visible(): Track[] {
    const fresh = this.live.filter((t) => t.missed === 0);
    return this.live.filter((t) => t.label !== undefined && t.rejected === 0 && (t.missed === 0 || fresh.every((f) => iou(f.box, t.box) === 0)));
  }
}

/**
 * Whether `track`'s last classification may stand in for a new one on this frame under `rule`: it
 * has one, the classifier kept the box and scored it at least `minScore`, it has been reused fewer than
 * `frames` frames in a row, and the box overlaps the box it was made on at least `minIou`.
 */
export function mayReuse(track: Track, rule: ReuseRule): boolean {
  if (rule.frames <= 0 || !track.raw || !track.classifiedBox) return false;
  return track.reusedFor < rule.frames && track.raw.score >= rule.minScore && iou(track.box, track.classifiedBox) >= rule.minIou;
}

/** A track's box as the detection the classifier crops (its box, face score and landmarks). */
export const trackBox = (t: Track): FaceDetection => ({ box: t.box, score: t.faceScore, landmarks: t.landmarks });

/**
 * The tracks seen on a detection frame classified under `rule` — the one step Node's video and the
 * page's camera share: each track the rule does not let reuse its last classification is classified
 * (`classify`, one batch for all of them) and folded in; the others fold their last one in again.
 * Returns the tracks classified afresh.
 */
export async function classifySeen(tracker: IouTracker, seen: readonly Track[], rule: ReuseRule, classify: (due: Track[]) => Promise<(Classification | null)[]>): Promise<Set<Track>> {
  const due = seen.filter((t) => !mayReuse(t, rule));
  const fresh = new Set<Track>();
  if (due.length) {
    const got = await classify(due);
    due.forEach((t, k) => (tracker.classify(t, got[k]), fresh.add(t)));
  }
  for (const t of seen) if (!fresh.has(t)) tracker.reuse(t);
  return fresh;
}

/** `α·next + (1 − α)·prev` per class (the first classification starts the average). */
export function smoothScores(prev: ClassScores | undefined, next: ClassScores, alpha: number): ClassScores {
  if (!prev) return { ...next };
  const out: ClassScores = {};
  for (const l of LABELS) {
    const a = prev[l];
    const b = next[l];
    if (a === undefined && b === undefined) continue;
    out[l] = alpha * (b ?? 0) + (1 - alpha) * (a ?? 0);
  }
  return out;
}

/** The label of smoothed scores under a decision rule (the one owner, `bestEmitted`). */
export function bestLabel(s: ClassScores, decision: DecisionRule = 'argmax'): { label: Label; score: number } {
  const present = LABELS.filter((l) => s[l] !== undefined);
  const { label, score } = bestEmitted(
    present.map((l) => s[l]!),
    present,
    decision,
  );
  return { label, score };
}
