/**
 * Outputs never destroy inputs or unrelated files (src/util/output.ts, docs/contracts.md "Outputs"):
 * each case a way a verb once replaced what it had not made, or hung on a place it could not write.
 * Refusals come before any work, so most run through the verbs' `main` in this process; the hangs
 * run as real processes with a time limit.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { inProcess, run, testVideo, treeHash, treeChanges } from './helpers';
import { projectPaths } from '../../src/paths';
import { OUTPUT_MARKER } from '../../src/util/output';

const P = projectPaths();
const ORIGINAL = path.join(P.models, 'original');
const FIX = path.join(P.fixtures, 'synth');
let tmp: string;
let photos: string;
let clip: string;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-outputs-'));
  photos = path.join(tmp, 'photos');
  fs.mkdirSync(photos);
  for (const f of ['one-face.jpg', 'two-faces.jpg']) fs.copyFileSync(path.join(FIX, f), path.join(photos, f));
  clip = testVideo(path.join(tmp, 'clip.mp4'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A folder of someone's files. */
function precious(name: string): string {
  const d = path.join(tmp, name);
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, 'thesis.txt'), 'ten years of work\n');
  return d;
}

/** Temporary siblings left next to `dir`'s entries (`.x.tmp-…`). */
const leftovers = (dir: string) => fs.readdirSync(dir).filter((e) => e.includes('.tmp-'));

test('promote --to: a folder or a file that is not a model is left as it is; "." too; a model folder only with --overwrite', async () => {
  const folder = precious('someone');
  const file = path.join(tmp, 'notes.txt');
  fs.writeFileSync(file, 'keep me\n');
  const before = treeHash(folder, file, P.models);
  for (const [to, why] of [
    [folder, /already exists and was not made by facemask promote: it is left as it is/],
    [file, /exists and is not a folder/],
  ] as const) {
    const r = await inProcess('promote', ORIGINAL, '--to', to);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, why);
  }
  const dot = await inProcess('promote', ORIGINAL, '--to', '.');
  assert.equal(dot.code, 2, dot.err);
  assert.match(dot.err, /--to \.: holds the input .*an output never goes where inputs are/);
  assert.deepEqual(treeChanges(before, treeHash(folder, file, P.models)), []);
  assert.deepEqual(leftovers(P.root), [], 'no temporary folder left in the project');
  // a new folder works; the same again needs --overwrite, and then replaces only that model
  const mine = path.join(tmp, 'models', 'mine');
  assert.equal((await inProcess('promote', ORIGINAL, '--to', mine)).code, 0);
  const again = await inProcess('promote', ORIGINAL, '--to', mine);
  assert.equal(again.code, 2);
  assert.match(again.err, /holds an earlier output of facemask promote: add --overwrite to replace it/);
  const over = await inProcess('promote', ORIGINAL, '--to', mine, '--overwrite');
  assert.equal(over.code, 0, over.err);
  assert.ok(fs.existsSync(path.join(mine, 'manifest.json')));
});

test('detect --output: never the input folder, a folder holding an input, or a folder inside an input folder', async () => {
  const before = treeHash(photos);
  for (const [args, why] of [
    [[photos, '--output', photos], /is the input/],
    [[path.join(photos, 'one-face.jpg'), '--output', photos], /holds the input .*one-face\.jpg/],
    [[photos, '--output', path.join(photos, 'annotated')], /is inside the input folder/],
  ] as const) {
    const r = await inProcess('detect', ...args);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, why);
    assert.match(r.err, /Name a new place for a folder of annotated pictures, for example --output /);
  }
  assert.deepEqual(treeChanges(before, treeHash(photos)), [], 'the originals are untouched');
});

test('video --output: never the input file', async () => {
  const before = treeHash(clip);
  const r = await inProcess('video', clip, '--output', clip);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /--output .*clip\.mp4: is the input/);
  assert.deepEqual(treeChanges(before, treeHash(clip)), []);
});

test('evaluate --summary: a file it did not make is left as it is; its own is replaced only with --overwrite; the flag needs --scenes', async () => {
  const notes = path.join(tmp, 'notes.json');
  fs.writeFileSync(notes, '{"kind": "tune"}');
  const e = await inProcess('evaluate', '--scenes', 'kaggle-test', '--summary', notes);
  assert.equal(e.code, 2, e.err);
  assert.match(e.err, /--summary .*notes\.json: already exists and was not made by facemask evaluate/);
  assert.equal(fs.readFileSync(notes, 'utf8'), '{"kind": "tune"}');
  const ours = path.join(tmp, 'field-map-x.json');
  fs.writeFileSync(ours, '{"kind": "field-map"}');
  const again = await inProcess('evaluate', '--scenes', 'kaggle-test', '--summary', ours);
  assert.equal(again.code, 2, again.err);
  assert.match(again.err, /holds an earlier output of facemask evaluate: add --overwrite/);
  const bare = await inProcess('evaluate', '--summary', ours);
  assert.equal(bare.code, 2, bare.err);
  assert.match(bare.err, /--summary, --detector and --upscale go with --scenes/);
  const input = await inProcess('evaluate', '--scenes', 'kaggle-test', '--summary', path.join(P.dataset, 'x.json'));
  assert.equal(input.code, 2, input.err);
  assert.match(input.err, /an output never goes where inputs are/);
});

test('inspect --output and evaluate --output: a folder they did not make is left as it is', async () => {
  const folder = precious('reports');
  const before = treeHash(folder);
  const i = await inProcess('inspect', '--output', folder);
  assert.equal(i.code, 2, i.err);
  assert.match(i.err, /already exists and was not made by facemask inspect/);
  const e = await inProcess('evaluate', '--output', folder);
  assert.equal(e.code, 2, e.err);
  assert.match(e.err, /already exists and was not made by facemask evaluate/);
  const d = await inProcess('inspect', '--output', P.dataset);
  assert.equal(d.code, 2, d.err);
  assert.match(d.err, /is the input/);
  assert.deepEqual(treeChanges(before, treeHash(folder)), []);
});

test('synth --output: a folder with a manifest.jsonl and other files is not a synth output, and is left as it is', async () => {
  const folder = precious('looks-like-synth');
  fs.writeFileSync(path.join(folder, 'manifest.jsonl'), '{"file":"with_mask/a.jpg"}\n');
  const before = treeHash(folder);
  const r = await inProcess('synth', photos, '--output', folder);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /already exists and was not made by facemask synth/);
  assert.deepEqual(treeChanges(before, treeHash(folder)), []);
  assert.deepEqual(leftovers(tmp), []);
});

test('--jsonl naming a folder, a file in a missing folder or a place that cannot be written: refused before any work, nothing left behind', async () => {
  const notAFolder = path.join(tmp, 'plain-file');
  fs.writeFileSync(notAFolder, 'x');
  for (const verb of ['classify', 'detect']) {
    for (const [target, why] of [
      [tmp, /holds the input/],
      [path.join(tmp, 'outdir'), null],
      [path.join(tmp, 'missing', 'x.jsonl'), /its folder .*missing does not exist: create it first/],
      [path.join(notAFolder, 'x.jsonl'), /does not exist \(a file is there\)/],
      ['/proc/x.jsonl', /nothing can be written in \/proc/],
    ] as const) {
      if (why === null) fs.mkdirSync(target, { recursive: true });
      const r = await inProcess(verb, photos, '--jsonl', target);
      assert.equal(r.code, 2, `${verb} ${target}: ${r.err}`);
      assert.match(r.err, why ?? /is a folder; give a file name/);
      assert.doesNotMatch(r.err, /tfjs backend|classified|faces? found/, 'refused before any work');
    }
  }
  assert.deepEqual(fs.readdirSync(tmp).filter((e) => e.includes('.partial') || e.includes('.tmp-')), []);
});

test('an earlier output is replaced only with --overwrite; JSON lines are recognised by their content', async () => {
  const jsonl = path.join(tmp, 'faces.jsonl');
  const first = await inProcess('classify', path.join(photos, 'one-face.jpg'), '--jsonl', jsonl);
  assert.equal(first.code, 0, first.err);
  const again = await inProcess('classify', path.join(photos, 'one-face.jpg'), '--jsonl', jsonl);
  assert.equal(again.code, 2);
  assert.match(again.err, /holds an earlier output of facemask classify: add --overwrite/);
  assert.equal((await inProcess('classify', path.join(photos, 'one-face.jpg'), '--jsonl', jsonl, '--overwrite')).code, 0);
  const mine = path.join(tmp, 'my-list.jsonl');
  fs.writeFileSync(mine, '{"name":"mine"}\n');
  const foreign = await inProcess('classify', path.join(photos, 'one-face.jpg'), '--jsonl', mine, '--overwrite');
  assert.equal(foreign.code, 2);
  assert.match(foreign.err, /was not made by facemask classify/);
  assert.equal(fs.readFileSync(mine, 'utf8'), '{"name":"mine"}\n');
  // a folder of annotated pictures carries the marker; --overwrite replaces only such a folder
  const out = path.join(tmp, 'annotated');
  assert.equal((await inProcess('detect', photos, '--output', out)).code, 0);
  assert.ok(fs.existsSync(path.join(out, OUTPUT_MARKER)));
  assert.equal((await inProcess('detect', photos, '--output', out)).code, 2);
  assert.equal((await inProcess('detect', path.join(photos, 'one-face.jpg'), '--output', out, '--overwrite')).code, 0);
  assert.deepEqual(fs.readdirSync(out).sort(), [OUTPUT_MARKER, 'one-face.jpg'].sort(), 'the earlier pictures replaced, not mixed');
});

test('places that cannot be written end at once with a message, never a hang: detect --output /proc/ann, video --output /nonexistent-dir/y.mp4', async () => {
  const d = run(['detect', photos, '--output', '/proc/ann'], { timeoutMs: 30_000 });
  assert.equal(d.code, 2, `exit ${d.code} after ${d.ms.toFixed(0)} ms: ${d.err}`);
  assert.match(d.err, /--output \/proc\/ann: cannot create the folder \/proc\/ann/);
  const v = run(['video', clip, '--output', '/nonexistent-dir/y.mp4'], { timeoutMs: 30_000 });
  assert.equal(v.code, 2, `exit ${v.code} after ${v.ms.toFixed(0)} ms: ${v.err}`);
  assert.match(v.err, /its folder \/nonexistent-dir does not exist: create it first/);
  assert.ok(!fs.existsSync('/nonexistent-dir'));
});

test('a pipe named as an input is refused, not read forever', async () => {
  const fifo = path.join(tmp, 'fifo.jpg');
  spawnFifo(fifo);
  const r = run(['classify', fifo], { timeoutMs: 30_000 });
  assert.equal(r.code, 2, `exit ${r.code} after ${r.ms.toFixed(0)} ms: ${r.err}`);
  assert.match(r.err, /not a regular file/);
});

function spawnFifo(file: string): void {
  assert.equal(spawnSync('mkfifo', [file]).status, 0, 'mkfifo');
}

test('a BMP decodes in the CLI as it does on the page', async () => {
  const bmp = path.join(tmp, 'face.bmp');
  const { data, info } = await sharp(path.join(FIX, 'one-face.jpg')).raw().toBuffer({ resolveWithObject: true });
  fs.writeFileSync(bmp, bmp24(data, info.width, info.height));
  const r = await inProcess('classify', bmp);
  assert.equal(r.code, 0, r.err);
  assert.match(JSON.parse(r.out.trim()).label, /^(with_mask|without_mask|incorrect_mask)$/);
});

/** A 24-bit bottom-up BMP of RGB pixels. */
function bmp24(rgb: Buffer, w: number, h: number): Buffer {
  const row = Math.ceil((w * 3) / 4) * 4;
  const b = Buffer.alloc(54 + row * h);
  b.write('BM', 0);
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(w, 18);
  b.writeInt32LE(h, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = 54 + (h - 1 - y) * row + x * 3;
      b[d] = rgb[s + 2];
      b[d + 1] = rgb[s + 1];
      b[d + 2] = rgb[s];
    }
  }
  return b;
}
