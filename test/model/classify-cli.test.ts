/** `facemask classify` end to end: good files, a corrupt file, a non-image with an image extension, an empty folder, a mismatched model. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectPaths } from '../../src/paths';
import { randomModel, tmpDir, FIXTURES, WITH_MASK_JPG, WITHOUT_MASK_JPG } from './helpers';
import { skipOrFail } from '../skip';

const BIN = path.join(projectPaths().root, 'bin', 'facemask.js');
let model: string;

function facemask(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, FACEMASK_BACKEND: process.env.FACEMASK_BACKEND ?? 'wasm' } });
  return { code: r.status, out: r.stdout, err: r.stderr, lines: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

before(async () => {
  model = await randomModel(path.join(tmpDir('cli'), 'model'));
});

test('good files: one JSON line each, exit 0', () => {
  const files = [WITH_MASK_JPG, WITHOUT_MASK_JPG];
  const r = facemask('classify', ...files, '--model', model);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.lines.length, 2);
  r.lines.forEach((l, i) => {
    assert.equal(l.file, files[i]);
    assert.ok(['with_mask', 'without_mask'].includes(l.label));
    assert.deepEqual(Object.keys(l.scores).sort(), ['with_mask', 'without_mask']);
    assert.equal(l.score, Math.max(...(Object.values(l.scores) as number[])));
  });
});

// The two fixtures are tutorial-style whole photos; the `original` preset (models/original/ since the
// realworld model became the default) gets both right. The realworld default calls the unmasked one
// (a pink scarf under the chin: a confuser) "with_mask" — a known limit, reported in the README.
const ORIGINAL = fs.existsSync(path.join(projectPaths().models, 'original', 'manifest.json')) ? path.join(projectPaths().models, 'original') : projectPaths().defaultModel;
test('the shipped original model gets the two fixtures right', (t) => {
  if (skipOrFail(t, !fs.existsSync(path.join(ORIGINAL, 'manifest.json')) && `${ORIGINAL} has no manifest.json (it is committed: git checkout -- models/original)`)) return;
  const r = facemask('classify', WITH_MASK_JPG, WITHOUT_MASK_JPG, '--model', ORIGINAL);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.lines.map((l) => l.label), ['with_mask', 'without_mask']);
});

test('a model with its ONNX export classifies on ONNX Runtime, as detect does (the random model of the other tests, without one, runs on tfjs)', (t) => {
  if (skipOrFail(t, !fs.existsSync(path.join(ORIGINAL, 'model.onnx')) && `${ORIGINAL} has no model.onnx (run npx facemask prepare)`)) return;
  const r = facemask('classify', WITH_MASK_JPG, '--model', ORIGINAL);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /onnx engine: onnxruntime-node/);
  assert.equal(r.lines.length, 1);
});

test('a corrupt file and a non-image named .jpg: error lines, the rest goes on, exit 1; --jsonl writes the file', () => {
  const out = path.join(tmpDir('jsonl'), 'out.jsonl');
  const files = [path.join(FIXTURES, 'truncated.jpg'), path.join(FIXTURES, 'not-an-image.jpg'), WITH_MASK_JPG, '/no/such/file.jpg'];
  const r = facemask('classify', ...files, '--model', model, '--jsonl', out);
  assert.equal(r.code, 1, r.err);
  assert.equal(r.out, '');
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const byFile = new Map(lines.map((l) => [l.file, l]));
  assert.match(byFile.get(files[0]).error, /corrupt jpeg/);
  assert.match(byFile.get(files[1]).error, /not an image/);
  assert.ok(byFile.get(files[2]).label);
  assert.match(byFile.get(files[3]).error, /no such file/);
  assert.match(r.err, /classified 1 image\(s\).*3 failed/);
});

test('a folder is walked and only images (by content) are taken', () => {
  const dir = tmpDir('folder');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.copyFileSync(WITH_MASK_JPG, path.join(dir, 'sub', 'face.data'));
  fs.copyFileSync(path.join(FIXTURES, 'not-an-image.jpg'), path.join(dir, 'notes.jpg'));
  const r = facemask('classify', dir, '--model', model);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.lines.map((l) => path.basename(l.file)), ['face.data']);
});

test('an empty folder: nothing to do, exit 2', () => {
  const r = facemask('classify', tmpDir('empty'), '--model', model);
  assert.equal(r.code, 2);
  assert.match(r.err, /no images found/);
});

test('a mismatched model is refused, exit 2', () => {
  const bad = path.join(tmpDir('bad'), 'model');
  fs.cpSync(model, bad, { recursive: true });
  const mf = path.join(bad, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(mf, 'utf8'));
  m.base.sha256 = 'f'.repeat(64);
  delete m.integrity; // a model made before integrity records: the base's checksum refuses it
  fs.writeFileSync(mf, JSON.stringify(m));
  const r = facemask('classify', WITH_MASK_JPG, '--model', bad);
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot use the model: .*SHA-256 ffffffffffff….*refusing it/);
});

test('unknown flags are refused with the valid form', () => {
  const r = facemask('classify', 'x.jpg', '--modle', 'm');
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown option "--modle".*\nusage: facemask classify/);
});
