/**
 * The fast tier's rule, enforced: `npm run test:fast` loads this into every `*.fast.test.ts` process
 * (`node --import`), and what a fast test must not do fails at once with where the test belongs.
 *
 * A fast test is a pure one: no subprocess (ffmpeg, Jupyter, a browser, the CLI), no worker thread,
 * no model or WebAssembly backend loaded, no installed dataset, cache or mirror read. Committed
 * files (fixtures, `dataset/confusers.tsv`, `docs/results/`, manifests) are fine. A test that needs
 * more goes in `test/<x>/<y>.test.ts` beside its fast sibling `test/<x>/<y>.fast.test.ts`.
 *
 * Only the test files' own processes are guarded (node's test runner marks them with
 * `NODE_TEST_CONTEXT`); the runner process that spawns them is left alone.
 */
import * as path from 'node:path';
import { createRequire, syncBuiltinESMExports } from 'node:module';

// The modules themselves (not import wrappers), so that every importer sees the guarded functions.
const load = createRequire(__filename);
const fs = load('node:fs') as typeof import('node:fs');
const childProcess = load('node:child_process') as typeof import('node:child_process');
const workerThreads = load('node:worker_threads') as typeof import('node:worker_threads');

const ROOT = path.resolve(__dirname, '..');

export class FastTierError extends Error {}

const message = (what: string) => `fast tier: ${what}. A fast test is pure; move this test to test/<x>/<y>.test.ts (the full tier, npm run test:unit), not *.fast.test.ts`;

function refuse(what: string): never {
  throw new FastTierError(message(what));
}

/** Committed files inside otherwise installed folders. */
const COMMITTED = new Set(['dataset/confusers.tsv', 'dataset/README.md', 'face_detector/README.md', 'models/pretrained/README.md']);
/** Folders filled by `facemask prepare`, training or caches: never read by a fast test. */
const INSTALLED = ['dataset/', 'face_detector/', 'models/pretrained/', '.cache/', 'runs/'];
/** Files that are a model or a WebAssembly backend being loaded, wherever they are. */
const MODEL_FILE = /(\.onnx|\.pb|\.pbtxt|\.tflite|\.wasm|weights\.bin|-shard\d+(of\d+)?|model\.json)$/;

/** Why reading `file` is not allowed in the fast tier, or null when it is. */
export function forbiddenRead(file: string, root = ROOT): string | null {
  const abs = path.resolve(String(file));
  const rel = path.relative(root, abs).split(path.sep).join('/');
  const inside = !rel.startsWith('../') && rel !== '..';
  if (inside && !COMMITTED.has(rel) && INSTALLED.some((d) => rel.startsWith(d))) return `reads ${rel}, which "facemask prepare", training or a cache installs`;
  if (!inside && abs.startsWith(path.resolve(root, '..', 'shared') + path.sep)) return `reads the shared mirror (${abs})`;
  if (/node_modules\/@vladmandic\/[^/]+\/model\//.test(abs)) return `loads a face-api / human model (${path.basename(abs)})`;
  if (MODEL_FILE.test(abs)) return `loads a model or WebAssembly file (${inside ? rel : abs})`;
  return null;
}

function guardReads(): void {
  const fsAny = fs as unknown as Record<string, (...a: unknown[]) => unknown>;
  const promises = fs.promises as unknown as Record<string, (...a: unknown[]) => unknown>;
  const wrap = (obj: Record<string, (...a: unknown[]) => unknown>, name: string, label: string, promised = false) => {
    const original = obj[name];
    if (typeof original !== 'function') return;
    obj[name] = function guarded(this: unknown, ...args: unknown[]) {
      const target = args[0];
      if (typeof target === 'string' || target instanceof URL || Buffer.isBuffer(target)) {
        const why = forbiddenRead(target instanceof URL ? target.pathname : String(target));
        if (why) {
          if (!promised) refuse(`${label}: ${why}`);
          return Promise.reject(new FastTierError(message(`${label}: ${why}`)));
        }
      }
      return original.apply(this, args);
    };
  };
  for (const name of ['readFileSync', 'readFile', 'createReadStream', 'openSync', 'open', 'readdirSync', 'readdir', 'opendirSync', 'opendir']) wrap(fsAny, name, `fs.${name}`);
  for (const name of ['readFile', 'open', 'readdir', 'opendir']) wrap(promises, name, `fs.promises.${name}`, true);
}

/** The TypeScript loader itself (tsx runs esbuild in a worker and a service process): not the test's doing. */
const fromLoader = () => /[/\\]node_modules[/\\](esbuild|tsx)[/\\]/.test(new Error().stack ?? '');

function guardProcesses(): void {
  const cp = childProcess as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
    const original = cp[name];
    cp[name] = function guarded(this: unknown, ...args: unknown[]) {
      if (!fromLoader()) refuse(`child_process.${name}(${JSON.stringify(String(args[0]))}) starts a process`);
      return original.apply(this, args);
    };
  }
  const Original = workerThreads.Worker;
  const wt = workerThreads as unknown as Record<string, unknown>;
  wt.Worker = class extends Original {
    constructor(...args: ConstructorParameters<typeof Original>) {
      if (!fromLoader()) refuse(`new Worker(${JSON.stringify(String(args[0]))}) starts a thread`);
      super(...args);
    }
  };
}

if (process.env.NODE_TEST_CONTEXT) {
  guardReads();
  guardProcesses();
  syncBuiltinESMExports();
}
