/**
 * Base features (src/model/features.ts): worker threads give the same numbers as the main thread;
 * cached views differ from each other; the cache returns what was computed and its key changes with
 * every view parameter; a photo that cannot be decoded is named.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../../src/backend/tf';
import { loadBase, type LoadedBase } from '../../../src/model/base';
import { embedItems, featureCacheKey, featureRow, LocalBaseRunner, OnnxBaseRunner, WorkerBaseRunner, type EmbedOptions } from '../../../src/model/learn/features';
import { ORIGINAL_AUGMENTATION } from '../../../src/model/learn/augment';
import { affineViews, realViews, REAL_AUGMENT } from '../../../src/model/learn/views';
import { FIXTURES, WITH_MASK_JPG, WITHOUT_MASK_JPG, tmpDir } from '../helpers';

let base: LoadedBase;
before(async () => {
  await initBackend({ quiet: true });
  base = await loadBase();
});

const items = [
  { file: WITH_MASK_JPG, sha256: 'a' },
  { file: WITHOUT_MASK_JPG, sha256: 'b' },
];
const opts = (): EmbedOptions => ({ views: affineViews(ORIGINAL_AUGMENTATION), count: 2, seed: 5, size: 224, baseSha256: base.sha256, cacheDir: null });

test('a worker thread and the main thread give the same features; views differ from each other', async () => {
  const local = await embedItems(items, new LocalBaseRunner(base), 1280, opts());
  const runner = await WorkerBaseRunner.start(base, 1);
  try {
    const remote = await embedItems(items, runner, 1280, opts());
    for (let i = 0; i < local.data.length; i++) assert.ok(Math.abs(local.data[i] - remote.data[i]) < 1e-4, `feature ${i}`);
  } finally {
    await runner.close();
  }
  const d = featureRow(local, 0, 0).reduce((a, v, k) => a + Math.abs(v - featureRow(local, 1, 0)[k]), 0);
  assert.ok(d > 1, 'view 0 and view 1 of an image give different features');
  assert.equal(local.n, 2);
  assert.equal(local.views, 2);
});

test('the cache gives back what was computed; its key changes with every view parameter', async () => {
  const dir = tmpDir('feat-cache');
  const o = { ...opts(), cacheDir: dir };
  const first = await embedItems(items, new LocalBaseRunner(base), 1280, o);
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.f32'));
  assert.equal(files.length, 2, 'one file per item');
  let computed = 0;
  const counting = { slots: 1, runtime: 'tfjs' as const, embed: async (p: Uint8Array, n: number) => (computed += n, new LocalBaseRunner(base).embed(p, n)), close: async () => {} };
  const again = await embedItems(items, counting, 1280, o);
  assert.equal(computed, 0, 'nothing recomputed');
  assert.deepEqual(again.data, first.data);
  const keys = new Set([
    featureCacheKey(o, 1280),
    featureCacheKey({ ...o, seed: 6 }, 1280),
    featureCacheKey({ ...o, count: 3 }, 1280),
    featureCacheKey({ ...o, views: affineViews({ ...ORIGINAL_AUGMENTATION, rotation: 10 }) }, 1280),
    featureCacheKey({ ...o, views: affineViews(null) }, 1280),
    featureCacheKey({ ...o, views: realViews(REAL_AUGMENT) }, 1280),
    featureCacheKey({ ...o, baseSha256: '0'.repeat(64) }, 1280),
    featureCacheKey(o, 1281),
  ]);
  assert.equal(keys.size, 8);
});

test('the base on ONNX Runtime gives the tfjs features (to float rounding); its features are cached apart', async () => {
  const local = await embedItems(items, new LocalBaseRunner(base), 1280, opts());
  const runner = await OnnxBaseRunner.start(base);
  try {
    const onnx = await embedItems(items, runner, 1280, opts());
    let worst = 0;
    for (let i = 0; i < local.data.length; i++) worst = Math.max(worst, Math.abs(local.data[i] - onnx.data[i]));
    assert.ok(worst < 1e-3, `largest difference ${worst} (features are ReLU6 means in [0, 6])`);
  } finally {
    await runner.close();
  }
  assert.notEqual(featureCacheKey(opts(), 1280, 'onnx'), featureCacheKey(opts(), 1280, 'tfjs'));
});

test('decoding failures name the file', async () => {
  await assert.rejects(embedItems([{ file: path.join(FIXTURES, 'not-an-image.jpg'), sha256: 'x' }], new LocalBaseRunner(base), 1280, opts()), /not-an-image\.jpg: not an image/);
});
