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
 * The best emitted class of a probability row in the model's class order (internal classes such as
 * `not_face` are skipped): what `facemask classify` reports, and how a kept box is labelled.
 */
export function bestEmitted(probs: ArrayLike<number>, classes: readonly string[]): Classification {
  let best = -1;
  const scores: ClassScores = {};
  classes.forEach((c, j) => {
    if (!isLabel(c)) return;
    scores[c] = probs[j];
    if (best < 0 || probs[j] > probs[best]) best = j;
  });
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

/** An input that could not be processed; the run goes on. */
export interface ErrorResult {
  file: string;
  error: string;
}

export type FileResult = ClassifyResult | DetectResult | ErrorResult;

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

/** Serialise a result as one JSON line (scores to 4 digits, boxes to whole pixels, ms to 0.1). */
export function toJsonLine(r: FileResult): string {
  if (isError(r)) return JSON.stringify({ file: r.file, error: r.error });
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
      ms: Object.fromEntries(Object.entries(r.ms).map(([k, v]) => [k, round(v, 1)])),
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
