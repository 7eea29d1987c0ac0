/**
 * Run a tier of the unit tests with node's test runner, then say how long it took, which files and
 * tests were slowest, and what was skipped.
 *
 *   npm run test:fast        the pure tests: every test/<x>/<y>.fast.test.ts (under a minute)
 *   npm run test:unit        every test/<x>/<y>.test.ts, the fast ones included (real models,
 *                            datasets, ffmpeg, Jupyter, a browser: 9–11 minutes on a 2-core machine)
 *   tsx scripts/run-tests.ts fast test/detection/geometry.fast.test.ts   only these files of the tier
 *
 * Tiers. A test file is fast when its name ends in `.fast.test.ts`; beside it, `<y>.test.ts` holds the
 * tests of the same module (src/<x>/<y>.ts) that need more. A fast test is pure: no subprocess, no
 * worker thread, no model or WebAssembly backend, no installed dataset, cache or mirror. In either
 * tier the fast files run one after the other in one process (`fastEntry`: a process per file cost
 * five times the CPU, mostly in starting node and loading the TypeScript loader), which loads
 * scripts/fast-guard.ts first, so a fast test that breaks the rule fails at once, saying where it
 * belongs; the other files run in a process each. The fast tier prints its total time against its
 * budget and the slowest files and tests, so a test that has become slow is easy to spot.
 *
 * Skips. Under CI (`CI=true`, as .ci/run sets it) a skipped test fails the run: CI installs every
 * dataset, model and tool, so a skip there means something is missing, not that a test may be
 * passed over. Tests skip through `skipOrFail(t, reason)` (test/skip.ts), which fails at once under
 * CI with its reason; this runner also counts any other skip and fails the run for it under CI.
 *
 * Exit status: node's (1 when a test failed), else 1 when CI and a test was skipped, else 0; 2 on bad
 * arguments.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';

const ROOT = path.resolve(__dirname, '..');

export interface Tier {
  name: 'fast' | 'all';
  /** The npm script that runs it. */
  script: string;
  /** Which files of test/ belong to it. */
  pattern: RegExp;
  /** Files run at once (undefined: node's default, one less than the cores). */
  concurrency?: number;
  /** The tier's wall-time budget in seconds, reported against (null: none). */
  budgetSeconds: number | null;
  /** Tests slower than this are listed by name (ms; null: only the slowest few). */
  slowTestMs: number | null;
  /**
   * Files started first, the slowest first, so that a long file does not run alone at the end while
   * the other slots idle (the times are in `.cache/test-tally-<tier>.json` after a run).
   */
  first?: readonly string[];
}

export const TIERS: Record<Tier['name'], Tier> = {
  // its files run in one process (fastEntry), so it has no concurrency of its own
  fast: { name: 'fast', script: 'test:fast', pattern: /\.fast\.test\.ts$/, budgetSeconds: 60, slowTestMs: 1000 },
  // Two files at once even on two cores: many tests wait on processes, ffmpeg, a browser or the disk.
  // Three at once on two cores cost more CPU than it filled (docs/experiments/speed.md).
  all: { name: 'all', script: 'test:unit', pattern: /\.test\.ts$/, concurrency: Math.max(2, os.availableParallelism()), budgetSeconds: null, slowTestMs: null,
    first: ['test/web/browser.test.ts', 'test/package/package.test.ts', 'test/cli/interrupt.test.ts', 'test/cli/corpus.test.ts', 'test/charts/notebook6.test.ts', 'test/detection/video.test.ts', 'test/synth/street.test.ts'] },
};

/** `files` with those of `first` that are among them moved to the front, in `first`'s order. */
export function slowFirst(files: readonly string[], first: readonly string[]): string[] {
  const head = first.filter((f) => files.includes(f));
  return [...head, ...files.filter((f) => !head.includes(f))];
}

/** The name's end of the test that stands for a fast file that failed to load (`fastEntry`). */
const LOADS = ' loads';

/**
 * The module that runs the fast files (`*.fast.test.ts`) of a run in one process: it loads the fast
 * tier's guard, then each file in the order given. A file that fails to load fails as a test named
 * after it; the files after it still run. (Fast tests are pure, so sharing a process is safe as long
 * as none leaves global state changed — an environment variable, the working folder.)
 */
export function fastEntry(files: readonly string[], root = ROOT): string {
  const abs = (f: string) => JSON.stringify(path.resolve(root, f));
  return [
    '// written by scripts/run-tests.ts: the fast test files of this run, in one process',
    `await import(${abs('scripts/fast-guard.ts')});`,
    "const { test } = await import('node:test');",
    ...files.map((f) => `try { await import(${abs(f)}); } catch (e) { test(${JSON.stringify(f + LOADS)}, () => { throw e; }); }`),
    '',
  ].join('\n');
}

/** Whether `file` is a fast test file (it runs in the one process of `fastEntry`). */
export const isFast = (file: string): boolean => TIERS.fast.pattern.test(file);

/**
 * The tally with the fast files' process (`entry`) replaced by the files it ran: each one's time is the
 * sum of its tests' and it is ok when none of them failed.
 */
export function splitFastEntry(tally: Tally, entry: string): Tally {
  if (!(entry in tally.files)) return tally;
  const files: Tally['files'] = Object.fromEntries(Object.entries(tally.files).filter(([f]) => f !== entry));
  const tests = tally.tests.map((t) => (t.file === entry && t.name.endsWith(LOADS) ? { ...t, file: path.resolve(ROOT, t.name.slice(0, -LOADS.length)) } : t));
  for (const t of tests) {
    if (t.file === null || !isFast(t.file)) continue;
    const f = (files[t.file] ??= { ms: 0, ok: true });
    f.ms += t.ms;
    f.ok &&= t.status !== 'fail';
  }
  return { tests, files };
}

/** Files run at once: FACEMASK_TEST_CONCURRENCY when set (a whole number >= 1), else the tier's. */
export function concurrency(tier: Tier, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.FACEMASK_TEST_CONCURRENCY;
  if (raw === undefined || raw === '') return tier.concurrency;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`FACEMASK_TEST_CONCURRENCY must be a whole number >= 1, got "${raw}"`);
  return n;
}

const USAGE = `usage: tsx scripts/run-tests.ts fast|all [FILE...]
examples:
  1. npm run test:fast                                          the pure tests (*.fast.test.ts)
  2. npm run test:unit                                          every test (*.test.ts)
  3. tsx scripts/run-tests.ts fast test/detection/geometry.fast.test.ts   some files of a tier
  4. CI=true npm run test:unit                                  as CI runs it: a skipped test fails`;

export class UsageError extends Error {}

/** Every test file of the tier under `dir`, as paths relative to the project, sorted. */
export function tierFiles(tier: Tier, dir = path.join(ROOT, 'test')): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (tier.pattern.test(e.name)) out.push(path.relative(ROOT, p));
    }
  };
  walk(dir);
  return out.sort();
}

export function parseArgs(argv: string[]): { tier: Tier; files: string[] } | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const [name, ...files] = argv;
  if (name !== 'fast' && name !== 'all') throw new UsageError(`the first argument is the tier: fast or all, got ${name === undefined ? 'nothing' : `"${name}"`}`);
  const tier = TIERS[name];
  for (const f of files) {
    if (f.startsWith('-')) throw new UsageError(`unknown flag "${f}" (valid: --help)`);
    if (!tier.pattern.test(f)) throw new UsageError(`${f} is not in the ${name} tier (its files match ${tier.pattern})`);
    if (!fs.existsSync(f)) throw new UsageError(`${f} does not exist`);
  }
  return { tier, files };
}

/** True when the environment says this is CI (`CI=true`, `CI=1`, …; not `CI=false`, `CI=0` or empty). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** What scripts/test-tally.mjs writes. */
export interface Tally {
  tests: { file: string | null; name: string; status: 'pass' | 'fail' | 'skip' | 'todo'; ms: number; reason?: string; error?: string }[];
  files: Record<string, { ms: number; ok: boolean }>;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rel = (f: string | null) => (f ? path.relative(ROOT, f) : '?');

/**
 * The summary printed after node's own report, and the exit status: node's when it failed, else 1
 * when under CI a test was skipped, else 0.
 */
export function summarise(tier: Tier, tally: Tally, wallMs: number, nodeStatus: number, ci: boolean): { lines: string[]; status: number } {
  const count = (s: string) => tally.tests.filter((t) => t.status === s).length;
  const files = Object.entries(tally.files).sort((a, b) => b[1].ms - a[1].ms);
  const budget = tier.budgetSeconds;
  const over = budget !== null && wallMs > budget * 1000;
  const lines = [
    '',
    `npm run ${tier.script}: ${plural(files.length, 'file')}, ${plural(tally.tests.length, 'test')} in ${seconds(wallMs)}${budget !== null ? ` (budget ${budget} s${over ? ': OVER' : ''})` : ''} — ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped${count('todo') ? `, ${count('todo')} todo` : ''}`,
    `slowest files: ${files.slice(0, 5).map(([f, r]) => `${rel(f)} ${seconds(r.ms)}`).join(', ') || 'none'}`,
  ];
  const slow = tally.tests.filter((t) => t.status !== 'skip').sort((a, b) => b.ms - a.ms);
  const listed = tier.slowTestMs === null ? slow.slice(0, 5) : slow.filter((t) => t.ms > tier.slowTestMs!);
  if (listed.length) lines.push(`${tier.slowTestMs === null ? 'slowest tests' : `tests over ${tier.slowTestMs / 1000} s`}:`, ...listed.slice(0, 10).map((t) => `  ${seconds(t.ms)}  ${rel(t.file)} › ${t.name}`));
  if (over) lines.push(`the ${tier.name} tier took longer than its ${budget} s budget: if the machine was not just busy, a test above has become slow; move it to <y>.test.ts (the full tier)`);
  const skipped = tally.tests.filter((t) => t.status === 'skip');
  if (skipped.length) {
    lines.push(ci ? `CI=true: ${plural(skipped.length, 'skipped test')} fail${skipped.length === 1 ? 's' : ''} the run (CI installs every dataset, model and tool, so a skip means something is missing):` : `skipped (a failure under CI=true):`);
    lines.push(...skipped.map((t) => `  ${rel(t.file)} › ${t.name}: ${t.reason || '(no reason given)'}`));
  }
  const status = nodeStatus !== 0 ? nodeStatus : ci && skipped.length ? 1 : 0;
  return { lines, status };
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  let atOnce: number | undefined;
  try {
    parsed = parseArgs(argv);
    if (parsed !== 'help') atOnce = concurrency(parsed.tier);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`run-tests: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { tier } = parsed;
  const files = parsed.files.length ? parsed.files : slowFirst(tierFiles(tier), tier.first ?? []);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-tests-'));
  const tallyFile = path.join(tmp, 'tally.json');
  const fast = files.filter(isFast);
  const entry = path.join(tmp, 'fast-tests.mjs');
  if (fast.length) fs.writeFileSync(entry, fastEntry(fast));
  const args = [
    '--import', 'tsx',
    '--test',
    ...(atOnce ? [`--test-concurrency=${atOnce}`] : []),
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/test-tally.mjs', `--test-reporter-destination=${tallyFile}`,
    ...files.filter((f) => !isFast(f)),
    ...(fast.length ? [entry] : []),
  ];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  // Ctrl-C reaches the test runner too (same process group); wait for it to finish its report.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  const nodeStatus = await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1))));
  process.off('SIGINT', ignore);
  const wallMs = performance.now() - t0;
  try {
    if (!fs.existsSync(tallyFile)) {
      process.stdout.write(`\nnpm run ${tier.script}: no summary (the test runner ended with status ${nodeStatus} before writing it), ${seconds(wallMs)}\n`);
      return nodeStatus || 1;
    }
    const tally = splitFastEntry(JSON.parse(fs.readFileSync(tallyFile, 'utf8')) as Tally, entry);
    // Every file's and test's time, for finding where a tier's minutes go (FACEMASK_TEST_TALLY: elsewhere).
    const kept = process.env.FACEMASK_TEST_TALLY || path.join(ROOT, '.cache', `test-tally-${tier.name}.json`);
    fs.mkdirSync(path.dirname(kept), { recursive: true });
    fs.writeFileSync(kept, JSON.stringify(tally) + '\n');
    const { lines, status } = summarise(tier, tally, wallMs, nodeStatus, isCi());
    process.stdout.write(lines.join('\n') + '\n');
    return status;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`run-tests: ${(e as Error).stack ?? e}\n`);
      process.exit(2);
    },
  );
}
