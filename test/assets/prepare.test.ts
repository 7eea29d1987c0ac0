/**
 * The asset layer against a real mirror folder (../shared) and a real HTTP server on 127.0.0.1:
 * good files, a corrupted file, an interrupted transfer, a missing mirror, an unknown --only,
 * a path that would escape, concurrent runs, stale locks and leftovers of killed runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { spawn } from 'node:child_process';
import { AddressInfo } from 'node:net';
import { prepareAssets, PrepareError } from '../../src/assets';
import { parseSums, safeRelative } from '../../src/assets/sums';
import { projectPaths } from '../../src/paths';
import { skipOrFail } from '../skip';

const REPO = path.resolve(__dirname, '../..');
const SHARED = process.env.FACEMASK_SHARED ?? path.resolve(REPO, '../shared');
const SMALL = ['face_detector', 'mobilenet_v2_0.35_224'];

/** A throw-away project root with the committed sums (optionally edited). */
function makeRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-assets-'));
  fs.mkdirSync(path.join(root, 'src/assets'), { recursive: true });
  fs.cpSync(path.join(REPO, 'src/assets/sums'), path.join(root, 'src/assets/sums'), { recursive: true });
  return root;
}

/** Every file under dir, relative. */
function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

const quiet = { quiet: true, log: () => {} };

test('a mirror installs and verifies; the second run is a no-op', async () => {
  const root = makeRoot();
  const p = projectPaths(root);
  const first = await prepareAssets({ mirror: SHARED, only: SMALL, paths: p, ...quiet });
  assert.deepEqual(first.map((o) => o.status), ['installed', 'installed']);
  assert.deepEqual(listFiles(p.faceDetector), ['opencv_face_detector.pbtxt', 'opencv_face_detector_uint8.pb']);
  assert.equal(first[0].bytes, fs.statSync(path.join(SHARED, 'models/face_detector/opencv_face_detector_uint8.pb')).size + fs.statSync(path.join(SHARED, 'models/face_detector/opencv_face_detector.pbtxt')).size);
  const mtime = fs.statSync(path.join(p.faceDetector, 'opencv_face_detector_uint8.pb')).mtimeMs;
  const second = await prepareAssets({ mirror: SHARED, only: SMALL, paths: p, ...quiet });
  assert.deepEqual(second.map((o) => [o.status, o.fetched, o.verified]), [['verified', 0, 2], ['verified', 0, 2]]);
  assert.equal(fs.statSync(path.join(p.faceDetector, 'opencv_face_detector_uint8.pb')).mtimeMs, mtime, 'second run rewrote a file');
});

test('yunet installs into face_detector/yunet/ beside the ResNet-10 files, and each verifies on its own', async () => {
  const p = projectPaths(makeRoot());
  const out = await prepareAssets({ mirror: SHARED, only: ['face_detector', 'yunet'], paths: p, ...quiet });
  assert.deepEqual(out.map((o) => [o.name, o.status, o.fetched]), [['face_detector', 'installed', 2], ['yunet', 'installed', 4]]);
  assert.equal(out[1].target, path.join(p.faceDetector, 'yunet'));
  assert.deepEqual(listFiles(path.join(p.faceDetector, 'yunet')), ['yunet_n_640_640.onnx', 'yunet_n_dynamic.onnx', 'yunet_s_640_640.onnx', 'yunet_s_dynamic.onnx']);
  const again = await prepareAssets({ mirror: SHARED, only: ['face_detector', 'yunet'], paths: p, ...quiet });
  assert.deepEqual(again.map((o) => [o.status, o.verified]), [['verified', 2], ['verified', 4]]);
});

test('a corrupted file in the mirror is refused and nothing half-written stays', async () => {
  const root = makeRoot();
  const mirror = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-mirror-'));
  fs.cpSync(path.join(SHARED, 'models/face_detector'), path.join(mirror, 'models/face_detector'), { recursive: true });
  const bad = path.join(mirror, 'models/face_detector/opencv_face_detector.pbtxt');
  fs.chmodSync(bad, 0o644);
  fs.appendFileSync(bad, '\n# tampered\n');
  const [o] = await prepareAssets({ mirror, only: ['face_detector'], paths: projectPaths(root), ...quiet });
  assert.equal(o.status, 'failed');
  assert.equal(o.errors.length, 1);
  assert.match(o.errors[0].error, /checksum mismatch/);
  // The good file is installed, the bad one is not, and no temporary is left.
  assert.deepEqual(listFiles(projectPaths(root).faceDetector), ['opencv_face_detector_uint8.pb']);
});

test('a file already installed but wrong is replaced by the verified one', async () => {
  const root = makeRoot();
  const p = projectPaths(root);
  fs.mkdirSync(p.faceDetector, { recursive: true });
  fs.writeFileSync(path.join(p.faceDetector, 'opencv_face_detector.pbtxt'), 'wrong');
  fs.writeFileSync(path.join(p.faceDetector, '.opencv_face_detector_uint8.pb.tmp-99999-0123abcd'), 'leftover of a killed run');
  const [o] = await prepareAssets({ mirror: SHARED, only: ['face_detector'], paths: p, ...quiet });
  assert.equal(o.status, 'installed');
  assert.equal(o.fetched, 2);
  assert.deepEqual(listFiles(p.faceDetector), ['opencv_face_detector.pbtxt', 'opencv_face_detector_uint8.pb']);
});

test('a missing mirror and an unknown asset are refused with clear messages', async () => {
  const p = projectPaths(makeRoot());
  await assert.rejects(prepareAssets({ mirror: '/nonexistent/mirror', paths: p, ...quiet }), (e: Error) => e instanceof PrepareError && /mirror folder not found/.test(e.message));
  await assert.rejects(prepareAssets({ mirror: SHARED, only: ['imagenet'], paths: p, ...quiet }), (e: Error) => e instanceof PrepareError && /unknown asset "imagenet" \(valid: observations/.test(e.message));
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-empty-'));
  const [o] = await prepareAssets({ mirror: empty, only: ['face_detector'], paths: p, ...quiet });
  assert.equal(o.status, 'failed');
  assert.match(o.message!, /the mirror has no models\/face_detector\//);
});

test('paths that would escape the target folder are refused', async () => {
  assert.throws(() => safeRelative('../etc/passwd'), /escape/);
  assert.throws(() => safeRelative('/etc/passwd'), /escape/);
  assert.throws(() => safeRelative('a/../../b'), /escape/);
  assert.equal(safeRelative('./with_mask/0_0_≈˙◊¢ 2020-02-23 132115.png'), 'with_mask/0_0_≈˙◊¢ 2020-02-23 132115.png');
  assert.throws(() => parseSums('nonsense line\n'), /not a sha256sum line/);
  const root = makeRoot();
  const sums = path.join(root, 'src/assets/sums/face_detector.sha256');
  fs.appendFileSync(sums, `${'0'.repeat(64)}  ./../../escaped.txt\n`);
  const [o] = await prepareAssets({ mirror: SHARED, only: ['face_detector'], paths: projectPaths(root), ...quiet });
  assert.equal(o.status, 'failed');
  assert.match(o.message!, /refused.*escape/);
  assert.equal(fs.existsSync(path.join(root, 'escaped.txt')), false);
  assert.equal(fs.existsSync(projectPaths(root).faceDetector), false);
});

test('the unknown --only and a missing mirror exit 2 from the CLI', async () => {
  const run = (args: string[]) =>
    new Promise<{ code: number; err: string }>((resolve) => {
      const c = spawn(process.execPath, [path.join(REPO, 'bin/facemask.js'), ...args], { env: { ...process.env, FACEMASK_ROOT: makeRoot() } });
      let err = '';
      c.stderr.on('data', (d) => (err += d));
      c.on('close', (code) => resolve({ code: code ?? -1, err }));
    });
  const a = await run(['prepare', '--only', 'imagenet']);
  assert.equal(a.code, 2);
  assert.match(a.err, /"imagenet" is not one of observations, chandrikadeb7/);
  assert.match(a.err, /usage: facemask prepare/);
  const b = await run(['prepare', '--mirror', '/nonexistent']);
  assert.equal(b.code, 2);
  assert.match(b.err, /mirror folder not found/);
  const c = await run(['prepare', '--bogus']);
  assert.equal(c.code, 2);
  assert.match(c.err, /unknown option "--bogus"/);
});

// ---- over HTTP -------------------------------------------------------------------------------
let server: http.Server;
let base = '';
const hits: string[] = [];
before(async () => {
  server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '/');
    hits.push(url);
    const m = /^\/(good|corrupt|cut|missing)(\/.*)$/.exec(url);
    const file = m ? path.join(SHARED, m[2]) : '';
    if (!m || m[1] === 'missing' || !fs.existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = fs.readFileSync(file);
    if (m[1] === 'good') res.writeHead(200, { 'content-length': body.length }).end(body);
    else if (m[1] === 'corrupt') {
      const copy = Buffer.from(body);
      copy[copy.length >> 1] ^= 0xff;
      res.writeHead(200, { 'content-length': copy.length }).end(copy);
    } else {
      // An interrupted transfer: announce the full length, send half, drop the connection.
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('HTTP: good files install and verify', async () => {
  const p = projectPaths(makeRoot());
  const [o] = await prepareAssets({ upstreamUrl: `${base}/good`, only: ['face_detector'], paths: p, ...quiet });
  assert.equal(o.status, 'installed');
  assert.equal(o.fetched, 2);
  assert.ok(hits.some((h) => h === '/good/models/face_detector/opencv_face_detector_uint8.pb'));
});

test('HTTP: a corrupted download is refused, nothing written', async () => {
  const p = projectPaths(makeRoot());
  const [o] = await prepareAssets({ upstreamUrl: `${base}/corrupt`, only: ['face_detector'], paths: p, ...quiet });
  assert.equal(o.status, 'failed');
  assert.equal(o.errors.length, 2);
  for (const e of o.errors) assert.match(e.error, /checksum mismatch/);
  assert.deepEqual(listFiles(p.faceDetector), []);
});

test('HTTP: an interrupted transfer is refused, nothing written, and a retry completes', async () => {
  const p = projectPaths(makeRoot());
  const [o] = await prepareAssets({ upstreamUrl: `${base}/cut`, only: ['face_detector'], paths: p, ...quiet });
  assert.equal(o.status, 'failed');
  for (const e of o.errors) assert.match(e.error, /interrupted transfer/);
  assert.deepEqual(listFiles(p.faceDetector), []);
  const [again] = await prepareAssets({ upstreamUrl: `${base}/good`, only: ['face_detector'], paths: p, ...quiet });
  assert.equal(again.status, 'installed');
});

test('HTTP: a 404 is reported per file', async () => {
  const p = projectPaths(makeRoot());
  const [o] = await prepareAssets({ upstreamUrl: `${base}/missing`, only: ['face_detector'], paths: p, ...quiet });
  assert.equal(o.status, 'failed');
  assert.match(o.errors[0].error, /HTTP 404/);
});

test('two runs at once both end verified; a stale lock is broken', async () => {
  const root = makeRoot();
  const p = projectPaths(root);
  fs.mkdirSync(path.dirname(p.faceDetector), { recursive: true });
  fs.writeFileSync(`${p.faceDetector}.lock`, '2147483646'); // a pid that does not run
  const runOnce = () =>
    new Promise<number>((resolve) => {
      const c = spawn(process.execPath, [path.join(REPO, 'bin/facemask.js'), 'prepare', '--mirror', SHARED, '--only', ...SMALL], { env: { ...process.env, FACEMASK_ROOT: root }, stdio: 'ignore' });
      c.on('close', (code) => resolve(code ?? -1));
    });
  const codes = await Promise.all([runOnce(), runOnce()]);
  assert.deepEqual(codes, [0, 0]);
  assert.equal(fs.existsSync(`${p.faceDetector}.lock`), false);
  const [o] = await prepareAssets({ mirror: SHARED, only: ['face_detector'], paths: p, ...quiet });
  assert.equal(o.status, 'verified');
});

test('manual assets say what to do when there is no mirror', async () => {
  const p = projectPaths(makeRoot());
  const [o] = await prepareAssets({ only: ['mobilenet_v2_0.35_224'], paths: p, ...quiet });
  assert.equal(o.status, 'manual');
  assert.match(o.message!, /--mirror .* --only mobilenet_v2_0.35_224/);
});

test('ilc2021 installs from the mirror into dataset/ilc2021/ and verifies; without a mirror prepare says to use one', async (t) => {
  if (skipOrFail(t, fs.existsSync(path.join(SHARED, 'datasets/ilc2021/crops.jsonl')) ? false : `no ilc2021 in the mirror ${SHARED}`)) return;
  const p = projectPaths(makeRoot());
  const [manual] = await prepareAssets({ only: ['ilc2021'], paths: p, ...quiet });
  assert.equal(manual.status, 'manual', 'no public source: nothing is downloaded');
  assert.match(manual.message!, /no licence.*--mirror .* --only ilc2021/s);
  assert.equal(fs.existsSync(path.join(p.dataset, 'ilc2021')), false);
  const [o] = await prepareAssets({ mirror: SHARED, only: ['ilc2021'], paths: p, ...quiet });
  const target = path.join(p.dataset, 'ilc2021');
  assert.equal(o.status, 'installed');
  assert.equal(o.target, target);
  // every file the mirror's own SHA256SUMS lists, and nothing else
  const listed = parseSums(fs.readFileSync(path.join(SHARED, 'datasets/ilc2021/SHA256SUMS'), 'utf8')).map((s) => s.rel).sort();
  assert.equal(o.fetched, listed.length);
  assert.deepEqual(listFiles(target), listed);
  const top = new Set(listed.map((f) => f.split('/')[0]));
  assert.deepEqual([...top].sort(), ['crops', 'crops.jsonl', 'scenes']);
  const [again] = await prepareAssets({ mirror: SHARED, only: ['ilc2021'], paths: p, ...quiet });
  assert.deepEqual([again.status, again.fetched, again.verified], ['verified', 0, listed.length]);
  // a crop changed after installing is found and replaced by the verified one
  const crop = path.join(target, listed.find((f) => f.startsWith('crops/'))!);
  fs.writeFileSync(crop, 'not the crop');
  const [fixed] = await prepareAssets({ mirror: SHARED, only: ['ilc2021'], paths: p, ...quiet });
  assert.deepEqual([fixed.status, fixed.fetched], ['installed', 1]);
  fs.rmSync(p.root, { recursive: true, force: true });
});

test('everyday-unmasked installs from the mirror into dataset/everyday-unmasked/images/ and verifies; without a mirror prepare says to use one', async (t) => {
  if (skipOrFail(t, fs.existsSync(path.join(SHARED, 'datasets/everyday-unmasked/SHA256SUMS')) ? false : `no everyday-unmasked in the mirror ${SHARED}`)) return;
  const p = projectPaths(makeRoot());
  try {
    const [manual] = await prepareAssets({ only: ['everyday-unmasked'], paths: p, ...quiet });
    assert.equal(manual.status, 'manual', 'no public source with these bytes, and no licence: nothing is downloaded');
    assert.match(manual.message!, /never redistributes.*--mirror .* --only everyday-unmasked/s);
    const [o] = await prepareAssets({ mirror: SHARED, only: ['everyday-unmasked'], paths: p, ...quiet });
    const target = path.join(p.dataset, 'everyday-unmasked');
    assert.deepEqual([o.status, o.target, o.fetched], ['installed', target, 64]);
    const listed = parseSums(fs.readFileSync(path.join(SHARED, 'datasets/everyday-unmasked/SHA256SUMS'), 'utf8')).map((s) => s.rel).sort();
    assert.deepEqual(listFiles(target), listed);
    assert.ok(listed.every((f) => f.startsWith('images/')));
    const [again] = await prepareAssets({ mirror: SHARED, only: ['everyday-unmasked'], paths: p, ...quiet });
    assert.deepEqual([again.status, again.fetched, again.verified], ['verified', 0, 64]);
  } finally {
    fs.rmSync(p.root, { recursive: true, force: true });
  }
});
