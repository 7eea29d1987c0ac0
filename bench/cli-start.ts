/**
 * What starting `facemask` costs: the command run as a process, as a shell runs it, `--version` (no
 * verb's module loaded) and `detect` on one photo, beside the same `detect` after every verb's module
 * has been loaded first — what the command did before each verb's module was loaded only when that
 * verb runs (src/cli/args.ts VerbEntry). Wall time and CPU time (user + system, of the process and
 * its threads, from /proc/self/stat's children's times), each the median over --runs rounds, the
 * three commands in turns within a round.
 *
 *   npx tsx bench/cli-start.ts [--runs 5]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { median, runBench } from './lib';
import { projectPaths } from '../src/paths';
import { tableText } from '../src/charts/index';

const ROOT = projectPaths().root;
const PHOTO = path.join(projectPaths().fixtures, 'synth', 'two-faces.jpg');
/** Clock ticks a second (USER_HZ: 100 on Linux). */
const TICKS = 100;

/** CPU seconds of this process's children that have ended (cutime + cstime of /proc/self/stat). */
function childrenCpu(): number {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  // after the command name: state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here
  return (Number(fields[13]) + Number(fields[14])) / TICKS;
}

const COMMANDS: Record<string, string[]> = {
  version: [path.join(ROOT, 'bin', 'facemask.js'), '--version'],
  detect: [path.join(ROOT, 'bin', 'facemask.js'), 'detect', PHOTO],
  'detect, every verb loaded first': ['-e', `require('tsx/cjs'); for (const v of require('./src/cli/verbs').VERBS) v.load(); require('./src/cli/main.ts').main(['detect', ${JSON.stringify(PHOTO)}]).then((c) => { process.exitCode = c; });`],
};

function once(args: string[]): { ms: number; cpuMs: number } {
  const c0 = childrenCpu();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FACEMASK_BACKEND: 'wasm' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-800)}`);
  return { ms, cpuMs: (childrenCpu() - c0) * 1000 };
}

runBench(
  {
    name: 'cli-start',
    summary: 'starting facemask as a process: --version, detect on one photo, and detect after loading every verb (the command before verbs loaded on use)',
    flags: {},
    runs: 5,
    quick: '1 round',
    method: 'each command a new node process (spawnSync); wall ms and CPU ms (user + system, from /proc/self/stat cutime + cstime), median over --runs rounds, the commands in turns',
  },
  async ({ runs }) => {
    once(COMMANDS.version); // warm the disk cache and tsx's transform cache
    const seen: Record<string, { ms: number[]; cpuMs: number[] }> = Object.fromEntries(Object.keys(COMMANDS).map((k) => [k, { ms: [], cpuMs: [] }]));
    for (let r = 0; r < runs; r++) {
      for (const [name, args] of Object.entries(COMMANDS)) {
        const m = once(args);
        seen[name].ms.push(m.ms);
        seen[name].cpuMs.push(m.cpuMs);
      }
      process.stderr.write(`round ${r + 1}/${runs}\n`);
    }
    const rows = Object.entries(seen).map(([command, s]) => ({ command, wallMs: Math.round(median(s.ms)), cpuMs: Math.round(median(s.cpuMs)) }));
    const all = rows.find((r) => r.command === 'detect, every verb loaded first')!;
    const detect = rows.find((r) => r.command === 'detect')!;
    const figures = { rows, detectCpuRatio: +(detect.cpuMs / all.cpuMs).toFixed(3), detectWallRatio: +(detect.wallMs / all.wallMs).toFixed(3) };
    console.log(tableText(rows));
    console.log(`detect against every verb loaded first: CPU ${figures.detectCpuRatio}x, wall ${figures.detectWallRatio}x`);
    return figures;
  },
);
