/**
 * Short clips generated with ffmpeg from a photo (a window panning across it), for tests, the
 * notebook and the benchmarks; and frames read back from a video.
 */
import { spawnSync } from 'node:child_process';
import type { RgbImage } from '../util/images';
import { FFMPEG, FFPROBE } from './ffmpeg';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../paths';

export const DEMO_DIR = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
export const demoPhoto = (n: number) => path.join(DEMO_DIR, `sample${n}.jpg`);

export interface ClipOptions {
  width?: number;
  height?: number;
  frames?: number;
  fps?: number;
  /** Extra filters appended after the pan/zoom (e.g. drawbox). */
  extra?: string;
  /** Scale the photo to this width before cropping the moving window. */
  scaleTo?: number;
  /** Crop a region of the photo first: [x, y, w, h]. */
  region?: [number, number, number, number];
}

/** Make `out` (H.264, faststart) from a photo: a moving crop window over the scaled photo. */
export function makeClip(photo: string, out: string, o: ClipOptions = {}): void {
  const w = o.width ?? 640;
  const h = o.height ?? 480;
  const frames = o.frames ?? 30;
  const fps = o.fps ?? 25;
  const scaleTo = o.scaleTo ?? Math.round(w * 1.25);
  const pre = o.region ? `crop=${o.region[2]}:${o.region[3]}:${o.region[0]}:${o.region[1]},` : '';
  const filters: string[] = [
    `${pre}scale=${scaleTo}:-2`,
    `crop=${w}:${h}:'(iw-${w})/2+(iw-${w})/2*sin(n/10)':'(ih-${h})/2'`,
    ...(o.extra ? [o.extra] : []),
  ];
  const odd = w % 2 || h % 2;
  filters.push(odd ? 'format=yuv444p' : 'format=yuv420p');
  const args = ['-v', 'error', '-y', '-loop', '1', '-framerate', String(fps), '-i', photo, '-vf', filters.join(','), '-frames:v', String(frames), '-r', String(fps)];
  // H.264 needs even sides: odd sizes go to a lossless codec in Matroska
  args.push(...(odd ? ['-c:v', 'ffv1', out] : ['-c:v', 'libx264', '-preset', 'ultrafast', '-movflags', '+faststart', out]));
  const r = spawnSync(FFMPEG, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg failed making ${out}: ${r.stderr}`);
}

/** Frames in a video, counted by decoding. */
export function countFrames(file: string): number {
  const r = spawnSync(FFPROBE, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffprobe failed on ${file}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** Frames `indexes` of a video as RGB images (decoded with ffmpeg). */
export function videoFrames(file: string, indexes: number[], width: number, height: number): RgbImage[] {
  const sel = indexes.map((i) => `eq(n\\,${i})`).join('+');
  const r = spawnSync(FFMPEG, ['-v', 'error', '-i', file, '-vf', `select=${sel}`, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ffmpeg failed reading frames of ${file}: ${r.stderr}`);
  const n = width * height * 3;
  const out: RgbImage[] = [];
  for (let o = 0; o + n <= r.stdout.length; o += n) out.push({ data: new Uint8Array(r.stdout.subarray(o, o + n)), width, height });
  return out;
}

/** The real clip the video measurements use: 9 s, 640x360, 30 fps, a performer and an audience, every face unmasked. */
export const REAL_CLIP_NAME = 'short_hamilton_clip.mp4';

/**
 * Where the real clip is: `dataset/videos/` when installed there, else the team's `../shared/videos/`
 * beside the project; null when neither holds it.
 */
export function realClip(root: string = projectPaths().root): string | null {
  for (const dir of [path.join(projectPaths().dataset, 'videos'), path.join(root, '..', 'shared', 'videos')]) {
    const f = path.join(dir, REAL_CLIP_NAME);
    if (fs.existsSync(f)) return f;
  }
  return null;
}
