/**
 * The page's ONNX engine: onnxruntime-web, imported from the `facemask serve` server (its wasm build,
 * or its WebGPU build where the browser has a GPU adapter), as an `Engine` (src/backend/engine.ts)
 * through the session code Node uses (src/backend/ort-session.ts). WebGPU is untested: the tests run
 * a headless browser without a GPU, where the wasm build runs.
 */
import type { Engine } from '../../backend/engine';
import { ortEngine, type OrtModule } from '../../backend/ort-session';
import type { PageSetup } from './pipeline';

/** Where the networks run: WebAssembly on the CPU, or WebGPU (untested). */
export type Backend = 'wasm' | 'webgpu';

/** The module's parts the page sets up besides sessions. */
type OrtWeb = OrtModule & Pick<typeof import('onnxruntime-web'), 'env'>;

/** WebGPU when asked (`want`) or available (`auto`), else wasm; with the reason in words. default `want`: auto */
export async function chooseBackend(want: 'auto' | Backend = 'auto'): Promise<{ backend: Backend; why: string }> {
  if (want === 'wasm') return { backend: 'wasm', why: 'asked for (?engine=wasm)' };
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return { backend: 'wasm', why: 'this browser has no WebGPU' };
  try {
    if (await gpu.requestAdapter()) return { backend: 'webgpu', why: want === 'webgpu' ? 'asked for (?engine=webgpu)' : 'a GPU adapter is available' };
  } catch {
    // no adapter: fall through
  }
  return { backend: 'wasm', why: 'WebGPU has no GPU adapter here' };
}

/** Threads for wasm when the page is cross-origin isolated (the server sends COOP/COEP): the cores, up to `most`; else 1. default `most`: 4 */
export function wasmThreads(most = 4): number {
  return globalThis.crossOriginIsolated ? Math.max(1, Math.min(most, navigator.hardwareConcurrency || 1)) : 1;
}

/** Import onnxruntime-web's build for `backend` from the server and make an engine over it, with `threads` for wasm (default: `wasmThreads()`). */
export async function loadWebEngine(setup: PageSetup, backend: Backend, threads: number = wasmThreads()): Promise<Engine> {
  const url = new URL(backend === 'webgpu' ? setup.ort.webgpu : setup.ort.wasm, location.href).href;
  const ort = (await import(url)) as OrtWeb;
  ort.env.wasm.wasmPaths = new URL(setup.ort.base, location.href).href;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const what = backend === 'webgpu' ? 'WebGPU, untested' : `wasm, ${threads} thread${threads === 1 ? '' : 's'}`;
  return ortEngine('onnxruntime-web', ort, `onnxruntime-web ${setup.ort.version} (${what})`, {
    executionProviders: backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
}
