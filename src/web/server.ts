/**
 * `facemask serve`'s HTTP server (node:http): one page (src/web/page/), its script bundled at
 * start-up (./bundle.ts), the model files it runs — the classifier's manifest.json and model.onnx,
 * YuNet's ONNX files — and onnxruntime-web's builds and .wasm files. Only these routes exist; files
 * are streamed from where `facemask prepare` installed them. The page checks every model file's
 * SHA-256 itself. Responses are cross-origin isolated (COOP/COEP) so onnxruntime-web may use threads.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { pipeline } from 'node:stream';
import { resolveConfig, type Config } from '../config';
import { projectPaths, type ProjectPaths } from '../paths';
import { findAsset } from '../assets/catalog';
import { parseSums } from '../assets/sums';
import { MANIFEST_FILE } from '../model/manifest';
import { readManifest, verifyIntegrity } from '../model/manifest-files';
import { createHash } from 'node:crypto';
import { pageScript, pageHtml } from './bundle';
import { CAMERA_SIDE, PAGE_DETECTOR_VARIANTS, type PageSetup } from './page/pipeline';

/** The server cannot start; the message says why and what to do. */
export class ServeError extends Error {}

/** What to do when something the page needs is not installed. */
export const PREPARE = 'run `npx facemask prepare --mirror ../shared` in the project';

export interface ServeOptions {
  /** TCP port; 0 picks a free one. default: 8080 */
  port?: number;
  /** Address to listen on. default: 127.0.0.1 (this machine only) */
  host?: string;
  /** Classifier folder. default: models/default */
  model?: string;
  /** default: resolveConfig() */
  config?: Config;
  /** default: projectPaths() */
  paths?: ProjectPaths;
  /** Other names the page may be reached by (`Host` header), beside `host`, localhost, 127.0.0.1 and [::1]. default: none */
  allowHosts?: readonly string[];
}

export interface RunningServer {
  /** The page's address, e.g. http://127.0.0.1:8080/ */
  url: string;
  port: number;
  /** Milliseconds spent bundling the page. */
  bundleMs: number;
  /** Stop listening and close every open connection. */
  close(): Promise<void>;
}

/** A route: a file streamed from disk, or bytes in memory. */
interface Route {
  type: string;
  file?: string;
  body?: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
};

/** onnxruntime-web's files the page may load: its wasm and WebGPU builds and their workers and .wasm. */
export const ORT_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort.webgpu.min.mjs', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

function mustExist(file: string, what: string, hint: string): string {
  if (!fs.existsSync(file)) throw new ServeError(`${what} is missing (${file}): ${hint}`);
  return file;
}

/**
 * `file` resolved (symbolic links followed), refused unless it lies inside `folder` (resolved too):
 * every file the server streams is one of its own folders' files.
 */
export function containedFile(file: string, folder: string, what: string): string {
  const real = fs.realpathSync(file);
  const root = fs.realpathSync(folder);
  const rel = path.relative(root, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw new ServeError(`${what} (${file}) resolves to ${real}, outside its folder ${root}: refusing to serve it`);
  return real;
}

/**
 * The routes and the page's setup for a model folder: checks that everything the page needs is
 * installed (throws `ServeError` saying what to run otherwise). Pure of network; reads only file names and small files.
 */
export function pageRoutes(opts: Pick<ServeOptions, 'model' | 'config' | 'paths'> = {}): { routes: Map<string, Route>; setup: PageSetup } {
  const p = opts.paths ?? projectPaths();
  const cfg = opts.config ?? resolveConfig();
  const dir = path.resolve(opts.model ?? p.defaultModel);
  const shipped = dir === path.resolve(p.defaultModel);
  const hint = shipped ? PREPARE : 'give --model a model folder (one with a manifest.json, e.g. a training run\'s model/), or leave --model out to serve the shipped model';
  mustExist(path.join(dir, MANIFEST_FILE), 'the model', hint);
  let manifest;
  try {
    manifest = readManifest(dir);
  } catch (e) {
    throw new ServeError(`the model in ${dir} cannot be read: ${(e as Error).message}`);
  }
  if (!manifest.onnx) throw new ServeError(`the model in ${dir} has no ONNX form (its manifest records no "onnx"): ${shipped ? PREPARE : 'run `npx facemask prepare` to export it, or serve a model that has one'}`);
  const onnxFile = containedFile(mustExist(path.join(dir, manifest.onnx.file), `the classifier's ${manifest.onnx.file}`, hint), dir, `the classifier's ${manifest.onnx.file}`);
  try {
    verifyIntegrity(dir, manifest, { onnxOnly: true }); // what the model means, checked before it is served (the page checks the manifest's part again)
  } catch (e) {
    throw new ServeError(`the model in ${dir} cannot be served: ${(e as Error).message}`);
  }
  if (createHash('sha256').update(fs.readFileSync(onnxFile)).digest('hex') !== manifest.onnx.sha256) throw new ServeError(`the classifier's ${manifest.onnx.file} in ${dir} is not the file its manifest records (damaged or replaced): delete it and run \`npx facemask prepare\` to export it again`);

  const yunetDir = findAsset('yunet').target(p);
  mustExist(path.join(yunetDir, 'yunet_s_dynamic.onnx'), "YuNet's yunet_s_dynamic.onnx", PREPARE);
  const sums = new Map(parseSums(fs.readFileSync(path.join(p.assetSums, 'yunet.sha256'), 'utf8'), 'yunet.sha256').map((s) => [s.rel, s.sha256]));
  const detectors: PageSetup['detectors'] = {};
  const routes = new Map<string, Route>();
  for (const v of PAGE_DETECTOR_VARIANTS) {
    const name = `${v}_dynamic.onnx`;
    const file = path.join(yunetDir, name);
    const sha256 = sums.get(name);
    if (!fs.existsSync(file) || !sha256) continue;
    detectors[v] = { url: `/detector/${name}`, sha256 };
    routes.set(`/detector/${name}`, { type: TYPES['.onnx'], file: containedFile(file, yunetDir, `YuNet's ${name}`) });
  }

  // the package exports no package.json: find its folder from its Node entry (dist/ort.node.min.js)
  const ortDir = path.dirname(path.dirname(require.resolve('onnxruntime-web')));
  const ortVersion = (JSON.parse(fs.readFileSync(path.join(ortDir, 'package.json'), 'utf8')) as { version: string }).version;
  for (const f of ORT_FILES) routes.set(`/ort/${f}`, { type: TYPES[path.extname(f)], file: containedFile(mustExist(path.join(ortDir, 'dist', f), `onnxruntime-web's ${f}`, 'run `npm ci`'), ortDir, `onnxruntime-web's ${f}`) });

  routes.set('/model/manifest.json', { type: TYPES['.json'], file: containedFile(path.join(dir, MANIFEST_FILE), dir, "the model's manifest.json") });
  routes.set('/model/model.onnx', { type: TYPES['.onnx'], file: onnxFile });
  const setup: PageSetup = {
    model: { name: path.basename(dir), manifest: '/model/manifest.json', onnx: '/model/model.onnx' },
    detectors,
    detect: cfg.detect,
    video: { detector: cfg.video.detector, smoothing: cfg.video.smoothing, trackIou: cfg.video.trackIou, maxMissed: cfg.video.maxMissed, reuse: cfg.video.reuse },
    cameraSide: CAMERA_SIDE,
    maxPixels: cfg.data.maxPixels,
    ort: { version: ortVersion, base: '/ort/', wasm: '/ort/ort.wasm.min.mjs', webgpu: '/ort/ort.webgpu.min.mjs' },
  };
  routes.set('/setup.json', { type: TYPES['.json'], body: Buffer.from(JSON.stringify(setup)) });
  return { routes, setup };
}

/**
 * What the page may do (Content-Security-Policy): its own script, with WebAssembly compiled and
 * onnxruntime-web's workers started from this server; fetches, images and the camera from here (and
 * the page's own blob:/data: URLs); no frame may embed it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self' blob:",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "style-src 'self' 'unsafe-inline'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response: no caching (models may be re-promoted), cross-origin isolation for wasm threads, the CSP. */
const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
};

/**
 * The names a request's `Host` may carry: the listening address, localhost, 127.0.0.1 and [::1], and
 * any allowed by the user — anything else is refused, so a web page reached by another name (DNS
 * rebinding) cannot read the server.
 */
export function allowedHostNames(host: string, extra: readonly string[] = []): Set<string> {
  const bracket = (h: string) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);
  return new Set(['localhost', '127.0.0.1', '[::1]', bracket(host), ...extra.map(bracket)].map((h) => h.toLowerCase()));
}

/** The host name of a `Host` header without its port (`[::1]:8080` → `[::1]`), lower case; null when malformed. */
export function hostOf(header: string | undefined): string | null {
  if (!header) return null;
  const h = header.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/.exec(h);
  return m ? m[1] : null;
}

function handler(routes: Map<string, Route>, hosts: Set<string>): http.RequestListener {
  return (req, res) => {
    const host = hostOf(req.headers.host);
    if (!host || !hosts.has(host)) {
      res.writeHead(421, { ...COMMON_HEADERS, 'Content-Type': 'text/plain' }).end(`this server answers only to ${[...hosts].join(', ')} (Host ${JSON.stringify(req.headers.host ?? '')}); start it with --allow-host NAME to add a name\n`);
      return;
    }
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes.get(pathname === '/index.html' ? '/' : pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...COMMON_HEADERS, Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('only GET and HEAD\n');
      return;
    }
    if (!route) {
      res.writeHead(404, { ...COMMON_HEADERS, 'Content-Type': 'text/plain' }).end(`not found: ${pathname}\n`);
      return;
    }
    if (route.body) {
      res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': route.type, 'Content-Length': route.body.length });
      res.end(req.method === 'HEAD' ? undefined : route.body);
      return;
    }
    fs.stat(route.file!, (err, st) => {
      if (err) {
        res.writeHead(404, { ...COMMON_HEADERS, 'Content-Type': 'text/plain' }).end(`${pathname} is no longer on disk: ${PREPARE}\n`);
        return;
      }
      res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': route.type, 'Content-Length': st.size });
      if (req.method === 'HEAD') res.end();
      // pipeline destroys the file stream when the client goes away mid-download: no open file is left behind
      else pipeline(fs.createReadStream(route.file!), res, () => {});
    });
  };
}

/** A listen error in words, with what to do. */
export function listenError(e: NodeJS.ErrnoException, host: string, port: number): ServeError {
  if (e.code === 'EADDRINUSE') return new ServeError(`port ${port} on ${host} is taken (another \`facemask serve\` or another server runs there): stop it, or choose another port with --port ${port + 1} (or --port 0 for any free one)`);
  if (e.code === 'EACCES') return new ServeError(`port ${port} on ${host} needs administrator rights: choose a port above 1023 with --port 8080`);
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') return new ServeError(`cannot listen on ${host}: it is not an address of this machine (use --host 127.0.0.1)`);
  return new ServeError(`cannot listen on ${host}:${port}: ${e.message}`);
}

/** Check the installation, bundle the page and start listening. Throws `ServeError` (port taken, models missing). */
export async function startServer(opts: ServeOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8080;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new ServeError(`--port must be a whole number from 0 to 65535, got ${port}`);
  const { routes } = pageRoutes(opts);
  const bundle = await pageScript();
  routes.set('/', { type: TYPES['.html'], body: fs.readFileSync(pageHtml()) });
  routes.set('/app.js', { type: TYPES['.js'], body: Buffer.from(bundle.js) });
  routes.set('/worker.js', { type: TYPES['.js'], body: Buffer.from(bundle.worker) });
  const server = http.createServer(handler(routes, allowedHostNames(host, opts.allowHosts)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, host, port)));
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shown}:${actual}/`,
    port: actual,
    bundleMs: bundle.ms,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
