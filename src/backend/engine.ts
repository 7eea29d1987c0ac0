/**
 * The contract of an inference engine for frozen ONNX networks: types only, no runtime imports, so
 * browser code (`src/detection/yunet.ts`) can use a network without pulling in Node modules. The Node
 * implementation is `./onnx.ts` (onnxruntime-node, or onnxruntime-web's wasm build as a fallback).
 */

/** A dense float32 tensor: `data` holds the product of `dims` values, row-major (e.g. NCHW). */
export interface TensorData {
  data: Float32Array;
  dims: number[];
}

/** One loaded network (an inference session). Free it with `dispose()`. */
export interface Net {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Run the network on named inputs; returns every output by name. */
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  /** Release the session; `run` fails afterwards. Calling it twice is harmless. */
  dispose(): Promise<void>;
}

export interface Engine {
  readonly name: 'onnxruntime-node' | 'onnxruntime-web';
  /** One line for logs: package, version, execution provider, threads. */
  readonly description: string;
  /** Load a network from the bytes of an `.onnx` file. */
  load(model: Uint8Array): Promise<Net>;
}
