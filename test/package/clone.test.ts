/**
 * A clone of the repository with no team data folder (`../shared`) beside it: what `git clone` would
 * give of this work tree — every file git tracks or would track (`git ls-files --cached --others
 * --exclude-standard`, so .gitignore is what decides), as it is now, uncommitted changes included —
 * copied into a temporary folder. For `npm ci` it gets the repository's node_modules, linked (the same
 * packages `npm ci` installs from the lock file); HOME is a temporary folder too. Nothing the mirror
 * provides is there: no dataset, no ImageNet base, no derived `model.onnx` but the committed one.
 *  - `npx facemask detect` gives the JSON lines the full set-up gives (times left out), and
 *    `--version` names the shipped model; `video` annotates a clip and `serve` serves the page and
 *    the model's files;
 *  - `facemask prepare` without a mirror verifies the committed files (never rewriting them) and, for
 *    what it cannot fetch, says what needs it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { skipOrFail } from '../skip';
import { PHOTOS, REPO, referenceLines, run, serveAndGet, withoutTimes } from './helpers';

let tmp: string;
let clone: string;
let env: NodeJS.ProcessEnv;

const sha256 = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** Copy what a clone of `repo` holds into `dest`: the files git tracks or would track, links inside the repository kept as links. */
function copyAsClone(repo: string, dest: string): number {
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo }).out.split('\0').filter(Boolean);
  let n = 0;
  for (const rel of files) {
    const from = path.join(repo, rel);
    const to = path.join(dest, rel);
    const st = fs.lstatSync(from, { throwIfNoEntry: false });
    if (!st) continue; // deleted in the work tree, not yet committed
    if (st.isSymbolicLink()) {
      const target = fs.readlinkSync(from);
      // a link out of the repository (this machine's node_modules, .cache) is no part of a clone
      if (path.isAbsolute(target) || path.relative(repo, path.resolve(path.dirname(from), target)).startsWith('..')) continue;
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.symlinkSync(target, to);
    } else if (st.isFile()) {
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
      fs.chmodSync(to, st.mode);
    }
    n++;
  }
  return n;
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-clone-'));
  clone = path.join(tmp, 'work', 'facemask');
  const t0 = performance.now();
  const n = copyAsClone(REPO, clone);
  fs.symlinkSync(fs.realpathSync(path.join(REPO, 'node_modules')), path.join(clone, 'node_modules'));
  fs.mkdirSync(path.join(tmp, 'home'));
  const { FACEMASK_ROOT: _root, ...rest } = process.env;
  void _root;
  env = { ...rest, HOME: path.join(tmp, 'home') };
  console.log(`the clone: ${n} files copied in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the clone has no mirror beside it and none of its files', () => {
  assert.ok(!fs.existsSync(path.join(clone, '..', 'shared')), 'no ../shared');
  for (const p of ['dataset/kaggle-face-mask-dev', 'models/pretrained/mobilenet_v2_0.35_224', 'models/original/model.onnx', 'face_detector/opencv_face_detector_uint8.pb']) {
    assert.ok(!fs.existsSync(path.join(clone, p)), `${p} is no part of a clone`);
  }
  for (const p of ['models/default/model.onnx', 'face_detector/yunet/yunet_n_dynamic.onnx']) assert.ok(fs.statSync(path.join(clone, p)).isFile(), `${p} is committed`);
});

test('npx facemask detect in the clone: the JSON lines of the full set-up', { timeout: 300_000 }, () => {
  const want = referenceLines(PHOTOS);
  const got = run('npx', ['--no', '--', 'facemask', 'detect', ...PHOTOS], { cwd: clone, env });
  assert.deepEqual(withoutTimes(got.out), want);
  assert.match(run('npx', ['--no', '--', 'facemask', '--version'], { cwd: clone, env }).out, /^facemask \d+\.\d+\.\d+\nmodel models\/default: identity [0-9a-f]{12}, integrity [0-9a-f]{12}/);
});

test('video and serve in the clone: the shipped model on a clip, and the page with its files', { timeout: 300_000 }, async (t) => {
  const ffmpeg = process.env.FACEMASK_FFMPEG ?? 'ffmpeg';
  if (skipOrFail(t, spawnSync(ffmpeg, ['-version']).status !== 0 && `${ffmpeg} is not installed (apt-get install ffmpeg)`)) return;
  const clip = path.join(tmp, 'clip.mp4');
  run(ffmpeg, ['-v', 'error', '-y', '-loop', '1', '-i', PHOTOS[0], '-vf', 'scale=640:-2', '-r', '10', '-frames:v', '5', '-pix_fmt', 'yuv420p', clip]);
  const out = path.join(tmp, 'annotated.mp4');
  const r = run('npx', ['--no', '--', 'facemask', 'video', clip, '--output', out], { cwd: clone, env });
  assert.match(r.err, /yunet-n at/);
  assert.ok(fs.statSync(out).size > 0, 'the annotated video is written');
  await serveAndGet(process.execPath, [path.join(clone, 'bin', 'facemask.js'), 'serve', '--port', '0'], clone, ['/', '/app.js', '/setup.json', '/model/model.onnx', '/detector/yunet_n_dynamic.onnx'], env);
});

test('prepare without a mirror in the clone: the committed files verified and kept; what is missing, and which verbs need it', { timeout: 300_000 }, () => {
  const committed = ['models/default/model.onnx', 'face_detector/yunet/yunet_n_dynamic.onnx'].map((p) => path.join(clone, p));
  const before = committed.map(sha256);
  // only assets that need no network: YuNet (committed) and two the public internet does not serve
  const r = run('npx', ['--no', '--', 'facemask', 'prepare', '--only', 'yunet', 'kaggle-face-mask-dev', 'mobilenet_v2_0.35_224'], { cwd: clone, env, status: 1 });
  assert.match(r.out, /^✓ yunet: 4 files already installed and verified/m);
  assert.match(r.out, /^✗ kaggle-face-mask-dev: cannot be downloaded automatically\. 600 of 600 files missing\..*\n {4}needed for: train --preset realworld, evaluate --sets real/m);
  assert.match(r.out, /^✗ mobilenet_v2_0\.35_224: cannot be downloaded automatically\..*\n {4}needed for: train, ensemble and cv; .*Not for detect, classify, evaluate, video or serve with the shipped model/m);
  assert.match(r.out, /^✓ models\/default\/model\.onnx: present, SHA-256 [0-9a-f]{12}… as its manifest records/m);
  assert.match(r.out, /^✗ models\/original: .*until it is installed, --model models\/original cannot run/m);
  assert.match(r.out, /^2 assets not installed \(kaggle-face-mask-dev, mobilenet_v2_0\.35_224\): .*classify, detect, video and serve with the shipped model \(models\/default\) need none of them/m);
  assert.deepEqual(committed.map(sha256), before, 'prepare verifies the committed files, never rewrites them');
});
