/**
 * The page of `facemask serve`: loads the pipeline (./pipeline.ts) on onnxruntime-web, then runs it
 * on the camera (live boxes and labels, frames per second, pause) and on photos dropped or chosen
 * (the annotated picture and the `facemask detect` JSON line, both downloadable). Every failure is
 * shown on the page with what to do. `?engine=wasm|webgpu` forces a backend (default: WebGPU where
 * the browser has a GPU adapter, else wasm).
 */
import { toJsonLine, summarise, type DetectResult } from '../../result';
import type { FaceMaskDetector } from '../../detection/pipeline';
import type { RgbImage } from '../../util/images';
import { chooseBackend, loadWebEngine, type Backend } from './engine';
import { loadPagePipeline, type PageSetup } from './pipeline';
import { ModelLoadError } from './verify';
import { rgbFromRgba } from './pixels';
import { drawFaces } from './draw';
import { FpsMeter } from './fps';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function show(el: HTMLElement, text: string | null): void {
  el.textContent = text ?? '';
  el.hidden = text === null;
}

/** The pixels of a video frame or a decoded photo, drawn on white (alpha flattened as the CLI does). */
function grab(source: CanvasImageSource, width: number, height: number, canvas: HTMLCanvasElement) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(source, 0, 0, width, height);
  return rgbFromRgba(ctx.getImageData(0, 0, width, height).data, width, height);
}

/** Show a frame (the grab canvas) with its faces on a visible canvas. */
function render(view: HTMLCanvasElement, frame: HTMLCanvasElement, r: DetectResult): void {
  if (view.width !== frame.width) view.width = frame.width;
  if (view.height !== frame.height) view.height = frame.height;
  const ctx = view.getContext('2d')!;
  ctx.drawImage(frame, 0, 0);
  drawFaces(ctx, r.faces, r.width, r.height);
  view.hidden = false;
}

type Detect = (image: RgbImage, file: string) => Promise<DetectResult>;

/** The pipeline's `detect`, one call at a time: the camera and a photo share the ONNX sessions. */
function serialised(pipeline: FaceMaskDetector): Detect {
  let last: Promise<unknown> = Promise.resolve();
  return (image, file) => {
    const next = last.then(() => pipeline.detect(image, file));
    last = next.catch(() => undefined);
    return next;
  };
}

function cameraMessage(e: unknown): string {
  const name = (e as DOMException)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'The camera was refused. Allow it for this page (the camera icon in the address bar, or the browser\'s site settings) and press "Start camera" again — or use a photo below.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return 'No camera was found. Connect one and press "Start camera" again — or use a photo below.';
  if (name === 'NotReadableError' || name === 'AbortError') return 'The camera is busy or failed to start (another program may be using it). Close it and press "Start camera" again.';
  return `The camera could not start: ${(e as Error)?.message ?? e}.`;
}

/** The live camera: grab a frame, detect, draw, count; one frame at a time, until paused. */
function setUpCamera(detect: Detect): void {
  const start = $<HTMLButtonElement>('camera-start');
  const pause = $<HTMLButtonElement>('camera-pause');
  const video = $<HTMLVideoElement>('camera-video');
  const view = $<HTMLCanvasElement>('camera-view');
  const fpsEl = $('fps');
  const facesEl = $('camera-faces');
  const error = $('camera-error');
  const frame = document.createElement('canvas');
  const meter = new FpsMeter();
  let running = false;
  // each start of the loop gets a number: a loop still finishing a frame after a pause stops, even if resumed meanwhile
  let generation = 0;

  const run = async (gen: number) => {
    while (running && gen === generation) {
      if (video.readyState < 2 || video.videoWidth === 0) {
        await new Promise((r) => setTimeout(r, 30));
        continue;
      }
      const image = grab(video, video.videoWidth, video.videoHeight, frame);
      const r = await detect(image, 'camera');
      if (!running || gen !== generation) break;
      render(view, frame, r);
      meter.tick(performance.now());
      const fps = meter.fps();
      fpsEl.textContent = `${fps.toFixed(1)} frames/s · detect ${r.ms.detect.toFixed(0)} ms, classify ${r.ms.classify.toFixed(0)} ms`;
      fpsEl.dataset.fps = fps.toFixed(2);
      facesEl.textContent = summarise(r);
      view.dataset.result = toJsonLine(r);
      view.dataset.frames = String(Number(view.dataset.frames ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  const setRunning = (on: boolean) => {
    running = on;
    pause.textContent = on ? 'Pause' : 'Resume';
    document.body.dataset.camera = on ? 'running' : 'paused';
    if (on) {
      meter.reset();
      run(++generation).catch((e) => {
        running = false;
        show(error, `The pipeline failed on a camera frame: ${(e as Error).message}`);
      });
    }
  };

  start.disabled = false;
  start.addEventListener('click', async () => {
    show(error, null);
    if (!navigator.mediaDevices?.getUserMedia) {
      show(error, `This page cannot use a camera here: browsers allow it only on secure pages — open http://127.0.0.1:${location.port || 80}/ (or localhost) on the machine that runs \`facemask serve\`.`);
      document.body.dataset.camera = 'error';
      return;
    }
    start.disabled = true;
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
      await video.play();
    } catch (e) {
      start.disabled = false;
      show(error, cameraMessage(e));
      document.body.dataset.camera = 'error';
      return;
    }
    pause.disabled = false;
    setRunning(true);
  });
  pause.addEventListener('click', () => setRunning(!running));
}

/** Photos: decode (EXIF orientation applied), detect, draw, show and offer the JSON line and the picture. */
function setUpPhoto(detect: Detect, maxPixels: number): void {
  const input = $<HTMLInputElement>('photo-input');
  const drop = $('drop');
  const error = $('photo-error');
  const view = $<HTMLCanvasElement>('photo-view');
  const json = $('photo-json');
  const downloads = $('photo-downloads');
  const jsonLink = $<HTMLAnchorElement>('photo-json-link');
  const pngLink = $<HTMLAnchorElement>('photo-png-link');
  const frame = document.createElement('canvas');
  let urls: string[] = [];

  const handle = async (file: File) => {
    show(error, null);
    document.body.dataset.photo = 'working';
    const t0 = performance.now();
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: 'from-image', premultiplyAlpha: 'none' });
    } catch {
      show(error, `"${file.name}" is not an image this browser can read. Choose a photo (JPEG, PNG, WebP, GIF, BMP or AVIF).`);
      document.body.dataset.photo = 'error';
      return;
    }
    if (bitmap.width * bitmap.height > maxPixels) {
      show(error, `"${file.name}" is too large: ${bitmap.width}x${bitmap.height} pixels (the limit is ${maxPixels}). Scale it down and try again.`);
      document.body.dataset.photo = 'error';
      return;
    }
    const image = grab(bitmap, bitmap.width, bitmap.height, frame);
    bitmap.close();
    const decodeMs = performance.now() - t0;
    const r = await detect(image, file.name);
    r.ms.decode = decodeMs;
    render(view, frame, r);
    const line = toJsonLine(r);
    show(json, line);
    urls.forEach((u) => URL.revokeObjectURL(u));
    const stem = file.name.replace(/\.[^.]*$/, '') || 'photo';
    const png = await new Promise<Blob | null>((res) => view.toBlob(res, 'image/png'));
    urls = [URL.createObjectURL(new Blob([line + '\n'], { type: 'application/x-ndjson' })), png ? URL.createObjectURL(png) : '#'];
    [jsonLink.href, pngLink.href] = urls;
    jsonLink.download = `${stem}.jsonl`;
    pngLink.download = `${stem}-facemask.png`;
    downloads.hidden = false;
    document.body.dataset.photo = 'done';
  };
  const run = (file: File | undefined) => {
    if (file) handle(file).catch((e) => (show(error, `The pipeline failed on "${file.name}": ${(e as Error).message}`), (document.body.dataset.photo = 'error')));
  };

  input.disabled = false;
  input.addEventListener('change', () => run(input.files?.[0]));
  drop.addEventListener('dragover', (e) => (e.preventDefault(), drop.classList.add('over')));
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    run(e.dataTransfer?.files[0]);
  });
}

async function main(): Promise<void> {
  const status = $('status');
  try {
    const res = await fetch('/setup.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`GET /setup.json: HTTP ${res.status} — restart \`npx facemask serve\``);
    const setup = (await res.json()) as PageSetup;
    const want = (new URLSearchParams(location.search).get('engine') ?? 'auto') as 'auto' | Backend;
    let { backend, why } = await chooseBackend(want);
    let engine = await loadWebEngine(setup, backend);
    let loaded;
    try {
      loaded = await loadPagePipeline(setup, engine);
    } catch (e) {
      // WebGPU is untested: when it cannot run a model, fall back to wasm rather than fail (a bad file fails either way)
      if (backend !== 'webgpu' || e instanceof ModelLoadError) throw e;
      why = `WebGPU failed (${(e as Error).message}), fell back`;
      backend = 'wasm';
      engine = await loadWebEngine(setup, backend);
      loaded = await loadPagePipeline(setup, engine);
    }
    const { pipeline, manifest, note } = loaded;
    status.textContent = `Ready: ${pipeline.describe()}.`;
    const trained = manifest.training?.run ? `, run ${manifest.training.run}` : '';
    $('settings').textContent = [note && `${note[0].toUpperCase()}${note.slice(1)}.`, `Classifier: ${setup.model.name} (${manifest.classes.join(', ')}${trained}).`, `Engine: ${engine.description} (${why}).`].filter(Boolean).join(' ');
    document.body.dataset.state = 'ready';
    document.body.dataset.detector = pipeline.settings.detector;
    document.body.dataset.backend = backend;
    const detect = serialised(pipeline);
    setUpCamera(detect);
    setUpPhoto(detect, setup.maxPixels);
  } catch (e) {
    status.textContent = `The models cannot load: ${(e as Error).message}`;
    document.body.dataset.state = 'error';
  }
}

void main();
