/**
 * The page's worker (served as /worker.js): it owns onnxruntime-web, the checked models and two
 * pipelines over one classifier — photos at the model's photo setting (as `facemask detect`), the
 * camera at its video setting, detected at the camera's detection size, tracked, with each track's
 * classification reused while it holds (./live.ts). It reads a camera frame's pixels on an
 * `OffscreenCanvas`, and draws the frame and its faces on the camera's canvas (transferred to it),
 * so the page's thread only hands frames over. Frames are dropped, never queued: a frame waiting
 * while another is detected is replaced by the next one. Photos wait their turn.
 */
import type { FaceMaskDetector } from '../../detection/pipeline';
import type { DetectResult } from '../../result';
import type { RgbImage } from '../../util/images';
import { chooseBackend, loadWebEngine, wasmThreads, type Backend } from './engine';
import { loadPageModels, pagePipeline, type PageSetup } from './pipeline';
import { ModelLoadError } from './verify';
import { LiveFaces, type LiveFrame } from './live';
import { rgbFromRgba, rgbFromYuv } from './pixels';
import { drawFaces } from './draw';
import type { CameraFrame, FromWorker, Loaded, ToWorker } from './protocol';

/** The worker's global scope, as far as it is used (the project's types are the window's). */
const scope = globalThis as unknown as {
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};
const post = (m: FromWorker) => scope.postMessage(m);

interface Pipelines {
  photo: FaceMaskDetector;
  camera: FaceMaskDetector;
  live: LiveFaces;
}

let pipes: Pipelines | null = null;
let view: OffscreenCanvasRenderingContext2D | null = null;
const grab = new OffscreenCanvas(1, 1).getContext('2d', { willReadFrequently: true })!;
let waiting: { id: number; frame: CameraFrame } | null = null;
const photos: Extract<ToWorker, { type: 'photo' }>[] = [];
let cameraOn = false;
let dropped = 0;
let busy = false;

/** Load everything on `backend`; the pipelines, and what was loaded in words. */
async function loadOn(setup: PageSetup, backend: Backend, cameraSide: number, threads?: number): Promise<{ pipes: Pipelines; loaded: Omit<Loaded, 'why'> }> {
  const engine = await loadWebEngine(setup, backend, threads === undefined ? wasmThreads() : Math.min(threads, wasmThreads(threads)));
  const models = await loadPageModels(setup, engine);
  try {
    const photo = await pagePipeline(models, setup.detect, { use: 'photo', ownsClassifier: true });
    const camera = await pagePipeline(models, setup.detect, { use: 'video', videoDetector: setup.video.detector, maxSide: cameraSide });
    const m = models.manifest;
    const loaded = { photo: photo.pipeline.describe(), camera: `${camera.pipeline.describe()}; frames detected at ${cameraSide} px`, detector: camera.pipeline.settings.detector, note: photo.note || camera.note, backend, engine: engine.description, classes: [...m.classes], ...(m.training?.run ? { run: m.training.run } : {}) };
    return { pipes: { photo: photo.pipeline, camera: camera.pipeline, live: new LiveFaces(camera.pipeline, setup.video) }, loaded };
  } catch (e) {
    models.classifier.dispose();
    throw e;
  }
}

async function load(msg: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  let { backend, why } = await chooseBackend(msg.want);
  let got;
  try {
    got = await loadOn(msg.setup, backend, msg.cameraSide, msg.threads);
  } catch (e) {
    // WebGPU is untested: when it cannot run a model, fall back to wasm rather than fail (a bad file fails either way)
    if (backend !== 'webgpu' || e instanceof ModelLoadError) throw e;
    why = `WebGPU failed (${(e as Error).message}), fell back`;
    backend = 'wasm';
    got = await loadOn(msg.setup, backend, msg.cameraSide, msg.threads);
  }
  pipes = got.pipes;
  post({ type: 'ready', loaded: { ...got.loaded, why } });
}

/** A VideoFrame's planes as `copyTo` gives them (the project's DOM typings predate WebCodecs). */
interface PlanarFrame {
  format: string | null;
  colorSpace?: { matrix?: string | null; fullRange?: boolean | null };
  allocationSize(): number;
  copyTo(dest: Uint8Array): Promise<{ offset: number; stride: number }[]>;
}

const frameSize = (f: CameraFrame) => ('displayWidth' in f ? [f.displayWidth, f.displayHeight] : [f.width, f.height]);

/**
 * A camera frame's RGB pixels: a 4:2:0 frame's planes converted in JavaScript (./pixels.ts), any
 * other frame drawn on the grab canvas and read back. The frame is not closed.
 */
async function pixels(frame: CameraFrame): Promise<RgbImage> {
  const [width, height] = frameSize(frame);
  const planar = frame as unknown as PlanarFrame;
  if (typeof planar.copyTo === 'function' && (planar.format === 'I420' || planar.format === 'NV12')) {
    const data = new Uint8Array(planar.allocationSize());
    const layout = await planar.copyTo(data);
    const cs = planar.colorSpace ?? {};
    return rgbFromYuv({ format: planar.format, data, layout, width, height, matrix: cs.matrix === 'bt709' ? 'bt709' : 'bt601', fullRange: cs.fullRange ?? false });
  }
  const c = grab.canvas;
  if (c.width !== width || c.height !== height) [c.width, c.height] = [width, height];
  grab.drawImage(frame as CanvasImageSource, 0, 0); // a VideoFrame is one (the project's DOM typings predate it)
  return rgbFromRgba(grab.getImageData(0, 0, width, height).data, width, height);
}

/** Draw a frame and its faces on the camera's canvas. */
function show(frame: CameraFrame, faces: LiveFrame['faces'], width: number, height: number): void {
  if (!view) return;
  const c = view.canvas;
  if (c.width !== width || c.height !== height) [c.width, c.height] = [width, height];
  view.drawImage(frame as CanvasImageSource, 0, 0);
  drawFaces(view, faces, width, height);
}

/** A camera frame: its pixels, its faces (./live.ts), drawn; the answer with the time each step took. */
async function cameraFrame(p: Pipelines, id: number, frame: CameraFrame): Promise<void> {
  try {
    const t0 = performance.now();
    const image = await pixels(frame);
    const t1 = performance.now();
    const r = await p.live.step(image);
    if (!cameraOn) return; // paused meanwhile: the frame is not shown
    const t2 = performance.now();
    show(frame, r.faces, image.width, image.height);
    const ms = { detect: r.ms.detect, classify: r.ms.classify, grab: t1 - t0, draw: performance.now() - t2 };
    const result: DetectResult = { file: 'camera', width: image.width, height: image.height, faces: r.faces, ms };
    post({ type: 'frame', id, result, classified: r.classified, dropped });
  } finally {
    frame.close();
  }
}

async function photo(p: Pipelines, job: Extract<ToWorker, { type: 'photo' }>): Promise<void> {
  const result = await p.photo.detect({ data: job.rgb, width: job.width, height: job.height }, job.file);
  post({ type: 'photo', id: job.id, result });
}

/** Work through what waits: photos first, then the newest camera frame; one thing at a time. */
async function pump(): Promise<void> {
  if (busy || !pipes) return;
  busy = true;
  try {
    for (;;) {
      const job = photos.shift();
      if (job) {
        await photo(pipes, job).catch((e) => post({ type: 'photo-error', id: job.id, message: (e as Error).message }));
        continue;
      }
      const next = waiting;
      waiting = null;
      if (!next) break;
      await cameraFrame(pipes, next.id, next.frame).catch((e) => post({ type: 'frame-error', id: next.id, message: (e as Error).message }));
    }
  } finally {
    busy = false;
  }
}

/** Run `pump` after the messages already queued: frames that came in meanwhile replace each other first. */
const later = () => setTimeout(() => void pump(), 0);

scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'load') {
    load(m).catch((err) => post({ type: 'failed', message: (err as Error).message, model: err instanceof ModelLoadError }));
  } else if (m.type === 'view') {
    view = m.canvas.getContext('2d');
  } else if (m.type === 'camera') {
    cameraOn = m.running;
    waiting?.frame.close();
    waiting = null;
    dropped = 0;
    if (m.running) pipes?.live.reset();
  } else if (m.type === 'frame') {
    if (!cameraOn) return void m.frame.close();
    if (waiting) {
      waiting.frame.close();
      dropped++;
    }
    waiting = { id: m.id, frame: m.frame };
    later();
  } else if (m.type === 'photo') {
    photos.push(m);
    later();
  }
};
