/**
 * Helpers for notebook 04 (evaluation): the tables a cell shows, built once here instead of inline
 * in the notebook (the committed tuning summaries: src/notebook/tune.ts), and the committed
 * calibration summary (docs/results/calibration-<model>.json, `facemask promote` of a calibrate run),
 * and the committed summaries of the field's measure (docs/results/field-map-*.json).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../paths';
import type { SetEvaluation } from '../evaluation/evaluate';
import type { Figure } from '../charts/index';
import { chosenForm, reliabilityFigure, type CalibrateResult, type SetNumbers } from '../training/calibrate';
import type { CvSummary } from '../training/cv';
import { readFieldSummary, type FieldSummary } from '../evaluation/field';

/** The classification report as rows: one per class, then the macro and weighted averages. */
export function reportRows(e: SetEvaluation) {
  return [...e.report.rows.map((r) => ({ ...r })), { class: 'macro avg', ...e.report.macro }, { class: 'weighted avg', ...e.report.weighted }];
}

/** The confusion matrix as rows (true class, then one column per predicted class). */
export function confusionRows(e: SetEvaluation) {
  return e.report.confusion.map((row, i) => ({ true: e.report.classes[i], ...Object.fromEntries(row.map((v, j) => [`→ ${e.report.classes[j]}`, v])) }));
}

/** Per class with 95 % intervals (Wilson for precision and recall, bootstrap for F1). */
export function intervalRows(e: SetEvaluation) {
  const ci = (x: [number, number]) => x.map((v) => v.toFixed(3)).join('–');
  return e.report.rows.map((r, k) => ({
    class: r.class,
    support: r.support,
    precision: +r.precision.toFixed(3),
    'P 95 %': ci(e.intervals.rows[k].precision),
    recall: +r.recall.toFixed(3),
    'R 95 %': ci(e.intervals.rows[k].recall),
    f1: +r.f1.toFixed(3),
    'F1 95 %': ci(e.intervals.rows[k].f1),
  }));
}

/** One headline row of a model on a set. */
export function headlineRow(model: string, e: SetEvaluation) {
  return {
    model,
    faces: e.report.total,
    classes: e.report.classes.length,
    'with/without balanced %': e.withWithout ? +(e.withWithout.value * 100).toFixed(2) : NaN,
    'macro F1': +e.report.macro.f1.toFixed(4),
    'macro F1 95 % CI': e.intervals.macroF1.map((x) => x.toFixed(3)).join('–'),
    'accuracy %': +(e.report.accuracy * 100).toFixed(2),
  };
}

/** A committed calibration summary: the calibrate run's results (`facemask promote runs/calibrate/<name>`). */
export type CalibrationSummary = Omit<CalibrateResult, 'runDir'> & { run: string; file: string };

/** The committed calibration summary of a model (`docs/results/calibration-<model>.json`), or null when there is none. */
export function calibrationSummary(model = 'default', dir: string = projectPaths().results): CalibrationSummary | null {
  const file = path.join(dir, `calibration-${model}.json`);
  if (!fs.existsSync(file)) return null;
  return { ...JSON.parse(fs.readFileSync(file, 'utf8')), file: path.basename(file) } as CalibrationSummary;
}

/** Validation numbers per set: the network as is, calibrated (argmax), and under the chosen decision rule. */
export function calibrationRows(s: CalibrationSummary) {
  const rule = s.decision.chosen === 'argmax' ? 'argmax' : `incorrect_mask >= ${s.decision.chosen.incorrect_mask}`;
  const row = (when: string, x: SetNumbers) => ({
    when,
    set: x.set,
    items: x.items,
    NLL: +x.nll.toFixed(4),
    ECE: +x.ece.toFixed(4),
    'accuracy %': +(x.accuracy * 100).toFixed(1),
    'macro F1': +x.macroF1.toFixed(3),
    'incorrect recall %': x.incorrectRecall === null ? NaN : +(x.incorrectRecall * 100).toFixed(1),
    'incorrect precision %': x.incorrectPrecision === null ? NaN : +(x.incorrectPrecision * 100).toFixed(1),
  });
  return [...s.before.map((x) => row('network as is', x)), ...s.after.map((x) => row('calibrated, argmax', x)), ...(rule === 'argmax' ? [] : s.chosen.map((x) => row(`calibrated, ${rule}`, x)))];
}

/** The decision study's cross-validation: each calibration form, argmax against a threshold on incorrect_mask, out of fold. */
export function decisionRows(s: CalibrationSummary) {
  const d = s.decision;
  const form = chosenForm(d);
  const row = (form: string, rule: string, x: CalibrationSummary['decision']['argmax'], chosen: boolean) => ({
    form,
    rule,
    faces: x.faces,
    'accuracy %': +(x.accuracy * 100).toFixed(1),
    'macro F1': +x.macroF1.toFixed(3),
    'incorrect recall %': x.incorrectRecall === null ? NaN : +(x.incorrectRecall * 100).toFixed(1),
    'incorrect precision %': x.incorrectPrecision === null ? NaN : +(x.incorrectPrecision * 100).toFixed(1),
    chosen: chosen ? 'yes' : '',
  });
  return (d.forms ?? [{ ...d, form }]).flatMap((f) => [
    row(f.form, 'argmax', f.argmax, f.form === form && d.chosen === 'argmax'),
    row(f.form, `threshold (per fold ${f.foldThresholds.join(', ')})`, f.threshold, f.form === form && d.chosen !== 'argmax'),
  ]);
}

/** The reliability diagram of the committed calibration: before and after, 10 bins. */
export function calibrationFigure(s: CalibrationSummary): Figure {
  return reliabilityFigure(s.reliability, s.calibration, `${s.config.model} on ${s.config.sets.join(' + ')} (validation)`);
}

/** One measured approach to the hard faces (issue 14): its `facemask evaluate` sets and its training run's validation numbers, committed. */
export interface HardFacesApproach {
  order: number;
  id: string;
  approach: string;
  command: string;
  shipped: boolean;
  /** The training run's Kaggle validation faces (results.json), or null when the row is not a training run. */
  kaggleValidation: { report: { macro: { f1: number } }; withWithout: number } | null;
  /** `facemask evaluate`'s sets (report.json, the per-face lists left out), by name. */
  sets: Record<string, Pick<SetEvaluation, 'name' | 'report' | 'withWithout'> & { kinds?: { kind: string; faces: number; called: Record<string, number> }[] }>;
}

/** The committed approaches in `docs/results/hard-faces/`, in their order. */
export function hardFacesApproaches(dir: string = path.join(projectPaths().results, 'hard-faces')): HardFacesApproach[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as HardFacesApproach)
    .sort((a, b) => a.order - b.order);
}

/**
 * One row per approach: validation (Kaggle photos 160–199 from the training run, ilc2021's validation
 * side, where choices are made) and the test sides as they fell (ilc2021 test, Kaggle test), plus the
 * confuser set. NaN where a set was not measured for that row.
 */
export function hardFacesRows(approaches: HardFacesApproach[]) {
  const pct = (x: number | undefined) => (x === undefined ? NaN : +(x * 100).toFixed(1));
  const f3 = (x: number | undefined) => (x === undefined ? NaN : +x.toFixed(3));
  const incorrect = (s: HardFacesApproach['sets'][string] | undefined) => s?.report.rows.find((r) => r.class === 'incorrect_mask');
  const allKinds = (s: HardFacesApproach['sets'][string] | undefined) => s?.kinds?.find((k) => k.kind === 'all');
  return approaches.map((a) => {
    const [v, t, k, c] = [a.sets['ilc2021-val'], a.sets['ilc2021-test'], a.sets.real, a.sets.confusers];
    const conf = allKinds(c);
    return {
      approach: a.shipped ? `${a.approach} (shipped)` : a.approach,
      'Kaggle val macro F1': f3(a.kaggleValidation?.report.macro.f1),
      'ilc val with/without %': pct(v?.withWithout?.value),
      'ilc val incorrect recall %': pct(incorrect(v)?.recall),
      'ilc val incorrect precision %': pct(incorrect(v)?.precision),
      'ilc val macro F1': f3(v?.report.macro.f1),
      'confusers called without %': conf ? pct(conf.called.without_mask / conf.faces) : NaN,
      'ilc test with/without %': pct(t?.withWithout?.value),
      'ilc test incorrect recall %': pct(incorrect(t)?.recall),
      'ilc test incorrect precision %': pct(incorrect(t)?.precision),
      'ilc test macro F1': f3(t?.report.macro.f1),
      'Kaggle test with/without %': pct(k?.withWithout?.value),
      'Kaggle test macro F1': f3(k?.report.macro.f1),
    };
  });
}

/** A committed comparison of two cross-validations (`facemask cv --compare A B --output …`). */
export interface CvComparison {
  kind: 'cv-compare';
  runs: { a: string; b: string };
  faces: number;
  a: { macroF1: number; incorrectRecall: number | null; incorrectPrecision: number | null };
  b: { macroF1: number; incorrectRecall: number | null; incorrectPrecision: number | null };
  gain: { value: number; low: number; high: number };
}

/** The committed cross-validations (docs/results/cv/): run summaries and comparisons. */
export function cvResults(dir: string = path.join(projectPaths().results, 'cv')): { runs: CvSummary[]; comparisons: CvComparison[] } {
  if (!fs.existsSync(dir)) return { runs: [], comparisons: [] };
  const all = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CvSummary | CvComparison);
  return { runs: all.filter((x): x is CvSummary => 'format' in x), comparisons: all.filter((x): x is CvComparison => 'kind' in x && x.kind === 'cv-compare') };
}

/** One row per cross-validated recipe: out-of-fold argmax numbers, the spread over folds, and the decision study (calibrated out of fold). */
export function cvRows(runs: CvSummary[]) {
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? NaN : +(x * 100).toFixed(1));
  return runs.map((r) => {
    const inc = r.pooled.report.rows.find((x) => x.class === 'incorrect_mask');
    const f = r.perFold.map((x) => x.macroF1);
    const d = r.decision;
    return {
      run: r.name,
      synth: r.synth === null ? 'default' : r.synth.length ? r.synth.map((s) => path.basename(s)).join(' + ') : 'none',
      overrides: Object.entries(r.overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ') || '—',
      'ilc2021 copies': r.recipe?.data.kind === 'realworld' ? r.recipe.data.ilc2021Copies : NaN,
      faces: r.faces,
      'macro F1 (argmax)': +r.pooled.report.macro.f1.toFixed(3),
      'per fold': `${Math.min(...f).toFixed(3)}–${Math.max(...f).toFixed(3)}`,
      'with/without %': pct(r.pooled.withWithout),
      'incorrect recall %': pct(inc?.recall),
      'incorrect precision %': pct(inc?.precision),
      'calibrated: argmax F1': +d.argmax.macroF1.toFixed(3),
      'calibrated: threshold F1': +d.threshold.macroF1.toFixed(3),
      'threshold gain [95 %]': `${d.macroF1Gain.value >= 0 ? '+' : ''}${d.macroF1Gain.value.toFixed(3)} [${d.macroF1Gain.low.toFixed(3)}, ${d.macroF1Gain.high.toFixed(3)}]`,
    };
  });
}

/** One row per comparison: each run's out-of-fold macro F1 and the paired gain of B over A. */
export function cvCompareRows(comparisons: CvComparison[]) {
  return comparisons.map((c) => ({
    A: c.runs.a,
    B: c.runs.b,
    faces: c.faces,
    'A macro F1': +c.a.macroF1.toFixed(3),
    'B macro F1': +c.b.macroF1.toFixed(3),
    'gain of B [95 %]': `${c.gain.value >= 0 ? '+' : ''}${c.gain.value.toFixed(3)} [${c.gain.low.toFixed(3)}, ${c.gain.high.toFixed(3)}]`,
    'beyond noise': c.gain.low > 0 ? 'B better' : c.gain.high < 0 ? 'A better' : 'no',
  }));
}

/** The committed summaries of the field's measure (`facemask evaluate --scenes … --summary docs/results/field-map-<model>-<detector>.json`), by file name. */
export function fieldSummaries(dir: string = projectPaths().results): (FieldSummary & { file: string })[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^field-map-.*\.json$/.test(f))
    .sort()
    .map((f) => ({ ...readFieldSummary(path.join(dir, f)), file: f }));
}
