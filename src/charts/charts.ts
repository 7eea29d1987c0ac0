/**
 * The chart types the project uses, each a thin Vega-Lite spec over plain rows, returned as a
 * `Figure` (SVG now, PNG on demand). When a colour field holds class labels (`with_mask`, …) the
 * conventions' colours are used, so every chart of the project agrees on them.
 *
 * Each chart also builds an interactive spec for the notebook's HTML output (interactive.ts):
 * tooltips with the row's fields (plus `tooltip` extras), zoom and pan on continuous axes (wheel,
 * drag; double-click resets), and a click on a legend entry that highlights its series. The static
 * SVG/PNG is rendered from the spec without these (they change nothing there but cost SVG size).
 *
 * Long (~420 lines): every chart type the project draws, each a static spec plus its interactive
 * additions, over shared encoding helpers.
 */
import { DISPLAY, LABELS, isLabel } from '../labels';
import { Figure, VegaLiteSpec, vegaLite } from './figure';

export type Row = Record<string, unknown>;
/** Rows as callers have them: any objects (interfaces too, which have no index signature). */
export type Rows = readonly object[];

export interface ChartOptions {
  /** Title above the chart. default: none */
  title?: string;
  /** Width of the plotting area in pixels. default: 400 */
  width?: number;
  /** Height of the plotting area in pixels. default: 250 */
  height?: number;
  /** Axis titles. default: the field names */
  xTitle?: string;
  yTitle?: string;
  /**
   * Extra row fields shown on hover in the interactive view; the chart's own fields (x, y, colour)
   * are always shown. Not for `histogram` (its rows are bins) nor `heatmap` (see `cellItems`).
   * default: none
   */
  tooltip?: string | string[];
}

const DEFAULT_WIDTH = 400;
const DEFAULT_HEIGHT = 250;

/** The parts every chart spec starts with: schema, title, size. */
export function frame(opts: ChartOptions): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: opts.width ?? DEFAULT_WIDTH,
    height: opts.height ?? DEFAULT_HEIGHT,
  };
}

/** Opacity of the series a legend click did not pick. */
const FADED = 0.15;

/** Zoom and pan both continuous axes (wheel, drag; double-click resets). */
const ZOOM_PARAM = { name: 'zoom', select: { type: 'interval', encodings: ['x', 'y'] }, bind: 'scales' };

/** Click a legend entry to highlight its series (shift-click adds another; a double-click in the chart clears). */
function legendParam(field: string): Record<string, unknown> {
  return { name: 'pick', select: { type: 'point', fields: [field] }, bind: 'legend' };
}

/** Full opacity for the picked series (all of them when none is picked), `FADED` for the rest. */
const PICK_OPACITY = { condition: { param: 'pick', value: 1 }, value: FADED };

/** The nearest point under the pointer (a Voronoi layer catches the pointer between points too). */
const HOVER_PARAM = { name: 'hover', select: { type: 'point', on: 'pointerover', nearest: true, clear: 'pointerout' } };

/**
 * A tooltip entry for `field`, typed and formatted by its values: whole numbers with thousands
 * separators, other numbers to 4 significant digits, anything else as text.
 */
export function tooltipEntry(rows: readonly Row[], field: string, title?: string): Record<string, unknown> {
  const values = rows.map((r) => r[field]).filter((v) => v !== undefined && v !== null);
  const entry: Record<string, unknown> = { field, title: title ?? field };
  if (values.length > 0 && values.every((v) => typeof v === 'number')) {
    entry.type = 'quantitative';
    entry.format = values.every((v) => Number.isInteger(v) || !Number.isFinite(v as number)) ? ',' : '.4~r';
  } else entry.type = 'nominal';
  return entry;
}

/** The caller's extra tooltip fields (checked to exist), minus those already shown. */
function extraTooltip(rows: readonly Row[], extra: string | string[] | undefined, shown: string[], what: string): Record<string, unknown>[] {
  const fields = extra === undefined ? [] : Array.isArray(extra) ? extra : [extra];
  fields.forEach((f) => requireField(rows, f, `${what} tooltip`));
  return fields.filter((f) => !shown.includes(f)).map((f) => tooltipEntry(rows, f));
}

function requireField(rows: readonly Row[], field: string, what: string): void {
  if (rows.length > 0 && !rows.some((r) => field in r)) {
    throw new Error(`${what}: no row has the field "${field}" (fields: ${Object.keys(rows[0]).join(', ')})`);
  }
}

/** A colour encoding; class labels get the conventions' colours in `LABELS` order. */
function colourEncoding(rows: Row[], field: string, title?: string): Record<string, unknown> {
  const values = [...new Set(rows.map((r) => String(r[field])))];
  const enc: Record<string, unknown> = { field, type: 'nominal', title: title ?? field };
  if (values.length > 0 && values.every(isLabel)) {
    const domain = LABELS.filter((l) => values.includes(l));
    enc.scale = { domain, range: domain.map((l) => `rgb(${DISPLAY[l].colour.join(',')})`) };
  }
  return enc;
}

export interface BarChartOptions extends ChartOptions {
  /** Category field (one bar or group of bars per value). */
  x: string;
  /** Value field (bar height). */
  y: string;
  /** Optional field that splits each bar: grouped side by side, or stacked with `stack`. */
  colour?: string;
  /** Stack the `colour` parts instead of placing them side by side. default: false */
  stack?: boolean;
  /** Horizontal bars (categories on the y axis). default: false */
  horizontal?: boolean;
  /** Write each bar's value on it. default: true when there are at most 40 bars */
  labels?: boolean;
}

/** Bars of `y` per `x` (and per `colour`, grouped or stacked). */
export function barChart(input: Rows, opts: BarChartOptions): Figure {
  const rows = input as Row[];
  requireField(rows, opts.x, 'barChart');
  requireField(rows, opts.y, 'barChart');
  if (opts.colour) requireField(rows, opts.colour, 'barChart');
  const cat = opts.horizontal ? 'y' : 'x';
  const val = opts.horizontal ? 'x' : 'y';
  const enc: Record<string, unknown> = {
    [cat]: { field: opts.x, type: 'nominal', title: opts.xTitle ?? opts.x, sort: null, axis: { labelAngle: opts.horizontal ? 0 : -30 } },
    [val]: { field: opts.y, type: 'quantitative', title: opts.yTitle ?? opts.y, ...(opts.stack ? {} : { stack: null }) },
  };
  if (opts.colour) {
    enc.color = colourEncoding(rows, opts.colour);
    if (!opts.stack) enc[`${cat}Offset`] = { field: opts.colour, type: 'nominal', sort: null };
  }
  const labels = opts.labels ?? rows.length <= 40;
  const spec = (interactive: boolean) => {
    const tip = [tooltipEntry(rows, opts.x, opts.xTitle), tooltipEntry(rows, opts.y, opts.yTitle), ...(opts.colour ? [tooltipEntry(rows, opts.colour)] : [])];
    const extra = interactive ? { tooltip: [...tip, ...extraTooltip(rows, opts.tooltip, tip.map((t) => t.field as string), 'barChart')] } : {};
    const bar: Record<string, unknown> = { mark: { type: 'bar' }, encoding: { ...enc, ...extra } };
    if (interactive && opts.colour) {
      bar.params = [legendParam(opts.colour)];
      (bar.encoding as Record<string, unknown>).opacity = PICK_OPACITY;
    }
    const layers: unknown[] = [bar];
    if (labels && !opts.stack) {
      layers.push({
        mark: { type: 'text', ...(opts.horizontal ? { align: 'left', dx: 3 } : { baseline: 'bottom', dy: -2 }), fontSize: 10 },
        encoding: { ...enc, color: undefined, text: { field: opts.y, type: 'quantitative' }, ...extra },
      });
    }
    return { ...frame(opts), data: { values: rows }, layer: layers } as VegaLiteSpec;
  };
  return vegaLite(spec(false), spec(true));
}

export interface LineChartOptions extends ChartOptions {
  /** Field on the x axis (e.g. `epoch`). */
  x: string;
  /**
   * Value field(s). Several fields (wide rows such as `{epoch, loss, val_loss}`) become one line
   * each, named by the field.
   */
  y: string | string[];
  /** For long rows (`{epoch, value, series}`): the field naming each line. */
  series?: string;
  /** Draw a point on each value. default: true when there are at most 60 x values */
  points?: boolean;
  /** Y axis starts at zero. default: false */
  zero?: boolean;
}

/** One or more lines of `y` against `x` (training curves: `lineChart(history, {x:'epoch', y:['loss','val_loss']})`). */
export function lineChart(input: Rows, opts: LineChartOptions): Figure {
  const rows = input as Row[];
  requireField(rows, opts.x, 'lineChart');
  const ys = Array.isArray(opts.y) ? opts.y : [opts.y];
  if (ys.length === 0) throw new Error('lineChart: y must name at least one field');
  ys.forEach((y) => requireField(rows, y, 'lineChart'));
  if (opts.series) requireField(rows, opts.series, 'lineChart');
  let data = rows;
  let yField = ys[0];
  let series = opts.series;
  if (ys.length > 1) {
    if (series) throw new Error('lineChart: give either several y fields or a series field, not both');
    const keep = opts.tooltip === undefined ? [] : Array.isArray(opts.tooltip) ? opts.tooltip : [opts.tooltip];
    data = rows.flatMap((r) =>
      ys.filter((y) => r[y] !== undefined && r[y] !== null).map((y) => ({ ...Object.fromEntries(keep.map((k) => [k, r[k]])), [opts.x]: r[opts.x], value: r[y], series: y })),
    );
    yField = 'value';
    series = 'series';
  }
  const nx = new Set(rows.map((r) => r[opts.x])).size;
  const enc: Record<string, unknown> = {
    x: { field: opts.x, type: 'quantitative', title: opts.xTitle ?? opts.x, axis: { tickMinStep: 1 } },
    y: { field: yField, type: 'quantitative', title: opts.yTitle ?? (ys.length > 1 ? '' : ys[0]), scale: { zero: opts.zero ?? false } },
  };
  if (series) enc.color = colourEncoding(data, series, ys.length > 1 ? '' : series);
  const mark = { type: 'line', point: opts.points ?? nx <= 60 };
  const statics = { ...frame(opts), data: { values: data }, mark, encoding: enc } as VegaLiteSpec;
  // Interactive: zoom/pan, legend highlight, and a hover layer whose nearest point carries the tooltip.
  const tip = [
    ...(series ? [tooltipEntry(data, series, ys.length > 1 ? 'series' : series)] : []),
    tooltipEntry(data, opts.x, opts.xTitle),
    tooltipEntry(data, yField, opts.yTitle ?? (ys.length > 1 ? 'value' : ys[0])),
  ];
  tip.push(...extraTooltip(data, opts.tooltip, tip.map((t) => t.field as string), 'lineChart'));
  const line: Record<string, unknown> = { params: [ZOOM_PARAM], mark, encoding: { ...enc } };
  if (series) {
    (line.params as unknown[]).push(legendParam(series));
    (line.encoding as Record<string, unknown>).opacity = PICK_OPACITY;
  }
  const hover = {
    params: [HOVER_PARAM],
    mark: { type: 'point', filled: true, size: 80 },
    encoding: { x: enc.x, y: enc.y, ...(series ? { color: enc.color } : {}), opacity: { condition: { param: 'hover', empty: false, value: 1 }, value: 0 }, tooltip: tip },
  };
  return vegaLite(statics, { ...frame(opts), data: { values: data }, layer: [line, hover] } as VegaLiteSpec);
}

export interface HistogramOptions extends ChartOptions {
  /** Maximum number of bins. default: 30 */
  bins?: number;
  /** Fixed bin width (overrides `bins`). default: none */
  step?: number;
  /** Bin range `[min, max]`. default: the data's */
  extent?: [number, number];
}

/**
 * A histogram of numbers; several named groups (`{with_mask: [...], without_mask: [...]}`) are
 * overlaid in their colours.
 */
export function histogram(values: number[] | Record<string, number[]>, opts: HistogramOptions = {}): Figure {
  if (opts.tooltip !== undefined) throw new Error('histogram: no tooltip fields (its bars are bins, shown with their range and count)');
  const grouped = !Array.isArray(values);
  const rows: Row[] = grouped
    ? Object.entries(values).flatMap(([g, vs]) => vs.map((v) => ({ value: v, group: g })))
    : values.map((v) => ({ value: v }));
  const bad = rows.find((r) => typeof r.value !== 'number' || !Number.isFinite(r.value));
  if (bad) throw new Error(`histogram: values must be finite numbers, got ${JSON.stringify(bad.value)}`);
  const bin: Record<string, unknown> = opts.step ? { step: opts.step } : { maxbins: opts.bins ?? 30 };
  if (opts.extent) bin.extent = opts.extent;
  const enc: Record<string, unknown> = {
    x: { field: 'value', type: 'quantitative', bin, title: opts.xTitle ?? 'value' },
    y: { aggregate: 'count', type: 'quantitative', title: opts.yTitle ?? 'count', stack: null },
  };
  if (grouped) enc.color = colourEncoding(rows, 'group', '');
  const mark = { type: 'bar', opacity: grouped ? 0.6 : 1, binSpacing: 1 };
  const statics = { ...frame(opts), data: { values: rows }, mark, encoding: enc } as VegaLiteSpec;
  // Interactive: the bin's range and count on hover, legend highlight. No zoom: bins are fixed.
  const tip = [
    ...(grouped ? [{ field: 'group', type: 'nominal', title: 'group' }] : []),
    { field: 'value', type: 'quantitative', bin, title: opts.xTitle ?? 'value' },
    { aggregate: 'count', type: 'quantitative', title: opts.yTitle ?? 'count' },
  ];
  const live: Record<string, unknown> = { ...frame(opts), data: { values: rows }, mark, encoding: { ...enc, tooltip: tip } };
  if (grouped) {
    live.params = [legendParam('group')];
    (live.encoding as Record<string, unknown>).opacity = { condition: { param: 'pick', value: 0.6 }, value: FADED / 2 };
  }
  return vegaLite(statics, live as VegaLiteSpec);
}

export interface HeatmapOptions extends ChartOptions {
  /** Title of the row axis. default: 'true' (confusion matrices: rows are the true class) */
  rowTitle?: string;
  /** Title of the column axis. default: 'predicted' */
  colTitle?: string;
  /** Colour cells by their share of the row rather than the raw value. default: true */
  rowNormalise?: boolean;
  /** Add the row percentage under each count. default: false */
  percent?: boolean;
  /** Size of one cell in pixels when width/height are not given. default: 70 */
  cellSize?: number;
  /**
   * Items listed on hover per cell, `cellItems[row][col]` (e.g. the files of a confusion-matrix
   * cell, worst first). Only the interactive view shows them. default: none
   */
  cellItems?: readonly (readonly (readonly string[])[])[];
  /** How many of a cell's items the tooltip lists; the rest are counted. default: 5 */
  maxItems?: number;
  /** What the items are, for the tooltip ("file 1", "file 2", …). default: 'file' */
  itemsTitle?: string;
}

/** Default number of a heatmap cell's items listed on hover. */
export const DEFAULT_MAX_ITEMS = 5;

function formatCell(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/**
 * A matrix of numbers with each cell's value written in it. For a confusion matrix
 * `m[trueClass][predictedClass]`: rows are the true class, columns the predicted one.
 */
/** A heatmap's input, checked: the matrix's shape against its labels, finite cells, items of the same shape. */
function checkHeatmap(matrix: number[][], rowLabels: string[], colLabels: string[], opts: HeatmapOptions): void {
  if (matrix.length !== rowLabels.length) throw new Error(`heatmap: ${matrix.length} rows but ${rowLabels.length} row labels`);
  matrix.forEach((row, i) => {
    if (row.length !== colLabels.length) throw new Error(`heatmap: row ${i} has ${row.length} cells but there are ${colLabels.length} column labels`);
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`heatmap: cell [${i}][${j}] is not a finite number (${v})`);
    });
  });
  if (opts.tooltip !== undefined) throw new Error('heatmap: no tooltip fields; list things per cell with cellItems');
  const items = opts.cellItems;
  if (items && (items.length !== matrix.length || items.some((r, i) => r.length !== matrix[i].length))) {
    throw new Error(`heatmap: cellItems must have the matrix's shape (${matrix.length} rows of ${colLabels.length} lists of names)`);
  }
  const maxItems = opts.maxItems ?? DEFAULT_MAX_ITEMS;
  if (!Number.isInteger(maxItems) || maxItems < 0) throw new Error(`heatmap: maxItems must be a whole number >= 0, got ${maxItems}`);
}

export function heatmap(matrix: number[][], rowLabels: string[], colLabels: string[], opts: HeatmapOptions = {}): Figure {
  checkHeatmap(matrix, rowLabels, colLabels, opts);
  const items = opts.cellItems;
  const maxItems = opts.maxItems ?? DEFAULT_MAX_ITEMS;
  const itemsTitle = opts.itemsTitle ?? 'file';
  const norm = opts.rowNormalise ?? true;
  const cells: Row[] = [];
  matrix.forEach((row, i) => {
    const sum = row.reduce((a, b) => a + b, 0);
    row.forEach((v, j) => {
      const share = sum > 0 ? v / sum : 0;
      const text = opts.percent ? [formatCell(v), `${(share * 100).toFixed(0)}%`] : formatCell(v);
      cells.push({ row: rowLabels[i], col: colLabels[j], value: v, share, shade: norm ? share : v, text });
    });
  });
  // Hover fields for the items: "file 1" … "file N" and "more" ("+12 more"), present where a cell has them.
  const itemFields: string[] = [];
  if (items) {
    const longest = Math.min(maxItems, Math.max(0, ...items.flat().map((l) => l.length)));
    for (let k = 1; k <= longest; k++) itemFields.push(`${itemsTitle} ${k}`);
    cells.forEach((c, n) => {
      const list = items[Math.floor(n / colLabels.length)][n % colLabels.length];
      list.slice(0, maxItems).forEach((name, k) => (c[`${itemsTitle} ${k + 1}`] = name));
      if (list.length > maxItems) c.more = `+${list.length - maxItems} more`;
    });
  }
  const maxShade = Math.max(0, ...cells.map((c) => c.shade as number));
  const cs = opts.cellSize ?? 70;
  const enc = {
    y: { field: 'row', type: 'ordinal', sort: rowLabels, title: opts.rowTitle ?? 'true' },
    x: {
      field: 'col', type: 'ordinal', sort: colLabels, title: opts.colTitle ?? 'predicted',
      // Tilt the column labels when the longest would not fit its cell (about 7 px per character).
      axis: { orient: 'top', labelAngle: Math.max(0, ...colLabels.map((l) => l.length)) * 7 > cs ? -30 : 0 },
    },
  };
  const spec = (interactive: boolean) => {
    // Interactive: the cell's count, row share and items on hover (on its text too); a click
    // highlights one cell (shift-click adds more, double-click clears). No zoom: both axes are categories.
    // The tooltip is an expression, not the tooltip channel: a cell without items then leaves
    // "file 1"… undefined, which the tooltip skips (the channel would print "undefined").
    const rowTitle = opts.rowTitle ?? 'true';
    const fields: [string, string][] = [
      [rowTitle, 'datum.row'],
      [opts.colTitle ?? 'predicted', 'datum.col'],
      ['count', `format(datum.value, ${JSON.stringify(matrix.flat().every(Number.isInteger) ? ',' : '.4~r')})`],
      [`share of the ${rowTitle} row`, "format(datum.share, '.1%')"],
      ...itemFields.map((f): [string, string] => [f, `datum[${JSON.stringify(f)}]`]),
      ...(itemFields.length ? [['more', 'datum.more'] as [string, string]] : []),
    ];
    const tooltip = { expr: `{${fields.map(([k, e]) => `${JSON.stringify(k)}: ${e}`).join(', ')}}` };
    const tip = interactive ? { opacity: { condition: { param: 'cell', value: 1 }, value: 0.35 } } : {};
    const markTip = interactive ? { tooltip } : {};
    return {
      ...frame({ ...opts, width: opts.width ?? cs * colLabels.length, height: opts.height ?? cs * rowLabels.length }),
      data: { values: cells },
      encoding: enc,
      layer: [
        {
          ...(interactive ? { params: [{ name: 'cell', select: { type: 'point', fields: ['row', 'col'] } }] } : {}),
          mark: { type: 'rect', ...markTip },
          encoding: { color: { field: 'shade', type: 'quantitative', scale: { domain: [0, maxShade || 1], range: ['#ffffff', '#2166ac'], interpolate: 'rgb' }, legend: null }, ...tip },
        },
        {
          mark: { type: 'text', fontSize: 13, lineHeight: 15, ...markTip },
          encoding: {
            text: { field: 'text' },
            color: { condition: { test: `datum.shade > ${(maxShade || 1) * 0.55}`, value: 'white' }, value: 'black' },
            ...tip,
          },
        },
      ],
    } as VegaLiteSpec;
  };
  return vegaLite(spec(false), spec(true));
}

export interface ScatterOptions extends ChartOptions {
  x: string;
  y: string;
  /** Field that colours the points. default: none */
  colour?: string;
  /** Point size in square pixels. default: 30 */
  size?: number;
}

/** Points of `y` against `x`, optionally coloured by a field. */
export function scatter(input: Rows, opts: ScatterOptions): Figure {
  const rows = input as Row[];
  requireField(rows, opts.x, 'scatter');
  requireField(rows, opts.y, 'scatter');
  const enc: Record<string, unknown> = {
    x: { field: opts.x, type: 'quantitative', title: opts.xTitle ?? opts.x, scale: { zero: false } },
    y: { field: opts.y, type: 'quantitative', title: opts.yTitle ?? opts.y, scale: { zero: false } },
  };
  if (opts.colour) {
    requireField(rows, opts.colour, 'scatter');
    enc.color = colourEncoding(rows, opts.colour);
  }
  const mark = { type: 'point', filled: true, size: opts.size ?? 30, opacity: 0.8 };
  const statics = { ...frame(opts), data: { values: rows }, mark, encoding: enc } as VegaLiteSpec;
  // Interactive: the row's fields on hover, zoom/pan, legend highlight.
  const tip = [tooltipEntry(rows, opts.x, opts.xTitle), tooltipEntry(rows, opts.y, opts.yTitle), ...(opts.colour ? [tooltipEntry(rows, opts.colour)] : [])];
  tip.push(...extraTooltip(rows, opts.tooltip, tip.map((t) => t.field as string), 'scatter'));
  const live: Record<string, unknown> = { ...frame(opts), data: { values: rows }, params: [ZOOM_PARAM], mark, encoding: { ...enc, tooltip: tip } };
  if (opts.colour) {
    (live.params as unknown[]).push(legendParam(opts.colour));
    (live.encoding as Record<string, unknown>).opacity = { condition: { param: 'pick', value: 0.8 }, value: FADED };
  }
  return vegaLite(statics, live as VegaLiteSpec);
}
