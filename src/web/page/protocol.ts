/**
 * The messages between the page (./main.ts) and its worker (./worker.ts), which owns the engine,
 * the models and both pipelines. Types only.
 */
import type { DetectResult } from '../../result';
import type { Backend } from './engine';
import type { PageSetup } from './pipeline';

/** WebCodecs' `VideoFrame`, as far as the page uses it (the project's DOM typings predate it). */
export interface WebVideoFrame {
  readonly displayWidth: number;
  readonly displayHeight: number;
  close(): void;
}

/** A camera frame as the page hands it over (transferred, closed by the worker). */
export type CameraFrame = WebVideoFrame | ImageBitmap;

/** What the page asks of the worker. */
export type ToWorker =
  /** Load the engine (wasm with `threads`, default its own choice), the models and the photo and camera pipelines; the camera detects at `cameraSide`. */
  | { type: 'load'; setup: PageSetup; want: 'auto' | Backend; cameraSide: number; threads?: number }
  /** The camera's visible canvas, drawn by the worker from now on. */
  | { type: 'view'; canvas: OffscreenCanvas }
  /** The camera started or resumed (tracks start over), or paused (a waiting frame is dropped). */
  | { type: 'camera'; running: boolean }
  /** A camera frame; `id` grows with each new frame. Only the newest waiting frame is kept. */
  | { type: 'frame'; id: number; frame: CameraFrame }
  /** A photo's RGB pixels: detected with the photo setting. Photos wait their turn; none is dropped. */
  | { type: 'photo'; id: number; file: string; rgb: Uint8Array; width: number; height: number };

/** What the worker loaded, in words, for the page's status lines. */
export interface Loaded {
  /** The photo pipeline's settings (`describe()`). */
  photo: string;
  /** The camera pipeline's settings. */
  camera: string;
  /** The camera's detector name. */
  detector: string;
  /** Empty, or why another detector than the model's runs. */
  note: string;
  backend: Backend;
  /** Why this backend. */
  why: string;
  /** The engine in words. */
  engine: string;
  classes: string[];
  /** The training run that made the model, when recorded. */
  run?: string;
}

/** What the worker answers. */
export type FromWorker =
  | { type: 'ready'; loaded: Loaded }
  /** Loading failed; `model`: a model file is missing or not the one recorded (not the engine's fault). */
  | { type: 'failed'; message: string; model: boolean }
  /** A camera frame's faces (the visible tracks); `classified`: tracks classified in it; `dropped`: frames dropped so far. */
  | { type: 'frame'; id: number; result: DetectResult; classified: number; dropped: number }
  | { type: 'frame-error'; id: number; message: string }
  | { type: 'photo'; id: number; result: DetectResult }
  | { type: 'photo-error'; id: number; message: string };
