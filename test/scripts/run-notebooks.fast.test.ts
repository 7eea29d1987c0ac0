/** The notebook runner's arguments (scripts/run-notebooks.ts), the pure part. (Against a real tslab kernel: run-notebooks.test.ts.) */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_JOBS, errorLine, kernelSpec, parseArgs, resolveNotebooks, UsageError } from '../../scripts/run-notebooks';

test('arguments: names resolve to notebooks, unknown names and flags are refused with the valid form', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbargs-'));
  try {
    fs.writeFileSync(path.join(dir, '10_b.ipynb'), '{}');
    fs.writeFileSync(path.join(dir, '00_a.ipynb'), '{}');
    assert.deepEqual(resolveNotebooks([], dir), [path.join(dir, '00_a.ipynb'), path.join(dir, '10_b.ipynb')]);
    assert.deepEqual(resolveNotebooks(['10_b', '00_a.ipynb'], dir), [path.join(dir, '10_b.ipynb'), path.join(dir, '00_a.ipynb')]);
    assert.throws(() => resolveNotebooks(['20_c'], dir), (e: Error) => e instanceof UsageError && /no notebook "20_c" \(available: 00_a, 10_b\)/.test(e.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(parseArgs(['00_setup', '--timeout', '60']), { names: ['00_setup'], timeout: 60, jobs: DEFAULT_JOBS, installOnly: false, help: false });
  assert.equal(parseArgs(['--jobs', '1']).jobs, 1);
  assert.equal(parseArgs(['--jobs=3']).jobs, 3);
  assert.throws(() => parseArgs(['--jobs', '0']), /--jobs needs a positive whole number, got "0" \(valid form: --jobs 1\)/);
  assert.throws(() => parseArgs(['--timeout', 'x']), /valid form: --timeout 600/);
  assert.throws(() => parseArgs(['--bogus']), /unknown flag "--bogus" \(valid: --timeout SECONDS, --jobs N, --install-kernel, --help\)/);
  const spec = kernelSpec('/r') as { argv: string[]; env: Record<string, string> };
  assert.equal(spec.argv[0], '/r/node_modules/.bin/tslab');
  assert.equal(spec.env.FACEMASK_ROOT, '/r');
  assert.equal(errorLine('CellExecutionError: <Error>:', 'x\n1:7 - Type string is not assignable\n'), '1:7 - Type string is not assignable');
  assert.equal(errorLine('CellTimeoutError: A cell timed out', ''), 'CellTimeoutError: A cell timed out');
});
