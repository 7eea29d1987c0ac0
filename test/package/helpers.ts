/**
 * What the package tests share: commands run with their output kept, `facemask detect`'s JSON lines
 * as the repository's full set-up gives them (the reference), and lines compared without their times.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { packagePaths } from '../../src/paths';

/** The repository (the package's sources). */
export const REPO = packagePaths().root;
/** Photos every set-up has: face-api's demo photos, which the repository's development dependencies carry (3 and 8 faces). */
export const PHOTOS = ['sample1.jpg', 'sample2.jpg'].map((f) => path.join(REPO, 'node_modules/@vladmandic/face-api/demo', f));

export interface Ran {
  out: string;
  err: string;
  ms: number;
}

/** Run a command; a non-zero exit (unless `status` says which is expected) fails the test with its output. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; status?: number; timeoutMs?: number } = {}): Ran {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? REPO, env: opts.env ?? process.env, encoding: 'utf8', timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  const shown = `${cmd} ${args.join(' ')} (in ${opts.cwd ?? REPO}) exited ${r.status}${r.error ? ` (${r.error.message})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  assert.equal(r.status, opts.status ?? 0, shown);
  return { out: r.stdout, err: r.stderr, ms };
}

/** JSON lines without their `ms` (timings differ run to run; everything else must not). */
export function withoutTimes(out: string): unknown[] {
  return out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      const { ms: _ms, ...rest } = JSON.parse(l) as { ms?: unknown };
      void _ms;
      return rest;
    });
}

/** `facemask detect` on `files` in the repository as it is set up here (sources through tsx, the team's data beside it). */
export function referenceLines(files: string[]): unknown[] {
  return withoutTimes(run(process.execPath, [path.join(REPO, 'bin', 'facemask.js'), 'detect', ...files]).out);
}

/**
 * `facemask serve --port 0` started by `cmd args` in `cwd`: waits for its address, GETs each of
 * `paths` (each must answer 200; returns the bodies' sizes), then stops it with SIGTERM (exit 143).
 */
export async function serveAndGet(cmd: string, args: string[], cwd: string, paths: string[], env: NodeJS.ProcessEnv = process.env): Promise<Record<string, number>> {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve gave no address in 120 s\n${err}`)), 120_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /open (http:\/\/\S+) /.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => (clearTimeout(timer), reject(new Error(`serve exited ${code}\n${err}`))));
    });
    const sizes: Record<string, number> = {};
    for (const p of paths) {
      const res = await fetch(new URL(p, url));
      assert.equal(res.status, 200, `GET ${p}`);
      sizes[p] = (await res.arrayBuffer()).byteLength;
    }
    return sizes;
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 143, `serve stops on SIGTERM\n${err}`);
  }
}
