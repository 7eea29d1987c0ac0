/** `facemask video` through the CLI: exit statuses and messages (docs/contracts.md "Command line"). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectPaths } from '../../src/paths';
import { makeClip, countFrames, demoPhoto } from './clips';

const MODEL = process.env.FACEMASK_TEST_MODEL ? ['--model', process.env.FACEMASK_TEST_MODEL] : [];
let dir: string;

function facemask(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(projectPaths().root, 'bin', 'facemask.js'), ...args], { encoding: 'utf8', env: { ...process.env, FACEMASK_BACKEND: 'wasm' }, timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-video-cli-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a clip is annotated: exit 0, frames per second reported, the output has every frame', () => {
  const clip = path.join(dir, 'clip.mp4');
  makeClip(demoPhoto(1), clip, { frames: 12, scaleTo: 720 });
  const out = path.join(dir, 'out.mp4');
  const r = facemask('video', clip, '--output', out, '--detect-every', '4', ...MODEL);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /12 frames 640x480 in [\d.]+ s: [\d.]+ fps/);
  assert.equal(countFrames(out), 12);
});

test('a truncated clip exits 1 with a clear message and a playable partial output', () => {
  const clip = path.join(dir, 'long.mp4');
  makeClip(demoPhoto(2), clip, { frames: 30, scaleTo: 720 });
  const cut = path.join(dir, 'cut.mp4');
  fs.writeFileSync(cut, fs.readFileSync(clip).subarray(0, Math.floor(fs.statSync(clip).size * 0.6)));
  const out = path.join(dir, 'cut-out.mp4');
  const r = facemask('video', cut, '--output', out, '--detect-every', '10', ...MODEL);
  assert.equal(r.status, 1, r.stderr);
  const m = /truncated or damaged after frame (\d+) of 30.*the (\d+) frames before it are in/.exec(r.stderr);
  assert.ok(m, r.stderr);
  assert.equal(countFrames(out), Number(m[2]));
});

test('a missing camera, a missing file and bad flags exit 2 with clear messages', () => {
  if (!fs.existsSync('/dev/video0')) {
    const cam = facemask('video', '/dev/video0');
    assert.equal(cam.status, 2);
    assert.match(cam.stderr, /no camera at \/dev\/video0 \(device not found\)/);
  }
  const missing = facemask('video', path.join(dir, 'nope.mp4'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no such file/);
  const bad = facemask('video', 'x.mp4', '--detect-every', 'two');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--detect-every must be a whole number/);
  const ext = facemask('video', path.join(dir, 'nope.mp4'), '--output', path.join(dir, 'out.avi'));
  assert.equal(ext.status, 2);
  assert.match(ext.stderr, /unsupported extension \(use \.mp4/);
});

test('--summary: a folder with the summary, one CSV row per face and the timeline chart; a .json file; the output rule', () => {
  const clip = path.join(dir, 'summary-clip.mp4');
  makeClip(demoPhoto(1), clip, { frames: 10, scaleTo: 720 });
  const report = path.join(dir, 'report');
  const r = facemask('video', clip, '--summary', report, ...MODEL);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /\d+ faces? seen in 0\.4 s: \d+ with a mask, \d+ without, \d+ worn incorrectly; summary: /);
  const s = JSON.parse(fs.readFileSync(path.join(report, 'summary.json'), 'utf8')) as { kind: string; frames: number; faces: number; complete: boolean; tracks: { id: number; counted: boolean }[]; byLabel: Record<string, number> };
  assert.equal(s.kind, 'video-summary');
  assert.equal(s.frames, 10);
  assert.equal(s.complete, true);
  assert.ok(s.faces >= 1, `faces seen: ${s.faces}`);
  assert.equal(Object.values(s.byLabel).reduce((a, b) => a + b, 0), s.faces, 'each face counted once, under one label');
  const csv = fs.readFileSync(path.join(report, 'tracks.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'id,first_seen_s,last_seen_s,frames,label,share,mean_confidence,counted');
  assert.equal(csv.length - 1, s.tracks.length);
  assert.ok(fs.statSync(path.join(report, 'timeline.png')).size > 1000);
  assert.match(fs.readFileSync(path.join(report, 'timeline.html'), 'utf8'), /vega/);
  // its own folder is replaced only with --overwrite; a folder it did not make, never
  assert.equal(facemask('video', clip, '--summary', report, ...MODEL).status, 2);
  const again = facemask('video', clip, '--summary', report, '--overwrite', '--frames', '4', ...MODEL);
  assert.equal(again.status, 0, again.stderr);
  assert.equal((JSON.parse(fs.readFileSync(path.join(report, 'summary.json'), 'utf8')) as { frames: number }).frames, 4);
  const theirs = path.join(dir, 'theirs.json');
  fs.writeFileSync(theirs, '{"mine": true}');
  const refused = facemask('video', clip, '--summary', theirs, '--overwrite', ...MODEL);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /was not made by facemask video/);
  assert.equal(fs.readFileSync(theirs, 'utf8'), '{"mine": true}');
  const file = path.join(dir, 'seen.json');
  const one = facemask('video', clip, '--summary', file, '--frames', '3', ...MODEL);
  assert.equal(one.status, 0, one.stderr);
  assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as { frames: number; complete: boolean }).complete, false, 'stopped by --frames: not the whole video');
  assert.deepEqual(fs.readdirSync(dir).filter((e) => e.includes('.tmp-')), [], 'no temporary file left');
});
