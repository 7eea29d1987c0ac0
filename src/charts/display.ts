/**
 * Talking to the notebook we may be running in. Code in `src/` calls these and works the same in
 * a tslab notebook (rich output: PNG, HTML) and outside one (CLI, tests, scripts: a text fallback
 * or nothing). tslab is only looked at when its kernel has already loaded it, so importing this
 * module from the CLI never pulls in tslab's TypeScript compiler.
 */
import * as path from 'node:path';

/** The subset of tslab's `Display` (node_modules/tslab/dist/public.d.ts) we use. */
export interface NotebookDisplay {
  html(s: string): void;
  markdown(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  jpeg(b: Uint8Array): void;
  text(s: string): void;
}

interface TslabPublic {
  display: NotebookDisplay;
  newDisplay(): NotebookDisplay;
}

/** tslab's public module when this process is a tslab kernel that is executing a cell, else null. */
function tslabKernel(): TslabPublic | null {
  if (process.env.FACEMASK_NOTEBOOK === '0') return null;
  // The kernel loads `tslab/dist/jupyter.js` and sets `lastWriteDisplayData` when a cell runs.
  for (const file of Object.keys(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const jupyter = require.cache[file]?.exports as { lastWriteDisplayData?: unknown } | undefined;
    if (jupyter && jupyter.lastWriteDisplayData != null) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(path.join(path.dirname(file), 'public.js')) as TslabPublic;
    }
  }
  return null;
}

/** True inside a running tslab notebook cell (set `FACEMASK_NOTEBOOK=0` to force the text fallback). */
export function inNotebook(): boolean {
  return tslabKernel() !== null;
}

/** Show a PNG inline; returns false (and shows nothing) outside a notebook. */
export function displayPng(png: Uint8Array): boolean {
  const k = tslabKernel();
  if (!k) return false;
  k.display.png(png);
  return true;
}

/** Show HTML inline; returns false (and shows nothing) outside a notebook. */
export function displayHtml(html: string): boolean {
  const k = tslabKernel();
  if (!k) return false;
  k.display.html(html);
  return true;
}

/**
 * A display entry that can be overwritten in place (tslab's `newDisplay()`: the first call shows
 * it, later calls send `update_display_data` for the same entry). Null outside a notebook.
 * Used for live charts (training curves re-rendered each epoch).
 */
export function updatableDisplay(): NotebookDisplay | null {
  const k = tslabKernel();
  return k ? k.newDisplay() : null;
}

/** One line on stderr, for `.show()` called outside a notebook. */
export function noteOutsideNotebook(what: string): void {
  process.stderr.write(`(${what}: not in a notebook, nothing shown; use .save(file) to write it)\n`);
}
