/**
 * A rendered chart: SVG text in memory, PNG on demand (sharp/librsvg, fonts from fontconfig —
 * DejaVu Sans on Debian, package `fonts-dejavu-core`), saved atomically, shown inline in a tslab
 * notebook as a PNG plus an interactive HTML output (interactive.ts). Vega-Lite specs are compiled
 * and rendered in Node without a browser.
 */
import * as path from 'node:path';
import sharp from 'sharp';
// vega and vega-lite are loaded without their type declarations: checking them costs tslab
// (and tsc) about 10 s per notebook. The little we call is typed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vega = require('vega') as VegaModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vl = require('vega-lite') as { compile(spec: object): { spec: VegaSpec } };
import { writeFileAtomic } from '../util/atomic';
import { displayHtml, displayPng, noteOutsideNotebook } from './display';
import { interactiveHtml, interactivePage, nextHtmlOutput } from './interactive';

/**
 * A Vega-Lite specification (https://vega.github.io/vega-lite/docs/), as a plain object with its
 * data inline (`data: { values: [...] }`). Kept loose on purpose (see the note on the imports);
 * `vl.compile` validates it and its errors are passed on.
 */
export type VegaLiteSpec = object;
/** A compiled Vega specification. */
export type VegaSpec = { [key: string]: unknown };

interface VegaView {
  run(): VegaView;
  padding(): { left: number; right: number; top: number; bottom: number };
  loader(): unknown;
  background(): unknown;
  finalize(): void;
  toSVG(): Promise<string>;
  _viewWidth: number;
  _viewHeight: number;
  _origin: [number, number];
  _scenegraph: { root: unknown };
}

interface VegaModule {
  View: new (runtime: unknown, opts: { renderer: 'none' }) => VegaView;
  parse(spec: VegaSpec): unknown;
  SVGStringRenderer: new (loader: unknown) => SvgStringRenderer;
}

/** PNG pixels per SVG pixel, so that charts stay sharp on high-density screens. default: 2 */
export const DEFAULT_PNG_SCALE = 2;

export class Figure {
  /** Width and height in SVG (CSS) pixels. */
  readonly width: number;
  readonly height: number;
  private pngCache = new Map<number, Promise<Buffer>>();

  /**
   * @param svg the complete SVG document
   * @param spec the Vega-Lite spec it was rendered from (kept for inspection; may be undefined)
   * @param interactiveSpec the spec for the browser: `spec` plus tooltips, zoom and selections
   *   (they change nothing in a static rendering but cost SVG size, so the SVG comes from `spec`).
   *   default: `spec`; no interactive output without either
   */
  constructor(readonly svg: string, readonly spec?: VegaLiteSpec, readonly interactiveSpec: VegaLiteSpec | undefined = spec) {
    const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
    if (!m) throw new Error('Figure: not an SVG document with width and height');
    this.width = Number(m[1]);
    this.height = Number(m[2]);
  }

  /** The chart as PNG bytes, `scale` pixels per SVG pixel (default 2). Rendered once per scale. */
  png(scale: number = DEFAULT_PNG_SCALE): Promise<Buffer> {
    let p = this.pngCache.get(scale);
    if (!p) {
      p = svgToPng(this.svg, scale);
      this.pngCache.set(scale, p);
    }
    return p;
  }

  /**
   * The interactive chart as an HTML fragment (a `<div>` and scripts, no network; see
   * interactive.ts), with the chart library inlined when `library` is true (default: true).
   * Throws for a figure made from an SVG alone.
   */
  html(opts: { library?: boolean } = {}): string {
    if (!this.interactiveSpec) throw new Error('Figure.html: this figure has no Vega-Lite spec (made from an SVG alone), so no interactive view');
    return interactiveHtml(withBaseConfig(this.interactiveSpec), opts);
  }

  /**
   * Write the chart to `file`, atomically, by its extension: `.svg`, `.png`, or `.html` (a page
   * with the interactive chart, library inlined, works offline).
   */
  async save(file: string): Promise<string> {
    const ext = path.extname(file).toLowerCase();
    if (ext === '.svg') writeFileAtomic(file, this.svg);
    else if (ext === '.png') writeFileAtomic(file, await this.png());
    else if (ext === '.html') {
      if (!this.interactiveSpec) throw new Error('cannot save this figure as .html: it has no Vega-Lite spec (use .svg or .png)');
      writeFileAtomic(file, interactivePage(withBaseConfig(this.interactiveSpec), path.basename(file, ext)));
    } else throw new Error(`cannot save a chart as "${ext || file}": use a .svg, .png or .html file name`);
    return file;
  }

  /**
   * Show the chart in a tslab notebook: a PNG output (what GitHub, untrusted notebooks and
   * headless runs show), then an HTML output with the interactive chart (tooltips, zoom,
   * selection), which hides the PNG where its script runs. The chart library travels in the first
   * chart's HTML output only (see `interactiveCharts`). Outside a notebook: a one-line note on stderr.
   */
  async show(): Promise<void> {
    const png = await this.png();
    if (!displayPng(png)) return noteOutsideNotebook(`chart ${this.width}x${this.height}`);
    const out = this.interactiveSpec ? nextHtmlOutput() : null;
    if (out) displayHtml(this.html(out));
  }
}

/** Rasterise an SVG document with sharp; `scale` pixels per SVG pixel. */
export async function svgToPng(svg: string, scale: number = DEFAULT_PNG_SCALE): Promise<Buffer> {
  if (!(scale > 0) || scale > 8) throw new Error(`PNG scale must be in (0, 8], got ${scale}`);
  return sharp(Buffer.from(svg), { density: 72 * scale }).png().toBuffer();
}

/** Defaults applied to every spec (a white background so PNGs read on dark notebook themes). */
const BASE_CONFIG = {
  background: 'white',
  font: 'DejaVu Sans, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  // labels up to 280 px, not Vega's 160: a class and its number (`incorrect_mask 0.138`) are not cut
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 280 },
  title: { fontSize: 14, anchor: 'start' as const },
};

/**
 * Render a Vega-Lite spec to SVG, synchronously. This is what `view.toSVG()` does (the test
 * checks that the output is identical), minus the wait for external images: specs here carry
 * their data inline, so nothing is loaded.
 */
export function renderVegaLite(spec: VegaLiteSpec): string {
  return renderVega(compileVegaLite(spec));
}

/** The spec with the project's base config under its own `config` (what both renderings use). */
export function withBaseConfig(spec: VegaLiteSpec): VegaLiteSpec {
  const own = (spec as { config?: object }).config;
  return { ...spec, config: { ...BASE_CONFIG, ...(own ?? {}) } };
}

/** Compile Vega-Lite to Vega, with the project's base config under the spec's own `config`. */
export function compileVegaLite(spec: VegaLiteSpec): VegaSpec {
  try {
    return vl.compile(withBaseConfig(spec)).spec;
  } catch (e) {
    throw new Error(`invalid Vega-Lite spec: ${(e as Error).message}`);
  }
}

/** Render a Vega spec to an SVG document, synchronously (see `renderVegaLite`). */
export function renderVega(compiled: VegaSpec): string {
  // Internal fields of vega-view (render-size.js / render-headless.js in vega-view 5).
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  view.run();
  const pad = view.padding();
  const width = Math.max(0, view._viewWidth + pad.left + pad.right);
  const height = Math.max(0, view._viewHeight + pad.top + pad.bottom);
  const origin = [pad.left + view._origin[0], pad.top + view._origin[1]];
  const r = new vega.SVGStringRenderer(view.loader()).initialize(null, width, height, origin, 1).background(view.background());
  r.render(view._scenegraph.root);
  const svg = r.svg();
  view.finalize();
  if (!svg) throw new Error('vega rendered no SVG');
  return svg;
}

interface SvgStringRenderer {
  initialize(el: null, w: number, h: number, origin: number[], scale: number): SvgStringRenderer;
  background(bg: unknown): SvgStringRenderer;
  render(scene: unknown): SvgStringRenderer;
  svg(): string | null;
}

/**
 * Any Vega-Lite spec as a `Figure` (data must be inline: `data: { values: [...] }`). The SVG/PNG is
 * rendered from `spec`; the interactive view uses `interactiveSpec` (default: `spec`), which should
 * be `spec` plus tooltips, params and invisible hover layers. It is compiled here too, so that an
 * invalid one fails now rather than in the browser.
 */
export function vegaLite(spec: VegaLiteSpec, interactiveSpec?: VegaLiteSpec): Figure {
  if (interactiveSpec) {
    try {
      compileVegaLite(interactiveSpec);
    } catch (e) {
      throw new Error(`interactive spec: ${(e as Error).message}`);
    }
  }
  return new Figure(renderVegaLite(spec), spec, interactiveSpec ?? spec);
}
