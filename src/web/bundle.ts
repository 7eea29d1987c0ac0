/**
 * The page's script: src/web/page/main.ts and what it imports (the browser-safe detection core),
 * bundled by esbuild into memory when `facemask serve` starts in a clone — nothing is written to disk.
 * An installed package carries no sources and no esbuild: it serves the bundle `npm run build` made
 * (`dist/page/`, the same function writing it: scripts/build-page.ts). onnxruntime-web is not bundled:
 * the page imports it from the server at run time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packagePaths } from '../paths';

/** The page's entry point (sources, in a clone); its worker's is `worker.ts` beside it. */
export const PAGE_ENTRY = path.join(packagePaths().pageSource, 'main.ts');

/** The worker's entry beside a page entry. */
const workerEntry = (entry: string) => path.join(path.dirname(entry), 'worker.ts');

/** The page's HTML: the sources' in a clone, else the built copy. */
export function pageHtml(): string {
  const p = packagePaths();
  const source = path.join(p.pageSource, 'index.html');
  return fs.existsSync(source) ? source : path.join(p.pageBuilt, 'index.html');
}

export interface PageBundle {
  /** The ES module the page loads as /app.js. */
  js: string;
  /** The ES module of its worker, /worker.js. */
  worker: string;
  /** How long bundling took, in ms (0 for the built bundle). */
  ms: number;
}

/**
 * The page's script: bundled from `entry` (default: the sources) when they are there, else the bundle
 * built into the installed package. Throws when neither is there.
 */
export async function pageScript(entry: string = PAGE_ENTRY): Promise<PageBundle> {
  if (fs.existsSync(entry)) return bundlePage(entry);
  const built = path.join(packagePaths().pageBuilt, 'app.js');
  const worker = path.join(packagePaths().pageBuilt, 'worker.js');
  if (!fs.existsSync(built) || !fs.existsSync(worker)) throw new Error(`the page is neither in its sources (${entry}) nor built (${built}, ${path.basename(worker)}): run \`npm run build\``);
  return { js: fs.readFileSync(built, 'utf8'), worker: fs.readFileSync(worker, 'utf8'), ms: 0 };
}

/** Bundle the page's script and its worker's (minified ES2020 modules for current browsers). Throws with esbuild's messages when they do not build. */
export async function bundlePage(entry: string = PAGE_ENTRY): Promise<PageBundle> {
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a development tool: an installed package serves the built page instead
  const { build } = require('esbuild') as typeof import('esbuild');
  const r = await build({
    entryPoints: { app: entry, worker: workerEntry(entry) },
    outdir: 'page',
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari16'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  }).catch((e: Error & { errors?: { text: string; location?: { file: string; line: number } | null }[] }) => {
    const lines = (e.errors ?? []).map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`);
    throw new Error(`cannot bundle the page (${path.relative(process.cwd(), entry)}): ${lines.join('; ') || e.message}`);
  });
  const out = (name: string) => r.outputFiles.find((f) => path.basename(f.path) === name)!.text;
  return { js: out('app.js'), worker: out('worker.js'), ms: performance.now() - t0 };
}
