/**
 * Video on clips generated with ffmpeg from face-api's demo photos: frames in = frames out, no tensor
 * leak across frames, truncated / zero-frame / odd-size / missing-camera inputs, and a clip whose raw
 * per-frame label flips while the smoothed label holds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createFaceMaskDetector } from '../../src/detection/create';
import type { FaceMaskDetector } from '../../src/detection/pipeline';
import { processVideo, VideoError } from '../../src/detection/video';
import { probeVideo } from '../../src/detection/ffmpeg';
import { resolveConfig } from '../../src/config';
import { tf, initBackend } from '../../src/backend/tf';
import { makeClip, countFrames, demoPhoto } from './clips';
import { videoFrames } from '../../src/detection/clips';
import { skipOrFail } from '../skip';

const cfg = resolveConfig();
let dir: string;
let pipeline: FaceMaskDetector;
const track = { trackIou: cfg.video.trackIou, maxMissed: cfg.video.maxMissed, smoothing: cfg.video.smoothing };

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-video-'));
  await initBackend({ quiet: true });
  // SSD at its own threshold (faces of demo photos are large and clear), the model's box policy
  pipeline = await createFaceMaskDetector(cfg, { model: process.env.FACEMASK_TEST_MODEL || undefined, detector: 'ssd-mobilenet', threshold: cfg.detect.ssdMobilenet.minConfidence });
});
after(() => {
  pipeline?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a generated clip: frames in = frames out, faces labelled, no tensor leak across frames', async () => {
  const clip = path.join(dir, 'pan.mp4');
  makeClip(demoPhoto(1), clip, { frames: 24, scaleTo: 720 });
  const out = path.join(dir, 'pan-out.mp4');
  const tensors: number[] = [];
  let labelled = 0;
  const r = await processVideo({
    ...track, input: clip, output: out, pipeline, detectEvery: 2,
    onFrame: (f) => {
      tensors.push(tf.memory().numTensors);
      labelled = Math.max(labelled, f.tracks.filter((t) => t.label).length);
    },
  });
  assert.equal(r.error, undefined);
  assert.equal(r.framesRead, 24);
  assert.equal(r.framesWritten, 24);
  assert.equal(countFrames(out), 24);
  assert.equal(labelled, 3, `faces labelled in a frame: ${labelled}`);
  assert.ok(r.fps > 0);
  // the first frame loads kernels; after that the count must not move
  assert.deepEqual(new Set(tensors.slice(1)), new Set([tensors[1]]), `tensor counts per frame: ${tensors.join(' ')}`);
  const info = probeVideo(out);
  assert.deepEqual([info.width, info.height], [640, 480]);
});

test('a truncated clip: a clear error, and the frames before it are written playable', async () => {
  const clip = path.join(dir, 'full.mp4');
  makeClip(demoPhoto(3), clip, { frames: 40 });
  const cut = path.join(dir, 'cut.mp4');
  const bytes = fs.readFileSync(clip);
  fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.5)));
  const out = path.join(dir, 'cut-out.mp4');
  const r = await processVideo({ ...track, input: cut, output: out, pipeline, detectEvery: 4 });
  assert.match(r.error ?? '', /truncated or damaged after frame \d+ of 40/);
  assert.ok(r.framesWritten > 0 && r.framesWritten < 40, `written ${r.framesWritten}`);
  assert.equal(countFrames(out), r.framesWritten);
});

test('an MP4 cut before its index is refused with a clear message', async () => {
  const clip = path.join(dir, 'late-index.mp4');
  const r0 = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=s=320x240:d=1', '-c:v', 'libx264', '-preset', 'ultrafast', clip]);
  assert.equal(r0.status, 0);
  const cut = path.join(dir, 'late-index-cut.mp4');
  fs.writeFileSync(cut, fs.readFileSync(clip).subarray(0, 2000));
  await assert.rejects(processVideo({ ...track, input: cut, output: path.join(dir, 'x.mp4'), pipeline, detectEvery: 1 }), (e: Error) => e instanceof VideoError && /moov atom/.test(e.message));
  assert.equal(fs.existsSync(path.join(dir, 'x.mp4')), false);
});

test('zero-frame and empty files give clear messages', async () => {
  const zero = path.join(dir, 'zero.mp4');
  assert.equal(spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=black:s=64x48', '-frames:v', '0', zero]).status, 0);
  await assert.rejects(processVideo({ ...track, input: zero, pipeline, detectEvery: 1 }), /no video stream \(zero frames/);
  const empty = path.join(dir, 'empty.mp4');
  fs.writeFileSync(empty, '');
  await assert.rejects(processVideo({ ...track, input: empty, pipeline, detectEvery: 1 }), /empty file \(0 bytes\)/);
});

test('an odd frame size (641x479) is processed and padded to even in the output, with a note', async () => {
  const clip = path.join(dir, 'odd.mkv');
  makeClip(demoPhoto(1), clip, { width: 641, height: 479, frames: 6 });
  const out = path.join(dir, 'odd-out.mp4');
  const r = await processVideo({ ...track, input: clip, output: out, pipeline, detectEvery: 3 });
  assert.equal(r.framesWritten, 6);
  assert.match(r.notes.join(' '), /odd frame size 641x479/);
  const info = probeVideo(out);
  assert.deepEqual([info.width, info.height], [642, 480]);
  assert.equal(countFrames(out), 6);
});

test('a missing camera gives a clear message', async (t) => {
  if (skipOrFail(t, fs.existsSync('/dev/video0') ? 'a camera exists here' : false)) return;
  await assert.rejects(processVideo({ ...track, input: '/dev/video0', pipeline, detectEvery: 1 }), /no camera at \/dev\/video0/);
});

test('a clip whose raw per-frame label flips while the smoothed (drawn) label holds', async () => {
  // one face of sample1 filling the frame; on every 4th frame a light-blue "mask" covers the lower face
  const clip = path.join(dir, 'flip.mp4');
  const maskBox = "drawbox=x=175:y=270:w=300:h=165:color=0x8ec3ea:t=fill:enable='eq(mod(n\\,4)\\,2)'";
  makeClip(demoPhoto(1), clip, { frames: 24, region: [1376, 120, 400, 400], scaleTo: 640, extra: maskBox });
  const raw: string[] = [];
  const drawn: string[] = [];
  const r = await processVideo({
    ...track, input: clip, pipeline, detectEvery: 1,
    onFrame: (f) => {
      const t = f.tracks.find((x) => x.label);
      if (!t) return;
      raw.push(t.raw?.label ?? 'rejected');
      drawn.push(t.label!);
    },
  });
  assert.equal(r.framesRead, 24);
  assert.ok(raw.length >= 20, `frames with a labelled face: ${raw.length}`);
  assert.ok(new Set(raw).size >= 2, `the raw label must flip in this clip: ${raw.join(' ')}`);
  assert.equal(new Set(drawn).size, 1, `the drawn label flickered: ${drawn.join(' ')}`);
});

test('one detection path: on frame 0 of a still clip, video\'s boxes and labels are detect\'s (the shipped setting, box correction included)', async () => {
  const shipped = await createFaceMaskDetector(cfg, { model: process.env.FACEMASK_TEST_MODEL || undefined, use: 'video' });
  try {
    assert.ok(shipped.settings.box, 'the shipped setting corrects boxes: the case video once missed');
    const clip = path.join(dir, 'still.mp4');
    const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-i', demoPhoto(5), '-vf', 'scale=640:480,format=yuv420p', '-frames:v', '3', '-c:v', 'libx264', '-preset', 'ultrafast', clip], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [frame] = videoFrames(clip, [0], 640, 480);
    const photo = await shipped.detect(frame);
    assert.ok(photo.faces.length >= 3, `faces on the photo: ${photo.faces.length}`);
    let first: { box: number[]; label: string | undefined }[] = [];
    await processVideo({
      ...track, input: clip, pipeline: shipped, detectEvery: 1,
      onFrame: (f) => {
        if (f.index === 0) first = f.tracks.filter((t) => t.raw).map((t) => ({ box: t.box, label: t.raw!.label }));
      },
    });
    const key = (x: { box: number[] }) => x.box[0] * 1e4 + x.box[1];
    const want = photo.faces.map((f) => ({ box: f.box, label: f.label })).sort((a, b) => key(a) - key(b));
    const got = first.sort((a, b) => key(a) - key(b));
    assert.equal(got.length, want.length, `faces: video ${got.length}, detect ${want.length}`);
    got.forEach((g, i) => {
      assert.equal(g.label, want[i].label);
      g.box.forEach((v, k) => assert.ok(Math.abs(v - want[i].box[k]) < 1e-6, `box ${i}: video ${g.box.join(',')} vs detect ${want[i].box.join(',')}`));
    });
  } finally {
    shipped.dispose();
  }
});
