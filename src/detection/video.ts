/**
 * Video: ffmpeg decodes raw RGB frames through a pipe → faces detected every `detectEvery` frames
 * and tracked in between (IoU tracker) → each track classified on detection frames (or its last
 * classification reused, under `reuse`), its class scores smoothed → boxes and labels drawn → ffmpeg
 * encodes the annotated frames. With `overlap`, the next frame is read and its detection started
 * before this frame is classified, drawn and written.
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
import { IouTracker, NO_REUSE, classifySeen, trackBox, type ReuseRule, type Track, type TrackerOptions } from './tracker';
import { drawFaces } from './draw';
import type { FaceDetection } from './types';
import { FramePool, VideoError, collectStderr, containerFor, exited, probeVideo, readFrames, spawnDecoder, spawnEncoder, writeFrame, type VideoInfo } from './ffmpeg';

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
  /** When a track's last classification stands in for a new one (config `video.reuse`). default: never (every detection frame classifies every track) */
  reuse?: ReuseRule;
  /** Read the next frame and start its detection before this one is classified, drawn and written (config `video.overlap`). default: false */
  overlap?: boolean;
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
  /**
   * Every live track: `label` and `score` are its smoothed (drawn) label and score, `raw` the
   * classification folded in on this frame (null: the box was rejected), `fresh` whether it was
   * made on this frame (false: reused or none), `drawn` whether the track is drawn on this frame.
   */
  tracks: { id: number; box: Track['box']; label?: Track['label']; score: number; raw?: Classification | null; fresh: boolean; drawn: boolean }[];
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
  /** Track boxes classified by the network, and those whose last classification was reused instead. */
  classified: number;
  reused: number;
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

/** Counters of a run, summed over its frames. */
interface RunCounts {
  ms: VideoReport['ms'];
  detections: number;
  classified: number;
  reused: number;
}

/** The detector's faces on `frame` when `index` is a detection frame (null otherwise), timed into `counts`. */
function detectFrame(frame: RgbImage, index: number, opts: VideoOptions, counts: RunCounts): Promise<FaceDetection[]> | null {
  if (index % opts.detectEvery !== 0) return null;
  const a = performance.now();
  return opts.pipeline.findFaces(frame).then((dets) => {
    counts.ms.detect += performance.now() - a;
    counts.detections += dets.length;
    return dets;
  });
}

/**
 * One frame through the pipeline: on a detection frame, the faces found (with the setting's box
 * correction) update the tracks, and each seen track is classified, or its last classification
 * reused when the rule allows; between them tracks move on; then the visible tracks are drawn.
 */
async function labelFrame(frame: RgbImage, index: number, dets: FaceDetection[] | null, opts: VideoOptions, tracker: IouTracker, counts: RunCounts): Promise<void> {
  let fresh = new Set<Track>();
  if (dets) {
    const b = performance.now();
    const seen = tracker.update(dets, index);
    fresh = await classifySeen(tracker, seen, opts.reuse ?? NO_REUSE, (due) => opts.pipeline.classifyBoxes(frame, due.map(trackBox)));
    counts.classified += fresh.size;
    counts.reused += seen.length - fresh.size;
    counts.ms.classify += performance.now() - b;
  } else {
    tracker.predict();
  }
  const c = performance.now();
  const visible = tracker.visible();
  await drawFaces(frame, visible.map((t) => ({ box: t.box, label: t.label!, score: t.score })));
  counts.ms.draw += performance.now() - c;
  if (!opts.onFrame) return;
  const drawn = new Set(visible);
  opts.onFrame({ index, detected: dets !== null, tracks: tracker.tracks.map((t) => ({ id: t.id, box: t.box, label: t.label, score: t.score, raw: t.raw, fresh: fresh.has(t), drawn: drawn.has(t) })) });
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

/** The decoder and, when writing, the encoder of one run. */
interface Streams {
  dec: ReturnType<typeof spawnDecoder>;
  decErr: () => string;
  decExit: Promise<number | null>;
  out?: VideoOutput;
}

function startStreams(opts: VideoOptions, info: VideoInfo): Streams {
  const dec = spawnDecoder(opts.input);
  const decErr = collectStderr(dec);
  const decExit = exited(dec);
  dec.stdin.end();
  try {
    return { dec, decErr, decExit, out: opts.output ? openOutput(opts.output, info) : undefined };
  } catch (e) {
    dec.kill('SIGKILL');
    throw e;
  }
}

/** Where the frame loop is: frames read and written, and whether it was stopped. */
interface LoopState {
  framesRead: number;
  framesWritten: number;
  stopped: boolean;
  tail: { partial: number };
}

/** Frames read ahead of the one being labelled, with `overlap`. */
const READ_AHEAD = 2;

/**
 * Read, label, draw and write every frame. With `overlap`, the next frame is read and its detection
 * started before this frame is labelled and written; its buffer goes back to the pool once written.
 */
async function frameLoop(opts: VideoOptions, info: VideoInfo, s: Streams, tracker: IouTracker, counts: RunCounts, st: LoopState, t0: number): Promise<void> {
  const { width, height } = info;
  const pool = new FramePool(width * height * 3);
  const frames = readFrames(s.dec.stdout, pool.frameBytes, st.tail, pool)[Symbol.asyncIterator]();
  type Next = { data: Uint8Array; dets: Promise<FaceDetection[]> | null } | null;
  const read = async (index: number): Promise<Next> => {
    const r = await frames.next();
    if (r.done) return null;
    const dets = detectFrame({ data: r.value, width, height }, index, opts, counts);
    dets?.catch(() => undefined); // awaited with the frame; a failure while this frame waits is not unhandled
    return { data: r.value, dets };
  };
  let lastProgress = t0;
  // with overlap, the next frames are read and handed to the detector before this frame's detection
  // is awaited: a detector on its own thread then has frames queued while this one is classified
  const ahead: Promise<Next>[] = [];
  let nextIndex = 1;
  let cur = await read(0);
  try {
    while (cur) {
      const index = st.framesRead++;
      while (opts.overlap && !st.stopped && ahead.length < READ_AHEAD) ahead.push(read(nextIndex++));
      const dets = cur.dets ? await cur.dets : null;
      await labelFrame({ data: cur.data, width, height }, index, dets, opts, tracker, counts);
      const d = performance.now();
      const frame = cur.data;
      if (s.out) {
        await writeFrame(s.out.enc, frame, s.out.encErr, () => pool.give(frame));
        st.framesWritten++;
      } else pool.give(frame);
      const now = performance.now();
      counts.ms.write += now - d;
      if (opts.onProgress && now - lastProgress >= 1000) {
        lastProgress = now;
        const n = s.out ? st.framesWritten : st.framesRead;
        opts.onProgress({ frames: n, fps: n / ((now - t0) / 1000), seconds: (now - t0) / 1000, total: info.frames });
      }
      if (st.stopped || (opts.maxFrames !== undefined && st.framesRead >= opts.maxFrames)) {
        st.stopped = true;
        for (const a of ahead) await a.then((x) => x?.dets).catch(() => undefined); // no detection left running
        break;
      }
      cur = await (ahead.shift() ?? read(nextIndex++));
    }
  } finally {
    if (st.stopped) s.dec.kill('SIGTERM');
    await frames.return?.(undefined);
  }
}

/** Run the video pipeline. Throws `VideoError` when nothing can be processed (bad input, zero frames). */
export async function processVideo(opts: VideoOptions): Promise<VideoReport> {
  const info: VideoInfo = probeVideo(opts.input);
  const { width, height } = info;
  const notes: string[] = [];
  if (width % 2 || height % 2) notes.push(`odd frame size ${width}x${height}: the output is padded to ${width + (width % 2)}x${height + (height % 2)} (H.264 needs even sides)`);
  if (opts.output) containerFor(opts.output); // an unsupported name is refused before any work
  const tracker = new IouTracker({ ...opts, decision: opts.pipeline.decision });
  const counts: RunCounts = { ms: { detect: 0, classify: 0, draw: 0, write: 0 }, detections: 0, classified: 0, reused: 0 };
  if (opts.warmUp ?? true) await warmUp(opts.pipeline, width, height);

  const t0 = performance.now();
  const s = startStreams(opts, info);
  const st: LoopState = { framesRead: 0, framesWritten: 0, stopped: false, tail: { partial: 0 } };
  const onAbort = () => {
    st.stopped = true;
    s.dec.kill('SIGTERM');
  };
  opts.signal?.addEventListener('abort', onAbort);
  if (opts.signal?.aborted) onAbort();
  try {
    await frameLoop(opts, info, s, tracker, counts, st, t0);
  } catch (e) {
    s.dec.kill('SIGKILL');
    s.out?.enc.kill('SIGKILL');
    if (s.out) fs.rmSync(s.out.tmp, { force: true });
    s.out?.forget();
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const decCode = await s.decExit;
  const out = s.out;
  out?.enc.stdin.end();
  const encCode = out ? await out.encExit : 0;
  const seconds = (performance.now() - t0) / 1000;
  const error = st.stopped ? undefined : decodeProblem(opts.input, info, decCode, s.decErr(), st.framesRead, st.tail.partial);
  out?.forget();
  if (st.framesRead === 0) {
    if (out) fs.rmSync(out.tmp, { force: true });
    throw new VideoError(error ?? (st.stopped ? `stopped before the first frame: nothing written` : `${opts.input}: the video has zero frames`));
  }
  if (out) {
    if (encCode !== 0) {
      fs.rmSync(out.tmp, { force: true });
      throw new VideoError(`encoding ${opts.output} failed: ${out.encErr() || `ffmpeg exit ${encCode}`}`);
    }
    fs.renameSync(out.tmp, opts.output!);
  }
  const n = out ? st.framesWritten : st.framesRead;
  const { ms, detections, classified, reused } = counts;
  return { input: opts.input, output: opts.output, width, height, sourceFps: info.fps, framesRead: st.framesRead, framesWritten: st.framesWritten, seconds, fps: n / seconds, ms, detections, tracks: trackCount(tracker), classified, reused, notes, error, stopped: st.stopped };
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim()) ?? '').replace(/^\[[^\]]*\]\s*/, '').trim();
}

function trackCount(t: IouTracker): number {
  return t.tracks.reduce((m, x) => Math.max(m, x.id), 0);
}

