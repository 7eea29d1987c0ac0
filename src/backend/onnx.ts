/**
 * The one place that chooses the ONNX Runtime for frozen ONNX networks (YuNet): native
 * `onnxruntime-node` (CPU binaries inside its npm package) by default, else `onnxruntime-web`'s
 * WebAssembly build run inside Node — the same build a browser would use.
 *
 * Order: `opts.prefer` when given, else `FACEMASK_ENGINE` (`node` | `web`) when set — either one is
 * forced (an error when it does not load); otherwise onnxruntime-node when its native binding loads,
 * else onnxruntime-web. Both packages share one `onnxruntime-common` registry, so every session names
 * its execution provider explicitly (`cpu` = native, `wasm` = WebAssembly).
 */
import type { Engine, Net, TensorData } from './engine';

export type { Engine, Net, TensorData } from './engine';

type Ort = typeof import('onnxruntime-node');
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

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
}

export class EngineError extends Error {}

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

/** An error's message on one line (ONNX Runtime spreads details over several), at most 300 characters. */
function oneLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n').map((l) => l.trim()).filter(Boolean).join(' ').slice(0, 300);
}

function checkFeeds(names: readonly string[], feeds: Record<string, TensorData>, who: string): void {
  for (const k of Object.keys(feeds)) {
    if (!names.includes(k)) throw new EngineError(`${who}: unknown input "${k}" (the network's inputs: ${names.join(', ')})`);
  }
  for (const k of names) {
    const t = feeds[k];
    if (!t) throw new EngineError(`${who}: input "${k}" is missing (the network's inputs: ${names.join(', ')})`);
    if (!(t.data instanceof Float32Array)) throw new EngineError(`${who}: input "${k}" must be a Float32Array`);
    if (!Array.isArray(t.dims) || t.dims.some((d) => !Number.isInteger(d) || d < 0)) throw new EngineError(`${who}: input "${k}" has invalid dims ${JSON.stringify(t.dims)}`);
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new EngineError(`${who}: input "${k}" has ${t.data.length} values but dims [${t.dims.join(', ')}] need ${n}`);
  }
}

function wrapSession(ort: Ort, session: Session, who: string): Net {
  let disposed = false;
  return {
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    async run(feeds) {
      if (disposed) throw new EngineError(`${who}: the network was disposed`);
      checkFeeds(session.inputNames, feeds, who);
      const inputs: Record<string, InstanceType<Ort['Tensor']>> = {};
      for (const [k, t] of Object.entries(feeds)) inputs[k] = new ort.Tensor('float32', t.data, t.dims);
      let res: Awaited<ReturnType<Session['run']>>;
      try {
        res = await session.run(inputs);
      } catch (e) {
        throw new EngineError(`${who}: run failed: ${oneLine(e)}`);
      }
      const out: Record<string, TensorData> = {};
      for (const [k, t] of Object.entries(res)) {
        if (t.type !== 'float32') throw new EngineError(`${who}: output "${k}" is ${t.type}, only float32 outputs are supported`);
        out[k] = { data: t.data as Float32Array, dims: Array.from(t.dims) };
      }
      return out;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}

function makeEngine(name: Engine['name'], ort: Ort, description: string, sessionOptions: Record<string, unknown>): Engine {
  return {
    name,
    description,
    async load(model: Uint8Array): Promise<Net> {
      if (!(model instanceof Uint8Array)) throw new EngineError(`${name}: load() takes the bytes of an .onnx file (a Uint8Array)`);
      if (model.length === 0) throw new EngineError(`${name}: cannot load the model: it is empty (0 bytes)`);
      let session: Session;
      try {
        session = await ort.InferenceSession.create(model, sessionOptions);
      } catch (e) {
        throw new EngineError(`${name}: cannot load the model (${model.length} bytes; corrupt, truncated or not ONNX?): ${oneLine(e)}`);
      }
      return wrapSession(ort, session, name);
    },
  };
}

function nodeEngine(threads: number): Engine {
  const ort = loadNodeOrt();
  const version = ort.env.versions?.node ?? '?';
  return makeEngine('onnxruntime-node', ort, `onnxruntime-node ${version} (native CPU, ${threads} thread${threads === 1 ? '' : 's'})`, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
  });
}

function webEngine(threads: number, note = ''): Engine {
  const { ort, threads: actual } = loadWebOrt(threads);
  const version = ort.env.versions?.web ?? '?';
  return makeEngine('onnxruntime-web', ort, `onnxruntime-web ${version} (wasm, ${actual} thread${actual === 1 ? '' : 's'}${note})`, {
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
      engine = nodeEngine(threads);
    } catch (e) {
      if (pref === 'node') throw new EngineError(`onnxruntime-node was asked for but does not load: ${oneLine(e)}`);
      engine = webEngine(threads, `; onnxruntime-node did not load: ${oneLine(e)}`);
    }
  }
  if (!opts.quiet) process.stderr.write(`onnx engine: ${engine.description}\n`);
  return engine;
}
