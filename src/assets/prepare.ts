/**
 * Install assets into the project: from a local mirror folder laid out like ../shared
 * (`--mirror`), from an HTTP server laid out the same way (`--upstream`), or from the public
 * upstream locations. Every file is verified against the committed SHA-256 sums; a file is
 * written under a temporary name and renamed only when its checksum is right, so a mismatch,
 * a truncated or interrupted transfer, or a kill leaves nothing half-written. Already
 * installed files that verify are skipped (a second run is a no-op), and a lock file per asset
 * makes two concurrent runs safe (the second waits, then verifies).
 *
 * A little over 300 lines: installing is one transaction per asset (lock, fetch, verify, rename),
 * kept in one place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as http from 'node:http';
import * as https from 'node:https';
import { createHash } from 'node:crypto';
import { projectPaths, type ProjectPaths } from '../paths';
import { ASSETS, findAsset, encodePath, type AssetSpec } from './catalog';
import { parseSums, insideDir, sha256File, type SumEntry } from './sums';
import { tempSibling } from '../util/atomic';
import { mapLimit } from '../util/files';
import { progress } from '../util/progress';

export interface PrepareOptions {
  /** A local folder laid out like ../shared. */
  mirror?: string;
  /** Base URL of an HTTP server laid out like ../shared (instead of the public upstreams). */
  upstreamUrl?: string;
  /** Asset names to install. default: all */
  only?: string[];
  paths?: ProjectPaths;
  /** Concurrent transfers. default: 8 */
  concurrency?: number;
  /** How long to wait for another run's lock. default: 30 min */
  lockTimeoutMs?: number;
  /** Per-request inactivity timeout for HTTP. default: 60 s */
  httpTimeoutMs?: number;
  quiet?: boolean;
  log?: (line: string) => void;
}

export type AssetStatus = 'installed' | 'verified' | 'failed' | 'manual';

export interface AssetOutcome {
  name: string;
  target: string;
  status: AssetStatus;
  files: number;
  /** Files copied or downloaded in this run. */
  fetched: number;
  /** Files already present and verified. */
  verified: number;
  bytes: number;
  errors: { file: string; error: string }[];
  /** What the user must do (manual assets), or the reason the whole asset failed. */
  message?: string;
}

export class PrepareError extends Error {}

/** The sums committed for an asset. */
export function assetSums(a: AssetSpec, p: ProjectPaths = projectPaths()): SumEntry[] {
  const file = path.join(p.assetSums, `${a.name}.sha256`);
  return parseSums(fs.readFileSync(file, 'utf8'), path.relative(p.root, file));
}

type Source = { kind: 'file'; path: string } | { kind: 'url'; url: string };

function sourceFor(a: AssetSpec, rel: string, opts: PrepareOptions): Source | null {
  if (opts.mirror) return { kind: 'file', path: insideDir(path.join(opts.mirror, a.mirrorPath), rel) };
  if (opts.upstreamUrl) return { kind: 'url', url: `${opts.upstreamUrl.replace(/\/+$/, '')}/${encodePath(a.mirrorPath)}/${encodePath(rel)}` };
  if (a.upstream.kind === 'http') return { kind: 'url', url: a.upstream.url(rel) };
  return null;
}

/** Stream `source` into `dest` through a temporary file; rename only when the SHA-256 matches. */
async function fetchVerified(source: Source, dest: string, expected: string, opts: PrepareOptions): Promise<number> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = tempSibling(dest);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    const out = fs.createWriteStream(tmp);
    const done = new Promise<void>((res, rej) => out.on('finish', res).on('error', rej));
    // When a transfer fails we destroy `out` and never await `done`: its late write error is expected.
    done.catch(() => undefined);
    try {
    if (source.kind === 'file') {
      await new Promise<void>((res, rej) => {
        fs.createReadStream(source.path)
          .on('error', (e: NodeJS.ErrnoException) => rej(new Error(e.code === 'ENOENT' ? `missing in the mirror: ${source.path}` : `cannot read ${source.path}: ${e.message}`)))
          .on('data', (c) => {
            hash.update(c);
            bytes += c.length;
            out.write(c);
          })
          .on('end', res);
      });
    } else {
      await httpGet(source.url, opts.httpTimeoutMs ?? 60_000, (c) => {
        hash.update(c);
        bytes += c.length;
        out.write(c);
      });
    }
    } catch (e) {
      out.destroy();
      throw e;
    }
    out.end();
    await done;
    const got = hash.digest('hex');
    if (got !== expected) {
      throw new Error(`checksum mismatch (expected ${expected.slice(0, 12)}…, got ${got.slice(0, 12)}…, ${bytes} bytes): the file is corrupt or differs from the pinned version; nothing was installed`);
    }
    fs.renameSync(tmp, dest);
    return bytes;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** GET a URL, feeding chunks to `onData`; refuses non-200 answers and transfers cut short. */
function httpGet(url: string, timeoutMs: number, onData: (c: Buffer) => void, redirects = 5): Promise<void> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { timeout: timeoutMs }, (res) => {
      const code = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(code) && res.headers.location && redirects > 0) {
        res.resume();
        httpGet(new URL(res.headers.location, url).toString(), timeoutMs, onData, redirects - 1).then(resolve, reject);
        return;
      }
      if (code !== 200) {
        res.resume();
        reject(new Error(`HTTP ${code} for ${url}`));
        return;
      }
      const expected = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
      let got = 0;
      let ended = false;
      res.on('data', (c: Buffer) => {
        got += c.length;
        onData(c);
      });
      res.on('end', () => {
        ended = true;
        if (expected !== undefined && got !== expected) reject(new Error(`interrupted transfer: got ${got} of ${expected} bytes from ${url}`));
        else resolve();
      });
      res.on('aborted', () => reject(new Error(`interrupted transfer: connection closed after ${got}${expected !== undefined ? ` of ${expected}` : ''} bytes from ${url}`)));
      res.on('error', (e) => reject(new Error(`interrupted transfer after ${got} bytes from ${url}: ${e.message}`)));
      res.on('close', () => {
        if (!ended) reject(new Error(`interrupted transfer: connection closed after ${got}${expected !== undefined ? ` of ${expected}` : ''} bytes from ${url}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no data for ${timeoutMs / 1000} s from ${url}`)));
    req.on('error', (e) => reject(new Error(`cannot download ${url}: ${e.message}`)));
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take `<target>.lock` (O_EXCL); wait while another live process holds it; break stale locks. */
async function withLock<T>(target: string, timeoutMs: number, log: (s: string) => void, fn: () => Promise<T>): Promise<T> {
  const lock = `${target}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const start = Date.now();
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lock, 'utf8').trim() || 'NaN');
      if (!Number.isFinite(pid) || !pidAlive(pid)) {
        // Stale: the holder died. Remove only if it is still the same stale lock.
        try {
          if (fs.readFileSync(lock, 'utf8').trim() === String(pid)) fs.rmSync(lock);
        } catch {
          /* another run took it meanwhile */
        }
        continue;
      }
      if (!told) {
        log(`waiting for another "facemask prepare" (pid ${pid}) working on ${path.basename(target)}…`);
        told = true;
      }
      if (Date.now() - start > timeoutMs) throw new PrepareError(`timed out waiting for ${lock} (held by pid ${pid}); if no other prepare runs, delete that file`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** Remove `.name.tmp-*` leftovers of interrupted runs under `dir` (we hold its lock). */
function removeTemporaries(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (/^\..+\.tmp-\d+-[0-9a-f]{8}/.test(e.name)) fs.rmSync(p, { recursive: true, force: true });
    else if (e.isDirectory()) removeTemporaries(p);
  }
}

async function prepareOne(a: AssetSpec, opts: PrepareOptions, p: ProjectPaths, log: (s: string) => void): Promise<AssetOutcome> {
  const target = a.target(p);
  let sums: SumEntry[];
  try {
    sums = assetSums(a, p);
  } catch (e) {
    return { name: a.name, target, status: 'failed', files: 0, fetched: 0, verified: 0, bytes: 0, errors: [], message: `refused: ${(e as Error).message}` };
  }
  const outcome: AssetOutcome = { name: a.name, target, status: 'verified', files: sums.length, fetched: 0, verified: 0, bytes: 0, errors: [] };
  if (opts.mirror && !fs.existsSync(path.join(opts.mirror, a.mirrorPath))) {
    outcome.status = 'failed';
    outcome.message = `the mirror has no ${a.mirrorPath}/ (expected a folder laid out like shared/: ${path.join(opts.mirror, a.mirrorPath)})`;
    return outcome;
  }
  return withLock(target, opts.lockTimeoutMs ?? 30 * 60_000, log, async () => {
    removeTemporaries(target);
    // First pass: what is already installed and right.
    const todo: SumEntry[] = [];
    await mapLimit(sums, 4, async (s) => {
      const dest = insideDir(target, s.rel);
      if (fs.existsSync(dest) && (await sha256File(dest)) === s.sha256) {
        outcome.verified++;
        outcome.bytes += fs.statSync(dest).size;
      } else todo.push(s);
    });
    if (todo.length === 0) return outcome;
    const probe = sourceFor(a, todo[0].rel, opts);
    if (!probe) {
      outcome.status = 'manual';
      outcome.message = `${todo.length} of ${sums.length} files missing. ${(a.upstream as { instructions: string }).instructions}`;
      return outcome;
    }
    todo.sort((x, y) => (x.rel < y.rel ? -1 : 1));
    const bar = progress(`${a.name}`, todo.length, { quiet: opts.quiet, unit: 'files' });
    await mapLimit(todo, opts.concurrency ?? 8, async (s) => {
      const dest = insideDir(target, s.rel);
      try {
        const n = await fetchVerified(sourceFor(a, s.rel, opts)!, dest, s.sha256, opts);
        outcome.bytes += n;
        outcome.fetched++;
      } catch (e) {
        // A wrong file already in place is not left there pretending to be good.
        if (fs.existsSync(dest)) fs.rmSync(dest, { force: true });
        outcome.errors.push({ file: s.rel, error: (e as Error).message });
      }
      bar.tick();
    });
    bar.done();
    outcome.status = outcome.errors.length ? 'failed' : 'installed';
    return outcome;
  });
}

/** Install and verify the selected assets. Never throws for per-file problems: see each outcome. */
export async function prepareAssets(opts: PrepareOptions = {}): Promise<AssetOutcome[]> {
  const p = opts.paths ?? projectPaths();
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const selected = (opts.only && opts.only.length ? opts.only : ASSETS.map((a) => a.name)).map((n) => {
    try {
      return findAsset(n);
    } catch (e) {
      throw new PrepareError((e as Error).message);
    }
  });
  if (opts.mirror) {
    if (!fs.existsSync(opts.mirror) || !fs.statSync(opts.mirror).isDirectory()) {
      throw new PrepareError(`mirror folder not found: ${opts.mirror} (give a folder laid out like shared/, e.g. --mirror ../shared)`);
    }
  }
  if (opts.mirror && opts.upstreamUrl) throw new PrepareError('give either --mirror or --upstream, not both');
  const out: AssetOutcome[] = [];
  for (const a of selected) out.push(await prepareOne(a, opts, p, log));
  return out;
}

/** One row per asset: is it installed and does every file verify? (For notebook 00 and `prepare --check`.) */
export interface AssetReportRow {
  name: string;
  target: string;
  files: number;
  present: number;
  bytes: number;
  status: 'ok' | 'missing' | 'mismatch';
  /** SHA-256 of the committed sums file: one checksum that pins every file of the asset. */
  sumsSha256: string;
  description: string;
}

export async function assetReport(p: ProjectPaths = projectPaths()): Promise<AssetReportRow[]> {
  const rows: AssetReportRow[] = [];
  for (const a of ASSETS) {
    const sums = assetSums(a, p);
    const target = a.target(p);
    let present = 0;
    let bytes = 0;
    let bad = 0;
    await mapLimit(sums, 4, async (s) => {
      const f = insideDir(target, s.rel);
      if (!fs.existsSync(f)) return;
      present++;
      bytes += fs.statSync(f).size;
      if ((await sha256File(f)) !== s.sha256) bad++;
    });
    rows.push({
      name: a.name,
      target: path.relative(p.root, target) || '.',
      files: sums.length,
      present,
      bytes,
      status: bad > 0 ? 'mismatch' : present === sums.length ? 'ok' : 'missing',
      sumsSha256: createHash('sha256').update(fs.readFileSync(path.join(p.assetSums, `${a.name}.sha256`))).digest('hex'),
      description: a.description,
    });
  }
  return rows;
}
