import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freshRunDir } from '../../src/util/runs';

test('run folders are never reused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-runs-'));
  const a = freshRunDir(dir, 'original-s1');
  const b = freshRunDir(dir, 'original-s1');
  assert.equal(path.basename(a), 'original-s1');
  assert.equal(path.basename(b), 'original-s1-2');
  assert.ok(fs.existsSync(a) && fs.existsSync(b));
  fs.rmSync(dir, { recursive: true, force: true });
});
