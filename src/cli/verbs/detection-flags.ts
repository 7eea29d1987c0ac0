/**
 * The detection flags shared by `facemask detect` and `facemask video`: which detector, at how
 * many scales, its threshold and the box policy (src/detection/policy.ts). Unset flags leave the choice to the
 * model's tuned setting (its manifest, written by `facemask tune` + `facemask promote`), else the
 * detector's own threshold (src/detection/registry.ts `resolveSettings`).
 */
import { UsageError, type FlagSpecs, type ParsedArgs } from '../args';
import { DETECTORS } from '../../detection/detectors';
import type { SettingsRequest } from '../../detection/registry';
import type { Config } from '../../config';

export function detectionFlags() {
  return {
    detector: { type: 'string', value: 'NAME', help: "face detector (default: the model's tuned one, else config detect.detector)", choices: DETECTORS.names() },
    threshold: { type: 'number', value: 'T', help: "detector confidence threshold, 0–1 (default: the model's tuned setting for the detector, else the detector's own)" },
    'not-face': { type: 'string', value: 'P', help: "drop a box when the model's p(not_face) >= P, 0–1, or 'off' (default: the model's tuned setting; models with not_face only)" },
    'trust-above': { type: 'string', value: 'S', help: "keep every box the detector scores >= S, 0–1, or 'off' (default: the model's tuned setting)" },
    upscale: { type: 'number', value: 'K', help: "search photos at two scales, the second enlarged K times (1: one scale; default: the model's photo setting, one scale on video)" },
    model: { type: 'string', value: 'DIR', help: 'classifier folder (default: models/default)' },
  } as const satisfies FlagSpecs;
}

/** The parsed detection flags. */
export type DetectionFlags = ParsedArgs<ReturnType<typeof detectionFlags>>['flags'];

/** A level flag: a number in [0, 1], or 'off' (null). */
function level(flag: string, v: unknown): number | null {
  if (v === 'off') return null;
  const x = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !(x >= 0 && x <= 1)) throw new UsageError(`--${flag} must be a number between 0 and 1, or off; got ${JSON.stringify(v)}`);
  return x;
}

/** The flags as a settings request (undefined: not given); `--upscale` takes the rest of its plan from `scales`. Throws `UsageError` for a bad value. */
export function settingsRequest(flags: DetectionFlags, scales: Config['detect']['scales']): SettingsRequest {
  const req: SettingsRequest = {};
  if (flags.detector !== undefined) req.detector = flags.detector;
  if (flags.threshold !== undefined) {
    const t = flags.threshold;
    if (!(t > 0 && t < 1)) throw new UsageError(`--threshold must be between 0 and 1 (exclusive), got ${t}`);
    req.threshold = t;
  }
  if (flags['not-face'] !== undefined) req.rejectAt = level('not-face', flags['not-face']);
  if (flags['trust-above'] !== undefined) req.trustAbove = level('trust-above', flags['trust-above']);
  if (flags.upscale !== undefined) {
    const k = flags.upscale;
    if (!(k >= 1 && k <= 4)) throw new UsageError(`--upscale must be from 1 (one scale) to 4, got ${k}`);
    req.scales = k === 1 ? null : { upscale: k, ...scales };
  }
  return req;
}

/** A note on stderr when policy flags are given for a model without not_face (they change nothing). */
export function noteUnusedFlags(verb: string, classes: readonly string[], flags: DetectionFlags): void {
  if (classes.includes('not_face')) return;
  const given = (['not-face', 'trust-above'] as const).filter((f) => flags[f] !== undefined);
  if (given.length) console.error(`facemask ${verb}: note: the model has no not_face class (classes ${classes.join(', ')}); ${given.map((f) => `--${f}`).join(' and ')} change nothing`);
}
