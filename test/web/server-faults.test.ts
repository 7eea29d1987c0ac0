/**
 * `facemask serve` serves only its own files, to pages on this machine's names (src/web/server.ts,
 * docs/contracts.md "The page server"), over raw sockets: `fetch` normalises `..` away before
 * sending, so only a socket can send what an attacker would.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer, pageRoutes, CONTENT_SECURITY_POLICY, type RunningServer } from '../../src/web/server';
import { projectPaths } from '../../src/paths';

const P = projectPaths();
let server: RunningServer;
let tmp: string;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-serve-faults-'));
  server = await startServer({ port: 0, allowHosts: ['mybox.local'] });
});
after(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** One raw HTTP/1.1 request; resolves with the status and the body (the connection closes after it). */
function raw(port: number, target: string, opts: { host?: string; method?: string } = {}): Promise<{ status: number; body: string; head: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    s.setEncoding('latin1');
    s.on('data', (d) => (data += d));
    s.on('error', reject);
    s.on('close', () => {
      const [head, ...body] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: body.join('\r\n\r\n') });
    });
    s.write(`${opts.method ?? 'GET'} ${target} HTTP/1.1\r\nHost: ${opts.host ?? `127.0.0.1:${port}`}\r\nConnection: close\r\n\r\n`);
  });
}

test('paths with .. and encoded variants never leave the routes (sent as they are, over a socket)', async () => {
  for (const p of ['/model/../../package.json', '/model/../../../../etc/passwd', '/ort/../package.json', '/ort/%2e%2e/%2e%2e/package.json', '/detector/..%2f..%2fpackage.json', '//etc/passwd', '/model/model.onnx/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
    const r = await raw(server.port, p);
    assert.equal(r.status, 404, `${p}: ${r.head}`);
    assert.doesNotMatch(r.body, /root:|"name": "facemask"/, p);
  }
  assert.equal((await raw(server.port, '/setup.json')).status, 200, 'the real routes answer');
});

test('a manifest naming a file outside its model folder is refused when loading, and a model file linked outside is not served', async () => {
  const dir = path.join(tmp, 'traversal');
  fs.cpSync(path.join(P.models, 'original'), dir, { recursive: true, dereference: true });
  const mf = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(mf, 'utf8'));
  m.onnx.file = '../../../../etc/passwd';
  delete m.integrity;
  fs.writeFileSync(mf, JSON.stringify(m));
  assert.throws(() => pageRoutes({ model: dir }), /"onnx\.file" must name a file in the model's own folder, got "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd"/);
  // the ONNX file a symbolic link to a file elsewhere
  const linked = path.join(tmp, 'linked');
  fs.cpSync(path.join(P.models, 'original'), linked, { recursive: true, dereference: true });
  fs.rmSync(path.join(linked, 'model.onnx'));
  fs.symlinkSync('/etc/passwd', path.join(linked, 'model.onnx'));
  assert.throws(() => pageRoutes({ model: linked }), /resolves to \/etc\/passwd, outside its folder .*refusing to serve it/);
});

test('the Host header must be one of this machine\'s names (or one allowed): a rebound name is refused with 421', async () => {
  const port = server.port;
  for (const host of ['evil.example', 'evil.example:80', `attacker.test:${port}`, '', '127.0.0.1.evil.example']) {
    const r = await raw(port, '/setup.json', { host });
    assert.equal(r.status, 421, `Host ${host}: ${r.head}`);
    assert.doesNotMatch(r.body, /"model"/);
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `[::1]:${port}`, `mybox.local:${port}`]) {
    assert.equal((await raw(port, '/setup.json', { host })).status, 200, `Host ${host}`);
  }
});

test('every response carries the Content-Security-Policy: wasm and workers from here only, no framing', async () => {
  const r = await fetch(server.url);
  const csp = r.headers.get('content-security-policy') ?? '';
  await r.text();
  assert.equal(csp, CONTENT_SECURITY_POLICY);
  for (const d of ["script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'", "frame-ancestors 'none'", "default-src 'none'"]) assert.ok(csp.includes(d), d);
});

/** Open file descriptors of this process. */
const openFiles = () => fs.readdirSync('/proc/self/fd').length;

test('600 downloads cut off mid-way leave no open file behind; the model is still served', async () => {
  const start = openFiles();
  const size = fs.statSync(path.join(P.models, 'default', 'model.onnx')).size;
  for (let round = 0; round < 6; round++) {
    await Promise.all(
      Array.from({ length: 100 }, () => new Promise<void>((resolve) => {
        const s = net.connect(server.port, '127.0.0.1');
        s.write(`GET /model/model.onnx HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
        s.once('data', () => s.destroy());
        s.on('close', () => resolve());
        s.on('error', () => resolve());
      })),
    );
  }
  await waitUntil(() => openFiles() <= start + 5, 10_000);
  assert.ok(openFiles() <= start + 5, `open files ${start} → ${openFiles()}`);
  const r = await fetch(new URL('/model/model.onnx', server.url));
  assert.equal(r.status, 200);
  assert.equal((await r.arrayBuffer()).byteLength, size);
});

async function waitUntil(ok: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!ok() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 50));
}
