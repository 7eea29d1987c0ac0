/**
 * The one typed configuration of the project, with documented defaults. Every stage reads its
 * section; callers pass a `DeepPartial<Config>` and get a validated, complete `Config` back.
 *
 * `FACEMASK_SMALL=1` (small-data mode, see docs/contracts.md) shrinks datasets and epochs so that
 * notebooks and slow tests finish fast in CI while still running every code path.
 */

/** Where a network runs: its ONNX export on ONNX Runtime, or tfjs. */
export type Runtime = 'onnx' | 'tfjs';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

export interface Config {
  /** Small-data mode. default: `FACEMASK_SMALL=1` in the environment, else false */
  small: boolean;
  /** Master seed for anything random that has no seed of its own. default: 42 */
  seed: number;
  data: {
    /** Images with more pixels than this are refused before decoding. default: 50_000_000 */
    maxPixels: number;
    /** Larger photos are scaled down to this many pixels before `synth` finds landmarks and draws (memory stays bounded). default: 8_000_000 */
    workPixels: number;
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
  /** Face measurements (docs/contracts.md "Boxes and faces"). */
  faces: {
    /** A face counts when the shorter side of its box is at least this. default: 24 */
    minSize: number;
    /** IoU for a detection to match an annotation. default: 0.3 */
    matchIou: number;
    /**
     * The field's measure (mAP@0.5 over every face, src/evaluation/voc.ts) and `facemask detect
     * --all-boxes`: every box the detector scores at least this, before the box policy. default: 0.05
     */
    scoreFloor: number;
  };
  train: {
    /** Training recipe: `original` (the tutorial's) or `realworld` (src/training/presets.ts). default: 'original' */
    preset: string;
    /** Epochs in small-data mode (a full run uses the recipe's). default: 2 */
    smallEpochs: number;
    /** Worker threads running the frozen base on tfjs while caching features (0 = the main thread). default: 2 */
    workers: number;
    /** Where the frozen base runs while caching features: 'onnx' (its export on ONNX Runtime, native) or 'tfjs'. default: 'onnx' */
    runtime: Runtime;
  };
  /** Classifying faces (detection, video, `facemask classify`). */
  classify: {
    /** Where the classifier runs: 'onnx' (its `model.onnx` on ONNX Runtime: native, about 4x faster than tfjs here) or 'tfjs' (the tfjs backend; a model without an ONNX form runs here whatever this says). default: 'onnx' */
    runtime: Runtime;
  };
  /**
   * Face detection. The threshold a detector runs at and the box policy (not_face rejection, trusted
   * boxes) are not set here: they come from the model's manifest (`detection`, written by `facemask
   * tune` + `facemask promote`), or from command-line flags, or else the detector's own
   * `minConfidence` below (src/detection/registry.ts `resolveSettings`, the one place that decides).
   */
  detect: {
    /** Face detector for photos; null: the one the model's manifest names, else 'ssd-mobilenet'. default: null */
    detector: string | null;
    /** IoU above which overlapping boxes are suppressed. default: 0.3 */
    nmsIou: number;
    /** Most faces kept per image. default: 100 */
    maxFaces: number;
    /** OpenCV's ResNet-10 SSD (the original's), through opencv-wasm. */
    res10: {
      /** Its own threshold (used when the model has no tuned setting for it). default: 0.5 (the original's) */
      minConfidence: number;
      /** Square network input side. default: 300 */
      inputSize: number;
    };
    /** face-api's SSD MobileNetV1 (input fixed at 512x512 by the network). */
    ssdMobilenet: {
      /** Its own threshold: the best masked recall within 0.1 false detections per image on the Kaggle tune part, with a two-class model. default: 0.65 */
      minConfidence: number;
    };
    /** BlazeFace (256x256 back-camera model shipped by @vladmandic/human; about 6x faster than SSD here: 58 against 367 ms per 640x480 frame in one bench/video.ts run). */
    blazeface: {
      /** Its own threshold, tuned like ssdMobilenet's. default: 0.525 */
      minConfidence: number;
    };
    /** YuNet (libfacedetection's ONNX detector with 5 landmarks, run on ONNX Runtime; files in face_detector/yunet/): `yunet` is yunet_s (OpenCV Zoo's). */
    yunet: {
      /** Its own threshold: the best recall of counted faces within 0.1 false detections per image on Kaggle validation photos, without a classifier (bench/yunet.ts). default: 0.75 */
      minConfidence: number;
      /** Images whose longer side exceeds this (after upscaling) are scaled down first. default: 1024 */
      maxSide: number;
    };
    /** YuNet's larger variant, yunet_n (same input settings as `yunet`). */
    yunetN: {
      /** Its own threshold, chosen like `yunet.minConfidence`. default: 0.8 */
      minConfidence: number;
    };
    /** Two scales for photos (src/detection/scales.ts) when asked for by factor (`--upscale K`, `facemask tune --upscale`); a model's photo setting holds its own. */
    scales: {
      /** Faces under this (px) come from the enlarged photo, from twice this from the photo as it is. default: 24 */
      split: number;
      /** The enlarged photo's most pixels. default: 1500000 */
      maxPixels: number;
    };
  };
  video: {
    /** Face detector for video; null: `detect.detector`'s rule (the model's tuned detector, yunet-n for models/default). default: null */
    detector: string | null;
    /** Run the face detector (and the classifier) on every Nth frame, track in between; YuNet on ONNX Runtime keeps up with every frame at 640x480 (~40 fps, bench/video.ts); raise it on slow machines. default: 1 */
    detectEvery: number;
    /** Exponential smoothing of a track's class scores (weight of the newest classification). default: 0.3 */
    smoothing: number;
    /** IoU for a detection to continue a track. default: 0.3 */
    trackIou: number;
    /** A track unmatched for this many detection rounds is dropped. default: 2 */
    maxMissed: number;
    /**
     * When a track's last classification stands in for a new one (src/detection/tracker.ts
     * `mayReuse`): for at most `frames` frames in a row, while the box overlaps the box classified at
     * IoU >= `minIou`, and only when that classification's score was >= `minScore`. Chosen by
     * bench/video.ts so that the drawn labels are those of classifying every frame on at least 99 %
     * of the frames of the real and the synthetic clip. `frames` 0 classifies every frame.
     * default: { frames: 8, minIou: 0.7, minScore: 0.9 }
     */
    reuse: { frames: number; minIou: number; minScore: number };
    /** Read the next frame and start its detection while this one is classified, drawn and written. default: true */
    overlap: boolean;
    /**
     * Threads of the detector's ONNX session in video (native engine; the classifier has its own,
     * `classifierThreads`). With `overlap` the next frame's detection runs while this frame is classified, so one
     * thread leaves the other core to the classifier: bench/video.ts on two cores, 39.4 against 30.5 fps
     * (synthetic clip) and 60.3 against 45.1 (real clip), the same labels. default: 1
     */
    detectorThreads: number;
    /**
     * Run video's detector (YuNet) on a thread of its own (src/detection/threaded.ts). onnxruntime-node
     * runs a network on the thread that calls it, so on the main thread the next frame's detection
     * and this frame's classification take turns even with `overlap`; on its own thread they run at
     * once (bench/video.ts). default: true
     */
    detectorThread: boolean;
    /**
     * Threads of the classifier's ONNX session in video (native engine). A frame's few faces are a
     * small batch: on two cores one thread classifies three faces in 8.3 ms against 10.9 on two (waking
     * the second costs more than it gives), and leaves the other core to the next frame's detection
     * (bench/video.ts). default: 1
     */
    classifierThreads: number;
    /** A track drawn on fewer frames than this is not counted as a face in a video's summary (`--summary`). default: 3 */
    summaryMinFrames: number;
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
    data: { maxPixels: 50_000_000, workPixels: 8_000_000, smallPerClass: 40, decodeConcurrency: 4 },
    split: { ratios: { train: 0.7, val: 0.1, test: 0.2 }, seed: 42, maxHashDistance: 4, hash: 'either', maxGroupSize: 12, strictDistance: 1, upperWholeLimit: 12, namedPairDistance: 10 },
    faces: { minSize: 24, matchIou: 0.3, scoreFloor: 0.05 },
    train: { preset: 'original', smallEpochs: 2, workers: 2, runtime: 'onnx' },
    classify: { runtime: 'onnx' },
    detect: {
      detector: null,
      nmsIou: 0.3,
      maxFaces: 100,
      res10: { minConfidence: 0.5, inputSize: 300 },
      ssdMobilenet: { minConfidence: 0.65 },
      blazeface: { minConfidence: 0.525 },
      yunet: { minConfidence: 0.75, maxSide: 1024 },
      yunetN: { minConfidence: 0.8 },
      scales: { split: 24, maxPixels: 1_500_000 },
    },
    video: { detector: null, detectEvery: 1, smoothing: 0.3, trackIou: 0.3, maxMissed: 2, reuse: { frames: 8, minIou: 0.7, minScore: 0.9 }, overlap: true, detectorThreads: 1, detectorThread: true, classifierThreads: 1, summaryMinFrames: 3 },
    synth: { minFaceSize: 48, maxRoll: 40, maxYaw: 45, minScore: 0.5, cropMargin: 0.35, jpegQuality: 92, concurrency: 2 },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fields whose value may be null (meaning "not set here: decided elsewhere"), with the type of a set value. */
const NULLABLE: Record<string, 'string' | 'number'> = { 'detect.detector': 'string', 'video.detector': 'string' };

function merge(base: Record<string, unknown>, over: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    if (!(k in base)) {
      throw new Error(`unknown config field "${where}${k}" (valid: ${Object.keys(base).map((x) => where + x).join(', ')})`);
    }
    const b = base[k];
    const nullable = NULLABLE[where + k];
    if (nullable) {
      if (v !== null && typeof v !== nullable) throw new Error(`config field "${where}${k}" must be a ${nullable} or null, got ${JSON.stringify(v)}`);
      out[k] = v;
    } else if (isPlainObject(b)) {
      if (!isPlainObject(v)) throw new Error(`config field "${where}${k}" must be an object`);
      out[k] = merge(b, v, `${where}${k}.`);
    } else {
      if (typeof v !== typeof b) throw new Error(`config field "${where}${k}" must be a ${typeof b}, got ${JSON.stringify(v)}`);
      out[k] = v;
    }
  }
  return out;
}

const inOpenUnit = (x: number) => x > 0 && x < 1;

/** A complete, validated config: defaults overridden by `overrides`. Unknown or ill-typed fields throw. */
export function resolveConfig(overrides: DeepPartial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const c = merge(defaultConfig(env) as unknown as Record<string, unknown>, overrides as Record<string, unknown>, '') as unknown as Config;
  const r = c.split.ratios;
  if (Math.abs(r.train + r.val + r.test - 1) > 1e-6 || [r.train, r.val, r.test].some((x) => x < 0)) {
    throw new Error(`split.ratios must be non-negative and sum to 1, got ${r.train}/${r.val}/${r.test}`);
  }
  if (c.train.smallEpochs < 1 || !Number.isInteger(c.train.smallEpochs)) throw new Error(`train.smallEpochs must be a positive integer`);
  if (!(c.data.maxPixels >= 1 && c.data.workPixels >= 10_000 && c.data.workPixels <= c.data.maxPixels)) throw new Error(`data.workPixels must be from 10000 to data.maxPixels (${c.data.maxPixels}), got ${c.data.workPixels}`);
  for (const k of ['res10', 'ssdMobilenet', 'blazeface', 'yunet', 'yunetN'] as const) {
    if (!inOpenUnit(c.detect[k].minConfidence)) throw new Error(`detect.${k}.minConfidence must be in (0, 1), got ${c.detect[k].minConfidence}`);
  }
  if (!['onnx', 'tfjs'].includes(c.train.runtime)) throw new Error(`train.runtime must be onnx or tfjs, got ${JSON.stringify(c.train.runtime)}`);
  if (!['onnx', 'tfjs'].includes(c.classify.runtime)) throw new Error(`classify.runtime must be onnx or tfjs, got ${JSON.stringify(c.classify.runtime)}`);
  if (!inOpenUnit(c.faces.scoreFloor)) throw new Error(`faces.scoreFloor must be in (0, 1), got ${c.faces.scoreFloor}`);
  if (!(c.detect.nmsIou > 0 && c.detect.nmsIou <= 1)) throw new Error(`detect.nmsIou must be in (0, 1]`);
  if (!(c.detect.scales.split > 0 && c.detect.scales.split <= 1000)) throw new Error(`detect.scales.split must be in (0, 1000] px`);
  if (!(Number.isInteger(c.detect.scales.maxPixels) && c.detect.scales.maxPixels >= 10_000)) throw new Error(`detect.scales.maxPixels must be a whole number >= 10000`);
  if (!(c.video.smoothing > 0 && c.video.smoothing <= 1)) throw new Error(`video.smoothing must be in (0, 1]`);
  if (c.video.maxMissed < 0 || !Number.isInteger(c.video.maxMissed)) throw new Error(`video.maxMissed must be a whole number >= 0`);
  if (c.video.detectEvery < 1 || !Number.isInteger(c.video.detectEvery)) throw new Error(`video.detectEvery must be a positive integer`);
  return c;
}
