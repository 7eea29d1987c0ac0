/**
 * The page's pipeline outside the browser: which detector and setting it runs for a model, and the
 * whole of it — models fetched from a real `facemask serve` server, SHA-256 checked, onnxruntime-web,
 * the JavaScript crop — against the Node pipeline (`createFaceMaskDetector`, onnxruntime-node) on
 * real photos; a tampered model file is refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../../src/config';
import { projectPaths } from '../../src/paths';
import { decodeImage } from '../../src/util/images';
import { readManifest } from '../../src/model/manifest-files';
import { createEngine } from '../../src/backend/onnx';
import { createFaceMaskDetector } from '../../src/detection/create';
import { iou } from '../../src/detection/geometry';
import { pageRoutes, startServer, type RunningServer } from '../../src/web/server';
import { browserRegistry, chooseSettings, loadPagePipeline, type PageSetup } from '../../src/web/page/pipeline';
import { ModelLoadError } from '../../src/web/page/verify';

const P = projectPaths();
const CFG = resolveConfig();
const PHOTOS = [path.join(P.root, 'node_modules/@vladmandic/face-api/demo/sample1.jpg'), path.join(P.dataset, 'kaggle-face-mask-dev/images/maksssksksss219.jpg')];
let server: RunningServer;
let tmp: string;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-page-'));
  server = await startServer({ port: 0 });
});
after(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const setupOf = async (s: RunningServer) => (await (await fetch(new URL('/setup.json', s.url))).json()) as PageSetup;

test('the browser runs YuNet: the model\'s tuned YuNet setting when it has one, else YuNet\'s own threshold, and says so', async () => {
  // the registry's loader is never called: choosing reads only names and thresholds
  const registry = browserRegistry(() => Promise.reject(new Error('not loaded here')), await createEngine({ quiet: true }));
  const shipped = readManifest(P.defaultModel);
  // the shipped model: its own detector when a browser can run it, else YuNet; the camera at the one-scale video setting, photos at the photo setting
  const a = chooseSettings(registry, shipped, CFG.detect, 'video');
  const own = shipped.detection?.detector;
  if (own && registry.has(own)) {
    assert.deepEqual([a.settings.detector, a.settings.threshold, a.settings.scales, a.note], [own, shipped.detection!.settings[own].threshold, null, '']);
    const photo = shipped.detection?.photo;
    if (photo && registry.has(photo.detector)) {
      const p = chooseSettings(registry, shipped, CFG.detect, 'photo');
      assert.deepEqual([p.settings.detector, p.settings.threshold, p.settings.scales], [photo.detector, photo.threshold, photo.scales ?? null]);
    }
  } else {
    assert.equal(a.settings.detector, 'yunet');
    assert.match(a.note, /does not run in a browser: yunet runs instead/);
  }
  // a model tuned for a detector the browser cannot run: YuNet at its own threshold, and a note
  const ssdOnly = chooseSettings(registry, { classes: shipped.classes, detection: { detector: 'ssd-mobilenet', settings: { 'ssd-mobilenet': { threshold: 0.15, rejectAt: 0.2, trustAbove: 0.9 } } } }, CFG.detect);
  assert.deepEqual([ssdOnly.settings.detector, ssdOnly.settings.threshold, ssdOnly.settings.policy], ['yunet', CFG.detect.yunet.minConfidence, { rejectAt: null, trustAbove: null }]);
  assert.match(ssdOnly.note, /model's tuned detector ssd-mobilenet does not run in a browser: yunet runs instead/);

  const tunedYunet = { threshold: 0.6, rejectAt: 0.3, trustAbove: 0.95 };
  const b = chooseSettings(registry, { classes: shipped.classes, detection: { detector: 'ssd-mobilenet', settings: { yunet: tunedYunet } } }, CFG.detect);
  assert.deepEqual([b.settings.detector, b.settings.threshold, b.settings.policy, b.settings.source.threshold], ['yunet', 0.6, { rejectAt: 0.3, trustAbove: 0.95 }, 'model']);

  const c = chooseSettings(registry, { classes: shipped.classes, detection: { detector: 'yunet-n', settings: { 'yunet-n': tunedYunet } } }, CFG.detect);
  assert.deepEqual([c.settings.detector, c.settings.threshold, c.note], ['yunet-n', 0.6, '']);

  const d = chooseSettings(registry, { classes: shipped.classes }, { ...CFG.detect, detector: 'yunet-n' });
  assert.deepEqual([d.settings.detector, d.settings.threshold], ['yunet-n', CFG.detect.yunetN.minConfidence]);
});

for (const use of ['photo', 'video'] as const) test(`the page's pipeline on onnxruntime-web gives what the Node pipeline gives at the ${use} setting (boxes IoU >= 0.9, same labels, scores within 0.01)`, { timeout: 180_000 }, async () => {
  const web = await createEngine({ prefer: 'web', quiet: true });
  const page = await loadPagePipeline(await setupOf(server), web, server.url, undefined, use);
  const node = await createFaceMaskDetector(CFG, { detector: page.pipeline.settings.detector, use }); // photos on the page run the photo setting, its camera the video one
  try {
    assert.equal(page.pipeline.describe(), node.describe());
    for (const file of PHOTOS) {
      const img = await decodeImage(file);
      const [a, b] = [await page.pipeline.detect(img, file), await node.detect(img, file)];
      assert.equal(a.faces.length, b.faces.length, path.basename(file));
      assert.ok(a.faces.length >= 2);
      a.faces.forEach((f, i) => {
        const g = b.faces[i];
        assert.ok(iou(f.box, g.box) >= 0.9, `${path.basename(file)} face ${i}: ${f.box} vs ${g.box}`);
        assert.equal(f.label, g.label);
        for (const k of Object.keys(g.scores) as (keyof typeof g.scores)[]) assert.ok(Math.abs(f.scores[k]! - g.scores[k]!) <= 0.01, `${path.basename(file)} face ${i} ${k}: ${f.scores[k]} vs ${g.scores[k]}`);
      });
    }
  } finally {
    page.pipeline.dispose();
    node.dispose();
  }
});

test('a tampered model file is refused by its SHA-256, with what to do', { timeout: 60_000 }, async () => {
  // the file replaced while the server runs (it refuses a damaged one at start: checked below)
  const dir = path.join(tmp, 'tampered');
  fs.cpSync(P.defaultModel, dir, { recursive: true });
  const other = await startServer({ port: 0, model: dir });
  const bytes = fs.readFileSync(path.join(P.defaultModel, 'model.onnx'));
  bytes[bytes.length - 100] ^= 0xff;
  fs.writeFileSync(path.join(dir, 'model.onnx'), bytes);
  assert.throws(() => pageRoutes({ model: dir }), /model\.onnx is not the export its manifest records/, 'a server started now refuses it');
  try {
    await assert.rejects(loadPagePipeline(await setupOf(other), await createEngine({ prefer: 'web', quiet: true }), other.url), (e: Error) => {
      assert.ok(e instanceof ModelLoadError);
      const recorded = readManifest(dir).onnx!.sha256.slice(0, 12);
      assert.match(e.message, new RegExp(`the classifier tampered/model.onnx is not the file its manifest.json records: SHA-256 [0-9a-f]{12}… instead of ${recorded}… .*refusing it; run \`npx facemask prepare --mirror \\.\\./shared\``));
      return true;
    });
  } finally {
    await other.close();
  }
});
