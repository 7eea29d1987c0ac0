/**
 * Run folders: every verb that produces results (`train`, `tune`, `evaluate`) writes into a fresh
 * folder of its own under `runs/<verb>/`, named `<name>`, then `<name>-2`, `<name>-3`… — nothing is
 * ever overwritten (after ultralytics' `increment_path`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { interruption } from './interrupt';

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

/**
 * Run `work` in a fresh run folder (`freshRunDir`). A run folder is a finished run: when `work`
 * fails or the process is stopped (src/util/interrupt.ts), its folder is removed — nothing half-made is left for `promote`, `ensemble` or a reader to
 * mistake for a result — and the error is passed on.
 */
export async function inFreshRunDir<T>(runsDir: string, name: string, work: (runDir: string) => Promise<T>): Promise<T> {
  const dir = freshRunDir(runsDir, name);
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const done = interruption.whileRunning(remove); // Ctrl-C or kill: no half-made run either
  try {
    return await work(dir);
  } catch (e) {
    remove();
    throw e;
  } finally {
    done();
  }
}
