/**
 * An `Engine` over an ONNX Runtime JavaScript module — onnxruntime-node, or onnxruntime-web in Node
 * or in a browser: sessions created from the bytes of an `.onnx` file, inputs checked before a run,
 * float32 outputs, errors on one line. Browser-safe: the module is passed in (`./onnx.ts` requires
 * it in Node; the web page imports it from the server, src/web/page/engine.ts).
 */
import type { Engine, Net, TensorData } from './engine';

/** What is used of an ONNX Runtime module (onnxruntime-node and onnxruntime-web share these types). */
export type OrtModule = Pick<typeof import('onnxruntime-web'), 'InferenceSession' | 'Tensor'>;
type Session = Awaited<ReturnType<OrtModule['InferenceSession']['create']>>;

export class EngineError extends Error {}

/** An error's message on one line (ONNX Runtime spreads details over several), at most 300 characters. */
export function oneLine(e: unknown): string {
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

function wrapSession(ort: OrtModule, session: Session, who: string): Net {
  let disposed = false;
  return {
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    async run(feeds) {
      if (disposed) throw new EngineError(`${who}: the network was disposed`);
      checkFeeds(session.inputNames, feeds, who);
      const inputs: Record<string, InstanceType<OrtModule['Tensor']>> = {};
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
        // getData() downloads tensors that live on a GPU (WebGPU); on the CPU it is the data itself
        out[k] = { data: (t.location === 'cpu' ? t.data : await t.getData()) as Float32Array, dims: Array.from(t.dims) };
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

/** An engine named `name` creating every session of `ort` with `sessionOptions` (execution providers, threads, logging). */
export function ortEngine(name: Engine['name'], ort: OrtModule, description: string, sessionOptions: Record<string, unknown>): Engine {
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
