/**
 * ffmpeg as the video codec (Debian's `ffmpeg` 5.1 on PATH, or `FACEMASK_FFMPEG` / `FACEMASK_FFPROBE`):
 * probing, decoding to raw RGB frames through a pipe, and encoding raw RGB frames back to H.264.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams, type SpawnOptionsWithStdioTuple } from 'node:child_process';
import * as fs from 'node:fs';

export class VideoError extends Error {}

export const FFMPEG = process.env.FACEMASK_FFMPEG ?? 'ffmpeg';
export const FFPROBE = process.env.FACEMASK_FFPROBE ?? 'ffprobe';
/** The largest frame read (8K UHD, 7680x4320): a frame is held three times over in memory. */
export const MAX_FRAME_PIXELS = 7680 * 4320;
/** Frame rate used when the source does not say (cameras, some streams). */
export const DEFAULT_FPS = 25;

export interface VideoInfo {
  width: number;
  height: number;
  /** Frames per second of the source. */
  fps: number;
  /** Frames announced by the container, when it says (mp4 does, mkv often not). */
  frames?: number;
  /** Camera (v4l2 device) rather than a file. */
  device: boolean;
}

/** Whether ffmpeg can be run. */
export function ffmpegAvailable(): boolean {
  return spawnSync(FFMPEG, ['-version'], { stdio: 'ignore' }).status === 0;
}

export function isDevice(input: string): boolean {
  return input.startsWith('/dev/');
}

function inputArgs(input: string): string[] {
  return isDevice(input) ? ['-f', 'v4l2', '-i', input] : ['-i', input];
}

function parseRate(r: string | undefined): number | undefined {
  if (!r) return undefined;
  const [a, b] = r.split('/').map(Number);
  const v = b ? a / b : a;
  return Number.isFinite(v) && v > 0 && v < 1000 ? v : undefined;
}

/** Probe a file or camera. Every failure is a `VideoError` saying what is wrong with the input. */
export function probeVideo(input: string): VideoInfo {
  if (!ffmpegAvailable()) throw new VideoError(`ffmpeg not found (looked for "${FFMPEG}"): install it (Debian: apt-get install ffmpeg) or set FACEMASK_FFMPEG`);
  const device = isDevice(input);
  if (!fs.existsSync(input)) {
    throw new VideoError(device ? `no camera at ${input} (device not found)` : `no such file: ${input}`);
  }
  const st = fs.statSync(input);
  if (!device && st.isDirectory()) throw new VideoError(`${input} is a folder, not a video file`);
  if (!device && st.size === 0) throw new VideoError(`${input}: empty file (0 bytes), no frames`);
  const args = ['-v', 'error', ...(device ? ['-f', 'v4l2'] : []), '-select_streams', 'v:0', '-show_entries', 'stream=width,height,r_frame_rate,avg_frame_rate,nb_frames', '-of', 'json', input];
  const r = spawnSync(FFPROBE, args, { encoding: 'utf8', timeout: 30_000 });
  const err = (r.stderr ?? '').trim();
  if (r.status !== 0) {
    if (/moov atom not found/.test(err)) throw new VideoError(`${input}: truncated or unfinished MP4 (its index, the moov atom, is missing): no frame can be read`);
    if (device) throw new VideoError(`cannot open camera ${input}: ${lastLine(err)}`);
    throw new VideoError(`${input}: not a readable video (${lastLine(err) || `ffprobe exit ${r.status}`})`);
  }
  let s: { width?: number; height?: number; r_frame_rate?: string; avg_frame_rate?: string; nb_frames?: string } | undefined;
  try {
    s = JSON.parse(r.stdout).streams?.[0];
  } catch {
    throw new VideoError(`${input}: ffprobe gave unreadable output`);
  }
  if (!s || !s.width || !s.height) throw new VideoError(`${input}: no video stream (zero frames to process)`);
  if (s.width * s.height > MAX_FRAME_PIXELS) throw new VideoError(`${input}: frames of ${s.width}x${s.height} pixels are more than this tool reads (${MAX_FRAME_PIXELS} pixels, 8K): scale the video down first (ffmpeg -vf scale=1920:-2)`);
  const frames = s.nb_frames !== undefined && /^\d+$/.test(s.nb_frames) ? Number(s.nb_frames) : undefined;
  if (frames === 0) throw new VideoError(`${input}: the video has zero frames`);
  return { width: s.width, height: s.height, fps: parseRate(s.avg_frame_rate) ?? parseRate(s.r_frame_rate) ?? DEFAULT_FPS, frames, device };
}

function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.replace(/^\[[^\]]*\]\s*/, '').trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/**
 * ffmpeg runs in a process group of its own (`detached`): Ctrl-C in a terminal signals the whole
 * foreground group, and the encoder must not die with it — `facemask video` finalises the file itself
 * (it closes the encoder's input). Both children end when their pipes close.
 */
const CHILD: SpawnOptionsWithStdioTuple<'pipe', 'pipe', 'pipe'> = { stdio: ['pipe', 'pipe', 'pipe'], detached: true };

/** ffmpeg decoding `input` to raw RGB24 frames on stdout, every frame once (no rate conversion). */
export function spawnDecoder(input: string): ChildProcessWithoutNullStreams {
  return spawn(FFMPEG, ['-v', 'error', '-nostdin', ...inputArgs(input), '-map', '0:v:0', '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], CHILD);
}

/** The tag `facemask video` writes into its files (the container's comment): how `--overwrite` knows its own. */
export const VIDEO_TAG = 'made by facemask video';

/** Whether `file` is a video `facemask video` wrote (its comment tag), what `--overwrite` may replace. */
export function isFacemaskVideo(file: string): boolean {
  const r = spawnSync(FFPROBE, ['-v', 'error', '-show_entries', 'format_tags', '-of', 'json', file], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return false;
  try {
    const tags = (JSON.parse(r.stdout) as { format?: { tags?: Record<string, string> } }).format?.tags ?? {};
    return Object.entries(tags).some(([k, v]) => k.toLowerCase() === 'comment' && v === VIDEO_TAG);
  } catch {
    return false;
  }
}

/** The container ffmpeg writes for an output file name. */
export function containerFor(file: string): string {
  const ext = file.toLowerCase().split('.').pop();
  const map: Record<string, string> = { mp4: 'mp4', m4v: 'mp4', mov: 'mov', mkv: 'matroska' };
  const f = ext && map[ext];
  if (!f) throw new VideoError(`output ${file}: unsupported extension (use .mp4, .m4v, .mov or .mkv)`);
  return f;
}

/**
 * ffmpeg encoding raw RGB24 frames from stdin to H.264 in `file` (container from `format`).
 * Odd sizes are padded to even (H.264 4:2:0 needs even sides).
 */
export function spawnEncoder(file: string, format: string, width: number, height: number, fps: number): ChildProcessWithoutNullStreams {
  const pad = width % 2 || height % 2 ? ['-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2'] : [];
  return spawn(
    FFMPEG,
    [
      '-v', 'error', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-framerate', String(fps), '-i', '-',
      ...pad,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '23', '-pix_fmt', 'yuv420p',
      ...(format === 'mp4' || format === 'mov' ? ['-movflags', '+faststart'] : []),
      '-metadata', `comment=${VIDEO_TAG}`,
      '-f', format, file,
    ],
    CHILD,
  );
}

/** Collect a child's stderr (bounded). */
export function collectStderr(p: ChildProcessWithoutNullStreams, max = 20_000): () => string {
  let s = '';
  p.stderr.on('data', (d: Buffer) => {
    if (s.length < max) s += d.toString();
  });
  return () => s.trim();
}

/**
 * Write one frame to the encoder, waiting for its pipe to drain when full. An encoder that has
 * exited or whose pipe broke rejects at once (never a wait on a closed pipe).
 */
export function writeFrame(enc: ChildProcessWithoutNullStreams, data: Uint8Array, why: () => string, written?: () => void): Promise<void> {
  if (enc.exitCode !== null || enc.stdin.destroyed) return Promise.reject(new VideoError(`the encoder stopped: ${why() || `ffmpeg exit ${enc.exitCode}`}`));
  // `written`: the pipe is done with `data` (its buffer may be used again)
  if (enc.stdin.write(data, written && (() => written()))) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const off = () => {
      enc.stdin.off('drain', ok);
      enc.stdin.off('error', bad);
      enc.off('close', bad);
    };
    const ok = () => {
      off();
      resolve();
    };
    const bad = (e?: unknown) => {
      off();
      reject(new VideoError(`the encoder stopped: ${why() || (e instanceof Error ? e.message : `ffmpeg exit ${enc.exitCode}`)}`));
    };
    enc.stdin.once('drain', ok);
    enc.stdin.once('error', bad);
    enc.once('close', bad);
  });
}

/** Resolve with the exit code when the child ends. */
export function exited(p: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) resolve(p.exitCode);
    else p.once('close', (code) => resolve(code));
  });
}

/**
 * Buffers of one frame's size, handed out and taken back, so a long video does not allocate (and the
 * allocator fragment) a frame's worth of memory per frame.
 */
export class FramePool {
  private free: Uint8Array[] = [];
  constructor(readonly frameBytes: number) {}
  take(): Uint8Array {
    return this.free.pop() ?? new Uint8Array(this.frameBytes);
  }
  give(buf: Uint8Array): void {
    if (buf.length === this.frameBytes && this.free.length < 8) this.free.push(buf);
  }
}

/**
 * Raw frames of `frameBytes` each from a stream; `partial` reports leftover bytes at the end. Each
 * frame's buffer comes from `pool` when given (give it back when done with the frame), else is new.
 */
export async function* readFrames(stream: NodeJS.ReadableStream, frameBytes: number, tail: { partial: number }, pool?: FramePool): AsyncGenerator<Uint8Array> {
  const next = () => pool?.take() ?? new Uint8Array(frameBytes);
  let buf = next();
  let fill = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(frameBytes - fill, chunk.length - off);
      buf.set(chunk.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === frameBytes) {
        yield buf;
        buf = next();
        fill = 0;
      }
    }
  }
  tail.partial = fill;
  pool?.give(buf);
}
