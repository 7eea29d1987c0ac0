/**
 * Video at the camera's rate on the real clip (src/detection/clips.ts `realClip`): reusing a track's
 * classification under the configured rule, with the next frame's detection overlapped, draws the
 * labels of classifying every frame (the contract: on at least 99 % of the frames) while the
 * classifier runs on fewer boxes; the overlap alone changes nothing drawn.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createFaceMaskDetector } from '../../src/detection/create';
import type { FaceMaskDetector } from '../../src/detection/pipeline';
import { processVideo, type VideoOptions } from '../../src/detection/video';
import { drawnFaces, labelAgreement, type DrawnFace } from '../../src/detection/agreement';
import { NO_REUSE } from '../../src/detection/tracker';
import { realClip } from '../../src/detection/clips';
import { resolveConfig } from '../../src/config';
import { skipOrFail } from '../skip';

const cfg = resolveConfig();
const real = realClip();
const missing = real ? false : 'the real clip (short_hamilton_clip.mp4) is in neither dataset/videos/ nor ../shared/videos/';
let dir: string;
let clip: string;
let pipeline: FaceMaskDetector;

before(async () => {
  if (!real) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-reuse-'));
  // 60 frames from 6 s on: the performer turning with a microphone, then three audience faces
  clip = path.join(dir, 'real-tail.mp4');
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-ss', '6', '-i', real, '-an', '-frames:v', '60', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '12', clip], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  pipeline = await createFaceMaskDetector(cfg, { model: process.env.FACEMASK_TEST_MODEL || undefined, use: 'video' });
});
after(() => {
  pipeline?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function run(opts: Partial<VideoOptions>) {
  const frames: DrawnFace[][] = [];
  const report = await processVideo({ ...cfg.video, input: clip, pipeline, ...opts, onFrame: (f) => frames.push(drawnFaces(f)) });
  return { frames, report };
}

test('the configured reuse rule with overlap draws the labels of classifying every frame on >= 99 % of the frames, classifying fewer boxes', async (t) => {
  if (skipOrFail(t, missing)) return;
  const every = await run({ reuse: NO_REUSE, overlap: false });
  const shipped = await run({ reuse: cfg.video.reuse, overlap: true });
  assert.equal(shipped.report.framesRead, every.report.framesRead);
  assert.ok(every.frames.some((f) => f.length >= 2), 'faces are drawn on this part of the clip');
  const a = labelAgreement(every.frames, shipped.frames);
  assert.ok(a.share >= 0.99, `labels as every frame classified on ${a.framesAgreeing} of ${a.frames} frames`);
  assert.equal(every.report.reused, 0);
  assert.ok(shipped.report.reused > 0, 'some classifications were reused');
  assert.equal(shipped.report.classified + shipped.report.reused, every.report.classified, 'every seen track is classified or reused, once a frame');
});

test('overlapping the next frame\'s detection changes nothing drawn', async (t) => {
  if (skipOrFail(t, missing)) return;
  const plain = await run({ reuse: NO_REUSE, overlap: false, maxFrames: 30 });
  const overlapped = await run({ reuse: NO_REUSE, overlap: true, maxFrames: 30 });
  assert.equal(overlapped.report.framesRead, 30);
  assert.deepEqual(labelAgreement(plain.frames, overlapped.frames).share, 1);
  assert.deepEqual(overlapped.frames.map((f) => f.map((x) => x.box)), plain.frames.map((f) => f.map((x) => x.box)), 'the same boxes, frame by frame');
});
