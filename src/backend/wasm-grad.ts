/**
 * Gradient kernels that `@tensorflow/tfjs-backend-wasm` 4.22 lacks, so that MobileNetV2 can be
 * fine-tuned on the wasm backend: `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`
 * and `DepthwiseConv2dNativeBackpropInput` (found by running one training step over the base and
 * listing the kernels it needs that wasm does not register; every other one it needs — Relu6's
 * ClipByValue, FusedBatchNorm's composed gradient, PadV2, Conv2DBackpropInput — is there).
 *
 * Each kernel exists in two forms, chosen per call by `bench/wasm-grad.ts`'s measurements:
 *  - composed: built from the backend's own fast (XNNPACK, SIMD) kernels — a filter gradient is
 *    one matrix product of the im2col'd input and dy; a depthwise input gradient is a depthwise
 *    convolution of (zero-dilated) dy with the rotated kernel;
 *  - js: one pass over the typed arrays on the wasm heap, accumulating filter gradients in
 *    float64 (as the cpu backend does).
 *
 * Supported: NHWC, strides 1 and 2, dilation 1, padding 'same' (asymmetric for stride 2),
 * 'valid', a number or explicit [[0,0],[t,b],[l,r],[0,0]] — what MobileNetV2 uses. Anything else
 * is refused with a message naming the kernel and the setting.
 *
 * Long (~410 lines): three kernels, each in two versions (composed from wasm kernels and direct JS)
 * sharing the padding and stride arithmetic; split apart they would repeat it.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
// the package itself, not ./tf (which registers these kernels when it chooses wasm): the same tfjs instance
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Shape4 = [number, number, number, number];

/** The kernels this module adds to the wasm backend. */
export const WASM_GRADIENT_KERNELS = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'] as const;
export type WasmGradientKernel = (typeof WASM_GRADIENT_KERNELS)[number];

/** How a kernel is computed: through the backend's own kernels, or in JS over the heap. */
export type GradStrategy = 'composed' | 'js';

/** The geometry of one convolution, as `backend_util.computeConv2DInfo` gives it. */
type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

function pair(v: number | [number, number] | undefined, dflt: number): [number, number] {
  if (v == null) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : v;
}

/** Check the settings this module supports and return the convolution's geometry. */
function convInfo(kernel: string, inShape: Shape4, filterShape: Shape4, attrs: { strides: number | [number, number]; dilations?: number | [number, number]; pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil'; dataFormat?: string }, depthwise: boolean): ConvInfo {
  const where = `${kernel} on wasm (facemask's wasm-grad)`;
  if (attrs.dataFormat != null && attrs.dataFormat !== 'NHWC' && attrs.dataFormat !== 'channelsLast') {
    throw new Error(`${where} supports dataFormat NHWC only, got ${attrs.dataFormat}`);
  }
  const strides = pair(attrs.strides, 1);
  if (!strides.every((s) => s === 1 || s === 2)) throw new Error(`${where} supports strides 1 and 2 only, got [${strides}]`);
  const dilations = pair(attrs.dilations, 1);
  if (!dilations.every((d) => d === 1)) throw new Error(`${where} supports dilation 1 only, got [${dilations}]`);
  return tf.backend_util.computeConv2DInfo(inShape, filterShape, strides, 1, attrs.pad, attrs.dimRoundingMode, depthwise);
}

/**
 * Runs the wasm backend's own kernels and frees every intermediate they make, except the ones
 * handed back with `keep`.
 */
class Scratch {
  private readonly temps: Info[] = [];
  constructor(readonly backend: BackendWasm) {}
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): Info {
    const k = tf.getKernel(name, 'wasm');
    if (!k) throw new Error(`wasm backend has no ${name} kernel`);
    const out = k.kernelFunc({ inputs, attrs, backend: this.backend }) as Info;
    this.temps.push(out);
    return out;
  }
  reshape(x: Info, shape: number[]): Info {
    return this.run('Reshape', { x }, { shape });
  }
  /** Tensors concatenated along `axis` (the Concat kernel takes its inputs as an array). */
  concat(xs: Info[], axis: number): Info {
    return this.run('Concat', xs as unknown as tf.NamedTensorInfoMap, { axis });
  }
  constant(shape: number[], values: Float32Array): Info {
    const t = this.backend.makeOutput(shape, 'float32', undefined, values) as Info;
    this.temps.push(t);
    return t;
  }
  keep(t: Info): Info {
    const i = this.temps.indexOf(t);
    if (i >= 0) this.temps.splice(i, 1);
    return t;
  }
  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

function withScratch(backend: BackendWasm, f: (s: Scratch) => Info): Info {
  const s = new Scratch(backend);
  try {
    return s.keep(f(s));
  } finally {
    s.dispose();
  }
}

/** Zero-pad x [b, h, w, c] spatially; no copy when there is nothing to pad. */
function padSpatial(s: Scratch, x: Info, top: number, bottom: number, left: number, right: number): Info {
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return x;
  return s.run('PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 });
}

/**
 * The (p, q) tap of a convolution's input: xPadded[:, p + s*i, q + s*j, :] for i < outH, j < outW,
 * i.e. [b, outH, outW, c].
 */
function tap(s: Scratch, xPad: Info, p: number, q: number, ci: ConvInfo): Info {
  const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = ci;
  const [b, , , c] = xPad.shape;
  return s.run('StridedSlice', { x: xPad }, {
    begin: [0, p, q, 0], end: [b, p + sh * (oh - 1) + 1, q + sw * (ow - 1) + 1, c], strides: [1, sh, sw, 1],
    beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
  });
}

/** The same tap of a channels-first padded input [c, b, h, w]: [c, b, outH, outW]. */
function tapChannelsFirst(s: Scratch, xT: Info, p: number, q: number, ci: ConvInfo): Info {
  const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = ci;
  const [c, b] = xT.shape;
  return s.run('StridedSlice', { x: xT }, {
    begin: [0, 0, p, q], end: [c, b, p + sh * (oh - 1) + 1, q + sw * (ow - 1) + 1], strides: [1, 1, sh, sw],
    beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
  });
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter: dW[p, q, ci, co] = sum_{b,i,j} xPad[b, s*i+p, s*j+q, ci] * dy[b, i, j, co]

/**
 * Composed: one matrix product cols [kh*kw*ci, n] x dy [n, co], where cols holds the kh*kw taps of
 * the channels-first input (wasm's BatchMatMul with transposeA is several times slower than an
 * explicit Transpose first).
 */
export function conv2dBackpropFilterComposed(backend: BackendWasm, x: Info, dy: Info, ci: ConvInfo): Info {
  return withScratch(backend, (s) => {
    const { filterHeight: kh, filterWidth: kw, padInfo: pi, outHeight: oh, outWidth: ow, batchSize: b, inChannels, outChannels } = ci;
    const n = b * oh * ow;
    const xPad = padSpatial(s, x, pi.top, pi.bottom, pi.left, pi.right);
    const xT = s.run('Transpose', { x: xPad }, { perm: [3, 0, 1, 2] }); // [ci, b, h, w]
    let cols: Info;
    if (kh === 1 && kw === 1 && ci.strideHeight === 1 && ci.strideWidth === 1 && xT.shape[2] === oh && xT.shape[3] === ow) {
      cols = xT; // a 1x1 convolution: the input is its own im2col
    } else {
      const taps: Info[] = [];
      for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) taps.push(tapChannelsFirst(s, xT, p, q, ci));
      cols = taps.length === 1 ? taps[0] : s.concat(taps, 0);
    }
    const prod = s.run('BatchMatMul', { a: s.reshape(cols, [1, kh * kw * inChannels, n]), b: s.reshape(dy, [1, n, outChannels]) }, { transposeA: false, transposeB: false });
    return s.reshape(prod, [kh, kw, inChannels, outChannels]);
  });
}

/** JS: one pass over dy, accumulating in float64; zero inputs (after ReLU, often most) are skipped. */
export function conv2dBackpropFilterJs(backend: BackendWasm, x: Info, dy: Info, ci: ConvInfo): Info {
  const { filterHeight: kh, filterWidth: kw, padInfo: pi, outHeight: oh, outWidth: ow, inHeight: h, inWidth: w, batchSize: nb, inChannels: cin, outChannels: cout, strideHeight: sh, strideWidth: sw } = ci;
  const acc = new Float64Array(kh * kw * cin * cout);
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  for (let b = 0; b < nb; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const dyOff = ((b * oh + i) * ow + j) * cout;
        for (let p = 0; p < kh; p++) {
          const r = i * sh + p - pi.top;
          if (r < 0 || r >= h) continue;
          for (let q = 0; q < kw; q++) {
            const c = j * sw + q - pi.left;
            if (c < 0 || c >= w) continue;
            const xOff = ((b * h + r) * w + c) * cin;
            const wOff = (p * kw + q) * cin * cout;
            for (let k = 0; k < cin; k++) {
              const xv = xs[xOff + k];
              if (xv === 0) continue;
              const o = wOff + k * cout;
              for (let m = 0; m < cout; m++) acc[o + m] += xv * dys[dyOff + m];
            }
          }
        }
      }
    }
  }
  return backend.makeOutput([kh, kw, cin, cout], 'float32', undefined, Float32Array.from(acc));
}

// ---------------------------------------------------------------------------------------------
// DepthwiseConv2dNativeBackpropFilter: dW[p, q, c, m] = sum xPad[b, s*i+p, s*j+q, c] * dy[b, i, j, c*M+m]

/** Composed: per tap, an elementwise product of the shifted input and dy, summed by a matrix product with ones. */
export function depthwiseBackpropFilterComposed(backend: BackendWasm, x: Info, dy: Info, ci: ConvInfo): Info {
  return withScratch(backend, (s) => {
    const { filterHeight: kh, filterWidth: kw, padInfo: pi, outHeight: oh, outWidth: ow, batchSize: b, inChannels, outChannels } = ci;
    const mult = outChannels / inChannels;
    const n = b * oh * ow;
    const xPad = padSpatial(s, x, pi.top, pi.bottom, pi.left, pi.right);
    const dyM = mult === 1 ? dy : s.reshape(dy, [b, oh, ow, inChannels, mult]);
    const prods: Info[] = [];
    for (let p = 0; p < kh; p++) {
      for (let q = 0; q < kw; q++) {
        const t = tap(s, xPad, p, q, ci);
        prods.push(s.run('Multiply', { a: mult === 1 ? t : s.reshape(t, [b, oh, ow, inChannels, 1]), b: dyM }));
      }
    }
    const all = s.concat(prods.map((t) => s.reshape(t, [n, outChannels])), 1);
    const ones = s.constant([1, 1, n], new Float32Array(n).fill(1));
    const sum = s.run('BatchMatMul', { a: ones, b: s.reshape(all, [1, n, kh * kw * outChannels]) }, { transposeA: false, transposeB: false });
    return s.reshape(sum, [kh, kw, inChannels, mult]);
  });
}

/** JS: one pass over dy, accumulating in float64. */
export function depthwiseBackpropFilterJs(backend: BackendWasm, x: Info, dy: Info, ci: ConvInfo): Info {
  const { filterHeight: kh, filterWidth: kw, padInfo: pi, outHeight: oh, outWidth: ow, inHeight: h, inWidth: w, batchSize: nb, inChannels: cin, outChannels: cout, strideHeight: sh, strideWidth: sw } = ci;
  const mult = cout / cin;
  const acc = new Float64Array(kh * kw * cout);
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  for (let b = 0; b < nb; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const dyOff = ((b * oh + i) * ow + j) * cout;
        for (let p = 0; p < kh; p++) {
          const r = i * sh + p - pi.top;
          if (r < 0 || r >= h) continue;
          for (let q = 0; q < kw; q++) {
            const c = j * sw + q - pi.left;
            if (c < 0 || c >= w) continue;
            const xOff = ((b * h + r) * w + c) * cin;
            const wOff = (p * kw + q) * cout;
            if (mult === 1) {
              for (let k = 0; k < cin; k++) acc[wOff + k] += xs[xOff + k] * dys[dyOff + k];
            } else {
              for (let k = 0; k < cin; k++) {
                const xv = xs[xOff + k];
                for (let m = 0; m < mult; m++) acc[wOff + k * mult + m] += xv * dys[dyOff + k * mult + m];
              }
            }
          }
        }
      }
    }
  }
  return backend.makeOutput([kh, kw, cin, mult], 'float32', undefined, Float32Array.from(acc));
}

// ---------------------------------------------------------------------------------------------
// DepthwiseConv2dNativeBackpropInput: dx[b, r, c, k] = sum dy[b, i, j, k*M+m] * W[p, q, k, m]
// over s*i+p-top = r, s*j+q-left = c: a valid depthwise convolution of dy — zero-dilated by the
// stride and padded by (kh-1-top) before — with the kernel rotated by 180 degrees.

/** Composed: the backend's depthwise convolution of (dilated, padded) dy with the rotated kernel. */
export function depthwiseBackpropInputComposed(backend: BackendWasm, dy: Info, filter: Info, ci: ConvInfo): Info {
  return withScratch(backend, (s) => {
    const { filterHeight: kh, filterWidth: kw, padInfo: pi, outHeight: oh, outWidth: ow, inHeight: h, inWidth: w, batchSize: b, inChannels, outChannels, strideHeight: sh, strideWidth: sw } = ci;
    const mult = outChannels / inChannels;
    // dy dilated by the stride: [b, sh*oh, sw*ow, C*M], row sh*i holding dy row i (trailing zeros included).
    let dyd = dy;
    if (sh > 1 || sw > 1) {
      const six = s.reshape(dy, [b, oh, 1, ow, 1, outChannels]);
      const padded = s.run('PadV2', { x: six }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
      dyd = s.reshape(padded, [b, oh * sh, ow * sw, outChannels]);
    }
    // Pads so that a valid 'kh x kw' convolution gives h x w rows/columns; negative means crop.
    const top = kh - 1 - pi.top;
    const left = kw - 1 - pi.left;
    const bottom = h + kh - 1 - top - dyd.shape[1];
    const right = w + kw - 1 - left - dyd.shape[2];
    let src = padSpatial(s, dyd, Math.max(0, top), Math.max(0, bottom), Math.max(0, left), Math.max(0, right));
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      const t0 = Math.max(0, -top);
      const l0 = Math.max(0, -left);
      src = s.run('Slice', { x: src }, { begin: [0, t0, l0, 0], size: [b, src.shape[1] - t0 - Math.max(0, -bottom), src.shape[2] - l0 - Math.max(0, -right), outChannels] });
    }
    const rot = s.run('Reverse', { x: s.reshape(filter, [kh, kw, outChannels, 1]) }, { dims: [0, 1] });
    const conv = s.run('DepthwiseConv2dNative', { x: src, filter: rot }, { strides: [1, 1], dilations: [1, 1], pad: 'valid', dimRoundingMode: undefined } as unknown as tf.NamedAttrMap);
    if (mult === 1) return conv;
    return s.run('Sum', { x: s.reshape(conv, [b, h, w, inChannels, mult]) }, { axis: [4], keepDims: false });
  });
}

/** JS: one pass over dy, scattering into dx. */
export function depthwiseBackpropInputJs(backend: BackendWasm, dy: Info, filter: Info, ci: ConvInfo): Info {
  const { filterHeight: kh, filterWidth: kw, padInfo: pi, outHeight: oh, outWidth: ow, inHeight: h, inWidth: w, batchSize: nb, inChannels: cin, outChannels: cout, strideHeight: sh, strideWidth: sw } = ci;
  const mult = cout / cin;
  const out = backend.makeOutput([nb, h, w, cin], 'float32');
  // Views after the allocation: growing the heap detaches older ones.
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  const ws = backend.typedArrayFromHeap(filter) as Float32Array;
  for (let b = 0; b < nb; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const dyOff = ((b * oh + i) * ow + j) * cout;
        for (let p = 0; p < kh; p++) {
          const r = i * sh + p - pi.top;
          if (r < 0 || r >= h) continue;
          for (let q = 0; q < kw; q++) {
            const c = j * sw + q - pi.left;
            if (c < 0 || c >= w) continue;
            const xOff = ((b * h + r) * w + c) * cin;
            const wOff = (p * kw + q) * cout;
            if (mult === 1) {
              for (let k = 0; k < cin; k++) dx[xOff + k] += ws[wOff + k] * dys[dyOff + k];
            } else {
              for (let k = 0; k < cin; k++) {
                let v = 0;
                for (let m = 0; m < mult; m++) v += ws[wOff + k * mult + m] * dys[dyOff + k * mult + m];
                dx[xOff + k] += v;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropInput of a 1x1 convolution at stride 1: dx [n, ci] = dy [n, co] x Wᵀ [co, ci]

/**
 * wasm has Conv2DBackpropInput, but as a plain loop: for the 1x1 stride-1 convolutions that carry
 * most of MobileNetV2's weights (expand, project, Conv_1) it took ~40 % of a step fine-tuning the
 * last blocks. As one matrix product (Wᵀ transposed explicitly first: transposeB is slower) a step
 * is 1.7x faster (bench/tail-step.ts: 994 → 590 ms for the last block, batch 64).
 */
export function conv2dBackpropInput1x1(backend: BackendWasm, dy: Info, filter: Info): Info {
  return withScratch(backend, (s) => {
    const [b, h, w, co] = dy.shape;
    const ci = filter.shape[2];
    const wT = s.run('Transpose', { x: s.reshape(filter, [ci, co]) }, { perm: [1, 0] });
    const prod = s.run('BatchMatMul', { a: s.reshape(dy, [1, b * h * w, co]), b: s.reshape(wT, [1, co, ci]) }, { transposeA: false, transposeB: false });
    return s.reshape(prod, [b, h, w, ci]);
  });
}

/** Whether a Conv2DBackpropInput call is a 1x1 stride-1 NHWC float32 one (the fast path). */
function is1x1(dy: Info, filter: Info, a: tf.Conv2DBackpropInputAttrs): boolean {
  const [s0, s1] = pair(a.strides as number | [number, number], 1);
  const [kh, kw] = filter.shape;
  return kh === 1 && kw === 1 && s0 === 1 && s1 === 1 && (a.dataFormat ?? 'NHWC') === 'NHWC' && typeof a.pad === 'string' &&
    dy.dtype === 'float32' && filter.dtype === 'float32' && dy.shape[1] === a.inputShape[1] && dy.shape[2] === a.inputShape[2];
}

const FAST_1X1 = Symbol('facemask 1x1 Conv2DBackpropInput');

/** wasm's own Conv2DBackpropInput, with the 1x1 stride-1 case as a matrix product. */
function fastConv2DBackpropInput(native: tf.KernelFunc): tf.KernelFunc {
  const f: tf.KernelFunc = (args) => {
    const { dy, filter } = args.inputs as { dy: Info; filter: Info };
    const a = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    return is1x1(dy, filter, a) ? conv2dBackpropInput1x1(args.backend as BackendWasm, dy, filter) : native(args);
  };
  (f as unknown as Record<symbol, boolean>)[FAST_1X1] = true;
  return f;
}

// ---------------------------------------------------------------------------------------------
// Kernel functions and registration

/** Which form each kernel uses; `auto` is the measured choice (see `chooseStrategy`). */
export type StrategyChoice = GradStrategy | 'auto';
const forced: Partial<Record<WasmGradientKernel, StrategyChoice>> = {};

/**
 * Force one form for a kernel (for benches and tests); `auto` (the default) restores the measured
 * choice.
 */
export function setGradStrategy(kernel: WasmGradientKernel, strategy: StrategyChoice): void {
  forced[kernel] = strategy;
}

/**
 * The measured choice for one call (bench/wasm-grad.ts part 1, batch 16 at 224 px, summed over
 * MobileNetV2's layers): a 1x1 filter gradient is 14x faster composed (one Transpose and one
 * XNNPACK matrix product); a 3x3 one (Conv1, 3 input channels) 2x faster in JS, as the taps cost
 * more than the product; a depthwise filter gradient 6–25x faster in JS (composing it needs nine
 * strided slices, products and a reduction); a depthwise input gradient 9x (stride 1) and 2x
 * (stride 2, even with the zero-dilated dy) faster composed.
 */
function chooseStrategy(kernel: WasmGradientKernel, ci: ConvInfo): GradStrategy {
  const f = forced[kernel];
  if (f && f !== 'auto') return f;
  switch (kernel) {
    case 'Conv2DBackpropFilter':
      return ci.filterHeight === 1 && ci.filterWidth === 1 ? 'composed' : 'js';
    case 'DepthwiseConv2dNativeBackpropFilter':
      return 'js';
    case 'DepthwiseConv2dNativeBackpropInput':
      return 'composed';
  }
}

function float32(kernel: string, ...ts: Info[]): void {
  for (const t of ts) if (t.dtype !== 'float32') throw new Error(`${kernel} on wasm supports float32 only, got ${t.dtype}`);
}

const conv2DBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  float32('Conv2DBackpropFilter', x, dy);
  const ci = convInfo('Conv2DBackpropFilter', x.shape as Shape4, a.filterShape, a, false);
  const be = backend as BackendWasm;
  return chooseStrategy('Conv2DBackpropFilter', ci) === 'js' ? conv2dBackpropFilterJs(be, x, dy, ci) : conv2dBackpropFilterComposed(be, x, dy, ci);
};

const depthwiseBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  float32('DepthwiseConv2dNativeBackpropFilter', x, dy);
  const ci = convInfo('DepthwiseConv2dNativeBackpropFilter', x.shape as Shape4, a.filterShape, a, true);
  const be = backend as BackendWasm;
  return chooseStrategy('DepthwiseConv2dNativeBackpropFilter', ci) === 'js' ? depthwiseBackpropFilterJs(be, x, dy, ci) : depthwiseBackpropFilterComposed(be, x, dy, ci);
};

const depthwiseBackpropInput: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  float32('DepthwiseConv2dNativeBackpropInput', dy, filter);
  const ci = convInfo('DepthwiseConv2dNativeBackpropInput', a.inputShape, filter.shape as Shape4, a, true);
  const be = backend as BackendWasm;
  return chooseStrategy('DepthwiseConv2dNativeBackpropInput', ci) === 'js' ? depthwiseBackpropInputJs(be, dy, filter, ci) : depthwiseBackpropInputComposed(be, dy, filter, ci);
};

const KERNELS: Record<WasmGradientKernel, tf.KernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
};

/**
 * Register the gradient kernels the wasm backend lacks, and route wasm's Conv2DBackpropInput of a
 * 1x1 stride-1 convolution through a matrix product (`conv2dBackpropInput1x1`). Idempotent: a kernel
 * already registered for 'wasm' (by an earlier call, or by a later tfjs that ships it) is left as it
 * is. Returns the names of the missing kernels it registered by this call.
 */
export function registerWasmGradients(): WasmGradientKernel[] {
  const added: WasmGradientKernel[] = [];
  for (const kernelName of WASM_GRADIENT_KERNELS) {
    if (tf.getKernel(kernelName, 'wasm')) continue;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: KERNELS[kernelName] });
    added.push(kernelName);
  }
  const native = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (native && !(native.kernelFunc as unknown as Record<symbol, boolean>)[FAST_1X1]) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({ ...native, kernelFunc: fastConv2DBackpropInput(native.kernelFunc) });
  }
  return added;
}
