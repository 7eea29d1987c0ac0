/**
 * The inference engine for frozen ONNX networks, as types only (no runtime import), so that
 * browser-safe code (the detection core) can take an engine as a parameter: Node passes
 * onnxruntime-node (or onnxruntime-web as a fallback), a page passes onnxruntime-web.
 */

/** A tensor's values and shape. */
export interface TensorData {
  data: Float32Array;
  dims: number[];
}

/** A loaded network (one session): run it on named inputs. */
export interface Net {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  dispose(): Promise<void>;
}

export interface Engine {
  readonly name: 'onnxruntime-node' | 'onnxruntime-web';
  /** One line: the engine, its version and threads. */
  readonly description: string;
  /** Load a network from the bytes of an ONNX file. */
  load(model: Uint8Array): Promise<Net>;
}
