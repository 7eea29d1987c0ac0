/**
 * Video: ffmpeg decodes raw RGB frames through a pipe → faces detected every `detectEvery` frames
 * and tracked in between (IoU tracker) → each track classified on detection frames, its class
 * scores smoothed → boxes and labels drawn → ffmpeg encodes the annotated frames.
 *
 * Frames per second = frames written / wall-clock time including decoding and encoding (the clock
 * starts after a one-off warm-up of the networks, see `warmUp`).
 * A truncated input ends with `report.error` set and the frames done so far written as a playable
 * file; the output is written under a temporary name and renamed into place when finished.
 */
import * as fs from 'node:fs';
import type { Classification } from '../result';
import type { RgbImage } from '../util/images';
import { tempSibling } from '../util/atomic';
import { interruption } from '../util/interrupt';
import type { FaceMaskDetector } from './pipeline';
import { IouTracker, type Track, type TrackerOptions } from './tracker';
import { drawFaces } from './draw';
import { VideoError, collectStderr, containerFor, exited, probeVideo, readFrames, spawnDecoder, spawnEncoder, writeFrame, type VideoInfo } from './ffmpeg';

export { VideoError, probeVideo };

export interface VideoOptions extends TrackerOptions {
  /** A video file or a camera device (`/dev/video0`). */
  input: string;
  /** Annotated video to write (.mp4/.mov/.mkv); none: process and report only. */
  output?: string;
  /** The pipeline (its detector finds faces on detection frames; tracks are classified through it). */
  pipeline: FaceMaskDetector;
  /** Detect (and classify) every Nth frame, track in between. default: config `video.detectEvery` */
  detectEvery: number;
  /** Stop after this many frames (cameras run until stopped). */
  maxFrames?: number;
  /** Stop cleanly (the output is finalised) when aborted, e.g. on Ctrl-C. */
  signal?: AbortSignal;
  /**
   * Run the detector and classifier once on a blank frame before the clock starts (first calls
   * compile kernels and upload weights, a one-off cost of seconds). default: true
   */
  warmUp?: boolean;
  /** Called once a second with the running figures. */
  onProgress?: (p: { frames: number; fps: number; seconds: number; total?: number }) => void;
  /** Called after each frame is drawn (tests and notebooks inspect tracks and raw labels). */
  onFrame?: (f: FrameInfo) => void;
}

export interface FrameInfo {
  index: number;
  detected: boolean;
  tracks: { id: number; box: Track['box']; label?: Track['label']; score: number; raw?: Classification | null }[];
}

export interface VideoReport {
  input: string;
  output?: string;
  width: number;
  height: number;
  /** Source frame rate (also the output's). */
  sourceFps: number;
  framesRead: number;
  framesWritten: number;
  seconds: number;
  /** frames written / wall time incl. decode and encode (frames processed when nothing is written). */
  fps: number;
  /** Milliseconds spent in each stage (sums over the run). */
  ms: { detect: number; classify: number; draw: number; write: number };
  detections: number;
  tracks: number;
  /** Notes such as odd sizes padded. */
  notes: string[];
  /** Set when the input ended early or broke (the frames before it are written). */
  error?: string;
  /** Stopped early by `signal` (Ctrl-C) or `maxFrames`; the frames so far are written. */
  stopped: boolean;
}

/** The annotated video being written: a temporary file beside the output, and the encoder filling it. */
interface VideoOutput {
  tmp: string;
  enc: ReturnType<typeof spawnEncoder>;
  encErr: () => string;
  encExit: Promise<number | null>;
  /** Stop watching for a forced stop (the temporary file is then the caller's to keep or remove). */
  forget: () => void;
}

/** Start writing `output`: its temporary file first (a place that cannot be written fails before any frame), then the encoder. */
function openOutput(output: string, info: VideoInfo): VideoOutput {
  const tmp = tempSibling(output);
  try {
    fs.writeFileSync(tmp, '');
  } catch (e) {
    throw new VideoError(`cannot write ${output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (is its folder there and writable?)`);
  }
  // a forced stop (a second Ctrl-C) leaves no temporary file; a first one finalises the output
  const forget = interruption.whileRunning(() => fs.rmSync(tmp, { force: true }));
  const enc = spawnEncoder(tmp, containerFor(output), info.width, info.height, info.fps);
  enc.stdin.on('error', () => {}); // reported by writeFrame
  return { tmp, enc, encErr: collectStderr(enc), encExit: exited(enc), forget };
}

/**
 * One frame through the pipeline: on a detection frame, the faces found (with the setting's box
 * correction) update the tracks and each seen track is classified; between them tracks move on; then
 * the visible tracks are drawn. Adds to `ms`; returns the detections found (0 between detections).
 */
async function labelFrame(frame: RgbImage, index: number, opts: VideoOptions, tracker: IouTracker, ms: VideoReport['ms']): Promise<{ detected: boolean; found: number }> {
  const detected = index % opts.detectEvery === 0;
  let found = 0;
  if (detected) {
    const a = performance.now();
    const dets = await opts.pipeline.findFaces(frame);
    const b = performance.now();
    ms.detect += b - a;
    found = dets.length;
    const seen = tracker.update(dets, index);
    if (seen.length) {
      const faces = await opts.pipeline.classifyBoxes(frame, seen.map((t) => ({ box: t.box, score: t.faceScore, landmarks: t.landmarks })));
      seen.forEach((t, k) => tracker.classify(t, faces[k]));
    }
    ms.classify += performance.now() - b;
  } else {
    tracker.predict();
  }
  const c = performance.now();
  await drawFaces(frame, tracker.visible().map((t) => ({ box: t.box, label: t.label!, score: t.score })));
  ms.draw += performance.now() - c;
  opts.onFrame?.({ index, detected, tracks: tracker.tracks.map((t) => ({ id: t.id, box: t.box, label: t.label, score: t.score, raw: t.raw })) });
  return { detected, found };
}

/** Why the decoder ended before the announced end, in words (undefined: it did not). */
function decodeProblem(input: string, info: VideoInfo, decCode: number | null, derr: string, framesRead: number, partial: number): string | undefined {
  if (decCode !== 0 && framesRead === 0) return `cannot decode ${input}: ${derr.split('\n').pop() || `ffmpeg exit ${decCode}`}`;
  if (partial > 0 || (info.frames !== undefined && framesRead < info.frames) || /partial file|ended prematurely|Invalid NAL|Error splitting|invalid data/i.test(derr)) {
    return `${input}: the video is truncated or damaged after frame ${framesRead}${info.frames !== undefined ? ` of ${info.frames} announced` : ''} (${firstLine(derr) || 'decoder stopped early'})`;
  }
  return undefined;
}

/** A frame of mid grey through the detector and the classifier: the first calls compile kernels and upload weights. */
async function warmUp(pipeline: FaceMaskDetector, width: number, height: number): Promise<void> {
  const blank: RgbImage = { data: new Uint8Array(width * height * 3).fill(128), width, height };
  await pipeline.findFaces(blank);
  await pipeline.classifyBoxes(blank, [{ box: [0, 0, Math.min(64, width), Math.min(64, height)], score: 0 }]);
}

/** Run the video pipeline. Throws `VideoError` when nothing can be processed (bad input, zero frames). */
export async function processVideo(opts: VideoOptions): Promise<VideoReport> {
  const info: VideoInfo = probeVideo(opts.input);
  const { width, height } = info;
  const notes: string[] = [];
  if (width % 2 || height % 2) notes.push(`odd frame size ${width}x${height}: the output is padded to ${width + (width % 2)}x${height + (height % 2)} (H.264 needs even sides)`);
  if (opts.output) containerFor(opts.output); // an unsupported name is refused before any work
  const tracker = new IouTracker({ ...opts, decision: opts.pipeline.decision });
  const ms = { detect: 0, classify: 0, draw: 0, write: 0 };
  if (opts.warmUp ?? true) await warmUp(opts.pipeline, width, height);

  const t0 = performance.now();
  const dec = spawnDecoder(opts.input);
  const decErr = collectStderr(dec);
  const decExit = exited(dec);
  dec.stdin.end();
  let out: VideoOutput | undefined;
  try {
    out = opts.output ? openOutput(opts.output, info) : undefined;
  } catch (e) {
    dec.kill('SIGKILL');
    throw e;
  }
  const tail = { partial: 0 };
  let [framesRead, framesWritten, detections, lastProgress, stopped] = [0, 0, 0, t0, false];
  const onAbort = () => {
    stopped = true;
    dec.kill('SIGTERM');
  };
  opts.signal?.addEventListener('abort', onAbort);
  if (opts.signal?.aborted) onAbort();
  try {
    for await (const data of readFrames(dec.stdout, frameBytesOf(info), tail)) {
      const index = framesRead++;
      detections += (await labelFrame({ data, width, height }, index, opts, tracker, ms)).found;
      const d = performance.now();
      if (out) {
        await writeFrame(out.enc, data, out.encErr);
        framesWritten++;
      }
      const now = performance.now();
      ms.write += now - d;
      if (opts.onProgress && now - lastProgress >= 1000) {
        lastProgress = now;
        const n = out ? framesWritten : framesRead;
        opts.onProgress({ frames: n, fps: n / ((now - t0) / 1000), seconds: (now - t0) / 1000, total: info.frames });
      }
      if (stopped || (opts.maxFrames !== undefined && framesRead >= opts.maxFrames)) {
        stopped = true;
        dec.kill('SIGTERM');
        break;
      }
    }
  } catch (e) {
    dec.kill('SIGKILL');
    out?.enc.kill('SIGKILL');
    if (out) fs.rmSync(out.tmp, { force: true });
    out?.forget();
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const decCode = await decExit;
  out?.enc.stdin.end();
  const encCode = out ? await out.encExit : 0;
  const seconds = (performance.now() - t0) / 1000;
  const error = stopped ? undefined : decodeProblem(opts.input, info, decCode, decErr(), framesRead, tail.partial);
  out?.forget();
  if (framesRead === 0) {
    if (out) fs.rmSync(out.tmp, { force: true });
    throw new VideoError(error ?? (stopped ? `stopped before the first frame: nothing written` : `${opts.input}: the video has zero frames`));
  }
  if (out) {
    if (encCode !== 0) {
      fs.rmSync(out.tmp, { force: true });
      throw new VideoError(`encoding ${opts.output} failed: ${out.encErr() || `ffmpeg exit ${encCode}`}`);
    }
    fs.renameSync(out.tmp, opts.output!);
  }
  const n = out ? framesWritten : framesRead;
  return { input: opts.input, output: opts.output, width, height, sourceFps: info.fps, framesRead, framesWritten, seconds, fps: n / seconds, ms, detections, tracks: trackCount(tracker), notes, error, stopped };
}

const frameBytesOf = (info: VideoInfo) => info.width * info.height * 3;

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim()) ?? '').replace(/^\[[^\]]*\]\s*/, '').trim();
}

function trackCount(t: IouTracker): number {
  return t.tracks.reduce((m, x) => Math.max(m, x.id), 0);
}

