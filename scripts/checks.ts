/**
 * `npm run checks`: the typecheck (`npm run typecheck`), the linter (`npm run lint`), the layer
 * rules (`npm run deps`) and the API reference's freshness (`npm run docs:api:check`) at once — four
 * independent reads of the sources, each mostly on one core.
 * Each one's output is printed whole when it ends (so they never interleave), with its time.
 *
 * Exit status: 0 when all passed, else the status of the first (in that order) that failed.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { runPool } from './pool';

const ROOT = path.resolve(__dirname, '..');
export const CHECKS = ['typecheck', 'lint', 'deps', 'docs:api:check'] as const;

/** The run's status: the first non-zero of the checks' statuses, in their order; 0 when none. */
export function firstFailure(statuses: readonly number[]): number {
  return statuses.find((s) => s !== 0) ?? 0;
}

function check(name: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn('npm', ['run', '-s', name], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const out = Buffer.concat(chunks).toString('utf8').trim();
      process.stdout.write(`${code === 0 ? 'ok  ' : 'FAIL'} npm run ${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n${out ? `${out}\n` : ''}`);
      resolve(code ?? 1);
    }),
  );
}

if (require.main === module) {
  runPool([...CHECKS], CHECKS.length, check).then(
    (statuses) => process.exit(firstFailure(statuses)),
    (e) => {
      process.stderr.write(`checks: ${(e as Error).stack ?? e}\n`);
      process.exit(2);
    },
  );
}
