/**
 * Atomic writes: data goes to a temporary name beside the target and is renamed into place only
 * when complete, so a crash or a kill never leaves a half-written file or folder behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { interruption } from './interrupt';

/** A temporary sibling name for `target` (same folder, so `rename` is atomic). */
export function tempSibling(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Write a file atomically (temporary name, fsync, rename). */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempSibling(target);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, target);
}

/**
 * Build a folder atomically: `fill` writes into a temporary folder, which then replaces `target`.
 * If `fill` throws (or the process dies), `target` keeps its previous contents.
 */
export async function writeDirAtomic(target: string, fill: (tmpDir: string) => Promise<void> | void): Promise<void> {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempSibling(target);
  fs.mkdirSync(tmp);
  const remove = () => fs.rmSync(tmp, { recursive: true, force: true });
  const done = interruption.whileRunning(remove); // Ctrl-C while filling leaves no temporary folder
  try {
    await fill(tmp);
    replaceDir(tmp, target);
  } catch (e) {
    remove();
    throw e;
  } finally {
    done();
  }
}

/** Move the finished folder `src` to `target`, replacing what was there with two renames. */
export function replaceDir(src: string, target: string): void {
  if (fs.existsSync(target)) {
    const old = tempSibling(target) + '.old';
    fs.renameSync(target, old);
    fs.renameSync(src, target);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(src, target);
  }
}
