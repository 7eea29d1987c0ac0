/**
 * The page's script: src/web/page/main.ts and what it imports (the browser-safe detection core),
 * bundled by esbuild into memory when `facemask serve` starts — nothing is written to disk.
 * onnxruntime-web is not bundled: the page imports it from the server at run time.
 */
import * as path from 'node:path';
import { build } from 'esbuild';

/** The page's entry point. */
export const PAGE_ENTRY = path.join(__dirname, 'page', 'main.ts');
/** The page's HTML. */
export const PAGE_HTML = path.join(__dirname, 'page', 'index.html');

export interface PageBundle {
  /** The ES module the page loads as /app.js. */
  js: string;
  /** How long bundling took, in ms. */
  ms: number;
}

/** Bundle the page's script (minified ES2020 module for current browsers). Throws with esbuild's messages when it does not build. */
export async function bundlePage(entry: string = PAGE_ENTRY): Promise<PageBundle> {
  const t0 = performance.now();
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
