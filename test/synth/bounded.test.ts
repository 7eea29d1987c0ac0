/**
 * `facemask synth` on a photo of nearly 50 megapixels among small ones — it once passed the decode
 * limit and then aborted in WebAssembly at about 4 GB, leaving hidden temporary folders. Now large
 * photos are worked on scaled down to `data.workPixels` (src/synth/synth.ts): the run succeeds with
 * bounded memory, and a photo over the decode limit is refused by name, leaving nothing behind.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { projectPaths } from '../../src/paths';
import { readSynthManifest } from '../../src/synth/synth';
import { resolveConfig } from '../../src/config';

const P = projectPaths();
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-bounded-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `facemask synth ...` in a child that reports its peak resident size. */
function synthChild(args: string[]): { code: number | null; maxRssKb: number; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(P.root, 'test', 'cli', 'rss-child.ts'), 'synth', ...args], { encoding: 'utf8', env: { ...process.env, FACEMASK_BACKEND: 'wasm' }, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], timeout: 300_000 });
  const line = JSON.parse(String(r.output[3]).trim().split('\n').pop()!);
  return { code: line.code, maxRssKb: line.maxRssKb, err: r.stderr };
}

test('a 49-megapixel photo among small ones is synthesised on a bounded working size (peak memory well under the old 4 GB); one over the decode limit is refused by name', async () => {
  const inputs = path.join(tmp, 'photos');
  fs.mkdirSync(inputs);
  fs.copyFileSync(path.join(P.fixtures, 'synth', 'one-face.jpg'), path.join(inputs, 'a-small.jpg'));
  await sharp(path.join(P.fixtures, 'synth', 'two-faces.jpg')).resize(7000, 7000, { fit: 'fill' }).jpeg({ quality: 80 }).toFile(path.join(inputs, 'b-huge.jpg'));
  // 8000 x 8000 = 64 MP of one colour: a small file that would take 192 MB decoded
  await sharp({ create: { width: 8000, height: 8000, channels: 3, background: '#808080' } }).png({ compressionLevel: 9 }).toFile(path.join(inputs, 'c-bomb.png'));
  const out = path.join(tmp, 'out');
  const r = synthChild([inputs, '--output', out]);
  assert.equal(r.code, 1, `one input refused, the others done: ${r.err}`);
  assert.match(r.err, /c-bomb\.png: image too large: 8000x8000 = 64000000 pixels \(limit 50000000\)/);
  assert.ok(r.maxRssKb < 2_500_000, `peak resident size ${(r.maxRssKb / 1e6).toFixed(2)} GB`);
  const m = readSynthManifest(out);
  const huge = m.filter((e) => e.source === 'photos/b-huge.jpg');
  assert.ok(huge.length >= 1, 'the large photo gave images');
  const scale = Math.sqrt(resolveConfig().data.workPixels / 49e6);
  for (const e of huge) assert.ok(Math.abs(e.scale! - scale) < 0.001, `scale ${e.scale}, expected about ${scale.toFixed(4)}`);
  const small = m.filter((x) => x.source === 'photos/a-small.jpg');
  assert.ok(small.length >= 1);
  for (const e of small) assert.equal(e.scale, undefined, 'small photos are worked on as they are');
  assert.deepEqual(fs.readdirSync(tmp).filter((e) => e.startsWith('.')), [], 'no hidden temporary folder');
});
