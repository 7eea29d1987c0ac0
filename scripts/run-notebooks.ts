/**
 * Execute the notebooks headless, top to bottom, with the tslab kernel and Debian's Jupyter.
 *
 *   npm run notebooks                      every notebooks/*.ipynb, in name order
 *   npm run notebooks -- 00_setup 10_data  only these (name, name.ipynb or a path)
 *   npm run notebooks -- --timeout 600     per-cell timeout in seconds (default 1800)
 *   npm run notebooks -- --jobs 1          notebooks run at once (default 2: a notebook keeps about one
 *                                          core busy, and they do not depend on each other)
 *   npm run kernel                         only install the project's tslab kernelspec
 *
 * The kernelspec is project-local (`.jupyter/kernels/tslab/kernel.json`, git-ignored) and runs
 * `node_modules/.bin/tslab` by absolute path; `JUPYTER_PATH` points at `.jupyter/` for the run.
 * Execution is nbconvert's own `ExecutePreprocessor` (what `jupyter nbconvert --to notebook
 * --execute` runs), driven from a few lines of Python so that a failing cell can be reported with
 * its output: tslab writes a cell's error to the cell's stderr, not to an error message, so plain
 * `jupyter nbconvert` would fail with an empty "<Error>". Executed copies go to
 * `notebooks/executed/` (written atomically, also for a failed notebook, up to the failing cell).
 * The environment (FACEMASK_SMALL, FACEMASK_BACKEND, …) is passed through to the kernel.
 *
 * Exit status: 0 when every notebook ran, 1 when one failed (the others still run), 2 on bad
 * arguments or a missing Jupyter.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { projectPaths } from '../src/paths';
import { writeFileAtomic } from '../src/util/atomic';
import { runPool } from './pool';

/** Per-cell timeout in seconds. default: 1800 (a training cell on a 2-core machine can be long) */
export const DEFAULT_CELL_TIMEOUT = 1800;
/** Notebooks run at once by default: each keeps about one core busy (its kernel, then Jupyter's side). */
export const DEFAULT_JOBS = 2;
/** Cells slower than this are reported as they finish. */
const SLOW_CELL_SECONDS = 10;

const USAGE = `usage: npm run notebooks -- [NOTEBOOK...] [--timeout SECONDS] [--install-kernel]
examples:
  1. npm run notebooks                         run every notebooks/*.ipynb
  2. npm run notebooks -- 00_setup             run notebooks/00_setup.ipynb
  3. FACEMASK_SMALL=1 npm run notebooks        small-data mode (CI)
  4. npm run notebooks -- --timeout 600        fail a cell that runs longer than 10 minutes
  5. npm run notebooks -- --jobs 1             one notebook at a time (default 2 at once)
  6. npm run kernel                            install the kernelspec only (for jupyter notebook)`;

export interface RunArgs {
  names: string[];
  timeout: number;
  jobs: number;
  installOnly: boolean;
  help: boolean;
}

export function parseArgs(argv: string[]): RunArgs {
  const out: RunArgs = { names: [], timeout: DEFAULT_CELL_TIMEOUT, jobs: DEFAULT_JOBS, installOnly: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    // `--flag N` or `--flag=N`, N a positive whole number
    const count = (flag: string, what: string, example: number): number => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} needs a positive whole number${what}, got "${v ?? ''}" (valid form: ${flag} ${example})`);
      return n;
    };
    const is = (flag: string) => a === flag || a.startsWith(`${flag}=`);
    if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--install-kernel') out.installOnly = true;
    else if (is('--timeout')) out.timeout = count('--timeout', ' of seconds', 600);
    else if (is('--jobs')) out.jobs = count('--jobs', '', 1);
    else if (a.startsWith('-')) throw new UsageError(`unknown flag "${a}" (valid: --timeout SECONDS, --jobs N, --install-kernel, --help)`);
    else out.names.push(a);
  }
  return out;
}

export class UsageError extends Error {}

/** The notebooks to run: every `*.ipynb` of `dir` in name order, or the ones named. */
export function resolveNotebooks(names: string[], dir: string): string[] {
  const all = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort() : [];
  if (names.length === 0) {
    if (all.length === 0) throw new UsageError(`no notebooks in ${dir}`);
    return all.map((f) => path.join(dir, f));
  }
  return names.map((n) => {
    if (n.endsWith('.ipynb') && fs.existsSync(n)) return path.resolve(n);
    const f = path.join(dir, n.endsWith('.ipynb') ? path.basename(n) : `${path.basename(n)}.ipynb`);
    if (fs.existsSync(f)) return f;
    throw new UsageError(`no notebook "${n}" (available: ${all.map((x) => x.replace(/\.ipynb$/, '')).join(', ') || 'none'})`);
  });
}

/**
 * The kernelspec JSON for the project's tslab binary. It sets `FACEMASK_ROOT`: tslab compiles
 * `src/` through the `notebooks/src` symlink, so `__dirname` in `src/paths.ts` is
 * `notebooks/src` and the root would otherwise come out as `notebooks/`.
 */
export function kernelSpec(root: string): Record<string, unknown> {
  return {
    argv: [path.join(root, 'node_modules', '.bin', 'tslab'), 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (facemask tslab)',
    language: 'typescript',
    env: { FACEMASK_ROOT: root },
  };
}

/** Write `.jupyter/kernels/tslab/kernel.json` under `root`; returns the folder for JUPYTER_PATH. */
export function installKernel(root: string): string {
  const bin = path.join(root, 'node_modules', '.bin', 'tslab');
  if (!fs.existsSync(bin)) throw new UsageError(`${bin} is missing: run "npm ci" first`);
  const jupyterDir = path.join(root, '.jupyter');
  writeFileAtomic(path.join(jupyterDir, 'kernels', 'tslab', 'kernel.json'), JSON.stringify(kernelSpec(root), null, 1) + '\n');
  return jupyterDir;
}

/** The environment for Jupyter: ours plus JUPYTER_PATH and node_modules/.bin on PATH. */
export function jupyterEnv(root: string, jupyterDir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    JUPYTER_PATH: [jupyterDir, env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
    PATH: [path.join(root, 'node_modules', '.bin'), env.PATH].filter(Boolean).join(path.delimiter),
    // Silences debugpy's "frozen modules" warnings printed by Debian's ipykernel tooling.
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
}

/** The Python that runs `jupyter` (its shebang), so that nbconvert/nbclient import. */
function jupyterPython(env: NodeJS.ProcessEnv): string {
  if (env.FACEMASK_JUPYTER_PYTHON) return env.FACEMASK_JUPYTER_PYTHON;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const j = path.join(dir, 'jupyter');
    if (!fs.existsSync(j)) continue;
    const first = fs.readFileSync(j, 'utf8').split('\n', 1)[0];
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (m) return m[1].endsWith('/env') && m[2] ? m[2] : m[1];
  }
  return 'python3';
}

/**
 * nbconvert's ExecutePreprocessor on one notebook. Prints one JSON line per finished cell
 * (`{"cell": i, "seconds": s}`) and a last line `{"done": true}` or `{"failed": {...}}`; writes the
 * executed notebook atomically in both cases.
 */
const EXECUTE_PY = String.raw`
import json, os, sys, time, tempfile
import nbformat
from nbconvert.preprocessors import ExecutePreprocessor
src, out, timeout, kernel = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
nb = nbformat.read(src, as_version=4)
starts = {}
def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n"); sys.stdout.flush()
def on_start(cell, cell_index, **kw):
    starts[cell_index] = time.time()
def on_done(cell, cell_index, **kw):
    emit({"cell": cell_index, "seconds": round(time.time() - starts.get(cell_index, time.time()), 2)})
ep = ExecutePreprocessor(timeout=timeout, kernel_name=kernel, on_cell_start=on_start, on_cell_executed=on_done)
failed = None
try:
    ep.preprocess(nb, {"metadata": {"path": os.path.dirname(os.path.abspath(src))}})
except Exception as e:
    idx = max(starts) if starts else None
    text = []
    if idx is not None:
        for o in nb.cells[idx].get("outputs", []):
            if o.get("output_type") == "stream":
                text.append(o.get("text", ""))
            elif o.get("output_type") == "error":
                text.append(o.get("ename", "") + ": " + o.get("evalue", "") + "\n" + "\n".join(o.get("traceback", [])))
    failed = {"cell": idx, "source": nb.cells[idx].source if idx is not None else "", "output": "".join(text)[-4000:],
              "error": type(e).__name__ + ": " + str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__}
os.makedirs(os.path.dirname(out), exist_ok=True)
fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(out) + ".tmp-", dir=os.path.dirname(out))
with os.fdopen(fd, "w", encoding="utf-8") as f:
    nbformat.write(nb, f)
os.chmod(tmp, 0o644)
os.replace(tmp, out)
emit({"failed": failed} if failed else {"done": True})
`;

export interface NotebookResult {
  notebook: string;
  executed: string;
  seconds: number;
  ok: boolean;
  /** For a failure: the cell index (0-based), its source, its output and the error line. */
  failure?: { cell: number | null; source: string; output: string; error: string };
  cells: { cell: number; seconds: number }[];
}

/** Execute one notebook; resolves with what happened (never rejects for a failing cell). */
export function executeNotebook(notebook: string, outDir: string, opts: { timeout: number; env: NodeJS.ProcessEnv; kernel?: string; log?: (s: string) => void }): Promise<NotebookResult> {
  const executed = path.join(outDir, path.basename(notebook));
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const py = spawn(jupyterPython(opts.env), ['-c', EXECUTE_PY, notebook, executed, String(opts.timeout), opts.kernel ?? 'tslab'], {
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const cells: { cell: number; seconds: number }[] = [];
    let last: { done?: boolean; failed?: NotebookResult['failure'] } | undefined;
    let buf = '';
    let stderr = '';
    py.stdout.setEncoding('utf8');
    py.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: { cell?: number; seconds?: number; done?: boolean; failed?: NotebookResult['failure'] };
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        if (typeof msg.cell === 'number' && typeof msg.seconds === 'number') {
          cells.push({ cell: msg.cell, seconds: msg.seconds });
          if (msg.seconds >= SLOW_CELL_SECONDS) log(`    cell ${msg.cell}: ${msg.seconds.toFixed(1)} s`);
        } else last = msg;
      }
    });
    py.stderr.setEncoding('utf8');
    py.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-8000);
    });
    py.on('error', reject);
    py.on('close', (code) => {
      const seconds = (Date.now() - t0) / 1000;
      if (last?.done && code === 0) return resolve({ notebook, executed, seconds, ok: true, cells });
      const failure = last?.failed ?? { cell: null, source: '', output: stderr.trim(), error: `the executor exited with status ${code}` };
      failure.error = errorLine(failure.error, failure.output);
      resolve({ notebook, executed, seconds, ok: false, failure, cells });
    });
  });
}

/**
 * A readable one-line error. tslab reports a failed cell with an empty error message (the text is
 * in the cell's stderr), so nbclient says "CellExecutionError: <Error>:"; take the error from the
 * output instead: the first "SomethingError: …" line or TypeScript diagnostic ("1:7 - …").
 */
export function errorLine(error: string, output: string): string {
  if (!/CellExecutionError/.test(error) || !/<Error>:?\s*$/.test(error)) return error;
  const lines = output.split('\n').map((l) => l.trim());
  const hit = lines.find((l) => /^(\w*Error|UncaughtException|UnhandledPromiseRejection)\b.*:/.test(l) || /^\d+:\d+ - /.test(l));
  return hit ?? 'the cell failed (see its output)';
}

function checkJupyter(env: NodeJS.ProcessEnv): void {
  const r = spawnSync(jupyterPython(env), ['-c', 'import nbconvert, nbclient, nbformat, jupyter_client'], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new UsageError(
      `Jupyter is not usable (${(r.error?.message ?? r.stderr ?? '').trim().split('\n').pop()}).\n` +
        'Install it with: apt-get install -y jupyter-nbconvert python3-nbclient jupyter-client',
    );
  }
}

function indent(s: string, pre = '    | '): string {
  return s.replace(/\s+$/, '').split('\n').map((l) => pre + l).join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let args: RunArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const p = projectPaths();
  let notebooks: string[];
  let env: NodeJS.ProcessEnv;
  try {
    const jupyterDir = installKernel(p.root);
    env = jupyterEnv(p.root, jupyterDir);
    if (args.installOnly) {
      process.stdout.write(
        `kernelspec written: ${path.join(jupyterDir, 'kernels', 'tslab', 'kernel.json')}\n` +
          `open the notebooks with:\n  JUPYTER_PATH=${jupyterDir} jupyter notebook ${path.relative(process.cwd(), p.notebooks) || '.'}\n`,
      );
      return 0;
    }
    checkJupyter(env);
    notebooks = resolveNotebooks(args.names, p.notebooks);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 2;
  }
  const small = env.FACEMASK_SMALL ? `FACEMASK_SMALL=${env.FACEMASK_SMALL}` : 'full data (FACEMASK_SMALL not set)';
  process.stderr.write(`running ${notebooks.length} notebook(s), ${Math.min(args.jobs, notebooks.length)} at once, ${small}, cell timeout ${args.timeout} s → ${path.relative(p.root, p.executedNotebooks)}/\n`);
  const t0 = performance.now();
  const results = await runPool(notebooks, args.jobs, async (nb) => {
    const name = path.basename(nb);
    process.stderr.write(`  ${name} …\n`);
    const r = await executeNotebook(nb, p.executedNotebooks, { timeout: args.timeout, env, log: (s) => process.stderr.write(`  ${name}: ${s.trim()}\n`) });
    if (r.ok) {
      process.stderr.write(`  ok    ${name}  ${r.seconds.toFixed(1)} s (${r.cells.length} cells)\n`);
    } else {
      const f = r.failure!;
      process.stderr.write(`  FAIL  ${name}  ${r.seconds.toFixed(1)} s — ${f.cell === null ? 'before any cell ran' : `cell ${f.cell}`}: ${f.error}\n`);
      if (f.source) process.stderr.write(`    cell source:\n${indent(f.source)}\n`);
      if (f.output) process.stderr.write(`    cell output:\n${indent(f.output)}\n`);
      if (fs.existsSync(r.executed)) process.stderr.write(`    executed up to the failure: ${path.relative(process.cwd(), r.executed)}\n`);
    }
    return r;
  });
  const failed = results.filter((r) => !r.ok);
  const total = results.reduce((a, r) => a + r.seconds, 0);
  process.stderr.write(`${results.length - failed.length}/${results.length} notebooks ran, ${total.toFixed(1)} s of notebook time in ${((performance.now() - t0) / 1000).toFixed(1)} s (${args.jobs} at once)` + (failed.length ? `; FAILED: ${failed.map((r) => path.basename(r.notebook)).join(', ')}` : '') + '\n');
  // The plain closing line CI tools read ("N passed, N failed").
  process.stdout.write(`notebooks: ${results.length - failed.length} passed, ${failed.length} failed\n`);
  return failed.length ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`run-notebooks: ${(e as Error).stack ?? e}\n`);
      process.exit(2);
    },
  );
}
