/**
 * The reliability diagram of class probabilities: for equal-width bins of the top probability,
 * the share right (accuracy) against the mean top probability (confidence), one line per series
 * (e.g. before and after calibration) with the diagonal of perfect calibration; point size = items
 * in the bin; the legend names each series' ECE when given. Interactive view: each bin's numbers
 * under the pointer, zoom/pan, and a legend click that fades the other series.
 */
import { Figure, VegaLiteSpec, vegaLite } from './figure';
import { ChartOptions, Row, frame, tooltipEntry } from './charts';

/** One bin: items whose top probability is in [from, to); confidence and accuracy null when empty. */
export interface ReliabilityPoint {
  from: number;
  to: number;
  n: number;
  confidence: number | null;
  accuracy: number | null;
}

export interface ReliabilitySeries {
  /** The series' name (legend), e.g. "before" or "after calibration". */
  name: string;
  bins: readonly ReliabilityPoint[];
  /** Expected calibration error, shown in the legend. default: none */
  ece?: number;
}

/** The diagram: `reliabilityChart([{ name: 'before', bins, ece }, { name: 'after', bins: b2, ece: e2 }], { title })`. */
export function reliabilityChart(series: readonly ReliabilitySeries[], opts: ChartOptions = {}): Figure {
  if (series.length === 0) throw new Error('reliabilityChart: no series');
  const rows: Row[] = [];
  for (const s of series) {
    if (!s.name) throw new Error('reliabilityChart: every series needs a name');
    s.bins.forEach((b, i) => {
      if (!(b.n >= 0 && b.from >= 0 && b.to <= 1 && b.from < b.to)) throw new Error(`reliabilityChart: series "${s.name}" bin ${i} must have 0 <= from < to <= 1 and n >= 0, got ${JSON.stringify(b)}`);
      if (b.n > 0 && !(typeof b.confidence === 'number' && typeof b.accuracy === 'number')) throw new Error(`reliabilityChart: series "${s.name}" bin ${i} has ${b.n} items but no confidence/accuracy`);
      if (b.n === 0) return;
      const label = s.ece === undefined ? s.name : `${s.name} (ECE ${s.ece.toFixed(3)})`;
      rows.push({ series: label, bin: `${b.from.toFixed(1)}–${b.to.toFixed(1)}`, n: b.n, confidence: b.confidence!, accuracy: b.accuracy!, gap: b.accuracy! - b.confidence! });
    });
  }
  if (rows.length === 0) throw new Error('reliabilityChart: every bin is empty');
  const x = { field: 'confidence', type: 'quantitative', title: opts.xTitle ?? 'mean top probability (confidence)', scale: { domain: [0, 1] } };
  const y = { field: 'accuracy', type: 'quantitative', title: opts.yTitle ?? 'share right (accuracy)', scale: { domain: [0, 1] } };
  const names = [...new Set(rows.map((r) => r.series as string))];
  const colour = { field: 'series', type: 'nominal', title: null, scale: { domain: names }, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 600 } };
  const size = { field: 'n', type: 'quantitative', title: 'items', scale: { range: [20, 300] } };
  const spec = (interactive: boolean): VegaLiteSpec => {
    const line: Record<string, unknown> = { mark: { type: 'line', point: false, strokeWidth: 1.5 }, encoding: { x, y, color: colour } };
    const points: Record<string, unknown> = { mark: { type: 'point', filled: true, opacity: 0.85 }, encoding: { x, y, color: colour, size } };
    if (interactive) {
      const tip = ['series', 'bin', 'n', 'confidence', 'accuracy', 'gap'].map((f) => tooltipEntry(rows, f));
      points.params = [
        { name: 'zoom', select: { type: 'interval', encodings: ['x', 'y'] }, bind: 'scales' },
        { name: 'pick', select: { type: 'point', fields: ['series'] }, bind: 'legend' },
      ];
      points.encoding = { ...(points.encoding as object), tooltip: tip, opacity: { condition: { param: 'pick', value: 0.9 }, value: 0.15 } };
      line.encoding = { ...(line.encoding as object), opacity: { condition: { param: 'pick', value: 1 }, value: 0.15 } };
    }
    return {
      ...frame(opts),
      layer: [
        { data: { values: [{ confidence: 0, accuracy: 0 }, { confidence: 1, accuracy: 1 }] }, mark: { type: 'line', strokeDash: [4, 4], color: '#888' }, encoding: { x, y } },
        { data: { values: rows }, ...line },
        { data: { values: rows }, ...points },
      ],
    } as VegaLiteSpec;
  };
  return vegaLite(spec(false), spec(true));
}
