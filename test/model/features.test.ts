/** Base features: worker threads give the same numbers as the main thread; cached views differ. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/tf';
import { loadBase, type LoadedBase } from '../../src/model/base';
import { decodeForModel, embedViews, featureRow, LocalBaseRunner, WorkerBaseRunner } from '../../src/model/features';
import { ORIGINAL_AUGMENTATION } from '../../src/model/augment';
import { FIXTURES, WITH_MASK_JPG, WITHOUT_MASK_JPG } from './helpers';

let base: LoadedBase;
before(async () => {
  await initBackend({ quiet: true });
  base = await loadBase();
});

test('a worker thread and the main thread give the same features; views differ from each other', async () => {
  const imgs = await decodeForModel([WITH_MASK_JPG, WITHOUT_MASK_JPG], 224);
  const keys = ['a', 'b'];
  const local = await embedViews(imgs, keys, new LocalBaseRunner(base), 1280, { views: 2, augment: ORIGINAL_AUGMENTATION, seed: 5, batchSize: 3 });
  const runner = await WorkerBaseRunner.start(base, 1);
  try {
    const remote = await embedViews(imgs, keys, runner, 1280, { views: 2, augment: ORIGINAL_AUGMENTATION, seed: 5, batchSize: 3 });
    for (let i = 0; i < local.data.length; i++) assert.ok(Math.abs(local.data[i] - remote.data[i]) < 1e-4, `feature ${i}`);
  } finally {
    await runner.close();
  }
  const d = featureRow(local, 0, 0).reduce((a, v, k) => a + Math.abs(v - featureRow(local, 1, 0)[k]), 0);
  assert.ok(d > 1, 'view 0 and view 1 of an image give different features');
  assert.equal(local.n, 2);
  assert.equal(local.views, 2);
});

test('decoding failures name the file', async () => {
  await assert.rejects(decodeForModel([path.join(FIXTURES, 'not-an-image.jpg')], 224), /not-an-image\.jpg: not an image/);
});
