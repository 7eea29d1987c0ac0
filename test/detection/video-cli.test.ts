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
