/**
 * The `--not-face P` flag shared by `facemask detect` and `facemask video`: the classifier drops a
 * box when p(not_face) >= P (`toClassification`), for models with a `not_face` class.
 */
import type { FlagSpec } from '../args';
import { resolveConfig, type Config } from '../../config';
import { detectorThreshold } from '../../detection';

export function notFaceFlag(): FlagSpec {
  const d = resolveConfig().detect.notFace;
  return {
    type: 'number',
    value: 'P',
    help: `drop a box when the model's not_face probability is >= P, 0–1 (default: ${d.rejectAt}; only for models with not_face, with which ssd-mobilenet runs at ${d.detectorConfidence})`,
  };
}

/** The flag's value (undefined: the config's), or null after printing why it is refused. */
export function checkNotFaceFlag(verb: string, v: unknown): number | undefined | null {
  if (v === undefined) return undefined;
  const p = v as number;
  if (!(p >= 0 && p <= 1)) {
    console.error(`facemask ${verb}: --not-face must be a probability between 0 and 1, got ${p}`);
    return null;
  }
  return p;
}

/** One stderr line saying how boxes are rejected (or that --not-face does not apply to this model). */
export function noteNotFace(verb: string, classifier: { classes: readonly string[]; rejectAt?: number; trustAbove?: number }, detector: string, given: boolean, config: Config['detect']): void {
  const t = detectorThreshold(detector, classifier.classes, config);
  if (!classifier.classes.includes('not_face')) {
    if (given) console.error(`facemask ${verb}: note: the model has no not_face class (classes ${classifier.classes.join(', ')}); --not-face is ignored`);
    return;
  }
  console.error(`facemask ${verb}: ${detector} at ${t}, boxes dropped when p(not_face) >= ${classifier.rejectAt ?? config.notFace.rejectAt} or not_face is the top class${(classifier.trustAbove ?? config.notFace.trustAbove) <= 1 ? `, unless the detector scores them >= ${classifier.trustAbove ?? config.notFace.trustAbove}` : ''}`);
}
