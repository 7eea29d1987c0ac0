/**
 * A detection setting chosen for a model and one detector by `facemask tune` on validation photos
 * and stored in the model's manifest by `facemask promote`: the detector's threshold and the box
 * policy (src/detection/policy.ts). Pure and browser-safe: the manifest reader and the detector
 * registry both validate settings here.
 *
 * A model holds one such setting per detector (one scale: what video runs) and a photo setting
 * (`PhotoSetting`): the detector chosen for photos, maybe two scales, and its own threshold and box
 * policy.
 */
/**
 * A box correction toward the annotators' convention (how it is learnt and applied:
 * src/detection/boxfit.ts): centre + (dx·w, dy·h), size · (e^sw, e^sh).
 */
export interface BoxCorrection {
  /** Centre shift as a share of the detector box's width / height. */
  dx: number;
  dy: number;
  /** Log of the width / height scale. */
  sw: number;
  sh: number;
  /** Boxes it was learned from. */
  n: number;
}

export interface TunedSetting {
  /** Detector confidence threshold, in (0, 1). */
  threshold: number;
  /** Drop a box when p(not_face) >= this; null: only when not_face is the top class. */
  rejectAt: number | null;
  /** Keep every box the detector scores >= this, whatever the classifier says; null: none. */
  trustAbove: number | null;
  /** A box correction toward the annotators' convention, learned on the fitting photos (src/detection/boxfit.ts); absent: none. */
  box?: BoxCorrection;
  /** Where it was chosen: the tune run and its summary in docs/results/. */
  chosenBy?: string;
}

/** Two scales for photos (how they are searched and merged: src/detection/scales.ts). */
export interface ScalePlan {
  /** The second pass's enlargement, in (1, 4]. */
  upscale: number;
  /** Faces (shorter side, px in the photo) under this come from the second pass, from 2x this the first; in between both. */
  split: number;
  /** The enlarged photo's most pixels (the factor is lowered to fit). */
  maxPixels: number;
}

/** Checks a plan's values (throws naming the field and the valid range). */
export function checkScalePlan(p: ScalePlan, where: string): ScalePlan {
  if (!p || typeof p !== 'object') throw new Error(`${where}: scales must be { upscale, split, maxPixels }`);
  if (!(typeof p.upscale === 'number' && p.upscale > 1 && p.upscale <= 4)) throw new Error(`${where}: scales.upscale must be in (1, 4], got ${JSON.stringify(p.upscale)}`);
  if (!(typeof p.split === 'number' && p.split > 0 && p.split <= 1000)) throw new Error(`${where}: scales.split must be in (0, 1000] px, got ${JSON.stringify(p.split)}`);
  if (!(Number.isInteger(p.maxPixels) && p.maxPixels >= 10_000)) throw new Error(`${where}: scales.maxPixels must be a whole number >= 10000, got ${JSON.stringify(p.maxPixels)}`);
  return p;
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
  if (t.box !== undefined && !finiteBox(t.box)) throw new Error(`${where}: box must be { dx, dy, sw, sh, n } (finite numbers)`);
  return t;
}

/** The photo setting: a detector, its scales, and the setting at them (the threshold is the drawing threshold). */
export interface PhotoSetting extends TunedSetting {
  detector: string;
  /** Two scales (src/detection/scales.ts); null: one. */
  scales: ScalePlan | null;
  /** The correction of boxes found on the enlarged photo, when learnt apart from `box`. */
  fineBox?: BoxCorrection;
}

const finiteBox = (b: unknown) => !!b && typeof b === 'object' && ['dx', 'dy', 'sw', 'sh'].every((k) => Number.isFinite((b as Record<string, number>)[k]));

/** A photo setting's values are in range (throws naming the field otherwise). */
export function checkPhotoSetting(p: PhotoSetting, where: string): PhotoSetting {
  checkTunedSetting(p, where);
  if (typeof p.detector !== 'string' || !p.detector) throw new Error(`${where}: detector must be a detector's name`);
  if (p.scales !== null) checkScalePlan(p.scales, where);
  if (p.fineBox !== undefined && !finiteBox(p.fineBox)) throw new Error(`${where}: fineBox must be { dx, dy, sw, sh, n } (finite numbers)`);
  return p;
}
