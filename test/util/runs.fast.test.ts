import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freshRunDir, inFreshRunDir } from '../../src/util/runs';

test('run folders are never reused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-runs-'));
  const a = freshRunDir(dir, 'original-s1');
  const b = freshRunDir(dir, 'original-s1');
  assert.equal(path.basename(a), 'original-s1');
  assert.equal(path.basename(b), 'original-s1-2');
  assert.ok(fs.existsSync(a) && fs.existsSync(b));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a run folder is a finished run: work that fails leaves no folder and passes its error on', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-runs-'));
  await assert.rejects(
    inFreshRunDir(dir, 'rw', async (run) => {
      fs.writeFileSync(path.join(run, 'config.json'), '{}');
      throw new Error('out of memory at epoch 3');
    }),
    /out of memory at epoch 3/,
  );
  assert.deepEqual(fs.readdirSync(dir), [], 'the failed run left nothing');
  const done = await inFreshRunDir(dir, 'rw', async (run) => {
    fs.writeFileSync(path.join(run, 'results.json'), '{}');
    return run;
  });
  assert.equal(path.basename(done), 'rw', 'the name is free again');
  assert.ok(fs.existsSync(path.join(done, 'results.json')));
  fs.rmSync(dir, { recursive: true, force: true });
});
