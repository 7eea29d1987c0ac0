/**
 * The one place that chooses the ONNX Runtime for frozen ONNX networks (YuNet): native
 * `onnxruntime-node` (CPU binaries inside its npm package) by default, else `onnxruntime-web`'s
 * WebAssembly build run inside Node — the same build a browser would use.
 *
 * Order: `opts.prefer` when given, else `FACEMASK_ENGINE` (`node` | `web`) when set — either one is
 * forced (an error when it does not load); otherwise onnxruntime-node when its native binding loads,
 * else onnxruntime-web. Both packages share one `onnxruntime-common` registry, so every session names
 * its execution provider explicitly (`cpu` = native, `wasm` = WebAssembly). Sessions are made by
 * `./ort-session.ts`, which the web page shares.
 */
import type { Engine } from './engine';
import { EngineError, oneLine, ortEngine } from './ort-session';

export type { Engine, Net, TensorData } from './engine';
export { EngineError } from './ort-session';

type Ort = typeof import('onnxruntime-node');

export const ENGINE_CHOICES = ['node', 'web'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

export interface EngineOptions {
  /** Which runtime to use; forced (no fallback). default: `FACEMASK_ENGINE`, else node with web as fallback */
  prefer?: EngineChoice;
  /**
   * Threads per session (native: intra-op threads; web: wasm threads, fixed for the process by the
   * first web engine created). default: 2
   */
  threads?: number;
  /** Do not print the "onnx engine: …" line to stderr. default: false */
  quiet?: boolean;
  /**
   * Native only: keep ONNX Runtime's CPU memory arena. It keeps what it once needed, so with input
   * shapes that change (the classifier's batch follows the faces in a frame) resident memory grows
   * for good: over 10,000 video frames +12 % with it, flat without (bench/video-memory.ts), at the
   * same speed. Large fixed batches (training's feature pass) run a little faster with it. default: true
   */
  memoryArena?: boolean;
  /**
   * Native only: ONNX Runtime's graph optimisation level. 'all' is ONNX Runtime's own default (layout
   * changes included); bench/video.ts measures the others. default: 'all'
   */
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

// The required modules are cached (requiring is idempotent anyway); sessions never are.
let nodeOrt: Ort | undefined;
let webOrt: Ort | undefined;
/** wasm threads are set once per process, before the first web session. */
let webThreads: number | undefined;

function loadNodeOrt(): Ort {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when chosen: its native binding may be absent
  nodeOrt ??= require('onnxruntime-node') as Ort;
  return nodeOrt;
}

function loadWebOrt(threads: number): { ort: Ort; threads: number } {
  if (!webOrt) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when chosen (the fallback)
    webOrt = require('onnxruntime-web') as Ort;
    webOrt.env.wasm.numThreads = threads;
    webThreads = threads;
  }
  return { ort: webOrt, threads: webThreads! };
}

function nodeEngine(threads: number, memoryArena: boolean, graphOptimization: NonNullable<EngineOptions['graphOptimization']>): Engine {
  const ort = loadNodeOrt();
  const version = ort.env.versions?.node ?? '?';
  return ortEngine('onnxruntime-node', ort, `onnxruntime-node ${version} (native CPU, ${threads} thread${threads === 1 ? '' : 's'})`, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
    // Each session has its own intra-op pool; by default its threads spin after a run, and on two
    // cores the classifier's spinning threads starved the detector that runs next (video, yunet-n
    // every frame: 25 fps spinning, 40 fps not; photo pipeline 41 → 24 ms; bench/video.ts).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    enableCpuMemArena: memoryArena,
    graphOptimizationLevel: graphOptimization,
  });
}

function webEngine(threads: number, note = ''): Engine {
  const { ort, threads: actual } = loadWebOrt(threads);
  const version = ort.env.versions?.web ?? '?';
  return ortEngine('onnxruntime-web', ort, `onnxruntime-web ${version} (wasm, ${actual} thread${actual === 1 ? '' : 's'}${note})`, {
    executionProviders: ['wasm'],
    logSeverityLevel: 3,
  });
}

/**
 * Choose and initialise an ONNX engine. Prints one line saying which runs (to stderr) unless `quiet`.
 * Throws `EngineError` for an unknown choice or a forced engine that does not load.
 */
export async function createEngine(opts: EngineOptions = {}): Promise<Engine> {
  const env = process.env.FACEMASK_ENGINE;
  const pref = opts.prefer ?? (env === '' ? undefined : env);
  if (pref !== undefined && !(ENGINE_CHOICES as readonly string[]).includes(pref)) {
    const from = opts.prefer !== undefined ? 'createEngine({ prefer })' : 'FACEMASK_ENGINE';
    throw new EngineError(`${from} must be one of ${ENGINE_CHOICES.join(', ')} (got "${pref}")`);
  }
  const threads = opts.threads ?? 2;
  if (!Number.isInteger(threads) || threads < 1) throw new EngineError(`threads must be a positive whole number, got ${threads}`);
  let engine: Engine;
  if (pref === 'web') {
    engine = webEngine(threads);
  } else {
    try {
      engine = nodeEngine(threads, opts.memoryArena ?? true, opts.graphOptimization ?? 'all');
    } catch (e) {
      if (pref === 'node') throw new EngineError(`onnxruntime-node was asked for but does not load: ${oneLine(e)}`);
      engine = webEngine(threads, `; onnxruntime-node did not load: ${oneLine(e)}`);
    }
  }
  if (!opts.quiet) process.stderr.write(`onnx engine: ${engine.description}\n`);
  return engine;
}
