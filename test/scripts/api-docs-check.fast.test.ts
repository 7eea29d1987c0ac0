/** scripts/api-docs-check.ts: which files differ between the committed API reference and a fresh one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { differingFiles } from '../../scripts/api-docs-check';

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-check-'));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

test('the same files with the same bytes agree; a changed, missing or extra file (also in a subfolder) is named', (t) => {
  const a = folder({ 'README.md': 'x', 'facemask.md': 'one', 'sub/b.md': 'b' });
  const same = folder({ 'README.md': 'x', 'facemask.md': 'one', 'sub/b.md': 'b' });
  const other = folder({ 'README.md': 'x', 'facemask.md': 'two', 'sub/c.md': 'c' });
  t.after(() => [a, same, other].forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  assert.deepEqual(differingFiles(a, same), []);
  assert.deepEqual(differingFiles(a, other), ['facemask.md', path.join('sub', 'b.md'), path.join('sub', 'c.md')]);
  assert.deepEqual(differingFiles(path.join(a, 'missing'), a).length, 3, 'a missing folder differs by every file');
});
