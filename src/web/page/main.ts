/**
 * The page of `facemask serve`: starts its worker (./worker.ts), which loads the pipelines on
 * onnxruntime-web, then runs them on the camera (./camera.ts: live boxes and labels, frames per
 * second, pause) and on photos dropped or chosen (the annotated picture and the `facemask detect`
 * JSON line, both downloadable). Every failure is shown on the page with what to do. Query options:
 * `?engine=wasm|webgpu` forces a backend (default: WebGPU where the browser has a GPU adapter, else
 * wasm); `?side=N` detects camera frames at N pixels on their longer side (default: the server's
 * choice, `cameraSide` in /setup.json); `?threads=N` runs wasm on N threads (default: the cores, up to 4).
 */
import { toJsonLine, type DetectResult } from '../../result';
import type { RgbImage } from '../../util/images';
import type { Backend } from './engine';
import type { PageSetup } from './pipeline';
import { rgbFromRgba } from './pixels';
import { drawFaces } from './draw';
import { startWorker } from './client';
import { setUpCamera } from './camera';

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

/** A whole-number query option within [lo, hi], else undefined. */
function option(name: string, lo: number, hi: number): number | undefined {
  const v = Number(new URLSearchParams(location.search).get(name) ?? NaN);
  return Number.isInteger(v) && v >= lo && v <= hi ? v : undefined;
}

async function main(): Promise<void> {
  const status = $('status');
  try {
    const res = await fetch('/setup.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`GET /setup.json: HTTP ${res.status} — restart \`npx facemask serve\``);
    const setup = (await res.json()) as PageSetup;
    const want = (new URLSearchParams(location.search).get('engine') ?? 'auto') as 'auto' | Backend;
    const worker = await startWorker(setup, want, option('side', 32, 4096) ?? setup.cameraSide, option('threads', 1, 16));
    const l = worker.loaded;
    status.textContent = `Ready: ${l.photo}.`;
    const trained = l.run ? `, run ${l.run}` : '';
    $('settings').textContent = [l.note && `${l.note[0].toUpperCase()}${l.note.slice(1)}.`, `Classifier: ${setup.model.name} (${l.classes.join(', ')}${trained}).`, `Camera: ${l.camera}.`, `Engine: ${l.engine} (${l.why}).`].filter(Boolean).join(' ');
    document.body.dataset.state = 'ready';
    document.body.dataset.detector = l.detector;
    document.body.dataset.backend = l.backend;
    setUpCamera(worker);
    setUpPhoto((image, file) => worker.detectPhoto(image, file), setup.maxPixels);
  } catch (e) {
    status.textContent = `The models cannot load: ${(e as Error).message}`;
    document.body.dataset.state = 'error';
  }
}

void main();
