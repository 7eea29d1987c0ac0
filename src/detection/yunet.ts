/**
 * `yunet`: the YuNet face detector (libfacedetection.train, Shiqi Yu et al.; the network OpenCV's
 * `FaceDetectorYN` runs) on any ONNX engine (`src/backend/engine.ts`). Browser-safe: types, pure
 * geometry and plain arrays only — the Node loader is `./yunet-node.ts`.
 *
 * An anchor-free single-shot detector: one prediction per cell of three grids (strides 8, 16, 32 over
 * the input), each a class score `cls` and an objectness `obj` (face score = sqrt(cls·obj), both
 * clamped to [0, 1]), a box (`cx = (col + dx)·s`, `cy = (row + dy)·s`, `w = exp(dw)·s`,
 * `h = exp(dh)·s`, in input pixels) and 5 key points (`((col + kx)·s, (row + ky)·s)`), then NMS —
 * as OpenCV's `FaceDetectorYNImpl::postProcess` (modules/objdetect/src/face_detect.cpp) decodes it.
 *
 * Input: BGR, 0–255 floats, NCHW, no mean or scale; the image padded right/bottom with zeros to sides
 * that are multiples of 32 (the "dynamic" ONNX exports take any such size).
 *
 * `yunetEntries` are the registry entries `yunet` and `yunet-n`, shared by the Node registry
 * (src/detection/detectors.ts) and the web page (src/web/page/pipeline.ts): only the loading of the
 * network differs.
 */
import type { Box } from '../result';
import type { RgbImage } from '../util/images';
import type { Net, TensorData } from '../backend/engine';
import type { DetectConfig, DetectorContext, DetectorEntry } from './registry';
import type { FaceDetection, FaceDetector } from './types';
import { DetectorError } from './types';
import { clipBox, nonMaxSuppression } from './geometry';
import { fineUpscale, passDetections } from './scales';
import { checkScalePlan, type ScalePlan } from '../model/setting';

/** The grids' strides, in input pixels per cell. */
export const YUNET_STRIDES = [8, 16, 32] as const;
/** Input sides are padded to a multiple of this (the coarsest stride). */
export const YUNET_DIVISOR = 32;
/** The network's input name. */
export const YUNET_INPUT = 'input';
/** Its outputs: `cls_8 … kps_32`, each `[1, rows·cols, k]` with k = 1 (cls, obj), 4 (bbox), 10 (kps). */
export const YUNET_OUTPUTS = (['cls', 'obj', 'bbox', 'kps'] as const).flatMap((k) => YUNET_STRIDES.map((s) => `${k}_${s}`));
/** Key points per face, in the network's order (the subject's right eye comes first: image left on a frontal face). */
export const YUNET_LANDMARKS = ['right eye', 'left eye', 'nose tip', 'right mouth corner', 'left mouth corner'] as const;
/** default `maxSide` (as `MAX_NET_SIDE` of the face-api detectors). */
export const YUNET_MAX_SIDE = 1024;

export interface YuNetDecodeOptions {
  /** Width of the network input (padded, a multiple of 32). */
  inputWidth: number;
  /** Height of the network input (padded, a multiple of 32). */
  inputHeight: number;
  /** Original-image pixels per network pixel, horizontally. */
  scaleX: number;
  /** Original-image pixels per network pixel, vertically. */
  scaleY: number;
  /** Minimum face score sqrt(cls·obj), in [0, 1]. */
  minConfidence: number;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Raw network outputs → faces (score, box and 5 landmarks) in original-image pixels, every cell at
 * or above `minConfidence`, unsorted and before NMS. Pure. Throws a `DetectorError` when an output is
 * missing or its size does not fit the input size.
 */
export function decodeYuNet(outputs: Record<string, TensorData>, o: YuNetDecodeOptions): FaceDetection[] {
  const { inputWidth: W, inputHeight: H } = o;
  if (!(W > 0 && H > 0 && W % YUNET_DIVISOR === 0 && H % YUNET_DIVISOR === 0)) {
    throw new DetectorError(`yunet: input sides must be positive multiples of ${YUNET_DIVISOR}, got ${W}x${H}`);
  }
  const found: FaceDetection[] = [];
  for (const s of YUNET_STRIDES) {
    const cols = W / s;
    const rows = H / s;
    const get = (kind: string, k: number) => {
      const t = outputs[`${kind}_${s}`];
      if (!t) throw new DetectorError(`yunet: output ${kind}_${s} is missing (got ${Object.keys(outputs).join(', ') || 'none'})`);
      if (t.data.length !== rows * cols * k) {
        throw new DetectorError(`yunet: output ${kind}_${s} has ${t.data.length} values, expected ${rows}x${cols}x${k} for a ${W}x${H} input`);
      }
      return t.data;
    };
    const cls = get('cls', 1);
    const obj = get('obj', 1);
    const bbox = get('bbox', 4);
    const kps = get('kps', 10);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const score = Math.sqrt(clamp01(cls[i]) * clamp01(obj[i]));
        if (score < o.minConfidence) continue;
        const cx = (c + bbox[i * 4]) * s;
        const cy = (r + bbox[i * 4 + 1]) * s;
        const w = Math.exp(bbox[i * 4 + 2]) * s;
        const h = Math.exp(bbox[i * 4 + 3]) * s;
        const box: Box = [(cx - w / 2) * o.scaleX, (cy - h / 2) * o.scaleY, w * o.scaleX, h * o.scaleY];
        const landmarks: [number, number][] = [];
        for (let n = 0; n < 5; n++) landmarks.push([(c + kps[i * 10 + 2 * n]) * s * o.scaleX, (r + kps[i * 10 + 2 * n + 1]) * s * o.scaleY]);
        found.push({ box, score, landmarks });
      }
    }
  }
  return found;
}

export interface YuNetInputOptions {
  /** Images whose longer side exceeds this are downscaled (bilinear) to it first. default: 1024 */
  maxSide?: number;
  /** Then enlarge by this factor (> 1 reaches smaller faces, at a cost in time). default: 1 */
  upscale?: number;
}

export interface YuNetInput {
  /** `[1, 3, H, W]`, BGR 0–255, zero padding right and bottom. */
  input: TensorData;
  /** The image's size inside the padded input. */
  width: number;
  height: number;
  /** Original-image pixels per network pixel. */
  scaleX: number;
  scaleY: number;
}

function checkImage(image: RgbImage): void {
  const { width: w, height: h } = image ?? {};
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0)) throw new DetectorError(`yunet: image size must be positive whole numbers, got ${w}x${h}`);
  if (!image.data || image.data.length !== w * h * 3) throw new DetectorError(`yunet: image data has ${image.data?.length} bytes, expected ${w}x${h}x3 = ${w * h * 3} (RGB)`);
}

/**
 * An RGB image as YuNet's input, in plain JavaScript: scaled (bilinear, pixel centres aligned) by
 * `min(1, maxSide / longer side) · upscale`, turned to BGR planes and padded with zeros on the right
 * and bottom to multiples of 32.
 */
export function yunetInput(image: RgbImage, opts: YuNetInputOptions = {}): YuNetInput {
  checkImage(image);
  const maxSide = opts.maxSide ?? YUNET_MAX_SIDE;
  const upscale = opts.upscale ?? 1;
  if (!(maxSide >= 1)) throw new DetectorError(`yunet: maxSide must be >= 1, got ${maxSide}`);
  if (!(upscale > 0 && Number.isFinite(upscale))) throw new DetectorError(`yunet: upscale must be a positive number, got ${upscale}`);
  const { width: sw, height: sh, data: src } = image;
  const k = Math.min(1, maxSide / Math.max(sw, sh)) * upscale;
  const w = Math.max(1, Math.round(sw * k));
  const h = Math.max(1, Math.round(sh * k));
  const W = Math.ceil(w / YUNET_DIVISOR) * YUNET_DIVISOR;
  const H = Math.ceil(h / YUNET_DIVISOR) * YUNET_DIVISOR;
  const plane = W * H;
  const data = new Float32Array(3 * plane);
  if (w === sw && h === sh) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = (y * sw + x) * 3;
        const d = y * W + x;
        data[d] = src[s + 2];
        data[plane + d] = src[s + 1];
        data[2 * plane + d] = src[s];
      }
    }
  } else {
    // source coordinate of each output column/row: (x + 0.5)·(sw / w) − 0.5, clamped to the image
    const axis = (n: number, sn: number) => {
      const i0 = new Int32Array(n);
      const i1 = new Int32Array(n);
      const f = new Float32Array(n);
      for (let x = 0; x < n; x++) {
        const p = Math.min(sn - 1, Math.max(0, (x + 0.5) * (sn / n) - 0.5));
        i0[x] = Math.floor(p);
        i1[x] = Math.min(sn - 1, i0[x] + 1);
        f[x] = p - i0[x];
      }
      return { i0, i1, f };
    };
    const ax = axis(w, sw);
    const ay = axis(h, sh);
    // bilinear weights of the four neighbours; RGB in, BGR planes out
    const lerp = (a: number, b: number, c: number, e: number, fx: number, fy: number) => {
      const top = a + (b - a) * fx;
      return top + (c + (e - c) * fx - top) * fy;
    };
    for (let y = 0; y < h; y++) {
      const r0 = ay.i0[y] * sw;
      const r1 = ay.i1[y] * sw;
      const fy = ay.f[y];
      let d = y * W;
      for (let x = 0; x < w; x++, d++) {
        const fx = ax.f[x];
        const a = (r0 + ax.i0[x]) * 3;
        const b = (r0 + ax.i1[x]) * 3;
        const c = (r1 + ax.i0[x]) * 3;
        const e = (r1 + ax.i1[x]) * 3;
        data[2 * plane + d] = lerp(src[a], src[b], src[c], src[e], fx, fy);
        data[plane + d] = lerp(src[a + 1], src[b + 1], src[c + 1], src[e + 1], fx, fy);
        data[d] = lerp(src[a + 2], src[b + 2], src[c + 2], src[e + 2], fx, fy);
      }
    }
  }
  return { input: { data, dims: [1, 3, H, W] }, width: w, height: h, scaleX: sw / w, scaleY: sh / h };
}

export interface YuNetOptions extends YuNetInputOptions {
  /** Minimum face score sqrt(cls·obj), in (0, 1). */
  minConfidence: number;
  /** IoU above which overlapping boxes are suppressed, in [0, 1]. */
  nmsIou: number;
  /** Most faces kept per image. */
  maxResults: number;
  /** Search photos at two scales (src/detection/scales.ts); null or absent: one. */
  scales?: ScalePlan | null;
}

/** A YuNet detector; it owns its network: `dispose()` releases it (and may be awaited). */
export interface YuNetDetector extends FaceDetector {
  dispose(): Promise<void>;
}

/**
 * A face detector over a loaded YuNet network (`loadYuNet` in `./yunet-node.ts` on Node). Faces come
 * best first with boxes clipped to the image and 5 landmarks each (see `YUNET_LANDMARKS`).
 */
export function createYuNet(net: Net, opts: YuNetOptions): YuNetDetector {
  if (!(opts.minConfidence > 0 && opts.minConfidence < 1)) throw new DetectorError(`yunet: minConfidence must be in (0, 1), got ${opts.minConfidence}`);
  if (!(opts.nmsIou >= 0 && opts.nmsIou <= 1)) throw new DetectorError(`yunet: nmsIou must be in [0, 1], got ${opts.nmsIou}`);
  if (!(Number.isInteger(opts.maxResults) && opts.maxResults >= 1)) throw new DetectorError(`yunet: maxResults must be a positive whole number, got ${opts.maxResults}`);
  // fail now, not on the first image, when a setting or the network is wrong
  yunetInput({ data: new Uint8Array(3), width: 1, height: 1 }, opts);
  const missing = YUNET_OUTPUTS.filter((n) => !net.outputNames.includes(n));
  if (!net.inputNames.includes(YUNET_INPUT) || missing.length) {
    throw new DetectorError(`yunet: this network is not YuNet (inputs ${net.inputNames.join(', ')}; missing outputs ${missing.join(', ') || 'none'})`);
  }
  if (opts.scales) checkScalePlan(opts.scales, 'yunet');
  let disposed = false;
  // one pass: the image scaled by `o`, decoded, boxes clipped to the image (not yet suppressed)
  const pass = async (image: RgbImage, o: YuNetInputOptions): Promise<FaceDetection[]> => {
    const x = yunetInput(image, o);
    const out = await net.run({ [YUNET_INPUT]: x.input });
    const [, , H, W] = x.input.dims;
    const found: FaceDetection[] = [];
    for (const f of decodeYuNet(out, { inputWidth: W, inputHeight: H, scaleX: x.scaleX, scaleY: x.scaleY, minConfidence: opts.minConfidence })) {
      const box = clipBox(f.box, image.width, image.height);
      if (box) found.push({ ...f, box });
    }
    return found;
  };
  return {
    name: 'yunet',
    async detectFaces(image: RgbImage): Promise<FaceDetection[]> {
      if (disposed) throw new DetectorError('yunet: the detector was disposed');
      const first = await pass(image, opts);
      const plan = opts.scales;
      if (!plan) return nonMaxSuppression(first, opts.nmsIou, opts.maxResults);
      const k = fineUpscale(plan, image.width, image.height);
      const fine = k === null ? null : { scale: k, found: await pass(image, { maxSide: Infinity, upscale: k }) };
      return nonMaxSuppression(passDetections(plan, first, fine), opts.nmsIou, opts.maxResults);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await net.dispose();
    },
  };
}

/** The two YuNet networks: `yunet_s` (registered as `yunet`) and `yunet_n` (`yunet-n`). */
export const YUNET_VARIANTS = ['yunet_s', 'yunet_n'] as const;
export type YuNetVariant = (typeof YUNET_VARIANTS)[number];
/** Each variant's name in the detector registry. */
export const YUNET_DETECTOR_NAME = { yunet_s: 'yunet', yunet_n: 'yunet-n' } as const satisfies Record<YuNetVariant, string>;
export type YuNetDetectorName = (typeof YUNET_DETECTOR_NAME)[YuNetVariant];
/** The variant a registry name runs. */
export const yunetVariantOf = (name: YuNetDetectorName): YuNetVariant => YUNET_VARIANTS.find((v) => YUNET_DETECTOR_NAME[v] === name)!;

/** YuNet's options from the config's `detect` section, at `threshold`. */
export function yunetOptions(c: DetectConfig, threshold: number, scales: ScalePlan | null = null): YuNetOptions {
  return { minConfidence: threshold, nmsIou: c.nmsIou, maxResults: c.maxFaces, maxSide: c.yunet.maxSide, scales };
}

/**
 * The registry entries `yunet` (yunet_s) and `yunet-n` (yunet_n) over a loader of their networks
 * (Node: a file on an engine; the web page: a checked download). The detector owns the network.
 */
export function yunetEntries(load: (variant: YuNetVariant, ctx: DetectorContext) => Promise<Net>): DetectorEntry[] {
  const entry = (variant: YuNetVariant, summary: string, own: (c: DetectConfig) => number): DetectorEntry => ({
    name: YUNET_DETECTOR_NAME[variant],
    summary,
    ownThreshold: own,
    scales: true,
    async create(c, t, ctx) {
      return { ...createYuNet(await load(variant, ctx), yunetOptions(c, t, ctx.scales ?? null)), name: YUNET_DETECTOR_NAME[variant] };
    },
  });
  return [
    entry('yunet_s', "YuNet (libfacedetection, OpenCV Zoo's yunet_s) on ONNX Runtime, with 5 landmarks", (c) => c.yunet.minConfidence),
    entry('yunet_n', 'YuNet yunet_n (larger, more small faces) on ONNX Runtime, with 5 landmarks', (c) => c.yunetN.minConfidence),
  ];
}
