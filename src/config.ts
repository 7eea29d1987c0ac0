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
    /** Which difference hash links two images: 'either' (whole image or its upper half), 'whole' or 'upper'. default: 'either' */
    hash: 'either' | 'whole' | 'upper';
    /** Chain guard: a group grows beyond this many images only through strict links. default: 12 */
    maxGroupSize: number;
    /** Chain guard: a strict link is within this many bits. default: 1 */
    strictDistance: number;
    /** An upper-half link pays one bit per bit of whole-image distance beyond this. default: 12 */
    upperWholeLimit: number;
    /** Same-number `observations` pairs (N.jpg ↔ N-with-mask.jpg) are grouped when either hash is within this. default: 10 */
    namedPairDistance: number;
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
    /** Worker threads running the frozen base while caching features (0 = the main thread). default: 2 */
    workers: number;
  };
  detect: {
    /** Face detector (`res10` | `ssd-mobilenet` | `blazeface` | `tiny` | `ssd-tiled` | `consensus`), chosen by masked-face recall within 0.1 false detections per image on the Kaggle tune part with the shipped realworld model (README). default: 'ssd-mobilenet' */
    detector: string;
    /** Minimum detector confidence for whichever detector runs, overriding its own below (and its `notFaceConfidence`) when > 0. default: 0 (each detector's own) */
    minConfidence: number;
    /** Rejecting false boxes with a classifier that has a `not_face` class (`detectorConfig` in src/detection). */
    notFace: {
      /** Drop a box when p(not_face) >= this (as well as when not_face is the top class). The two `notFace` defaults and `ssdMobilenet.notFaceConfidence` were chosen together on Kaggle tune photos >= 160 (`chooseOnTune`, src/evaluation/scenes.ts). default: 0.2 */
      rejectAt: number;
      /** A box the face detector scores at least this is never dropped by not_face (it is labelled by its best face class); 1.01: no box is. default: 0.9 */
      trustAbove: number;
    };
    /** IoU above which overlapping boxes are suppressed. default: 0.3 */
    nmsIou: number;
    /** Most faces kept per image. default: 100 */
    maxFaces: number;
    /** OpenCV's ResNet-10 SSD (the original's), through opencv-wasm. */
    res10: {
      /** default: 0.5 (the original's) */
      minConfidence: number;
      /** Square network input side. default: 300 */
      inputSize: number;
    };
    /** face-api's SSD MobileNetV1 (input fixed at 512x512 by the network). */
    ssdMobilenet: {
      /** Tuned: the best masked recall within 0.1 false detections per image on the Kaggle tune part. default: 0.65 */
      minConfidence: number;
      /** Its threshold instead when the classifier has `not_face` and `minConfidence` is 0 (low, for recall: the classifier rejects the extra false boxes). default: 0.15 */
      notFaceConfidence: number;
    };
    /** BlazeFace (256x256 back-camera model shipped by @vladmandic/human; about 6x faster than SSD here: 58 against 367 ms per 640x480 frame in one bench/video.ts run). */
    blazeface: {
      /** Tuned like ssdMobilenet, on the Kaggle tune part (`bench/detect.ts tune`). default: 0.525 */
      minConfidence: number;
      /** Its threshold when the classifier has `not_face` and `minConfidence` is 0 (like `ssdMobilenet.notFaceConfidence`), chosen on tune photos 160–199 with the `notFace` rejection (0.325–0.4 tie; ties go to the higher threshold). default: 0.4 */
      notFaceConfidence: number;
    };
    /** face-api's Tiny Face Detector. */
    tiny: {
      /** Tuned as for ssdMobilenet (at input 416). default: 0.325 */
      minConfidence: number;
      /** Network input side, a multiple of 32. default: 416 */
      inputSize: number;
    };
    /** SSD MobileNetV1 on the whole image plus a grid of overlapping upscaled tiles. */
    ssdTiled: {
      /** default: 0.5 */
      minConfidence: number;
      /** Tiles per side. default: 2 */
      grid: number;
      /** Overlap of neighbouring tiles (share of a tile). default: 0.25 */
      overlap: number;
    };
    /** A primary detector's boxes confirmed by a second detector (fused score = geometric mean). */
    consensus: {
      /** Detector whose boxes are kept. default: 'ssd-mobilenet' */
      primary: string;
      /** Detector that must confirm them. default: 'res10' */
      verifier: string;
      /** Each part's own threshold (low, for recall). default: 0.05 */
      partMinConfidence: number;
      /** Minimum fused score, tuned as for ssdMobilenet. default: 0.275 */
      minConfidence: number;
      /** IoU for the verifier to confirm a box. default: 0.4 */
      agreeIou: number;
    };
  };
  video: {
    /** Face detector for video ('' = `detect.detector`): BlazeFace, 43 fps at 640x480 against 15.8 for SSD (`bench/video.ts`), at some cost in masked faces found on street photos (README). default: 'blazeface' */
    detector: string;
    /** Run the face detector (and the classifier) on every Nth frame, track in between; 10 is where fps levels off at 640x480 (bench/video.ts). default: 10 */
    detectEvery: number;
    /** Exponential smoothing of a track's class scores (weight of the newest classification). default: 0.3 */
    smoothing: number;
    /** IoU for a detection to continue a track. default: 0.3 */
    trackIou: number;
    /** A track unmatched for this many detection rounds is dropped. default: 2 */
    maxMissed: number;
  };
  /** Synthetic masks (`facemask synth`, `src/synth/`). */
  synth: {
    /** A face is used when the shorter side of its box is at least this (px). default: 48 */
    minFaceSize: number;
    /** Largest head roll (degrees) for a usable face. default: 40 */
    maxRoll: number;
    /** Largest estimated head yaw (degrees; 90 = profile) for a usable face. default: 45 */
    maxYaw: number;
    /** Minimum face-detector confidence. default: 0.5 */
    minScore: number;
    /** Square crop around the face: margin on each side, as a share of the box's longer side. default: 0.35 */
    cropMargin: number;
    /** JPEG quality of the generated images. default: 92 */
    jpegQuality: number;
    /** Images decoded ahead while faces are being found. default: 2 */
    concurrency: number;
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
    split: { ratios: { train: 0.7, val: 0.1, test: 0.2 }, seed: 42, maxHashDistance: 4, hash: 'either', maxGroupSize: 12, strictDistance: 1, upperWholeLimit: 12, namedPairDistance: 10 },
    faces: { minSize: 24, matchIou: 0.3 },
    train: { preset: 'original', epochs: small ? 2 : 20, batchSize: 32, learningRate: 1e-4, workers: 2 },
    detect: {
      detector: 'ssd-mobilenet',
      minConfidence: 0,
      notFace: { rejectAt: 0.2, trustAbove: 0.9 },
      nmsIou: 0.3,
      maxFaces: 100,
      res10: { minConfidence: 0.5, inputSize: 300 },
      ssdMobilenet: { minConfidence: 0.65, notFaceConfidence: 0.15 },
      blazeface: { minConfidence: 0.525, notFaceConfidence: 0.4 },
      tiny: { minConfidence: 0.325, inputSize: 416 },
      ssdTiled: { minConfidence: 0.5, grid: 2, overlap: 0.25 },
      consensus: { primary: 'ssd-mobilenet', verifier: 'res10', partMinConfidence: 0.05, minConfidence: 0.275, agreeIou: 0.4 },
    },
    video: { detector: 'blazeface', detectEvery: 10, smoothing: 0.3, trackIou: 0.3, maxMissed: 2 },
    synth: { minFaceSize: 48, maxRoll: 40, maxYaw: 45, minScore: 0.5, cropMargin: 0.35, jpegQuality: 92, concurrency: 2 },
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
  if (c.detect.minConfidence < 0 || c.detect.minConfidence >= 1) throw new Error(`detect.minConfidence must be in [0, 1)`);
  if (!(c.detect.notFace.rejectAt >= 0 && (c.detect.notFace.rejectAt <= 1 || c.detect.notFace.rejectAt === 1.01))) throw new Error(`detect.notFace.rejectAt must be in [0, 1] (or 1.01: never on the probability alone)`);
  if (!(c.detect.notFace.trustAbove >= 0 && (c.detect.notFace.trustAbove <= 1 || c.detect.notFace.trustAbove === 1.01))) throw new Error(`detect.notFace.trustAbove must be in [0, 1] (or 1.01: no box is trusted)`);
  for (const k of ['ssdMobilenet', 'blazeface'] as const) {
    const v = c.detect[k].notFaceConfidence;
    if (!(v > 0 && v < 1)) throw new Error(`detect.${k}.notFaceConfidence must be in (0, 1)`);
  }
  if (!(c.detect.nmsIou > 0 && c.detect.nmsIou <= 1)) throw new Error(`detect.nmsIou must be in (0, 1]`);
  if (!(c.video.smoothing > 0 && c.video.smoothing <= 1)) throw new Error(`video.smoothing must be in (0, 1]`);
  if (c.video.maxMissed < 0 || !Number.isInteger(c.video.maxMissed)) throw new Error(`video.maxMissed must be a whole number >= 0`);
  if (c.video.detectEvery < 1 || !Number.isInteger(c.video.detectEvery)) throw new Error(`video.detectEvery must be a positive integer`);
  return c;
}
