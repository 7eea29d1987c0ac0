/**
 * The package as someone else's project gets it: `npm pack` (which runs the build), the tarball
 * installed into an empty project (`npm init -y`, `onnxruntime-node-install=skip` in its .npmrc as in
 * this repository's) from the npm cache — or the registry for what the cache lacks — and then used
 * there as a user would:
 *  - Node: `import` (ESM) and `require` (CommonJS) of 'facemask' detect the faces of photos: the same
 *    JSON lines as `facemask detect` in this repository, times left out; the installed command too;
 *  - the declarations type-check a user's ESM and CommonJS code (TypeScript, node16 resolution);
 *  - the browser: 'facemask/browser' bundled with esbuild into a page, run in headless Chromium on a
 *    photo's pixels: the same faces and labels as `facemask detect` (onnxruntime-web's wasm build
 *    rounds a little differently from the native one);
 *  - what the tarball holds (the inference files, no dataset, no training weights) and its size.
 * The project pins the runtimes (onnxruntime-node, onnxruntime-web, sharp) to the versions this
 * repository has installed (npm `overrides`), so that the comparison is between the same engines.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { chromium } from 'playwright-core';
import { skipOrFail } from '../skip';
import { PHOTOS, REPO, referenceLines, run, serveAndGet, withoutTimes } from './helpers';
import { demoPhoto, makeClip } from '../../src/detection/clips';

const CHROMIUM = '/usr/bin/chromium';
const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** The tarball's size this package should stay under. */
const TARGET_BYTES = 20e6;
const RUNTIMES = ['onnxruntime-node', 'onnxruntime-web', 'sharp'];

let tmp: string;
let tarball: string;
let project: string;
let reference: unknown[];
const installed = (...p: string[]) => path.join(project, 'node_modules', ...p);
const versionOf = (dir: string) => (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
const npm = (args: string[], cwd: string) => run('npm', args, { cwd, timeoutMs: 600_000 });

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-package-'));
  const t0 = performance.now();
  npm(['pack', '--pack-destination', tmp], REPO);
  const packMs = performance.now() - t0;
  const found = fs.readdirSync(tmp).filter((f) => /^facemask-.*\.tgz$/.test(f));
  assert.equal(found.length, 1, `npm pack made ${found.join(', ') || 'nothing'}`);
  tarball = path.join(tmp, found[0]);

  project = path.join(tmp, 'project');
  fs.mkdirSync(project);
  npm(['init', '-y'], project);
  fs.writeFileSync(path.join(project, '.npmrc'), 'onnxruntime-node-install=skip\n');
  const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
  pkg.overrides = Object.fromEntries(RUNTIMES.map((r) => [r, versionOf(path.join(REPO, 'node_modules', r))]));
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify(pkg, null, 2));
  const t1 = performance.now();
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
  console.log(`npm pack (with the build): ${(packMs / 1000).toFixed(1)} s; npm install of the tarball: ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  reference = referenceLines(PHOTOS);
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the tarball: the inference files, their licences, no dataset and no training weights; under 20 MB', () => {
  const bytes = fs.statSync(tarball).size;
  console.log(`tarball ${path.basename(tarball)}: ${(bytes / 1e6).toFixed(2)} MB (target: under ${TARGET_BYTES / 1e6} MB)`);
  assert.ok(bytes < TARGET_BYTES, `the tarball is ${(bytes / 1e6).toFixed(1)} MB`);
  const files = run('tar', ['tzf', tarball]).out.trim().split('\n').map((f) => f.replace(/^package\//, ''));
  for (const f of ['package.json', 'README.md', 'NOTICE', 'LICENSES/Apache-2.0.txt', 'CHANGELOG.md', 'bin/facemask.js', 'dist/index.cjs', 'dist/index.mjs', 'dist/index.d.cts', 'dist/index.d.mts', 'dist/browser.mjs', 'dist/browser.d.mts', 'dist/cli.cjs', 'dist/page/app.js', 'dist/page/worker.js', 'dist/page/index.html', 'models/default/manifest.json', 'models/default/model.onnx', 'models/default/members/rw-bands/manifest.json', 'models/default/members/rw-128-b4/manifest.json', 'face_detector/yunet/yunet_n_dynamic.onnx', 'face_detector/yunet/yunet_s_dynamic.onnx', 'src/assets/sums/yunet.sha256']) {
    assert.ok(files.includes(f), `the tarball has no ${f}`);
  }
  const unwanted = files.filter((f) => /^(dataset|runs|notebooks|test|bench|docs|scripts)\//.test(f) || /\.(ts|bin|ipynb)$/.test(f.replace(/\.d\.[cm]?ts$/, '')) || f.endsWith('model.json'));
  assert.deepEqual(unwanted, [], 'sources, datasets and tfjs weights stay in the repository');
  // the shipped model's files are the repository's, byte for byte
  const shipped = path.join('models', 'default', 'model.onnx');
  assert.ok(fs.readFileSync(installed('facemask', shipped)).equals(fs.readFileSync(path.join(REPO, shipped))));
});

test('installed: only the runtimes; no training, notebook or chart package', () => {
  for (const r of RUNTIMES) assert.ok(fs.existsSync(installed(r)), `${r} is installed`);
  for (const p of ['@tensorflow/tfjs', '@tensorflow/tfjs-node', '@vladmandic/face-api', '@vladmandic/human', 'opencv-wasm', 'tslab', 'vega', 'arquero', 'esbuild', 'tsx', 'onnx-proto']) {
    assert.ok(!fs.existsSync(installed(p)), `${p} was installed with the package`);
  }
});

test("Node: import (ESM) and require (CommonJS) give facemask detect's JSON lines", { timeout: 300_000 }, () => {
  const detect = (api: string) => `const f = process.argv.slice(2);\n(async () => {\n  const d = await createFaceMaskDetector();\n  try {\n    for (const file of f) console.log(toJsonLine(await d.detect(await decodeImage(file), file)));\n  } finally {\n    d.dispose();\n  }\n})();\n`.replace(/^/, api);
  fs.writeFileSync(path.join(project, 'detect.mjs'), detect("import { createFaceMaskDetector, decodeImage, toJsonLine } from 'facemask';\n"));
  fs.writeFileSync(path.join(project, 'detect.cjs'), detect("const { createFaceMaskDetector, decodeImage, toJsonLine } = require('facemask');\n"));
  for (const script of ['detect.mjs', 'detect.cjs']) {
    const got = withoutTimes(run(process.execPath, [script, ...PHOTOS], { cwd: project }).out);
    assert.deepEqual(got, reference, `${script}: the lines of facemask detect`);
  }
  assert.ok((reference as { faces: unknown[] }[]).every((r) => r.faces.length > 0), 'the photos have faces');
});

test('the installed command: --version, detect, classify, video, serve, and what only a clone runs', { timeout: 300_000 }, async () => {
  const npx = (args: string[], status = 0) => run('npx', ['--no', '--', 'facemask', ...args], { cwd: project, status });
  const manifest = JSON.parse(fs.readFileSync(installed('facemask', 'models', 'default', 'manifest.json'), 'utf8')) as { integrity: { sha256: string } };
  const version = npx(['--version']).out;
  assert.match(version, new RegExp(`^facemask ${versionOf(REPO).replace(/\./g, '\\.')}\\n`));
  assert.match(version, new RegExp(`models/default: identity [0-9a-f]{12}, integrity ${manifest.integrity.sha256.slice(0, 12)}`));
  assert.deepEqual(withoutTimes(npx(['detect', ...PHOTOS]).out), reference);
  // classify: the shipped model's ONNX export with no tfjs installed, the clone's lines
  const classified = npx(['classify', ...PHOTOS]).out;
  assert.equal(classified.trim().split('\n').length, PHOTOS.length);
  assert.equal(classified, run(process.execPath, [path.join(REPO, 'bin', 'facemask.js'), 'classify', ...PHOTOS]).out);
  assert.match(npx(['train'], 2).err, /"train" runs in a clone of the facemask repository/);
  // video: its detector on a thread of its own (the package's dist/detector-thread.cjs), the faces the clone sees
  const clip = path.join(tmp, 'faces.mp4');
  makeClip(demoPhoto(1), clip, { frames: 12, width: 400, height: 300, scaleTo: 500 });
  const seen = (where: 'installed' | 'clone') => {
    const out = path.join(tmp, `seen-${where}.json`);
    run('npx', ['--no', '--', 'facemask', 'video', clip, '--output', `${out}.mp4`, '--summary', out], { cwd: where === 'installed' ? project : REPO });
    const { input: _input, ...rest } = JSON.parse(fs.readFileSync(out, 'utf8')) as { input: string; faces: number };
    return rest;
  };
  const installedSeen = seen('installed');
  assert.ok(installedSeen.faces >= 3, `the installed video sees the clip's faces: ${JSON.stringify(installedSeen)}`);
  assert.deepEqual(installedSeen, seen('clone'), "the installed video's summary is the clone's");
  // serve: the page as built, the shipped model and YuNet from the installed package
  const served = await serveAndGet(process.execPath, [installed('facemask', 'bin', 'facemask.js'), 'serve', '--port', '0'], project, ['/', '/app.js', '/worker.js', '/setup.json', '/model/manifest.json', '/model/model.onnx', '/detector/yunet_n_dynamic.onnx']);
  assert.equal(served['/app.js'], fs.statSync(installed('facemask', 'dist', 'page', 'app.js')).size);
  assert.equal(served['/worker.js'], fs.statSync(installed('facemask', 'dist', 'page', 'worker.js')).size);
  assert.equal(served['/model/model.onnx'], fs.statSync(installed('facemask', 'models', 'default', 'model.onnx')).size);
});

test('the declarations type-check a user\'s ESM and CommonJS code', { timeout: 300_000 }, () => {
  fs.writeFileSync(
    path.join(project, 'use.mts'),
    `import { createFaceMaskDetector, decodeImage, toJsonLine, type DetectResult, type Label } from 'facemask';
import { createFaceMaskDetector as inBrowser, rgbFromRgba, type BrowserCreateOptions, type OrtModule } from 'facemask/browser';
const detector = await createFaceMaskDetector(undefined, { detector: 'yunet-n' });
const result: DetectResult = await detector.detect(await decodeImage('photo.jpg'), 'photo.jpg');
const label: Label | undefined = result.faces[0]?.label;
const line: string = toJsonLine(result);
declare const ort: OrtModule;
const options: BrowserCreateOptions = { ort, baseUrl: '/facemask/' };
const page = await inBrowser(options);
const again: DetectResult = await page.detect(rgbFromRgba(new Uint8Array(4), 1, 1));
export { label, line, again };
`,
  );
  fs.writeFileSync(path.join(project, 'use.cts'), "import facemask = require('facemask');\nexport const make: () => Promise<facemask.FaceMaskDetector> = () => facemask.createFaceMaskDetector();\n");
  const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const types = path.join(REPO, 'node_modules', '@types');
  run(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'node16', '--moduleResolution', 'node16', '--lib', 'es2022,dom', '--typeRoots', types, '--types', 'node', 'use.mts', 'use.cts'], { cwd: project });
});

test('the browser: facemask/browser bundled with esbuild runs the pipeline in headless Chromium', { timeout: 300_000 }, async (t) => {
  if (skipOrFail(t, !fs.existsSync(CHROMIUM) && `${CHROMIUM} is missing (apt-get install chromium)`)) return;
  const photo = PHOTOS[1];
  const { data, info } = await sharp(photo).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  fs.writeFileSync(path.join(project, 'page.mjs'), PAGE_SCRIPT);
  const esbuild = path.join(REPO, 'node_modules', '.bin', 'esbuild');
  run(esbuild, ['page.mjs', '--bundle', '--format=esm', '--platform=browser', '--outfile=app.js', '--log-level=warning'], { cwd: project });
  const server = await serve({
    '/': { type: 'text/html', body: Buffer.from('<!DOCTYPE html><meta charset="utf-8"><title>facemask/browser</title><script type="module" src="/app.js"></script>') },
    '/app.js': { type: 'text/javascript', body: fs.readFileSync(path.join(project, 'app.js')) },
    '/photo.rgb': { type: 'application/octet-stream', body: data },
  }, { '/facemask/': installed('facemask'), '/ort/': installed('onnxruntime-web', 'dist') });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => 'detectRaw' in window, null, { timeout: 60_000 });
    const line = await page.evaluate(([w, h, f]) => (window as unknown as { detectRaw: (u: string, w: number, h: number, f: string) => Promise<string> }).detectRaw('/photo.rgb', w, h, f), [info.width, info.height, photo] as [number, number, string]);
    const [got] = withoutTimes(line) as Line[];
    const want = reference[1] as Line;
    assert.deepEqual([got.file, got.width, got.height], [want.file, want.width, want.height]);
    assertSameFaces(got.faces, want.faces);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});

/** The page: onnxruntime-web and facemask/browser, detecting a photo's raw RGB pixels. */
const PAGE_SCRIPT = `import * as ort from 'onnxruntime-web';
import { createFaceMaskDetector, toJsonLine } from 'facemask/browser';

ort.env.wasm.wasmPaths = new URL('/ort/', location.href).href;
ort.env.wasm.numThreads = 1;
window.detectRaw = async (url, width, height, file) => {
  const detector = await createFaceMaskDetector({ ort, baseUrl: '/facemask/' });
  try {
    const data = new Uint8Array(await (await fetch(url)).arrayBuffer());
    return toJsonLine(await detector.detect({ data, width, height }, file));
  } finally {
    detector.dispose();
  }
};
`;

interface Face {
  box: number[];
  faceScore: number;
  label: string;
  scores: Record<string, number>;
}
interface Line {
  file: string;
  width: number;
  height: number;
  faces: Face[];
}

/** The same faces in the same order, the same labels; boxes within 2 px and scores within 0.005 (wasm and native kernels round differently). */
function assertSameFaces(got: Face[], want: Face[]): void {
  assert.equal(got.length, want.length, `${got.length} faces in the browser, facemask detect finds ${want.length}`);
  const most = (f: (g: Face, w: Face) => number[]) => Math.max(0, ...got.flatMap((g, i) => f(g, want[i])));
  const px = most((g, w) => g.box.map((v, k) => Math.abs(v - w.box[k])));
  const score = most((g, w) => [Math.abs(g.faceScore - w.faceScore), ...Object.keys(w.scores).map((k) => Math.abs(g.scores[k] - w.scores[k]))]);
  console.log(`the browser against facemask detect: ${got.length} faces, boxes within ${px} px, scores within ${score.toFixed(4)}`);
  got.forEach((g, i) => {
    const w = want[i];
    assert.equal(g.label, w.label, `face ${i}: label`);
    g.box.forEach((v, k) => assert.ok(Math.abs(v - w.box[k]) <= 2, `face ${i}: box ${g.box} vs ${w.box}`));
    assert.ok(Math.abs(g.faceScore - w.faceScore) <= 0.005, `face ${i}: faceScore ${g.faceScore} vs ${w.faceScore}`);
    for (const k of Object.keys(w.scores)) assert.ok(Math.abs(g.scores[k] - w.scores[k]) <= 0.005, `face ${i}: ${k} ${g.scores[k]} vs ${w.scores[k]}`);
  });
}

/** A static server on a free port of 127.0.0.1: fixed routes, and folders served below a prefix (files inside them only). */
async function serve(routes: Record<string, { type: string; body: Buffer }>, folders: Record<string, string>): Promise<{ url: string; close: () => Promise<void> }> {
  const types: Record<string, string> = { '.onnx': 'application/octet-stream', '.json': 'application/json', '.wasm': 'application/wasm', '.mjs': 'text/javascript', '.js': 'text/javascript' };
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const fixed = routes[url];
    if (fixed) return res.writeHead(200, { 'Content-Type': fixed.type }).end(fixed.body);
    for (const [prefix, dir] of Object.entries(folders)) {
      if (!url.startsWith(prefix)) continue;
      const file = path.resolve(dir, url.slice(prefix.length));
      if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) break;
      return res.writeHead(200, { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}
