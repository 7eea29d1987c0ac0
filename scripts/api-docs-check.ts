/**
 * `npm run docs:api:check`: docs/api is what `npm run docs:api` makes from the sources as they are —
 * typedoc is run into a temporary folder and its files compared with docs/api's, byte for byte. A
 * difference names the files and says to run `npm run docs:api`; the temporary folder is removed.
 *
 * Exit status: 0 when they agree, 1 when they differ, 2 when typedoc itself fails.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const API = path.join(ROOT, 'docs', 'api');

/** Every file below `dir`, as paths relative to it, sorted; none when it does not exist. */
function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** The files that differ between two folders: in one only, or with other bytes. */
export function differingFiles(a: string, b: string): string[] {
  const fa = filesBelow(a);
  const fb = filesBelow(b);
  const all = [...new Set([...fa, ...fb])].sort();
  return all.filter((f) => !fa.includes(f) || !fb.includes(f) || !fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))));
}

if (require.main === module) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-api-'));
  try {
    const out = path.join(tmp, 'api');
    const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'typedoc'), ['--out', out, '--logLevel', 'Error'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) {
      process.stderr.write(`docs:api:check: typedoc failed (status ${r.status}):\n${r.stdout}${r.stderr}`);
      process.exit(2);
    }
    const differ = differingFiles(API, out);
    if (differ.length) {
      process.stderr.write(`docs/api is not what the sources make now (${differ.join(', ')}): run \`npm run docs:api\` and commit docs/api\n`);
      process.exit(1);
    }
    process.stdout.write(`docs/api agrees with the sources (${filesBelow(API).length} files)\n`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
