/**
 * A timeline of faces in a video: one row per face, a bar for each run of frames it was drawn with
 * one label, in the label's colour. Interactive view: each run's face, label, start and end under the
 * pointer, zoom and pan along the time axis, and a click on a legend entry that highlights its label.
 */
import { DISPLAY, LABELS, isLabel } from '../labels';
import { Figure, VegaLiteSpec, vegaLite } from './figure';
import { ChartOptions, frame, tooltipEntry } from './charts';

/** One run: face `id` drawn with `label` from `from` to `to` seconds. */
export interface TimelineRun {
  id: number;
  label: string;
  from: number;
  to: number;
}

/** Faces drawn at most; a longer list keeps the faces seen on the most frames (the title says so). */
export const TIMELINE_MAX_FACES = 100;

/** The chart: `timelineChart(summary.segments, { title, seconds })`. `seconds`: the time axis's end (the video's length). */
export function timelineChart(runs: readonly TimelineRun[], opts: ChartOptions & { seconds?: number } = {}): Figure {
  for (const r of runs) {
    if (!(Number.isFinite(r.from) && Number.isFinite(r.to) && r.from <= r.to)) throw new Error(`timelineChart: a run must have from <= to, got ${JSON.stringify(r)}`);
  }
  const length = new Map<number, number>();
  for (const r of runs) length.set(r.id, (length.get(r.id) ?? 0) + r.to - r.from);
  const kept = new Set([...length.entries()].sort((a, b) => b[1] - a[1]).slice(0, TIMELINE_MAX_FACES).map(([id]) => id));
  const firstSeen = new Map<number, number>();
  for (const r of runs) if (kept.has(r.id)) firstSeen.set(r.id, Math.min(firstSeen.get(r.id) ?? Infinity, r.from));
  const order = [...firstSeen.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0]).map(([id]) => `face ${id}`);
  const rows = runs.filter((r) => kept.has(r.id)).map((r) => ({ face: `face ${r.id}`, label: isLabel(r.label) ? DISPLAY[r.label].text : r.label, from: r.from, to: r.to, seconds: +(r.to - r.from).toFixed(3) }));
  const shown = LABELS.filter((l) => runs.some((r) => r.label === l));
  const colour = { field: 'label', type: 'nominal', title: null, scale: { domain: shown.map((l) => DISPLAY[l].text), range: shown.map((l) => `rgb(${DISPLAY[l].colour.join(',')})`) }, legend: { orient: 'bottom' } };
  const x = { field: 'from', type: 'quantitative', title: opts.xTitle ?? 'time (s)', scale: { domain: [0, Math.max(opts.seconds ?? 0, ...runs.map((r) => r.to), 0.001)] } };
  const y = { field: 'face', type: 'ordinal', title: opts.yTitle ?? null, sort: order };
  const more = length.size > kept.size ? ` (the ${kept.size} seen longest of ${length.size})` : '';
  const base = { ...frame({ ...opts, title: opts.title === undefined ? undefined : opts.title + more, height: opts.height ?? Math.max(60, 18 * Math.max(1, order.length)) }) };
  const spec = (interactive: boolean): VegaLiteSpec => {
    const bar: Record<string, unknown> = { mark: { type: 'bar', height: { band: 0.7 } }, encoding: { x, x2: { field: 'to' }, y, color: colour } };
    if (interactive) {
      bar.params = [
        { name: 'zoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' },
        { name: 'pick', select: { type: 'point', fields: ['label'] }, bind: 'legend' },
      ];
      bar.encoding = { ...(bar.encoding as object), tooltip: ['face', 'label', 'from', 'to', 'seconds'].map((f) => tooltipEntry(rows, f)), opacity: { condition: { param: 'pick', value: 1 }, value: 0.2 } };
    }
    return { ...base, data: { values: rows }, ...bar } as VegaLiteSpec;
  };
  return vegaLite(spec(false), spec(true));
}
