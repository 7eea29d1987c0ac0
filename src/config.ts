/**
 * The one typed configuration of the project, with documented defaults. Every stage reads its
 * section; callers pass a `DeepPartial<Config>` and get a validated, complete `Config` back.
 *
 * `FACEMASK_SMALL=1` (small-data mode, see CONVENTIONS.md) shrinks datasets and epochs so that
 * notebooks and slow tests finish fast in CI while still running every code path.
 */

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

export interface Config {
  /** Small-data mode. default: `FACEMASK_SMALL=1` in the environment, else false */
  small: boolean;
  /** Master seed for anything random that has no seed of its own. default: 42 */
  seed: number;
  data: {
    /** Images with more pixels than this are refused before decoding. default: 50_000_000 */
    maxPixels: number;
    /** Images kept per dataset and label in small-data mode. default: 40 */
    smallPerClass: number;
    /** Decoding in parallel: number of concurrent decodes. default: 4 */
    decodeConcurrency: number;
  };
  split: {
    /** Ratios train/val/test. default: 0.7 / 0.1 / 0.2 */
    ratios: { train: number; val: number; test: number };
    /** Seed of the split. default: 42 */
    seed: number;
    /** Near-duplicate threshold (Hamming distance of 64-bit difference hashes). default: 4 */
    maxHashDistance: number;
  };
  /** Face measurements (CONVENTIONS.md "Boxes and faces"). */
  faces: {
    /** A face counts when the shorter side of its box is at least this. default: 24 */
    minSize: number;
    /** IoU for a detection to match an annotation. default: 0.3 */
    matchIou: number;
  };
  train: {
    /** Training preset name. default: 'original' */
    preset: string;
    /** Epochs. default: 20 (2 in small-data mode) */
    epochs: number;
    /** Batch size. default: 32 */
    batchSize: number;
    /** Adam learning rate. default: 1e-4 */
    learningRate: number;
  };
  detect: {
    /** Detector name. default: 'ssd-mobilenet' */
    detector: string;
    /** Minimum detector confidence. default: 0.5 */
    minConfidence: number;
    /** IoU above which overlapping boxes are suppressed. default: 0.3 */
    nmsIou: number;
  };
  video: {
    /** Run the face detector on every Nth frame, track in between. default: 1 */
    detectEvery: number;
    /** Exponential smoothing of a track's class scores (weight of the newest frame). default: 0.3 */
    smoothing: number;
  };
}

export function isSmall(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.FACEMASK_SMALL;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function defaultConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const small = isSmall(env);
  return {
    small,
    seed: 42,
    data: { maxPixels: 50_000_000, smallPerClass: 40, decodeConcurrency: 4 },
    split: { ratios: { train: 0.7, val: 0.1, test: 0.2 }, seed: 42, maxHashDistance: 4 },
    faces: { minSize: 24, matchIou: 0.3 },
    train: { preset: 'original', epochs: small ? 2 : 20, batchSize: 32, learningRate: 1e-4 },
    detect: { detector: 'ssd-mobilenet', minConfidence: 0.5, nmsIou: 0.3 },
    video: { detectEvery: 1, smoothing: 0.3 },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    if (!(k in base)) {
      throw new Error(`unknown config field "${where}${k}" (valid: ${Object.keys(base).map((x) => where + x).join(', ')})`);
    }
    const b = base[k];
    if (isPlainObject(b)) {
      if (!isPlainObject(v)) throw new Error(`config field "${where}${k}" must be an object`);
      out[k] = merge(b, v, `${where}${k}.`);
    } else {
      if (typeof v !== typeof b) throw new Error(`config field "${where}${k}" must be a ${typeof b}, got ${JSON.stringify(v)}`);
      out[k] = v;
    }
  }
  return out;
}

/** A complete, validated config: defaults overridden by `overrides`. Unknown or ill-typed fields throw. */
export function resolveConfig(overrides: DeepPartial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const c = merge(defaultConfig(env) as unknown as Record<string, unknown>, overrides as Record<string, unknown>, '') as unknown as Config;
  const r = c.split.ratios;
  if (Math.abs(r.train + r.val + r.test - 1) > 1e-6 || [r.train, r.val, r.test].some((x) => x < 0)) {
    throw new Error(`split.ratios must be non-negative and sum to 1, got ${r.train}/${r.val}/${r.test}`);
  }
  if (c.train.epochs < 1 || !Number.isInteger(c.train.epochs)) throw new Error(`train.epochs must be a positive integer`);
  if (c.train.batchSize < 1 || !Number.isInteger(c.train.batchSize)) throw new Error(`train.batchSize must be a positive integer`);
  if (c.detect.minConfidence < 0 || c.detect.minConfidence > 1) throw new Error(`detect.minConfidence must be in [0, 1]`);
  if (c.video.detectEvery < 1 || !Number.isInteger(c.video.detectEvery)) throw new Error(`video.detectEvery must be a positive integer`);
  return c;
}
