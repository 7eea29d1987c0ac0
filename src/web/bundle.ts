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

/** The page's entry point (sources, in a clone). */
export const PAGE_ENTRY = path.join(packagePaths().pageSource, 'main.ts');

/** The page's HTML: the sources' in a clone, else the built copy. */
export function pageHtml(): string {
  const p = packagePaths();
  const source = path.join(p.pageSource, 'index.html');
  return fs.existsSync(source) ? source : path.join(p.pageBuilt, 'index.html');
}

export interface PageBundle {
  /** The ES module the page loads as /app.js. */
  js: string;
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
  if (!fs.existsSync(built)) throw new Error(`the page is neither in its sources (${entry}) nor built (${built}): run \`npm run build\``);
  return { js: fs.readFileSync(built, 'utf8'), ms: 0 };
}

/** Bundle the page's script (minified ES2020 module for current browsers). Throws with esbuild's messages when it does not build. */
export async function bundlePage(entry: string = PAGE_ENTRY): Promise<PageBundle> {
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a development tool: an installed package serves the built page instead
  const { build } = require('esbuild') as typeof import('esbuild');
  const r = await build({
    entryPoints: [entry],
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
  return { js: r.outputFiles[0].text, ms: performance.now() - t0 };
}
