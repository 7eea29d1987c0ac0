/**
 * The page's side of its worker (./worker.ts, served as /worker.js): start it, load the models in
 * it, and talk to it — photos as promises, camera frames handed over (transferred, never copied).
 */
import type { DetectResult } from '../../result';
import type { RgbImage } from '../../util/images';
import type { Backend } from './engine';
import type { PageSetup } from './pipeline';
import type { CameraFrame, FromWorker, Loaded, ToWorker } from './protocol';

/** The worker could not load the models; `model`: a model file is missing or not the one recorded. */
export class WorkerLoadError extends Error {
  constructor(
    message: string,
    readonly model: boolean,
  ) {
    super(message);
  }
}

export type FrameAnswer = Extract<FromWorker, { type: 'frame' | 'frame-error' }>;

export interface PageWorker {
  /** What runs, in words. */
  readonly loaded: Loaded;
  /** A photo's faces at the photo setting (photos wait their turn in the worker). */
  detectPhoto(image: RgbImage, file: string): Promise<DetectResult>;
  /** Hand the camera's visible canvas to the worker, which draws it from now on. */
  view(canvas: OffscreenCanvas): void;
  /** The camera started or resumed (`true`), or paused. */
  camera(running: boolean): void;
  /** Hand a camera frame over (the worker closes it). */
  frame(id: number, frame: CameraFrame): void;
  /** Called with each camera frame's answer. */
  onFrame: ((m: FrameAnswer) => void) | null;
}

/** Start the worker and load everything in it; rejects with a `WorkerLoadError` saying what failed. */
export function startWorker(setup: PageSetup, want: 'auto' | Backend, cameraSide: number, threads?: number, url = '/worker.js'): Promise<PageWorker> {
  const worker = new Worker(new URL(url, location.href), { type: 'module' });
  const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
  const photos = new Map<number, { resolve: (r: DetectResult) => void; reject: (e: Error) => void }>();
  let next = 0;
  return new Promise((resolve, reject) => {
    worker.onerror = (e) => reject(new WorkerLoadError(`the page's worker (${url}) did not start: ${e.message || 'blocked or not found'}`, false));
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.type === 'ready') {
        resolve(client(m.loaded));
      } else if (m.type === 'failed') {
        reject(new WorkerLoadError(m.message, m.model));
        worker.terminate();
      } else if (m.type === 'frame' || m.type === 'frame-error') {
        self.onFrame?.(m);
      } else {
        const p = photos.get(m.id);
        photos.delete(m.id);
        if (m.type === 'photo') p?.resolve(m.result);
        else p?.reject(new Error(m.message));
      }
    };
    const self: PageWorker = {
      loaded: undefined as unknown as Loaded,
      detectPhoto(image, file) {
        const id = ++next;
        const done = new Promise<DetectResult>((ok, fail) => photos.set(id, { resolve: ok, reject: fail }));
        send({ type: 'photo', id, file, rgb: image.data, width: image.width, height: image.height }, [image.data.buffer]);
        return done;
      },
      view: (canvas) => send({ type: 'view', canvas }, [canvas]),
      camera: (running) => send({ type: 'camera', running }),
      frame: (id, frame) => send({ type: 'frame', id, frame }, [frame as Transferable]),
      onFrame: null,
    };
    const client = (loaded: Loaded): PageWorker => Object.assign(self, { loaded });
    send({ type: 'load', setup, want, cameraSide, ...(threads ? { threads } : {}) });
  });
}
