/**
 * Pictures and files of an evaluation: confusion matrix (heatmap), ROC and precision–recall
 * curves, the threshold trade-off, the worst mistakes, and `report.json` / `report.md`.
 */
import * as path from 'node:path';
import { heatmap, lineChart, imageGrid, type Figure, type Picture } from '../charts/index';
import { writeFileAtomic } from '../util/atomic';
import { decodeImage, cropResize } from '../util/images';
import { DISPLAY, isLabel } from '../labels';
import type { ConfuserKindRow, SetEvaluation } from './evaluate';
import { sideBySide } from './evaluate';

export function confusionFigure(e: SetEvaluation): Figure {
  // On hover (interactive view): each off-diagonal cell's mistakes, most confident first.
  const cls = e.report.classes;
  const cellItems = cls.map(() => cls.map(() => [] as string[]));
  for (const m of e.mistakes) cellItems[cls.indexOf(m.item.label)]?.[cls.indexOf(m.predicted)]?.push(`${path.basename(m.item.file)} (${(m.score * 100).toFixed(0)}%)`);
  return heatmap(e.report.confusion, cls, cls, { title: `confusion matrix — ${e.name}`, percent: true, cellItems });
}

/** Curve points thinned to at most ~200 per class (charts stay small). */
function thin<T>(xs: T[], max = 200): T[] {
  if (xs.length <= max) return xs;
  const step = xs.length / max;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(xs[Math.floor(i * step)]);
  out.push(xs[xs.length - 1]);
  return out;
}

export function rocFigure(e: SetEvaluation): Figure {
  const rows = e.curves.flatMap((c) => thin(c.points).map((p) => ({ fpr: p.fpr, tpr: p.tpr, threshold: p.threshold, class: `${c.class} ${c.auc.toFixed(3)}` })));
  return lineChart(rows, { x: 'fpr', y: 'tpr', series: 'class', title: `ROC — ${e.name} (legend: AUC)`, xTitle: 'false-positive rate', yTitle: 'true-positive rate', points: false, zero: true, tooltip: 'threshold' });
}

export function prFigure(e: SetEvaluation): Figure {
  const rows = e.curves.flatMap((c) => thin(c.points.slice(1)).map((p) => ({ recall: p.recall, precision: p.precision, threshold: p.threshold, class: `${c.class} ${c.ap.toFixed(3)}` })));
  return lineChart(rows, { x: 'recall', y: 'precision', series: 'class', title: `precision–recall — ${e.name} (legend: average precision)`, points: false, tooltip: 'threshold' });
}

export function thresholdFigure(e: SetEvaluation): Figure {
  return lineChart(e.thresholds as unknown as Record<string, unknown>[], {
    x: 'threshold',
    y: ['accuracy', 'undecided'],
    title: `refusing low scores — ${e.name}: accuracy of the decided vs share undecided`,
    zero: true,
  });
}

/** The most confident mistakes as a picture grid (crops for face boxes). */
export async function mistakesPicture(e: SetEvaluation, max = 12): Promise<Picture | null> {
  const worst = e.mistakes.slice(0, max);
  if (worst.length === 0) return null;
  const items = await Promise.all(
    worst.map(async (m) => {
      const img = m.item.box ? await cropResize(await decodeImage(m.item.file), m.item.box, 160) : m.item.file;
      const name = (l: string) => (isLabel(l) ? DISPLAY[l].text : l);
      return { image: img, caption: `${name(m.item.label)}→${name(m.predicted)} ${(m.score * 100).toFixed(0)}%` };
    }),
  );
  return imageGrid(items, { title: `worst mistakes — ${e.name} (${e.mistakes.length} wrong of ${e.report.total})`, columns: 6, cellSize: 150, fontSize: 11 });
}

/** The confuser set's table per kind (markdown), as the README shows it. */
export function confuserTableMarkdown(rows: readonly ConfuserKindRow[], first = 'kind'): string {
  const n = (v: number | null) => (v === null ? '—' : String(v));
  const lines = [`| ${first} | faces | called with_mask | called without_mask | called incorrect_mask | mean with_mask score |`, '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const cells = [r.kind, String(r.faces), n(r.called.with_mask), n(r.called.without_mask), n(r.called.incorrect_mask), r.meanWithMask === null ? '—' : r.meanWithMask.toFixed(3)];
    lines.push(`| ${(r.kind === 'all' ? cells.map((c) => `**${c}**`) : cells).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** ROC and precision–recall curves say something only when at least two classes have faces. */
function hasCurves(e: SetEvaluation): boolean {
  return e.report.rows.filter((r) => r.support > 0).length >= 2;
}

function pct(x: number): string {
  return (x * 100).toFixed(2) + ' %';
}

export function reportMarkdown(evals: SetEvaluation[], modelDir: string): string {
  const lines = [`# Evaluation of ${modelDir}`, ''];
  const sbs = sideBySide(evals);
  if (sbs.length) {
    const keys = Object.keys(sbs[0]);
    lines.push(`| ${keys.join(' | ')} |`, `|${keys.map(() => '---').join('|')}|`, ...sbs.map((r) => `| ${keys.map((k) => r[k]).join(' | ')} |`), '');
  }
  for (const e of evals) {
    lines.push(`## ${e.name}: ${e.description}`, '', `accuracy ${pct(e.report.accuracy)}, balanced accuracy ${pct(e.report.balancedAccuracy)}, ${e.mistakes.length} mistakes`, '');
    if (e.aligned) lines.push(`aligned crops: ${e.aligned.landmarks} of ${e.aligned.faces} faces had landmarks; the other ${e.aligned.faces - e.aligned.landmarks} were cut to their box`, '');
    if (e.withWithout) lines.push(`balanced accuracy with/without (the larger of the two scores, ${e.withWithout.n} faces of those classes): ${pct(e.withWithout.value)} (recall with ${pct(e.withWithout.recallWith)}, without ${pct(e.withWithout.recallWithout)})`, '');
    lines.push('| class | precision [95 % CI] | recall [95 % CI] | f1 [95 % CI] | support |', '|---|---|---|---|---|');
    const ci = (x: number, [lo, hi]: [number, number]) => `${x.toFixed(4)} [${lo.toFixed(3)}, ${hi.toFixed(3)}]`;
    e.report.rows.forEach((r, k) => {
      const iv = e.intervals.rows[k];
      lines.push(`| ${r.class} | ${ci(r.precision, iv.precision)} | ${ci(r.recall, iv.recall)} | ${ci(r.f1, iv.f1)} | ${r.support} |`);
    });
    lines.push(`| macro avg | ${e.report.macro.precision.toFixed(4)} | ${e.report.macro.recall.toFixed(4)} | ${ci(e.report.macro.f1, e.intervals.macroF1)} | ${e.report.total} |`);
    lines.push(`| weighted avg | ${e.report.weighted.precision.toFixed(4)} | ${e.report.weighted.recall.toFixed(4)} | ${e.report.weighted.f1.toFixed(4)} | ${e.report.total} |`, '');
    lines.push('95 % intervals: Wilson for precision and recall, percentile bootstrap (' + e.intervals.resamples + ' resamples of the items) for F1.', '');
    lines.push(`confusion (rows true, columns predicted: ${e.report.classes.join(', ')}): ${JSON.stringify(e.report.confusion)}`, '');
    if (e.kinds) lines.push('Per kind (called: the best emitted label, as `classify` reports it):', '', confuserTableMarkdown(e.kinds), '');
    if (e.sources) lines.push('Per source dataset (a model may have been trained on one of them):', '', confuserTableMarkdown(e.sources, 'source'), '');
    if (hasCurves(e)) lines.push(`ROC AUC: ${e.curves.map((c) => `${c.class} ${c.auc.toFixed(4)}`).join(', ')}; average precision: ${e.curves.map((c) => `${c.class} ${c.ap.toFixed(4)}`).join(', ')}`, '');
    for (const o of e.outside) lines.push(`faces labelled ${o.truth} (not a class of this model), ${o.n}: predicted ${Object.entries(o.predicted).map(([k, v]) => `${k} ${v}`).join(', ')}`, '');
  }
  return lines.join('\n');
}

/** Write everything to `outDir`: report.json, report.md, and per set confusion/roc/pr/threshold/mistakes PNGs. */
export async function writeEvaluation(evals: SetEvaluation[], outDir: string, modelDir: string): Promise<string[]> {
  const files: string[] = [];
  const save = async (f: { save(p: string): Promise<unknown> } | null, name: string) => {
    if (!f) return;
    const p = path.join(outDir, name);
    await f.save(p);
    files.push(p);
  };
  for (const e of evals) {
    await save(confusionFigure(e), `confusion-${e.name}.png`);
    if (hasCurves(e)) {
      await save(rocFigure(e), `roc-${e.name}.png`);
      await save(prFigure(e), `pr-${e.name}.png`);
    }
    await save(thresholdFigure(e), `threshold-${e.name}.png`);
    await save(await mistakesPicture(e), `mistakes-${e.name}.png`);
  }
  const json = {
    model: modelDir,
    sets: evals.map((e) => ({
      name: e.name,
      description: e.description,
      report: e.report,
      intervals: e.intervals,
      withWithout: e.withWithout,
      scoreCalibration: e.scoreCalibration,
      auc: Object.fromEntries(e.curves.map((c) => [c.class, c.auc])),
      averagePrecision: Object.fromEntries(e.curves.map((c) => [c.class, c.ap])),
      thresholds: e.thresholds,
      outside: e.outside,
      ...(e.aligned ? { aligned: e.aligned } : {}),
      ...(e.kinds ? { kinds: e.kinds } : {}),
      ...(e.sources ? { sources: e.sources } : {}),
      mistakes: e.mistakes.slice(0, 50).map((m) => ({ file: m.item.file, box: m.item.box, truth: m.item.label, predicted: m.predicted, score: m.score })),
    })),
  };
  writeFileAtomic(path.join(outDir, 'report.json'), JSON.stringify(json, null, 2) + '\n');
  writeFileAtomic(path.join(outDir, 'report.md'), reportMarkdown(evals, modelDir));
  files.push(path.join(outDir, 'report.json'), path.join(outDir, 'report.md'));
  return files;
}
