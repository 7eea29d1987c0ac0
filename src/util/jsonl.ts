/**
 * JSON lines written as they come (docs/contracts.md "JSON lines"): `detect` and `classify` stream
 * one line per input, in input order, to `<file>.partial`, renamed to `<file>` when the run ends —
 * finished, stopped by Ctrl-C, or failed — so the lines done are never lost and a reader never sees a
 * half-written file under the final name. The `.partial` file is opened before any work, so a place
 * that cannot be written fails at once.
 */
import * as fs from 'node:fs';
import { interruption } from './interrupt';

/** The name lines are written under until the run ends. */
export const partialName = (file: string): string => `${file}.partial`;

export class JsonLinesFile {
  private fd: number | null;
  private readonly stopWatching: () => void;
  /** Lines written so far. */
  lines = 0;

  /** Open `<file>.partial` for writing (throws the system's error when it cannot be created). */
  constructor(readonly file: string) {
    this.fd = fs.openSync(partialName(file), 'w');
    this.stopWatching = interruption.whileRunning(() => this.close());
  }

  /** Append one line (a JSON text without its newline). */
  write(line: string): void {
    if (this.fd === null) throw new Error(`${this.file} is already closed`);
    fs.writeSync(this.fd, line + '\n');
    this.lines++;
  }

  /** Flush, close and rename to the final name (idempotent). Returns the final name. */
  close(): string {
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(partialName(this.file), this.file);
      this.stopWatching();
    }
    return this.file;
  }
}

/**
 * Whether `file` holds JSON lines of facemask's (each line an object with a string `file`), judged
 * on its first 64 kB: what `--overwrite` may replace.
 */
export function isJsonLinesOutput(file: string): boolean {
  let head: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(65536);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      head = buf.subarray(0, n).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
  const lines = head.split('\n');
  if (head.length === 65536) lines.pop(); // the last line may be cut
  const full = lines.filter((l) => l.trim());
  return (
    full.length > 0 &&
    full.every((l) => {
      try {
        const j = JSON.parse(l) as { file?: unknown };
        return j !== null && typeof j === 'object' && typeof j.file === 'string';
      } catch {
        return false;
      }
    })
  );
}
