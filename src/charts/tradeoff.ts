/**
 * The recall-vs-false-boxes trade-off of detection settings: one point per setting (detector
 * threshold × not_face rejection × trusted detector score) at its false boxes per image and
 * masked-face recall, coloured by end-to-end accuracy, with the best-recall frontier, an optional
 * false-box budget and the chosen setting ringed. Interactive view: every field of the setting
 * under the pointer, zoom/pan, and a click that highlights the settings sharing its threshold.
 */
import { Figure, VegaLiteSpec, vegaLite } from './figure';
import { ChartOptions, Row, frame, tooltipEntry } from './charts';

/** One detection setting and what it gives (rates as the caller has them: fractions or %). */
export interface TradeoffRow {
  /** Detector confidence threshold. */
  threshold: number;
  /** Drop a box when p(not_face) >= this; null: off. */
  rejectAt: number | null;
  /** Never drop a box the detector scores >= this; null: off (none trusted). */
  trustAbove: number | null;
  /** Masked faces found and kept (recall). */
  maskedRecall: number;
  /** False boxes per image. */
  falsePerImage: number;
  /** Faces found and labelled right, end to end. */
  endToEnd: number;
}

/** The setting a row is picked by. */
export type TradeoffSetting = Pick<TradeoffRow, 'threshold' | 'rejectAt' | 'trustAbove'>;

export interface TradeoffOptions extends ChartOptions {
  /** The setting to ring and label: a row index, or the setting's three values. default: none */
  chosen?: number | TradeoffSetting;
  /** Draw the false-box budget as a dashed vertical line at this many false boxes per image. default: none */
  maxFalse?: number;
  /** Draw the frontier: for each false-box level, the best recall reached at or below it. default: true */
  frontier?: boolean;
}

const NUMERIC_FIELDS = ['threshold', 'maskedRecall', 'falsePerImage', 'endToEnd'] as const;
/** The policy levels: a number, or null for off. */
const LEVEL_FIELDS = ['rejectAt', 'trustAbove'] as const;

/** A policy level for people: null is off. */
function setting(v: number | null): string {
  return v === null ? 'off' : String(v);
}

/** "threshold 0.35 · reject ≥ 0.6 · trust ≥ off" */
export function settingLabel(r: TradeoffSetting): string {
  return `threshold ${r.threshold} · reject ≥ ${setting(r.rejectAt)} · trust ≥ ${setting(r.trustAbove)}`;
}

/** Indices of the frontier rows: by false boxes ascending, each one that beats every recall before it. */
export function frontierIndices(rows: readonly TradeoffRow[]): number[] {
  const order = rows.map((_, i) => i).sort((a, b) => rows[a].falsePerImage - rows[b].falsePerImage || rows[b].maskedRecall - rows[a].maskedRecall);
  const out: number[] = [];
  let best = -Infinity;
  for (const i of order) {
    if (rows[i].maskedRecall > best) {
      out.push(i);
      best = rows[i].maskedRecall;
    }
  }
  return out;
}

/**
 * The trade-off chart: `tradeoffChart(rows, { chosen: { threshold: 0.35, rejectAt: 0.6, trustAbove: null }, maxFalse: 0.1 })`.
 * Rows are any objects with the `TradeoffRow` fields (more fields may be shown with `tooltip`).
 */
export function tradeoffChart(input: readonly TradeoffRow[], opts: TradeoffOptions = {}): Figure {
  if (input.length === 0) throw new Error('tradeoffChart: no rows');
  input.forEach((r, i) => {
    for (const f of NUMERIC_FIELDS) {
      const v = (r as unknown as Row)[f];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`tradeoffChart: row ${i} needs a finite number in "${f}", got ${JSON.stringify(v)} (fields: ${NUMERIC_FIELDS.join(', ')})`);
    }
    for (const f of LEVEL_FIELDS) {
      const v = (r as unknown as Row)[f];
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw new Error(`tradeoffChart: row ${i} needs a number or null (off) in "${f}", got ${JSON.stringify(v)}`);
    }
  });
  let chosen = -1;
  if (typeof opts.chosen === 'number') {
    if (!Number.isInteger(opts.chosen) || opts.chosen < 0 || opts.chosen >= input.length) throw new Error(`tradeoffChart: chosen is row ${opts.chosen}, but there are ${input.length} rows (0…${input.length - 1})`);
    chosen = opts.chosen;
  } else if (opts.chosen) {
    const c = opts.chosen;
    chosen = input.findIndex((r) => r.threshold === c.threshold && r.rejectAt === c.rejectAt && r.trustAbove === c.trustAbove);
    if (chosen < 0) throw new Error(`tradeoffChart: no row has the chosen setting (${settingLabel(c)})`);
  }
  if (opts.maxFalse !== undefined && !(Number.isFinite(opts.maxFalse) && opts.maxFalse >= 0)) throw new Error(`tradeoffChart: maxFalse must be a number >= 0, got ${opts.maxFalse}`);
  const extra = opts.tooltip === undefined ? [] : Array.isArray(opts.tooltip) ? opts.tooltip : [opts.tooltip];
  // the levels shown as text ('off' for null) so tooltips read well
  const rows: Row[] = input.map((r, i) => ({ ...(r as unknown as Row), rejectAt: setting(r.rejectAt), trustAbove: setting(r.trustAbove), setting: settingLabel(r), chosen: i === chosen }));
  for (const f of extra) {
    if (!rows.some((r) => f in r)) throw new Error(`tradeoffChart tooltip: no row has the field "${f}" (fields: ${Object.keys(rows[0]).join(', ')})`);
  }
  const xTitle = opts.xTitle ?? 'false boxes per image';
  const yTitle = opts.yTitle ?? 'masked-face recall';
  const x = { field: 'falsePerImage', type: 'quantitative', title: xTitle, scale: { zero: true } };
  const y = { field: 'maskedRecall', type: 'quantitative', title: yTitle, scale: { zero: false } };
  const colour = { field: 'endToEnd', type: 'quantitative', title: 'end-to-end', scale: { scheme: 'viridis' } };
  const front = frontierIndices(input).map((i) => rows[i]);

  const spec = (interactive: boolean): VegaLiteSpec => {
    const points: Record<string, unknown> = { mark: { type: 'point', filled: true, size: 45 }, encoding: { x, y, color: colour, opacity: { value: 0.8 } } };
    if (interactive) {
      const tip = [
        tooltipEntry(rows, 'setting'),
        ...['maskedRecall', 'falsePerImage', 'endToEnd', 'threshold', 'rejectAt', 'trustAbove'].map((f) => tooltipEntry(rows, f)),
        ...extra.filter((f) => !(NUMERIC_FIELDS as readonly string[]).includes(f)).map((f) => tooltipEntry(rows, f)),
      ];
      points.params = [
        { name: 'zoom', select: { type: 'interval', encodings: ['x', 'y'] }, bind: 'scales' },
        { name: 'hover', select: { type: 'point', on: 'pointerover', nearest: true, clear: 'pointerout' } },
        { name: 'same', select: { type: 'point', fields: ['threshold'], on: 'click' } },
      ];
      points.encoding = {
        x, y, color: colour, tooltip: tip,
        opacity: { condition: { param: 'same', value: 0.9 }, value: 0.12 },
        size: { condition: { param: 'hover', empty: false, value: 140 }, value: 45 },
      };
    }
    const layers: unknown[] = [points];
    if (opts.frontier ?? true) {
      layers.push({ data: { values: front }, mark: { type: 'line', interpolate: 'step-after', color: '#333', strokeWidth: 1.5 }, encoding: { x, y } });
    }
    if (opts.maxFalse !== undefined) {
      layers.push({
        data: { values: [{ budget: opts.maxFalse, label: `budget ${opts.maxFalse} / image` }] },
        layer: [
          { mark: { type: 'rule', strokeDash: [5, 4], color: '#b2182b' }, encoding: { x: { field: 'budget', type: 'quantitative' } } },
          { mark: { type: 'text', align: 'left', dx: 4, dy: 8, baseline: 'top', color: '#b2182b', fontSize: 11 }, encoding: { x: { field: 'budget', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } } },
        ],
      });
    }
    if (chosen >= 0) {
      const c = [rows[chosen]];
      layers.push(
        { data: { values: c }, mark: { type: 'point', shape: 'circle', size: 300, filled: false, color: '#b2182b', strokeWidth: 2.5 }, encoding: { x, y } },
        { data: { values: c }, mark: { type: 'text', align: 'left', dx: 12, dy: -12, fontSize: 11, fontWeight: 'bold', color: '#b2182b' }, encoding: { x, y, text: { field: 'setting' } } },
      );
    }
    return {
      ...frame(opts),
      data: { values: rows },
      layer: layers,
    } as VegaLiteSpec;
  };
  return vegaLite(spec(false), spec(true));
}
