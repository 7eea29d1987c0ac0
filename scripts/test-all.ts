/**
 * `npm test`'s last step: the full unit tier (`npm run test:unit`) and every notebook headless in
 * small-data mode (`FACEMASK_SMALL=1 npm run notebooks`) at once, the notebooks at the lowest CPU
 * priority (`nice -n 19`). The unit tier leaves about a fifth of two cores idle (tests that wait on a
 * browser, ffmpeg, a server or a child process); the notebooks take only that, and have the cores
 * to themselves once the unit tests are done. At the same priority the two competed and the whole
 * took longer than one after the other (docs/experiments/speed.md "The test suite").
 *
 * The unit tests' report streams as it comes; the notebooks' report is held and printed whole when
 * both have finished (one line says when the notebooks are done), so the two never interleave.
 *
 *   tsx scripts/test-all.ts
 *
 * Exit status: 0 when both passed, else the first non-zero of the unit tier's and the notebooks'.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** One status for both runs: the unit tier's when it failed, else the notebooks'. */
export function combinedStatus(unit: number, notebooks: number): number {
  return unit !== 0 ? unit : notebooks;
}

interface Ran {
  status: number;
  output: string;
  seconds: number;
}

/** The command that runs `npm run <script>`, at the lowest CPU priority when `low` (its children inherit it). */
export function npmCommand(script: string, low: boolean): [string, string[]] {
  const npm = ['npm', 'run', '-s', script];
  return low ? ['nice', ['-n', '19', ...npm]] : [npm[0], npm.slice(1)];
}

function npmRun(script: string, env: NodeJS.ProcessEnv, opts: { hold: boolean; low: boolean }): Promise<Ran> {
  const t0 = performance.now();
  const [cmd, args] = npmCommand(script, opts.low);
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: opts.hold ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  child.stderr?.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => {
    child.on('error', (e) => resolve({ status: 2, output: `${cmd} ${args.join(' ')} could not start: ${e.message}\n`, seconds: 0 }));
    child.on('close', (code, signal) => resolve({ status: code ?? (signal === 'SIGINT' ? 130 : 1), output: Buffer.concat(chunks).toString('utf8'), seconds: (performance.now() - t0) / 1000 }));
  });
}

async function main(): Promise<number> {
  // Ctrl-C reaches both (same process group); wait for their reports
  process.on('SIGINT', () => undefined);
  const notebooks = npmRun('notebooks', { ...process.env, FACEMASK_SMALL: '1' }, { hold: true, low: true }).then((r) => {
    process.stdout.write(`\n[notebooks ${r.status === 0 ? 'passed' : 'FAILED'} in ${r.seconds.toFixed(1)} s; their report follows the unit tests']\n`);
    return r;
  });
  const unit = await npmRun('test:unit', process.env, { hold: false, low: false });
  const nb = await notebooks;
  process.stdout.write(`\n--- FACEMASK_SMALL=1 npm run notebooks (ran beside the unit tests, at nice 19) ---\n${nb.output}`);
  return combinedStatus(unit.status, nb.status);
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`test-all: ${(e as Error).stack ?? e}\n`);
      process.exit(2);
    },
  );
}
