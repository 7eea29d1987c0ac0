/** The bench library against git (bench/lib.ts `gitState`): the commit the figures were measured at, and whether tracked files differed. (The rest: lib.fast.test.ts.) */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { gitState } from '../../bench/lib';

test('gitState: HEAD and whether tracked files differ from it; no repository, nulls', () => {
  const g = gitState();
  assert.equal(g.commit, spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim());
  assert.equal(g.dirty, spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).stdout.trim() !== '');
  assert.deepEqual(gitState('/'), { commit: null, dirty: null, changed: [] });
});
