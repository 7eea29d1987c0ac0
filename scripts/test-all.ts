/**
 * `npm test`'s last step: the full unit tier (`npm run test:unit`) and every notebook headless in
 * small-data mode (`FACEMASK_SMALL=1 npm run notebooks`) at once. Many unit tests wait on processes,
 * ffmpeg, a browser or the disk, and a notebook keeps about one core busy: side by side they fill the
 * two cores the unit tier alone leaves a quarter idle (docs/experiments/speed.md "The test suite").
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

function npmRun(script: string, env: NodeJS.ProcessEnv, hold: boolean): Promise<Ran> {
  const t0 = performance.now();
  const child = spawn('npm', ['run', '-s', script], { cwd: ROOT, env, stdio: hold ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  child.stderr?.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ status: code ?? (signal === 'SIGINT' ? 130 : 1), output: Buffer.concat(chunks).toString('utf8'), seconds: (performance.now() - t0) / 1000 })),
  );
}

async function main(): Promise<number> {
  // Ctrl-C reaches both (same process group); wait for their reports
  process.on('SIGINT', () => undefined);
  const notebooks = npmRun('notebooks', { ...process.env, FACEMASK_SMALL: '1' }, true).then((r) => {
    process.stdout.write(`\n[notebooks ${r.status === 0 ? 'passed' : 'FAILED'} in ${r.seconds.toFixed(1)} s; their report follows the unit tests']\n`);
    return r;
  });
  const unit = await npmRun('test:unit', process.env, false);
  const nb = await notebooks;
  process.stdout.write(`\n--- FACEMASK_SMALL=1 npm run notebooks (ran beside the unit tests) ---\n${nb.output}`);
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
