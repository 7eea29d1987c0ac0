/**
 * Running `facemask` for the fault tests: in this process (`inProcess`, the verbs' own `main` with
 * stdout and stderr captured: cheap, for refusals that come before any work), as a real process
 * (`run`, with a time limit: for hangs), or as a process group of its own (`startGroup` + `ctrlC`:
 * what a terminal does on Ctrl-C — SIGINT to every process of the foreground group).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { main } from '../../src/cli/main';
import { projectPaths } from '../../src/paths';
import { interruption } from '../../src/util/interrupt';

export const BIN = path.join(projectPaths().root, 'bin', 'facemask.js');
export const ENV = { ...process.env, FACEMASK_BACKEND: 'wasm' };

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

/** `facemask ...args` through `main` in this process, stdout and stderr captured. */
export async function inProcess(...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  // only what the project's code writes is captured: the test runner reports on this process's stdout too
  const fromProject = () => /[\\/](src|bin)[\\/]/.test(new Error().stack ?? '');
  process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) => (fromProject() ? ((out += String(s)), true) : (ow as (...a: unknown[]) => boolean)(s, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array, ...rest: unknown[]) => (fromProject() ? ((err += String(s)), true) : (ew as (...a: unknown[]) => boolean)(s, ...rest))) as typeof process.stderr.write;
  const t0 = performance.now();
  let code: number | null;
  try {
    code = await main(args);
  } catch (e) {
    err += `THROWN: ${(e as Error).stack}`;
    code = null;
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    interruption.reset();
  }
  return { code, out, err, ms: performance.now() - t0 };
}

/** `facemask ...args` as a process, killed after `timeoutMs` (then `code` is null). */
export function run(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliResult {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: opts.env ?? ENV, cwd: opts.cwd, timeout: opts.timeoutMs ?? 120_000, killSignal: 'SIGKILL' });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '', ms: performance.now() - t0 };
}

export interface GroupProcess {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string | null>;
}

/** `facemask ...args` as the leader of a new process group, as a terminal starts a command. */
export function startGroup(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): GroupProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: opts.env ?? ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return { child, out: () => out, err: () => err, exited };
}

/** Ctrl-C in a terminal: SIGINT to the whole process group. */
export function ctrlC(p: GroupProcess): void {
  process.kill(-p.child.pid!, 'SIGINT');
}

/** Wait until `ready()` holds (polled), or fail after `ms`. */
export async function waitFor(ready: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!ready()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every file under `dirs` (symbolic links not followed) with the SHA-256 of its bytes: equal before and after means nothing changed. */
export function treeHash(...dirs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) out.set(p, `link:${fs.readlinkSync(p)}`);
    else if (st.isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
    else if (st.isFile()) out.set(p, createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
    else out.set(p, 'special');
  };
  for (const d of dirs) if (fs.existsSync(d)) walk(d);
  return out;
}

/** The names of entries that changed between two tree hashes (added, removed or different). */
export function treeChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
}

/** A short test video (ffmpeg's test pattern, no faces): `seconds` long at `size`. */
export function testVideo(file: string, opts: { seconds?: number; size?: string; rate?: number } = {}): string {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${opts.size ?? '320x240'}:rate=${opts.rate ?? 25}`, '-t', String(opts.seconds ?? 1), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg could not make ${file}: ${r.stderr}`);
  return file;
}
