/**
 * Whether two runs over the same video draw the same labels (pure): the faces drawn on each frame of
 * one run against those of a reference run (every frame classified). A frame agrees when its drawn
 * faces pair one to one (greedy by IoU, at least `minIou`) with the same label. Pairing by box, not
 * by track id, so runs whose detector differs (another input size) are compared too.
 */
import type { Box } from '../result';
import type { Label } from '../labels';
import { iou } from './geometry';
import type { FrameInfo } from './video';

/** A face as drawn on a frame: its box and smoothed label. */
export interface DrawnFace {
  box: Box;
  label: Label;
}

/** How far a run agrees with the reference. */
export interface Agreement {
  /** Frames compared (those both runs have). */
  frames: number;
  /** Frames whose drawn faces and labels are the reference's. */
  framesAgreeing: number;
  /** framesAgreeing / frames (1 with no frame). */
  share: number;
  /** Faces drawn over all frames of the reference, and those drawn in the run with the same label. */
  faces: number;
  facesAgreeing: number;
}

/** The faces drawn on a frame, from what `processVideo` reports for it (`onFrame`). */
export function drawnFaces(f: FrameInfo): DrawnFace[] {
  return f.tracks.filter((t) => t.drawn && t.label).map((t) => ({ box: t.box, label: t.label! }));
}

/** Pair `a` with `b` greedily by IoU (>= minIou); returns the pairs as [index in a, index in b]. */
function pairFaces(a: readonly DrawnFace[], b: readonly DrawnFace[], minIou: number): [number, number][] {
  const cand: { i: number; j: number; v: number }[] = [];
  a.forEach((x, i) => b.forEach((y, j) => {
    const v = iou(x.box, y.box);
    if (v >= minIou) cand.push({ i, j, v });
  }));
  cand.sort((p, q) => q.v - p.v);
  const ua = new Set<number>();
  const ub = new Set<number>();
  const pairs: [number, number][] = [];
  for (const c of cand) {
    if (ua.has(c.i) || ub.has(c.j)) continue;
    ua.add(c.i);
    ub.add(c.j);
    pairs.push([c.i, c.j]);
  }
  return pairs;
}

/** The agreement of `run` with `reference`, frame by frame (see the module comment). */
export function labelAgreement(reference: readonly (readonly DrawnFace[])[], run: readonly (readonly DrawnFace[])[], minIou = 0.5): Agreement {
  const n = Math.min(reference.length, run.length);
  let framesAgreeing = 0;
  let faces = 0;
  let facesAgreeing = 0;
  for (let k = 0; k < n; k++) {
    const a = reference[k];
    const b = run[k];
    const same = pairFaces(a, b, minIou).filter(([i, j]) => a[i].label === b[j].label).length;
    faces += a.length;
    facesAgreeing += same;
    if (same === a.length && same === b.length) framesAgreeing++;
  }
  return { frames: n, framesAgreeing, share: n ? framesAgreeing / n : 1, faces, facesAgreeing };
}
