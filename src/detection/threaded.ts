/**
 * A detector on its own thread (Node): the same registered detector, loaded in a worker thread
 * (./detector-thread.ts), behind the `FaceDetector` interface. onnxruntime-node runs a network on the
 * thread that calls it, so on the main thread a frame's detection and the last frame's
 * classification take turns; with the detector here they run at once (config `video.detectorThread`,
 * bench/video.ts). Frames are copied to the thread, so the caller keeps its buffer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EngineOptions } from '../backend/onnx';
import type { RgbImage } from '../util/images';
import type { ScalePlan } from '../model/setting';
import type { DetectConfig } from './registry';
import { DetectorError, type FaceDetection, type FaceDetector } from './types';

/** What the thread loads: `DETECTORS.create(name, config, threshold, { modelDir, scales })` on an engine of its own. */
export interface DetectorThreadInit {
  name: string;
  config: DetectConfig;
  threshold: number;
  modelDir?: string;
  scales?: ScalePlan | null;
  engine: EngineOptions;
}

export type ToDetectorThread = { kind: 'detect'; id: number; data: Uint8Array; width: number; height: number };
export type FromDetectorThread = { kind: 'ready' } | { kind: 'failed'; message: string } | { kind: 'faces'; id: number; faces: FaceDetection[] } | { kind: 'error'; id: number; message: string };

/**
 * The thread's script: the TypeScript source through tsx in a clone, the bundle beside the library
 * in the installed package (dist/detector-thread.cjs, tsup.config.ts).
 */
function threadScript(): { file: string; eval: boolean } {
  const source = path.join(__dirname, 'detector-thread.ts');
  // tsx as this file resolves it: a worker's own `require` resolves from the working directory
  if (fs.existsSync(source)) return { file: `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(source)});`, eval: true };
  return { file: path.join(__dirname, 'detector-thread.cjs'), eval: false };
}

/**
 * Load a detector on a thread of its own. Resolves once it is loaded; rejects with the thread's
 * message when it cannot be (unknown name, missing weights). `dispose()` ends the thread; a detection
 * still pending then rejects.
 */
export function threadedDetector(init: DetectorThreadInit): Promise<FaceDetector> {
  const script = threadScript();
  const worker = new Worker(script.file, { eval: script.eval, workerData: init });
  const pending = new Map<number, { resolve: (f: FaceDetection[]) => void; reject: (e: Error) => void }>();
  let next = 0;
  let ended: Error | null = null;
  const fail = (e: Error) => {
    ended ??= e;
    for (const p of pending.values()) p.reject(ended);
    pending.clear();
  };
  return new Promise((resolve, reject) => {
    worker.on('error', (e) => (fail(new DetectorError(`${init.name}'s thread failed: ${e.message}`)), reject(ended)));
    worker.on('exit', () => (fail(new DetectorError(`${init.name}'s thread has ended`)), reject(ended)));
    // the thread keeps the process alive only while a detection is pending: a caller who forgets
    // `dispose()` does not hang at exit, and one awaiting a detection is not cut off
    const settle = () => pending.size === 0 && worker.unref();
    worker.on('message', (m: FromDetectorThread) => {
      if (m.kind === 'ready') return (worker.unref(), resolve(detector));
      if (m.kind === 'failed') {
        // loading failed: nothing was asked of it yet
        reject(new DetectorError(m.message));
        return void worker.terminate();
      }
      const p = pending.get(m.id);
      pending.delete(m.id);
      settle();
      if (m.kind === 'faces') p?.resolve(m.faces);
      else p?.reject(new DetectorError(m.message));
    });
    const detector: FaceDetector = {
      name: init.name,
      detectFaces(image: RgbImage) {
        if (ended) return Promise.reject(ended);
        const id = next++;
        const data = new Uint8Array(image.data); // a copy, moved to the thread: the caller keeps its frame
        return new Promise<FaceDetection[]>((res, rej) => {
          worker.ref();
          pending.set(id, { resolve: res, reject: rej });
          worker.postMessage({ kind: 'detect', id, data, width: image.width, height: image.height } satisfies ToDetectorThread, [data.buffer]);
        });
      },
      dispose() {
        fail(new DetectorError(`${init.name}'s thread was disposed`));
        void worker.terminate(); // the thread's engine and network go with it
      },
    };
  });
}
