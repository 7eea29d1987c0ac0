/**
 * `facemask serve`'s server, for real on 127.0.0.1: its routes and headers, a port that is taken,
 * models that are not installed, and the verb end to end (address on stdout, Ctrl-C stops it cleanly).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { startServer, pageRoutes, ServeError, type RunningServer } from '../../src/web/server';
import { projectPaths } from '../../src/paths';
import type { PageSetup } from '../../src/web/page/pipeline';
import { resolveConfig } from '../../src/config';

const CFG_VIDEO = resolveConfig().video;

const P = projectPaths();
const BIN = path.join(P.root, 'bin', 'facemask.js');
let server: RunningServer;
let tmp: string;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-serve-'));
  server = await startServer({ port: 0 });
});
after(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('serves the page, its script, the setup, the model files and onnxruntime-web; nothing else', async () => {
  const get = (p: string, init?: RequestInit) => fetch(new URL(p, server.url), init);
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /text\/html/);
  assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin', 'isolated, so wasm may use threads');
  assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
  assert.match(await page.text(), /<script type="module" src="\/app.js">/);

  const js = await (await get('/app.js')).text();
  assert.ok(js.length > 5000 && js.length < 200_000, `bundle of ${js.length} bytes`);
  assert.doesNotMatch(js, /\brequire\(|from ?"node:/, 'no Node module in the bundle');
  const worker = await get('/worker.js');
  assert.match(worker.headers.get('content-type')!, /javascript/);
  const wjs = await worker.text();
  assert.ok(wjs.length > 5000 && wjs.length < 300_000, `worker bundle of ${wjs.length} bytes`);
  assert.doesNotMatch(wjs, /\brequire\(|from ?"node:/, "no Node module in the worker's bundle");

  const setup = (await (await get('/setup.json')).json()) as PageSetup;
  assert.equal(setup.model.name, 'default');
  const sums = fs.readFileSync(path.join(P.assetSums, 'yunet.sha256'), 'utf8');
  assert.ok(sums.includes(`${setup.detectors.yunet_s!.sha256}  ./yunet_s_dynamic.onnx`), 'YuNet checked against the committed sums');
  assert.equal(setup.detect.yunet.minConfidence, 0.75);
  assert.deepEqual(setup.video.reuse, CFG_VIDEO.reuse, "the camera reuses classifications under the config's rule, as Node's video");
  for (const url of [setup.model.manifest, setup.model.onnx, setup.detectors.yunet_s!.url, setup.ort.wasm, setup.ort.webgpu]) assert.equal((await get(url, { method: 'HEAD' })).status, 200, url);
  const onnx = await get(setup.model.onnx);
  assert.equal(Number(onnx.headers.get('content-length')), fs.statSync(path.join(P.defaultModel, 'model.onnx')).size);
  await onnx.arrayBuffer();
  const wasm = await get('/ort/ort-wasm-simd-threaded.wasm', { method: 'HEAD' });
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');

  // (paths with `..` are sent over raw sockets in server-faults.test.ts: fetch would normalise them away)
  for (const p of ['/package.json', '/src/web/server.ts', '/detector/yunet_s_640_640.onnx']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    await r.text();
  }
  const post = await get('/', { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
});

test('a port that is taken is refused with what to do', async () => {
  await assert.rejects(startServer({ port: server.port }), (e: Error) => e instanceof ServeError && new RegExp(`port ${server.port} on 127.0.0.1 is taken.*--port ${server.port + 1}`).test(e.message));
});

test('models that are not installed: the message says to run facemask prepare', () => {
  const empty = path.join(tmp, 'empty-root');
  fs.mkdirSync(empty);
  assert.throws(() => pageRoutes({ paths: projectPaths(empty) }), (e: Error) => e instanceof ServeError && /the model is missing .*models\/default.*npx facemask prepare --mirror \.\.\/shared/.test(e.message));
  // a model but no YuNet
  const root = path.join(tmp, 'no-yunet');
  fs.mkdirSync(path.join(root, 'models'), { recursive: true });
  fs.symlinkSync(P.defaultModel, path.join(root, 'models', 'default'));
  assert.throws(() => pageRoutes({ paths: projectPaths(root) }), /YuNet's yunet_s_dynamic.onnx is missing .*npx facemask prepare --mirror \.\.\/shared/);
  // another model folder without an ONNX form
  const noOnnx = path.join(tmp, 'no-onnx');
  fs.mkdirSync(noOnnx);
  const m = JSON.parse(fs.readFileSync(path.join(P.defaultModel, 'manifest.json'), 'utf8'));
  delete m.onnx;
  delete m.integrity; // made before integrity records (its members are not copied either)
  fs.writeFileSync(path.join(noOnnx, 'manifest.json'), JSON.stringify(m));
  assert.throws(() => pageRoutes({ model: noOnnx }), /has no ONNX form/);
});

test('facemask serve: the address on stdout, Ctrl-C stops it cleanly (exit 130, as shells expect); a taken port or a missing model: exit 2', async () => {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address within 60 s; stderr: ${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl-C to stop\)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
  const r = await fetch(url);
  assert.equal(r.status, 200);
  await r.text();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  assert.equal(await exited, 130, err);
  assert.match(err, /facemask serve: stopped \(SIGINT\)/);
  await assert.rejects(fetch(url), 'nothing listens any more');

  const taken = spawnSync(process.execPath, [BIN, 'serve', '--port', String(server.port)], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(taken.status, 2);
  assert.match(taken.stderr, /is taken .*choose another port with --port/);
  const missing = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--model', path.join(tmp, 'nowhere')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /the model is missing .*nowhere/);
});
