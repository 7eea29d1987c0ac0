/**
 * The test runner itself, on three temporary fast files (about 2 s): they run in one process, yet the
 * fast tier's guard still stops a test that starts a process, a file that fails to load fails as a
 * test of its name while the files after it run, and the run fails. (Tiers, the entry and the
 * summary as pure functions: run-tests.fast.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectPaths } from '../../src/paths';
import type { Tally } from '../../scripts/run-tests';

const root = projectPaths().root;

test('fast files in one process: the guard holds, a file that does not load is named, the others run, the run fails', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-runner-'));
  try {
    const file = (name: string, body: string) => {
      fs.writeFileSync(path.join(dir, name), `import { test } from 'node:test';\n${body}\n`);
      return path.join(dir, name);
    };
    const files = [
      file('spawns.fast.test.ts', "import { spawnSync } from 'node:child_process';\ntest('starts a process', () => { spawnSync('true'); });"),
      file('broken.fast.test.ts', "throw new Error('no such thing');"),
      file('fine.fast.test.ts', "test('fine', () => {});"),
    ];
    // a runner of its own, not a child of this one (NODE_TEST_CONTEXT would make it report to this process)
    const { NODE_TEST_CONTEXT: _ours, ...env } = process.env;
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'run-tests.ts'), 'fast', ...files], { cwd: root, encoding: 'utf8', env: { ...env, CI: '', FACEMASK_TEST_TALLY: path.join(dir, 'tally.json') } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /✖ starts a process[^\n]*\n\s+Error: fast tier: child_process\.spawnSync\("true"\) starts a process/);
    assert.match(r.stdout, /✖ [^\n]*broken\.fast\.test\.ts loads[^\n]*\n\s+Error: no such thing/);
    assert.match(r.stdout, /✔ fine/);
    assert.match(r.stdout, /npm run test:fast: 3 files, 3 tests in [\d.]+ s \(budget 60 s\) — 1 passed, 2 failed, 0 skipped/);
    // the tally names each file, not the one process they ran in
    const tally = JSON.parse(fs.readFileSync(path.join(dir, 'tally.json'), 'utf8')) as Tally;
    assert.deepEqual(Object.keys(tally.files).sort(), [...files].sort());
    assert.deepEqual(files.map((f) => tally.files[f].ok), [false, false, true]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
