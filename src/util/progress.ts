/**
 * Progress for long work: a redrawn bar with rate and ETA on a terminal, a line every ~10 % (at
 * most one per 2 s) elsewhere (CI logs, notebooks). Writes to stderr so stdout stays for data.
 */

export interface Progress {
  tick(n?: number, note?: string): void;
  done(note?: string): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
  /** Silence it (tests, library calls). default: false */
  quiet?: boolean;
  unit?: string;
}

function fmtTime(s: number): string {
  if (!isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function progress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const unit = opts.unit ?? 'it';
  const tty = Boolean((stream as NodeJS.WriteStream).isTTY);
  const start = Date.now();
  let n = 0;
  let lastPrint = start; // in logs, the first line comes after 2 s (short work prints only its last line)
  let lastDecile = -1;
  const line = (note?: string) => {
    const el = (Date.now() - start) / 1000;
    const rate = n / Math.max(el, 1e-3);
    const eta = total > 0 ? (total - n) / Math.max(rate, 1e-9) : NaN;
    const frac = total > 0 ? Math.min(1, n / total) : 0;
    const width = 24;
    const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
    return `${label} ${bar} ${n}/${total} ${(frac * 100).toFixed(0)}% ${rate.toFixed(1)} ${unit}/s elapsed ${fmtTime(el)} eta ${fmtTime(eta)}${note ? ' ' + note : ''}`;
  };
  return {
    tick(k = 1, note?: string) {
      n += k;
      if (opts.quiet) return;
      const now = Date.now();
      if (tty) {
        if (now - lastPrint > 100 || n >= total) {
          stream.write(`\r\x1b[2K${line(note)}`);
          lastPrint = now;
        }
      } else {
        const decile = total > 0 ? Math.floor((10 * n) / total) : 0;
        if (decile !== lastDecile && now - lastPrint > 2000) {
          stream.write(line(note) + '\n');
          lastPrint = now;
          lastDecile = decile;
        }
      }
    },
    done(note?: string) {
      if (opts.quiet) return;
      stream.write((tty ? `\r\x1b[2K` : '') + line(note) + '\n');
    },
  };
}
