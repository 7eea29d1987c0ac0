/**
 * The fast tier's guard (scripts/fast-guard.ts): a fast test that starts a process or a thread, loads
 * a model or a WebAssembly backend, or reads an installed dataset, cache or mirror fails at once,
 * saying where the test belongs; committed files stay readable. (Importing the guard installs it in
 * this test file's process, as `npm run test:fast` does for every fast file.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { FastTierError, forbiddenRead } from '../../scripts/fast-guard';

const ROOT = path.resolve(__dirname, '..', '..');

test('reads: installed datasets, caches, the mirror and model files are refused; committed files are not', () => {
  const r = (p: string) => forbiddenRead(path.join(ROOT, p), ROOT);
  assert.match(r('dataset/observations/with_mask/0-with-mask.jpg')!, /reads dataset\/observations\/.*"facemask prepare"/);
  assert.match(r('dataset/splits.json')!, /installs/);
  assert.match(r('.cache/features/x.bin')!, /installs/);
  assert.match(r('models/pretrained/mobilenet_v2_0.35_224/model.json')!, /installs/);
  assert.match(r('models/default/model.onnx')!, /loads a model or WebAssembly file \(models\/default\/model\.onnx\)/);
  assert.match(r('node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')!, /WebAssembly/);
  assert.match(r('node_modules/@vladmandic/face-api/model/ssd_mobilenetv1.json')!, /face-api \/ human model/);
  assert.match(forbiddenRead(path.join(ROOT, '..', 'shared', 'datasets', 'x.jpg'), ROOT)!, /the shared mirror/);
  for (const ok of ['dataset/confusers.tsv', 'models/default/manifest.json', 'docs/results/calibration-default.json', 'test/fixtures/data', 'package.json', 'src/config.ts']) assert.equal(r(ok), null, ok);
});

test('the guard is in place: a subprocess, a worker thread or an installed dataset fails with where the test belongs', async () => {
  assert.throws(() => spawnSync('ffmpeg', ['-version']), (e: Error) => e instanceof FastTierError && /child_process\.spawnSync\("ffmpeg"\) starts a process\. A fast test is pure; move this test to test\/<x>\/<y>\.test\.ts/.test(e.message));
  assert.throws(() => new Worker('console.log(1)', { eval: true }), /new Worker\(.*\) starts a thread/);
  assert.throws(() => fs.readdirSync(path.join(ROOT, 'dataset', 'observations')), /fs\.readdirSync: reads dataset\/observations/);
  await assert.rejects(fs.promises.readFile(path.join(ROOT, 'models', 'default', 'model.onnx')), /fs\.promises\.readFile: loads a model/);
  assert.ok(fs.readFileSync(path.join(ROOT, 'dataset', 'confusers.tsv'), 'utf8').length > 0, 'a committed file reads as usual');
});
