/**
 * The page's camera: each new camera frame (`requestVideoFrameCallback`) is handed to the worker as
 * a `VideoFrame` (an `ImageBitmap` where there is none); the worker detects the newest one it has,
 * draws it with its faces on the camera's canvas and answers. The page counts the answers — distinct
 * camera frames that got a fresh detection — and shows their rate, the frames dropped and the faces.
 */
import { summarise, toJsonLine } from '../../result';
import type { FrameAnswer, PageWorker } from './client';
import type { WebVideoFrame } from './protocol';
import { FpsMeter } from './fps';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function show(el: HTMLElement, text: string | null): void {
  el.textContent = text ?? '';
  el.hidden = text === null;
}

function cameraMessage(e: unknown): string {
  const name = (e as DOMException)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'The camera was refused. Allow it for this page (the camera icon in the address bar, or the browser\'s site settings) and press "Start camera" again — or use a photo below.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return 'No camera was found. Connect one and press "Start camera" again — or use a photo below.';
  if (name === 'NotReadableError' || name === 'AbortError') return 'The camera is busy or failed to start (another program may be using it). Close it and press "Start camera" again.';
  return `The camera could not start: ${(e as Error)?.message ?? e}.`;
}

/** Hand the video's current frame to the worker, as a `VideoFrame` where the browser has them. */
function handOver(worker: PageWorker, video: HTMLVideoElement, id: number): void {
  const VideoFrame = (globalThis as { VideoFrame?: new (source: HTMLVideoElement) => WebVideoFrame }).VideoFrame;
  if (VideoFrame) {
    let frame: WebVideoFrame;
    try {
      frame = new VideoFrame(video);
    } catch {
      return; // no frame yet
    }
    worker.frame(id, frame);
  } else {
    createImageBitmap(video).then((b) => worker.frame(id, b), () => undefined);
  }
}

/** The live camera: frames to the worker while running; the answers shown and counted. */
export function setUpCamera(worker: PageWorker): void {
  const start = $<HTMLButtonElement>('camera-start');
  const pause = $<HTMLButtonElement>('camera-pause');
  const video = $<HTMLVideoElement>('camera-video');
  const view = $<HTMLCanvasElement>('camera-view');
  const fpsEl = $('fps');
  const facesEl = $('camera-faces');
  const error = $('camera-error');
  const meter = new FpsMeter();
  let running = false;
  // camera frames seen, handed over and answered since the camera (re)started; frames the worker replaced
  let [seen, sent, answered, replaced] = [0, 0, 0, 0];
  let lastId = -1;
  // a frame is handed over only when the worker has room: one being detected, one waiting; the rest are dropped here
  const offer = (id: number) => {
    seen++;
    if (sent - answered - replaced >= 2) return;
    sent++;
    handOver(worker, video, id);
  };
  const onVideoFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
    if (!running) return;
    if (meta.presentedFrames !== lastId) offer((lastId = meta.presentedFrames));
    video.requestVideoFrameCallback(onVideoFrame);
  };
  // without requestVideoFrameCallback: a frame each animation frame (some may repeat)
  const onAnimationFrame = () => {
    if (!running) return;
    offer(++lastId);
    requestAnimationFrame(onAnimationFrame);
  };
  worker.onFrame = (m: FrameAnswer) => {
    if (!running) return;
    answered++;
    if (m.type === 'frame-error') {
      setRunning(false);
      show(error, `The pipeline failed on a camera frame: ${m.message}`);
      return;
    }
    const r = m.result;
    replaced = m.dropped;
    meter.tick(performance.now());
    const fps = meter.fps();
    const dropped = seen > 0 ? (100 * (seen - answered)) / seen : 0;
    fpsEl.textContent = `${fps.toFixed(1)} frames/s · grab ${r.ms.grab.toFixed(0)} ms, detect ${r.ms.detect.toFixed(0)} ms, classify ${r.ms.classify.toFixed(0)} ms (${m.classified} of ${r.faces.length} faces), draw ${r.ms.draw.toFixed(0)} ms · ${dropped.toFixed(0)} % of frames dropped`;
    fpsEl.dataset.fps = fps.toFixed(2);
    facesEl.textContent = summarise(r);
    view.hidden = false;
    view.dataset.result = toJsonLine(r);
    view.dataset.frame = String(m.id);
    view.dataset.frames = String(Number(view.dataset.frames ?? 0) + 1);
  };
  const setRunning = (on: boolean) => {
    running = on;
    pause.textContent = on ? 'Pause' : 'Resume';
    document.body.dataset.camera = on ? 'running' : 'paused';
    worker.camera(on);
    if (!on) return;
    meter.reset();
    [seen, sent, answered, replaced] = [0, 0, 0, 0];
    if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(onVideoFrame);
    else requestAnimationFrame(onAnimationFrame);
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
    if (!view.dataset.offscreen) {
      worker.view(view.transferControlToOffscreen());
      view.dataset.offscreen = '1';
    }
    pause.disabled = false;
    setRunning(true);
  });
  pause.addEventListener('click', () => setRunning(!running));
}
