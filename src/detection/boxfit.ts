/**
 * A box correction per detector: every detector draws faces by its own convention (tight on the
 * features, or loose to the hair), the annotators by theirs, and a hit at IoU 0.5 needs the two to
 * agree. The correction moves and scales a detector's box toward the annotated one:
 * centre + (dx·w, dy·h), size · (e^sw, e^sh), learned as the medians over boxes matched to annotated
 * faces on the fitting photos (`fitBoxCorrection`). Pure and browser-safe.
 */
import type { Box } from '../result';
import type { BoxCorrection } from '../model/setting';
import { iou } from './geometry';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : 0;
};

/** The correction that best maps detector boxes to their annotated faces (medians of the per-pair offsets and log scales). */
export function fitBoxCorrection(pairs: readonly { detected: Box; annotated: Box }[]): BoxCorrection {
  if (pairs.length === 0) throw new Error('fitBoxCorrection: no matched boxes to learn from');
  const f = (k: (d: Box, a: Box) => number) => median(pairs.map((p) => k(p.detected, p.annotated)));
  return {
    dx: f((d, a) => (a[0] + a[2] / 2 - (d[0] + d[2] / 2)) / d[2]),
    dy: f((d, a) => (a[1] + a[3] / 2 - (d[1] + d[3] / 2)) / d[3]),
    sw: f((d, a) => Math.log(a[2] / d[2])),
    sh: f((d, a) => Math.log(a[3] / d[3])),
    n: pairs.length,
  };
}

/** A detector box corrected (not clipped: the caller clips to the image). */
export function correctBox([x, y, w, h]: Box, c: Pick<BoxCorrection, 'dx' | 'dy' | 'sw' | 'sh'>): Box {
  const cx = x + w / 2 + c.dx * w;
  const cy = y + h / 2 + c.dy * h;
  const nw = w * Math.exp(c.sw);
  const nh = h * Math.exp(c.sh);
  return [cx - nw / 2, cy - nh / 2, nw, nh];
}

/** Pairs of each annotated face and the detection that overlaps it most (IoU >= `minIou`), over many photos. */
export function matchedPairs(photos: readonly { detections: readonly { box: Box }[]; faces: readonly { box: Box }[] }[], minIou = 0.3): { detected: Box; annotated: Box }[] {
  const out: { detected: Box; annotated: Box }[] = [];
  for (const p of photos) {
    for (const f of p.faces) {
      let best: Box | null = null;
      let bestIou = minIou;
      for (const d of p.detections) {
        const v = iou(d.box, f.box);
        if (v >= bestIou) [best, bestIou] = [d.box, v];
      }
      if (best) out.push({ detected: best, annotated: f.box });
    }
  }
  return out;
}
