/**
 * The interactive side of a chart: an HTML fragment that renders the chart's Vega-Lite spec with
 * vega-embed in the browser (tooltips, zoom/pan, selections), shown beside the PNG in a notebook.
 *
 * Self-contained, no CDN: vega, vega-lite and vega-embed (their UMD builds from node_modules, about
 * 830 KB) are inlined gzip-compressed and base64-encoded (about 370 KB) and unpacked in the browser
 * with `DecompressionStream` (Chrome 80, Firefox 113, Safari 16.4). By default the library goes
 * into the first chart output of a kernel session only; later charts find it on the page
 * (`window.facemaskCharts`) and wait for it if it is still unpacking. That works wherever all
 * outputs share one page: Notebook 6, nbconvert's HTML export, VS Code. Where no script runs
 * (untrusted Notebook 6, GitHub) the fragment is an empty `<div>` and the PNG stands alone; where
 * the chart renders, the script hides the PNG output just before it (same chart, twice otherwise).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';

/**
 * When a chart's HTML output carries the library:
 * - `once`: the first chart of the kernel session (default; the notebook holds it once)
 * - `every`: every chart (about 370 KB each; outputs survive re-running cells out of order)
 * - `off`: no HTML output at all, PNG only
 */
export type InteractiveMode = 'once' | 'every' | 'off';

const MODES: readonly InteractiveMode[] = ['once', 'every', 'off'];
let mode: InteractiveMode = 'once';
let libraryEmitted = false;

/**
 * Choose when charts carry the library (see `InteractiveMode`). default: `once`.
 * Returns the previous mode. Switching to `once` starts over: the next chart carries it again.
 */
export function interactiveCharts(next: InteractiveMode): InteractiveMode {
  if (!MODES.includes(next)) throw new Error(`interactiveCharts: unknown mode "${String(next)}" (valid: ${MODES.join(', ')})`);
  const prev = mode;
  mode = next;
  if (next === 'once') libraryEmitted = false;
  return prev;
}

/** The current mode (see `interactiveCharts`). */
export function interactiveMode(): InteractiveMode {
  return mode;
}

/**
 * What the next chart's HTML output is: null when there is none (mode `off`), else whether it
 * inlines the library, which is then noted as sent. `owner` is true for an output that carried the
 * library before (a live chart redrawn in place keeps carrying it, or the notebook would lose it
 * with that output's first version).
 */
export function nextHtmlOutput(owner = false): { library: boolean } | null {
  if (mode === 'off') return null;
  if (mode === 'every' || owner) return { library: true };
  if (libraryEmitted) return { library: false };
  libraryEmitted = true;
  return { library: true };
}

/** The npm packages whose browser builds are inlined, in load order (vega-embed needs the other two). */
export const LIBRARY_PACKAGES = ['vega', 'vega-lite', 'vega-embed'] as const;

let libraryCache: { base64: string; rawBytes: number; versions: Record<string, string> } | undefined;

/** The three minified UMD builds, concatenated, gzip-compressed, base64 (computed once, ~0.2 s). */
export function libraryBundle(): { base64: string; rawBytes: number; versions: Record<string, string> } {
  if (libraryCache) return libraryCache;
  const parts: Buffer[] = [];
  const versions: Record<string, string> = {};
  for (const pkg of LIBRARY_PACKAGES) {
    // `main` of each is build/<name>.js (CommonJS); the browser build is build/<name>.min.js beside it.
    const dir = path.dirname(require.resolve(pkg));
    const file = path.join(dir, `${pkg}.min.js`);
    if (!fs.existsSync(file)) throw new Error(`interactive charts: ${file} is missing (reinstall with "npm ci")`);
    parts.push(fs.readFileSync(file), Buffer.from(';\n'));
    versions[pkg] = (JSON.parse(fs.readFileSync(path.join(dir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  }
  const raw = Buffer.concat(parts);
  libraryCache = { base64: zlib.gzipSync(raw, { level: 9 }).toString('base64'), rawBytes: raw.length, versions };
  return libraryCache;
}

/** JSON that is safe inside an inline `<script>` (no `</script>`, no `<!--`); non-finite numbers become strings. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Browser code that unpacks the library once per page, then runs the charts queued on
 * `window.facemaskChartsQueue`. `define`, `module` and `exports` are hidden from the UMD builds:
 * Notebook 6 (and nbconvert's export) load RequireJS, and an anonymous `define()` would register
 * the packages with it instead of setting the `vega`, `vegaLite` and `vegaEmbed` globals.
 */
function loaderScript(base64: string): string {
  return `(function () {
  var w = window;
  if (w.facemaskCharts) return;
  var fc = w.facemaskCharts = { ready: false, error: null };
  function drain() {
    var q = w.facemaskChartsQueue || [];
    w.facemaskChartsQueue = [];
    q.forEach(function (run) { run(); });
  }
  function fail(msg) { fc.error = msg; drain(); }
  if (typeof DecompressionStream === 'undefined') return fail('this browser cannot unpack the chart library (no DecompressionStream: needs Chrome 80, Firefox 113 or Safari 16.4)');
  var bin = atob('${base64}');
  var bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function (code) {
    new Function('define', 'module', 'exports', code).call(w);
    fc.ready = true;
    drain();
  }).catch(function (e) { fail('the chart library did not load: ' + (e && e.message || e)); });
})();`;
}

/** Milliseconds a chart waits for the library before it says where the library should be. */
const LIBRARY_WAIT_MS = 4000;

/**
 * Browser code for one chart: render `spec` into `#id` when the library is ready, then hide the
 * PNG output just before this one (Notebook 6 / nbconvert classic: `.output_area`; JupyterLab and
 * nbconvert lab: `.jp-OutputArea-child`) when it holds exactly one PNG image.
 */
function chartScript(id: string, spec: object, embedOptions: object): string {
  return `(function () {
  var w = window, id = ${JSON.stringify(id)};
  var spec = ${scriptJson(spec)};
  function note(msg) {
    var el = document.getElementById(id);
    if (el && !el.getAttribute('data-rendered')) el.innerHTML = '<div style="font:12px sans-serif;color:#777">' + msg + '</div>';
  }
  var tries = 0;
  function run() {
    var el = document.getElementById(id);
    // Notebook 6 runs an output's scripts before it attaches the output to the page: wait for it.
    if (!el) { if (++tries < 100) setTimeout(run, 50); return; }
    if (!w.vegaEmbed) return note('interactive view unavailable: ' + ((w.facemaskCharts && w.facemaskCharts.error) || 'no chart library'));
    w.vegaEmbed(el, spec, ${scriptJson(embedOptions)}).then(function () {
      el.setAttribute('data-rendered', '1');
      var area = el.closest('.output_area, .jp-OutputArea-child');
      var prev = area && area.previousElementSibling;
      var imgs = prev ? prev.querySelectorAll('img') : [];
      if (imgs.length === 1 && /^data:image\\/png/.test(imgs[0].getAttribute('src') || '')) prev.style.display = 'none';
    }).catch(function (e) { note('interactive view failed: ' + (e && e.message || e)); });
  }
  if (w.facemaskCharts && (w.facemaskCharts.ready || w.facemaskCharts.error)) setTimeout(run, 0);
  else (w.facemaskChartsQueue = w.facemaskChartsQueue || []).push(run);
  setTimeout(function () {
    if (!w.facemaskCharts) note('interactive view unavailable: the chart library is in the first chart output of this notebook, which is missing here (run the notebook from the top to restore it)');
  }, ${LIBRARY_WAIT_MS});
})();`;
}

/** vega-embed options: SVG renderer (crisp, and its marks are DOM elements), export actions only. */
const EMBED_OPTIONS = { renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } };

export interface InteractiveHtmlOptions {
  /** Inline the chart library in this fragment. default: true */
  library?: boolean;
  /** Id of the chart's `<div>`. default: a random `facemask-chart-…` */
  id?: string;
}

/**
 * The HTML fragment for one chart: a `<div>` and the scripts that render `spec` into it (the
 * library first when `library` is set). Nothing is loaded from the network.
 */
export function interactiveHtml(spec: object, opts: InteractiveHtmlOptions = {}): string {
  const id = opts.id ?? `facemask-chart-${randomBytes(6).toString('hex')}`;
  if (!/^[A-Za-z][\w-]*$/.test(id)) throw new Error(`interactiveHtml: the id "${id}" is not a plain HTML id (letters, digits, _ and -)`);
  const lib = opts.library ?? true;
  return (
    `<div id="${id}" class="facemask-chart"></div>\n` +
    (lib ? `<script type="text/javascript">${loaderScript(libraryBundle().base64)}</script>\n` : '') +
    `<script type="text/javascript">${chartScript(id, spec, EMBED_OPTIONS)}</script>\n`
  );
}

/** A complete HTML page with one interactive chart and the library inlined (for `Figure.save('x.html')`). */
export function interactivePage(spec: object, title = 'chart'): string {
  const esc = title.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${esc}</title></head>\n<body>\n${interactiveHtml(spec)}</body></html>\n`;
}
