/**
 * What a video showed, for a person watching a door (pure): faces counted as tracks, not frames;
 * each face's label is the smoothed (drawn) label it held on the most frames, with its share of the
 * face's frames; when each face was first and last seen; the runs of one label per face (the
 * timeline). Built frame by frame from what `processVideo` reports (`onFrame`), so a video stopped
 * early (Ctrl-C) still has the summary of what was seen. The contract: docs/contracts.md "Video
 * summary".
 */
import { LABELS, type Label } from '../labels';
import type { FrameInfo } from './video';

/** One face (a track) over the video. Times are seconds from the first frame (frame index / fps). */
export interface FaceTrackSummary {
  id: number;
  /** Time of the first and of the last frame the face was drawn on. */
  firstSeen: number;
  lastSeen: number;
  /** Frames it was drawn on. */
  frames: number;
  /** The smoothed label it held on the most frames (ties: the order with_mask, without_mask, incorrect_mask). */
  label: Label;
  /** Share of its frames with that label. */
  share: number;
  /** Mean score of that label (the drawn, smoothed score) over the frames it held it. */
  meanScore: number;
  /** Frames per label held. */
  labels: Partial<Record<Label, number>>;
  /** Counted as a face: drawn on at least `minFrames` frames. */
  counted: boolean;
}

/** A run of frames on which a face was drawn with one label: [from, to) in seconds. */
export interface TimelineSegment {
  id: number;
  label: Label;
  from: number;
  to: number;
}

/** The summary file's content (`facemask video --summary`). */
export interface VideoSummary {
  kind: 'video-summary';
  input: string;
  /** Frames per second of the source (what times are computed with). */
  fps: number;
  /** Frames processed, and the seconds of video they span. */
  frames: number;
  seconds: number;
  /** The run was stopped before the end of the video (Ctrl-C, --frames) or broke off: the summary covers what was seen. */
  complete: boolean;
  /** A track drawn on fewer frames than this is not counted as a face. */
  minFrames: number;
  /** Faces seen: tracks drawn on at least `minFrames` frames. */
  faces: number;
  /** Faces per label (each face counted once, under its label). */
  byLabel: Record<Label, number>;
  /** Tracks drawn on fewer than `minFrames` frames (not counted: passing boxes, detector slips). */
  brief: number;
  /** Every track that was drawn, in order of first appearance. */
  tracks: FaceTrackSummary[];
  /** The timeline of the counted faces. */
  segments: TimelineSegment[];
}

interface TrackState {
  id: number;
  first: number;
  last: number;
  frames: number;
  labels: Map<Label, { frames: number; score: number }>;
  open?: { label: Label; from: number; last: number };
  runs: { label: Label; from: number; to: number }[];
}

/** Collects, frame by frame, what a video showed: `add` every frame (`onFrame`), then `summary`. */
export class TrackLog {
  private readonly tracks = new Map<number, TrackState>();
  private frames = 0;

  /** One frame as `processVideo` reports it. */
  add(f: FrameInfo): void {
    this.frames = Math.max(this.frames, f.index + 1);
    for (const t of f.tracks) {
      if (!t.drawn || !t.label) continue;
      let s = this.tracks.get(t.id);
      if (!s) {
        s = { id: t.id, first: f.index, last: f.index, frames: 0, labels: new Map(), runs: [] };
        this.tracks.set(t.id, s);
      }
      s.last = f.index;
      s.frames++;
      const l = s.labels.get(t.label) ?? { frames: 0, score: 0 };
      l.frames++;
      l.score += t.score;
      s.labels.set(t.label, l);
      // a run goes on while the face is drawn on consecutive frames with the same label
      if (s.open && s.open.label === t.label && s.open.last === f.index - 1) s.open.last = f.index;
      else {
        if (s.open) s.runs.push({ label: s.open.label, from: s.open.from, to: s.open.last + 1 });
        s.open = { label: t.label, from: f.index, last: f.index };
      }
    }
  }

  /** The summary of the frames added so far. `fps`: the source's frame rate; `minFrames`: config `video.summaryMinFrames`. */
  summary(o: { input: string; fps: number; minFrames: number; complete: boolean }): VideoSummary {
    const tracks = [...this.tracks.values()].sort((a, b) => a.first - b.first || a.id - b.id).map((s) => trackSummary(s, o.fps, o.minFrames));
    const byLabel = Object.fromEntries(LABELS.map((l) => [l, 0])) as Record<Label, number>;
    for (const t of tracks) if (t.counted) byLabel[t.label]++;
    const counted = new Set(tracks.filter((t) => t.counted).map((t) => t.id));
    const segments: TimelineSegment[] = [];
    for (const s of this.tracks.values()) {
      if (!counted.has(s.id)) continue;
      const runs = s.open ? [...s.runs, { label: s.open.label, from: s.open.from, to: s.open.last + 1 }] : s.runs;
      for (const r of runs) segments.push({ id: s.id, label: r.label, from: round(r.from / o.fps), to: round(r.to / o.fps) });
    }
    const faces = counted.size;
    return { kind: 'video-summary', input: o.input, fps: o.fps, frames: this.frames, seconds: round(this.frames / o.fps), complete: o.complete, minFrames: o.minFrames, faces, byLabel, brief: tracks.length - faces, tracks, segments };
  }
}

const round = (x: number, digits = 3) => +x.toFixed(digits);

function trackSummary(s: TrackState, fps: number, minFrames: number): FaceTrackSummary {
  let label: Label = LABELS[0];
  let best = -1;
  for (const l of LABELS) {
    const n = s.labels.get(l)?.frames ?? 0;
    if (n > best) [label, best] = [l, n];
  }
  const held = s.labels.get(label)!;
  const labels: Partial<Record<Label, number>> = {};
  for (const l of LABELS) if (s.labels.has(l)) labels[l] = s.labels.get(l)!.frames;
  return { id: s.id, firstSeen: round(s.first / fps), lastSeen: round(s.last / fps), frames: s.frames, label, share: round(held.frames / s.frames, 4), meanScore: round(held.score / held.frames, 4), labels, counted: s.frames >= minFrames };
}

/** The CSV of the tracks (one row per track, a header first); numbers as in the summary. */
export function tracksCsv(summary: VideoSummary): string {
  const head = 'id,first_seen_s,last_seen_s,frames,label,share,mean_confidence,counted';
  return [head, ...summary.tracks.map((t) => [t.id, t.firstSeen, t.lastSeen, t.frames, t.label, t.share, t.meanScore, t.counted].join(','))].join('\n') + '\n';
}

/** The summary in words, one line: "5 faces seen in 9.2 s: 0 with a mask, 5 without, 0 worn incorrectly (2 brief tracks not counted)". */
export function summaryLine(s: VideoSummary): string {
  const brief = s.brief ? ` (${s.brief} brief track${s.brief === 1 ? '' : 's'} not counted)` : '';
  return `${s.faces} face${s.faces === 1 ? '' : 's'} seen in ${s.seconds.toFixed(1)} s${s.complete ? '' : ' (until stopped)'}: ${s.byLabel.with_mask} with a mask, ${s.byLabel.without_mask} without, ${s.byLabel.incorrect_mask} worn incorrectly${brief}`;
}
