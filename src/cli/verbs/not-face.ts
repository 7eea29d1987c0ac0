/**
 * The `--not-face P` and `--trust-above S` flags shared by `facemask detect` and `facemask video`,
 * for models with a `not_face` class: the classifier drops a box when p(not_face) >= P, unless the
 * face detector scored the box >= S (`toClassification`).
 */
import type { FlagSpec, ParsedArgs } from '../args';
import { resolveConfig, type Config } from '../../config';
import { detectorThreshold } from '../../detection';

export function notFaceFlags(): Record<'not-face' | 'trust-above', FlagSpec> {
  const detect = resolveConfig().detect;
  const d = detect.notFace;
  return {
    'not-face': {
      type: 'number',
      value: 'P',
      help: `drop a box when the model's not_face probability is >= P, 0–1 (default: ${d.rejectAt}; only for models with not_face, with which ssd-mobilenet runs at ${detect.ssdMobilenet.notFaceConfidence})`,
    },
    'trust-above': {
      type: 'number',
      value: 'S',
      help: `never drop a box the face detector scores >= S, 0–1; 1 turns this off (default: ${d.trustAbove > 1 ? 1 : d.trustAbove})`,
    },
  };
}

/**
 * The flags' values for `loadClassifier` (undefined: the config's), or null after printing why one
 * is refused. `--trust-above 1` becomes 1.01: no box is trusted on its score alone.
 */
export function checkNotFaceFlags(verb: string, flags: ParsedArgs['flags']): { rejectNotFace?: number; trustAbove?: number } | null {
  const out: { rejectNotFace?: number; trustAbove?: number } = {};
  for (const [flag, key] of [['not-face', 'rejectNotFace'], ['trust-above', 'trustAbove']] as const) {
    const v = flags[flag];
    if (v === undefined) continue;
    const p = v as number;
    if (!(p >= 0 && p <= 1)) {
      console.error(`facemask ${verb}: --${flag} must be ${flag === 'not-face' ? 'a probability' : 'a detector score'} between 0 and 1, got ${p}`);
      return null;
    }
    out[key] = key === 'trustAbove' && p === 1 ? 1.01 : p;
  }
  return out;
}

/** One stderr line saying how boxes are rejected (or that the flags do not apply to this model). */
export function noteNotFace(verb: string, classifier: { classes: readonly string[]; rejectAt: number; trustAbove: number }, detector: string, flags: ParsedArgs['flags'], config: Config['detect']): void {
  const t = detectorThreshold(detector, classifier.classes, config);
  if (!classifier.classes.includes('not_face')) {
    const given = ['not-face', 'trust-above'].filter((f) => flags[f] !== undefined);
    if (given.length) console.error(`facemask ${verb}: note: the model has no not_face class (classes ${classifier.classes.join(', ')}); ${given.map((f) => `--${f}`).join(' and ')} ignored`);
    return;
  }
  console.error(`facemask ${verb}: ${detector} at ${t}, boxes dropped when p(not_face) >= ${classifier.rejectAt} or not_face is the top class${classifier.trustAbove <= 1 ? `, unless the detector scores them >= ${classifier.trustAbove}` : ''}`);
}
