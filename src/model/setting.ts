/**
 * A detection setting chosen for a model and one detector by `facemask tune` on validation photos
 * and stored in the model's manifest by `facemask promote`: the detector's threshold and the box
 * policy (src/detection/policy.ts). Pure and browser-safe: the manifest reader and the detector
 * registry both validate settings here.
 */

export interface TunedSetting {
  /** Detector confidence threshold, in (0, 1). */
  threshold: number;
  /** Drop a box when p(not_face) >= this; null: only when not_face is the top class. */
  rejectAt: number | null;
  /** Keep every box the detector scores >= this, whatever the classifier says; null: none. */
  trustAbove: number | null;
  /** A box correction toward the annotators' convention, learned on the fitting photos (src/detection/boxfit.ts); absent: none. */
  box?: { dx: number; dy: number; sw: number; sh: number; n: number };
  /** Where it was chosen: the tune run and its summary in docs/results/. */
  chosenBy?: string;
}

const inUnit = (x: unknown) => typeof x === 'number' && x >= 0 && x <= 1;

/** A detector threshold is in (0, 1) (throws naming `where` otherwise). */
export function checkThreshold(t: unknown, where: string): number {
  if (!(typeof t === 'number' && t > 0 && t < 1)) throw new Error(`${where}: the detector threshold must be in (0, 1), got ${JSON.stringify(t)}`);
  return t;
}

/** A rejection level or trusted score is in [0, 1], or null (off). */
export function checkLevel(x: unknown, what: 'rejectAt' | 'trustAbove', where: string): number | null {
  if (x !== null && !inUnit(x)) throw new Error(`${where}: ${what} must be in [0, 1] or null (off), got ${JSON.stringify(x)}`);
  return x as number | null;
}

/** A tuned setting's values are in range (throws naming the field otherwise). */
export function checkTunedSetting(t: TunedSetting, where: string): TunedSetting {
  if (!t || typeof t !== 'object') throw new Error(`${where}: must be { threshold, rejectAt, trustAbove }`);
  checkThreshold(t.threshold, where);
  checkLevel(t.rejectAt, 'rejectAt', where);
  checkLevel(t.trustAbove, 'trustAbove', where);
  if (t.box !== undefined && !(t.box && ['dx', 'dy', 'sw', 'sh'].every((k) => Number.isFinite((t.box as Record<string, number>)[k])))) throw new Error(`${where}: box must be { dx, dy, sw, sh, n } (finite numbers)`);
  return t;
}
