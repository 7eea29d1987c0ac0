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

/**
 * A camera frame's answer on the page: the rate, the times, the faces; and, for tests and the
 * curious, on the camera's canvas: the answer's line, its frame, the answers and camera frames seen
 * so far, and how many camera frames later than its frame the answer came (about two detections'
 * worth: frames are dropped, not queued).
 */
function showAnswer(m: Extract<FrameAnswer, { type: 'frame' }>, c: { fps: number; dropped: number; seen: number; lag: number }): void {
  const r = m.result;
  const fpsEl = $('fps');
  const view = $<HTMLCanvasElement>('camera-view');
  fpsEl.textContent = `${c.fps.toFixed(1)} frames/s · grab ${r.ms.grab.toFixed(0)} ms, detect ${r.ms.detect.toFixed(0)} ms, classify ${r.ms.classify.toFixed(0)} ms (${m.classified} of ${r.faces.length} faces), draw ${r.ms.draw.toFixed(0)} ms · ${c.dropped.toFixed(0)} % of frames dropped`;
  fpsEl.dataset.fps = c.fps.toFixed(2);
  $('camera-faces').textContent = summarise(r);
  view.hidden = false;
  view.dataset.result = toJsonLine(r);
  view.dataset.frame = String(m.id);
  view.dataset.frames = String(Number(view.dataset.frames ?? 0) + 1);
  view.dataset.seen = String(c.seen);
  view.dataset.lag = String(c.lag);
}

/** The live camera: frames to the worker while running; the answers shown and counted. */
export function setUpCamera(worker: PageWorker): void {
  const start = $<HTMLButtonElement>('camera-start');
  const pause = $<HTMLButtonElement>('camera-pause');
  const video = $<HTMLVideoElement>('camera-video');
  const view = $<HTMLCanvasElement>('camera-view');
  const error = $('camera-error');
  const meter = new FpsMeter();
  let running = false;
  // camera frames seen, handed over and answered since the camera (re)started; frames the worker replaced
  let [seen, sent, answered, replaced] = [0, 0, 0, 0];
  // camera frames seen before the last (re)start
  let total = 0;
  let lastId = -1;
  // a frame is handed over only when the worker has room: one being detected, one waiting; the rest are dropped here
  const offer = (id: number) => {
    // frames presented between two callbacks were never seen here: they count as dropped too
    seen += lastId >= 0 && id > lastId ? id - lastId : 1;
    lastId = id;
    if (sent - answered - replaced >= 2) return;
    sent++;
    handOver(worker, video, id);
  };
  const onVideoFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
    if (!running) return;
    if (meta.presentedFrames !== lastId) offer(meta.presentedFrames);
    video.requestVideoFrameCallback(onVideoFrame);
  };
  // without requestVideoFrameCallback: a frame each animation frame (some may repeat)
  const onAnimationFrame = () => {
    if (!running) return;
    offer(lastId + 1);
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
    replaced = m.dropped;
    meter.tick(performance.now());
    showAnswer(m, { fps: meter.fps(), dropped: seen > 0 ? (100 * (seen - answered)) / seen : 0, seen: total + seen, lag: lastId - m.id });
  };
  const setRunning = (on: boolean) => {
    running = on;
    pause.textContent = on ? 'Pause' : 'Resume';
    document.body.dataset.camera = on ? 'running' : 'paused';
    worker.camera(on);
    if (!on) return;
    meter.reset();
    total += seen;
    [seen, sent, answered, replaced, lastId] = [0, 0, 0, 0, -1];
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
