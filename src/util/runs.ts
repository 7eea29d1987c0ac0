/**
 * Run folders: every verb that produces results (`train`, `tune`, `evaluate`) writes into a fresh
 * folder of its own under `runs/<verb>/`, named `<name>`, then `<name>-2`, `<name>-3`… — nothing is
 * ever overwritten (after ultralytics' `increment_path`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Create and return a fresh run folder `runsDir/name` (or `name-2`, `name-3`… when taken). */
export function freshRunDir(runsDir: string, name: string): string {
  fs.mkdirSync(runsDir, { recursive: true });
  for (let k = 1; ; k++) {
    const dir = path.join(runsDir, k === 1 ? name : `${name}-${k}`);
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
