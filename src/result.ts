/**
 * The one result type shared by the CLI (JSON lines), the notebooks (tables, pictures) and the
 * tests. Shapes follow docs/contracts.md ("JSON lines").
 */
import { isLabel, type Label } from './labels';

/** A box `[x, y, w, h]` in pixels of the original image, origin top-left. */
export type Box = [number, number, number, number];

/** Scores per emitted class, in the model's output order. */
export type ClassScores = Partial<Record<Label, number>>;

export interface Classification {
  label: Label;
  score: number;
  scores: ClassScores;
}

/**
 * How a label is decided from a model's (calibrated) probabilities — the model's decision rule,
 * chosen on validation by `facemask calibrate` and stored in its manifest (`decision`):
 * `'argmax'`: the best emitted class; `{ incorrect_mask: t }`: incorrect_mask when its probability is
 * >= t, otherwise the best of the other emitted classes.
 */
export type DecisionRule = 'argmax' | { incorrect_mask: number };

/** A decision rule is `'argmax'` or `{ incorrect_mask: t }` with t in (0, 1) (throws naming `where`). */
export function checkDecisionRule(d: unknown, where: string, classes?: readonly string[]): DecisionRule {
  if (d === 'argmax') return d;
  const t = (d as { incorrect_mask?: unknown } | null)?.incorrect_mask;
  if (!d || typeof d !== 'object' || Object.keys(d).length !== 1 || !(typeof t === 'number' && t > 0 && t < 1)) {
    throw new Error(`${where}: the decision rule must be "argmax" or { "incorrect_mask": t } with t in (0, 1), got ${JSON.stringify(d)}`);
  }
  if (classes && !classes.includes('incorrect_mask')) throw new Error(`${where}: a threshold on incorrect_mask, but the model has no incorrect_mask class (${classes.join(', ')})`);
  return d as DecisionRule;
}

/**
 * The label of a probability row in the model's class order under a decision rule (default: the
 * best emitted class; internal classes such as `not_face` are skipped): what `facemask classify`
 * reports, how a kept box is labelled (src/detection/policy.ts), what a video track draws
 * (src/detection/tracker.ts) and what every measurement counts — the one owner of the rule.
 */
export function bestEmitted(probs: ArrayLike<number>, classes: readonly string[], decision: DecisionRule = 'argmax'): Classification {
  let best = -1;
  const scores: ClassScores = {};
  const forced = decision === 'argmax' ? -1 : classes.indexOf('incorrect_mask');
  const threshold = decision === 'argmax' ? Infinity : decision.incorrect_mask;
  classes.forEach((c, j) => {
    if (!isLabel(c)) return;
    scores[c] = probs[j];
    if (j === forced) return;
    if (best < 0 || probs[j] > probs[best]) best = j;
  });
  if (forced >= 0 && (probs[forced] >= threshold || best < 0)) best = forced;
  if (best < 0) throw new Error(`no emitted class among [${classes.join(', ')}]`);
  return { label: classes[best] as Label, score: probs[best], scores };
}

/** One line of `facemask classify`. */
export interface ClassifyResult extends Classification {
  file: string;
  /**
   * A model with the aligned crop rule only: `aligned` — the image's best face (its landmark detector)
   * was cut aligned; `whole` — no face was found, the whole image was classified as it is.
   */
  crop?: 'aligned' | 'whole';
}

/** One face of `facemask detect`. */
export interface FaceResult extends Classification {
  box: Box;
  faceScore: number;
  /** Facial landmarks `[x, y]` in pixels when the detector gives them (YuNet: eyes, nose tip, mouth corners). */
  landmarks?: [number, number][];
}

/** Milliseconds per stage. */
export interface StageTimes {
  detect: number;
  classify: number;
  [stage: string]: number;
}

/** One line of `facemask detect`. */
export interface DetectResult {
  file: string;
  width: number;
  height: number;
  faces: FaceResult[];
  ms: StageTimes;
}

/** One box of `facemask detect --all-boxes`: as the detector found it (corrected), before the box policy. */
export interface ScoredFace {
  box: Box;
  faceScore: number;
  /** Every class of the model, internal ones (not_face) too: its (calibrated) probabilities, summing to 1. */
  scores: Record<string, number>;
}

/** One line of `facemask detect --all-boxes`: every box the detector scores at least `floor`. */
export interface ScoredBoxesResult {
  file: string;
  width: number;
  height: number;
  floor: number;
  boxes: ScoredFace[];
  ms: StageTimes;
}

/** An input that could not be processed; the run goes on. */
export interface ErrorResult {
  file: string;
  error: string;
}

export type FileResult = ClassifyResult | DetectResult | ScoredBoxesResult | ErrorResult;

export function isError(r: FileResult): r is ErrorResult {
  return (r as ErrorResult).error !== undefined;
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function roundScores(s: ClassScores): ClassScores {
  const out: ClassScores = {};
  for (const [k, v] of Object.entries(s)) out[k as Label] = round(v as number, 4);
  return out;
}

const roundMs = (ms: StageTimes) => Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, round(v, 1)]));

/** Serialise a result as one JSON line (scores to 4 digits, boxes to whole pixels, ms to 0.1; `--all-boxes` lines: boxes and scores as computed). */
export function toJsonLine(r: FileResult): string {
  if (isError(r)) return JSON.stringify({ file: r.file, error: r.error });
  if ('boxes' in r) {
    return JSON.stringify({
      file: r.file,
      width: r.width,
      height: r.height,
      floor: r.floor,
      // not rounded: a box at IoU 0.5 to an annotation within a rounding, or two near-equal scores, would
      // move the AP a tool recomputes from these lines
      boxes: r.boxes.map((b) => ({ box: [...b.box], faceScore: b.faceScore, scores: { ...b.scores } })),
      ms: roundMs(r.ms),
    });
  }
  if ('faces' in r) {
    return JSON.stringify({
      file: r.file,
      width: r.width,
      height: r.height,
      faces: r.faces.map((f) => ({
        box: f.box.map((v) => Math.round(v)),
        faceScore: round(f.faceScore, 4),
        label: f.label,
        score: round(f.score, 4),
        scores: roundScores(f.scores),
        ...(f.landmarks ? { landmarks: f.landmarks.map(([x, y]) => [round(x, 1), round(y, 1)]) } : {}),
      })),
      ms: roundMs(r.ms),
    });
  }
  return JSON.stringify({ file: r.file, label: r.label, score: round(r.score, 4), scores: roundScores(r.scores), ...(r.crop ? { crop: r.crop } : {}) });
}

/** "2 with_mask, 1 without_mask" — a one-line summary of a detection (like ultralytics' verbose()). */
export function summarise(r: DetectResult): string {
  if (r.faces.length === 0) return 'no faces';
  const counts = new Map<string, number>();
  for (const f of r.faces) counts.set(f.label, (counts.get(f.label) ?? 0) + 1);
  return [...counts].map(([l, n]) => `${n} ${l}`).join(', ');
}
