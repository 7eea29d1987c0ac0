/**
 * What every bench script shares: typed flags (node:util parseArgs, with --help and the valid form
 * for anything refused), one median and quantile, repeated timed runs, and one writer of the figures
 * with everything needed to trust them later (command, date, commit, machine, load).
 *
 *   runBench({ name: 'decode', summary: '…', flags: { files: { type: 'integer', default: 300, value: 'N', help: '…' } }, runs: 3, quick: '20 files, 1 run' },
 *     async ({ flags, runs, quick }) => {
 *       …
 *       return { imagesPerSecond: … };            // written to docs/results/bench/decode.json
 *     });
 *
 * Every script takes --help, --quick (the quickest check that it runs; writes nothing), --no-write (print
 * only) and --tag NAME (write docs/results/bench/<name>-<NAME>.json, for a variant worth keeping beside
 * the default); one that measures speed also takes --runs N (its timings are medians over N runs).
 * FACEMASK_SMALL=1 in the environment means --quick too, and --quick sets it, so the library's
 * small-data mode (fewer photos, the small training recipe) shrinks the work as well.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { spawnSync } from 'node:child_process';
import { isSmall } from '../src/config';
import { projectPaths } from '../src/paths';
import { writeFileAtomic } from '../src/util/atomic';

// ---- statistics -----------------------------------------------------------------------------------

/**
 * The median: the middle value of the sorted numbers, and for an even count the mean of the two middle
 * values (so [1, 2, 3, 4] gives 2.5). The input is not changed. No numbers is an error, not NaN.
 */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/**
 * The q-quantile (0 <= q <= 1) by linear interpolation between the closest ranks: position q·(n−1)
 * in the sorted numbers (R's type 7, numpy's default). quantile(xs, 0.5) is `median(xs)`; 0 and 1 are
 * the minimum and the maximum.
 */
export function quantile(xs: readonly number[], q: number): number {
  if (!xs.length) throw new RangeError('a median or quantile of no numbers');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`a quantile must be between 0 and 1, got ${q}`);
  if (xs.some((x) => Number.isNaN(x))) throw new RangeError('a median or quantile of NaN');
  const s = [...xs].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return lo === hi ? s[lo] : s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

// ---- timing ---------------------------------------------------------------------------------------

/** One call of `fn`: its value and its wall time in milliseconds. */
export async function timeIt<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

/**
 * A measurement repeated `runs` times (one after the other, `measure(run)` with run = 0, 1, …): every
 * run's figures and their median, field by field for a record of numbers.
 */
export async function medianOfRuns<T extends number | Record<string, number>>(runs: number, measure: (run: number) => Promise<T> | T): Promise<{ median: T; runs: T[] }> {
  const all: T[] = [];
  for (let r = 0; r < runs; r++) all.push(await measure(r));
  if (typeof all[0] === 'number') return { median: median(all as number[]) as T, runs: all };
  const keys = Object.keys(all[0] as Record<string, number>);
  const m = Object.fromEntries(keys.map((k) => [k, median(all.map((x) => (x as Record<string, number>)[k]))]));
  return { median: m as T, runs: all };
}

/** A path as the figures record it: relative to the project root when inside it. */
export function fromRoot(p: string): string {
  const r = path.relative(projectPaths().root, path.resolve(p));
  return r.startsWith('..') || path.isAbsolute(r) ? path.resolve(p) : r || '.';
}

/** A figures file named by an `--id` flag: docs/results/<folder>/<id>.json (the id in lower-case letters, digits and "-"). */
export function idResultFile(folder: string, id: string | undefined): string {
  if (!id || !/^[a-z0-9][a-z0-9-]*$/.test(id)) throw new BenchUsageError(`--id takes a name of lower-case letters, digits and "-", got ${JSON.stringify(id)}`);
  return path.join(projectPaths().results, folder, `${id}.json`);
}

// ---- the machine --------------------------------------------------------------------------------

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machine(): MachineInfo {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${process.platform} ${process.arch} ${os.release()}` };
}

/** One line for a bench's header: cores, CPU, Node and the load average now. */
export function machineLine(): string {
  const m = machine();
  return `machine: ${m.cores} x ${m.cpu}, ${m.memoryGiB} GiB, node ${m.node}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`;
}

/** The commit the figures were measured at, and whether tracked files differed from it (untracked files do not count). */
export function gitState(root = projectPaths().root): { commit: string | null; dirty: boolean | null; changed: string[] } {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0) return { commit: null, dirty: null, changed: [] };
  const status = git('status', '--porcelain', '--untracked-files=no');
  const changed = status.status === 0 ? status.stdout.split('\n').filter(Boolean).map((l) => l.slice(3)) : [];
  return { commit: head.stdout.trim(), dirty: status.status === 0 ? changed.length > 0 : null, changed: changed.slice(0, 20) };
}

// ---- flags ----------------------------------------------------------------------------------------

export type FlagKind = 'string' | 'boolean' | 'integer' | 'number' | 'list';

export interface FlagSpec {
  type: FlagKind;
  /** Placeholder in the usage line, e.g. `DIR`. */
  value?: string;
  help: string;
  default?: string | number | boolean | readonly string[];
  /** Smallest value of a number flag. */
  min?: number;
}

type ValueOf<K extends FlagKind> = K extends 'boolean' ? boolean : K extends 'integer' | 'number' ? number : K extends 'list' ? string[] : string;

/** The parsed flags: a flag with a default (or a boolean) always has a value, others may be undefined. */
export type FlagValues<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K] extends { default: unknown } ? ValueOf<S[K]['type']> : S[K]['type'] extends 'boolean' ? boolean : ValueOf<S[K]['type']> | undefined;
};

export interface BenchSpec<S extends Record<string, FlagSpec>> {
  /** The script's name: bench/<name>.ts, and its figures docs/results/bench/<name>.json. */
  name: string;
  /** One line: what it measures. */
  summary: string;
  flags: S;
  /** Positional arguments, e.g. model folders. */
  positionals?: { name: string; help: string; max?: number };
  /** The script measures speed: --runs N, with this default; its timings are medians over the runs. */
  runs?: number;
  /** What --quick does besides writing nothing, e.g. "10 photos, 1 run". */
  quick: string;
  /** How the figures are made (written to the JSON beside them), e.g. "ms per image: median of --runs rounds". */
  method?: string;
  /** When these flags measure only part of the work, why (the figures are then not written), else false. */
  partial?: (flags: FlagValues<S>) => string | false;
  /** Where the figures go when not docs/results/bench/<name>[-<tag>].json (e.g. one file per measured approach), and that in words for the help. */
  resultFile?: (flags: FlagValues<S>) => string;
  writesTo?: string;
}

/** A spec as help and usage read it (any flags). */
type AnySpec = Omit<BenchSpec<Record<string, FlagSpec>>, 'partial' | 'resultFile'>;

export interface BenchArgs<S extends Record<string, FlagSpec>> {
  flags: FlagValues<S>;
  positionals: string[];
  /** --runs (1 in quick mode unless given; 1 when the script has no --runs). */
  runs: number;
  quick: boolean;
  /** Why these flags measure only part of the work (then nothing is written), or null. */
  partial: string | null;
  /** The figures are written (not --quick, not partial, not --no-write). */
  write: boolean;
  /** docs/results/bench/<name>[-<tag>].json */
  resultFile: string;
}

export class BenchUsageError extends Error {}

const COMMON: Record<string, FlagSpec> = {
  quick: { type: 'boolean', help: 'the quickest check that the script runs (also FACEMASK_SMALL=1); writes no figures' },
  'no-write': { type: 'boolean', help: 'print the figures, do not write them' },
  tag: { type: 'string', value: 'NAME', help: 'write docs/results/bench/<bench>-NAME.json instead (a variant kept beside the default)' },
  help: { type: 'boolean', help: 'this help' },
};

function allFlags(spec: AnySpec): Record<string, FlagSpec> {
  const runs: Record<string, FlagSpec> = spec.runs ? { runs: { type: 'integer', value: 'N', default: spec.runs, min: 1, help: 'repeat each timing N times and report the median' } } : {};
  return { ...spec.flags, ...runs, ...COMMON };
}

const flagForm = (name: string, f: FlagSpec) => `--${name}${f.type === 'boolean' ? '' : ` ${f.value ?? (f.type === 'list' ? 'A,B' : f.type === 'integer' || f.type === 'number' ? 'N' : 'X')}`}`;

export function usageLine(spec: AnySpec): string {
  const pos = spec.positionals ? ` [${spec.positionals.name}${spec.positionals.max === 1 ? '' : ' ...'}]` : '';
  return `npx tsx bench/${spec.name}.ts${pos} ${Object.entries(allFlags(spec)).map(([n, f]) => `[${flagForm(n, f)}]`).join(' ')}`;
}

export function benchHelp(spec: AnySpec): string {
  const lines = [`bench/${spec.name}.ts: ${spec.summary}`, '', `usage: ${usageLine(spec)}`, ''];
  if (spec.positionals) lines.push(`  ${spec.positionals.name.padEnd(24)}${spec.positionals.help}`);
  for (const [n, f] of Object.entries(allFlags(spec))) {
    const dflt = f.default === undefined ? '' : ` (default ${Array.isArray(f.default) ? f.default.join(',') : f.default})`;
    const extra = n === 'quick' ? `: ${spec.quick}` : '';
    lines.push(`  ${flagForm(n, f).padEnd(24)}${f.help}${extra}${dflt}`);
  }
  lines.push('', `figures: ${spec.writesTo ?? `docs/results/bench/${spec.name}.json`} (with the command, date, commit, machine and load)`);
  if (spec.method) lines.push(`method: ${spec.method}`);
  return lines.join('\n');
}

/** Parse `argv` against the spec. Throws BenchUsageError (with the valid form) for anything refused; 'help' for --help. */
export function parseBenchArgs<S extends Record<string, FlagSpec>>(spec: BenchSpec<S>, argv: string[], env: NodeJS.ProcessEnv = process.env): BenchArgs<S> | 'help' {
  const flags = allFlags(spec);
  const fail = (msg: string): never => {
    throw new BenchUsageError(`${msg}\nusage: ${usageLine(spec)}\n(npx tsx bench/${spec.name}.ts --help for what each option does)`);
  };
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [n, f] of Object.entries(flags)) options[n] = { type: f.type === 'boolean' ? 'boolean' : 'string' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    const name = /'(-[^' ]+)/.exec(err.message)?.[1];
    const valid = Object.entries(flags).map(([n, f]) => flagForm(n, f)).join(', ');
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return fail(`unknown option ${name ?? err.message} (valid: ${valid})`);
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = name?.replace(/^-+/, '') ?? '';
      return fail(flags[flag] ? `${flagForm(flag, flags[flag])}: ${flags[flag].type === 'boolean' ? 'takes no value' : 'needs a value'}` : err.message);
    }
    throw e;
  }
  if (parsed.values.help) return 'help';
  const positionals = parsed.positionals;
  if (!spec.positionals && positionals.length) fail(`no positional arguments are taken, got "${positionals.join(' ')}"`);
  if (spec.positionals?.max !== undefined && positionals.length > spec.positionals.max) fail(`at most ${spec.positionals.max} ${spec.positionals.name}, got ${positionals.length}`);
  const values: Record<string, unknown> = {};
  for (const [n, f] of Object.entries(flags)) {
    const raw = parsed.values[n];
    if (raw === undefined) {
      values[n] = f.type === 'boolean' ? false : Array.isArray(f.default) ? [...f.default] : f.default;
      continue;
    }
    if (f.type === 'boolean' || f.type === 'string') values[n] = raw;
    else if (f.type === 'list') {
      const items = String(raw).split(',').map((s) => s.trim()).filter(Boolean);
      if (!items.length) fail(`${flagForm(n, f)} takes a comma-separated list, got "${raw}"`);
      values[n] = items;
    } else {
      const v = Number(raw);
      const whole = f.type === 'integer';
      if (String(raw).trim() === '' || !Number.isFinite(v) || (whole && !Number.isInteger(v))) fail(`--${n} takes ${whole ? 'a whole number' : 'a number'}, got "${raw}" (valid form: ${flagForm(n, f)})`);
      if (f.min !== undefined && v < f.min) fail(`--${n} must be at least ${f.min}, got ${v}`);
      values[n] = v;
    }
  }
  const quick = Boolean(values.quick) || isSmall(env);
  const given = parsed.values.runs !== undefined;
  const runs = spec.runs ? (quick && !given ? 1 : (values.runs as number)) : 1;
  const tag = values.tag as string | undefined;
  if (tag !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(tag)) fail(`--tag takes a name of letters, digits, ".", "_" and "-", got "${tag}"`);
  const resultFile = spec.resultFile ? spec.resultFile(values as FlagValues<S>) : path.join(projectPaths().results, 'bench', `${spec.name}${tag ? `-${tag}` : ''}.json`);
  const partial = spec.partial?.(values as FlagValues<S>) || null;
  return { flags: values as FlagValues<S>, positionals, runs, quick, partial, write: !quick && !partial && !values['no-write'], resultFile };
}

// ---- the figures ----------------------------------------------------------------------------------

/** Environment variables that change what a bench measures, recorded with its figures. */
const RECORDED_ENV = /^(FACEMASK_|MALLOC_ARENA_MAX$|UV_THREADPOOL_SIZE$|NODE_OPTIONS$|OMP_NUM_THREADS$)/;

export type GitState = ReturnType<typeof gitState>;

export interface BenchContext {
  /** The command as one would retype it. */
  command: string;
  argv: string[];
  settings: Record<string, unknown>;
  runs: number | null;
  method: string | null;
  started: string;
  loadStart: number[];
  /** The commit (default: asked of git when writing). */
  git: GitState;
}

/** The command line as one would retype it: recorded environment, `npx tsx bench/<name>.ts`, the arguments. */
export function commandLine(name: string, argv: string[], env: NodeJS.ProcessEnv = process.env): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const vars = Object.keys(env).filter((k) => RECORDED_ENV.test(k)).sort().map((k) => `${k}=${quote(env[k] ?? '')}`);
  return [...vars, 'npx', 'tsx', `bench/${name}.ts`, ...argv.map(quote)].join(' ');
}

/**
 * Write a bench's figures atomically to `file` (default docs/results/bench/<name>.json) with what they
 * were measured with: the command line, the date, the git commit (and whether tracked files differed
 * from it), the machine, and the load average at the start and at the end. Returns the file written.
 */
export function writeBenchResult(name: string, figures: unknown, ctx: Partial<BenchContext> = {}, file = path.join(projectPaths().results, 'bench', `${name}.json`)): string {
  const argv = ctx.argv ?? process.argv.slice(2);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => RECORDED_ENV.test(k)));
  const record = {
    format: 'facemask-bench/1',
    bench: name,
    command: ctx.command ?? commandLine(name, argv),
    argv,
    settings: ctx.settings ?? {},
    runs: ctx.runs ?? null,
    method: ctx.method ?? null,
    started: ctx.started ?? new Date().toISOString(),
    finished: new Date().toISOString(),
    git: ctx.git ?? gitState(),
    machine: machine(),
    load: { start: ctx.loadStart ?? null, end: os.loadavg().map((x) => +x.toFixed(2)) },
    env,
    figures,
  };
  writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');
  return file;
}

/**
 * A bench script's whole life: parse the flags (--help prints the help, a refused flag exits 2 with the
 * valid form), note the date and load, run `measure`, then write what it returns (unless --quick or
 * --no-write) and say where. An error exits 1.
 */
export function runBench<const S extends Record<string, FlagSpec>>(spec: BenchSpec<S>, measure: (args: BenchArgs<S>) => Promise<unknown>): void {
  const argv = process.argv.slice(2);
  let args: BenchArgs<S> | 'help';
  try {
    args = parseBenchArgs(spec, argv);
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    process.stderr.write(`bench/${spec.name}.ts: ${e.message}\n`);
    process.exit(2);
  }
  if (args === 'help') {
    process.stdout.write(benchHelp(spec) + '\n');
    process.exit(0);
  }
  const a = args;
  if (a.quick) process.env.FACEMASK_SMALL = process.env.FACEMASK_SMALL || '1';
  const ctx: Partial<BenchContext> = {
    command: commandLine(spec.name, argv),
    argv,
    settings: { ...a.flags, positionals: a.positionals },
    runs: spec.runs ? a.runs : null,
    method: spec.method ?? null,
    started: new Date().toISOString(),
    loadStart: os.loadavg().map((x) => +x.toFixed(2)),
  };
  delete (ctx.settings as Record<string, unknown>).help;
  // after the script's own top level has run (its constants may be declared below the runBench call)
  Promise.resolve()
    .then(() => measure(a))
    .then(
      (figures) => {
        if (a.write) {
          const file = writeBenchResult(spec.name, figures, ctx, a.resultFile);
          process.stdout.write(`figures written: ${path.relative(process.cwd(), file)}\n`);
        } else process.stdout.write(`figures not written (${a.quick ? '--quick' : (a.partial ?? '--no-write')})\n`);
      },
      (e) => {
        if (e instanceof BenchUsageError) {
          process.stderr.write(`bench/${spec.name}.ts: ${e.message}\nusage: ${usageLine(spec)}\n`);
          process.exit(2);
        }
        console.error(e);
        process.exit(1);
      },
    );
}
