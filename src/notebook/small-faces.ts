/**
 * The small-faces and incorrect_mask approaches (docs/experiments/small-faces.md): each committed as
 * `docs/results/small-faces/<id>.json` by bench/approach.ts, read here in their order and shown as one
 * table row each — validation (where choices are made: the field's mAP@0.5 on the Kaggle validation
 * photos and ilc2021's validation scenes pooled, by size band; ilc2021's validation crops; the
 * confusers; everyday-unmasked's validation photos) and the test sides where they were measured.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../paths';
import type { ApproachMeasurement, FieldNumbers, SetNumbers } from '../evaluation/approach';
import { FIELD_BANDS } from '../evaluation/voc';

/** One committed approach (what bench/approach.ts writes as its figures). */
export interface SmallFacesApproach extends ApproachMeasurement {
  order: number;
  id: string;
  approach: string;
  train: string | null;
  shipped: boolean;
  model: string;
}

/** The committed approaches in `docs/results/small-faces/` (bench records holding them), in their order; other JSON files there are skipped. */
export function smallFacesApproaches(dir: string = path.join(projectPaths().results, 'small-faces')): SmallFacesApproach[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { format?: string; figures?: SmallFacesApproach })
    .filter((j) => j.format === 'facemask-bench/1' && j.figures && typeof j.figures.order === 'number' && j.figures.field)
    .map((j) => j.figures!)
    .sort((a, b) => a.order - b.order);
}

const f3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? NaN : +x.toFixed(3));
const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? NaN : +(x * 100).toFixed(1));

/** The field's measure of one named scene set (or the validation sets pooled: `pooled`), or undefined. */
function fieldOf(a: SmallFacesApproach, name: string): FieldNumbers | undefined {
  if (name === 'pooled') return a.field.pooled.sets.every((s) => !s.includes('test')) ? a.field.pooled.field : undefined;
  return a.field.sets.find((s) => s.name === name)?.field;
}

const band = (f: FieldNumbers | undefined, name: string) => f3(f?.bands.find((b) => b.band === name)?.mAP);
const incorrect = (s: SetNumbers | undefined) => s?.report.rows.find((r) => r.class === 'incorrect_mask');

/** The detection setting an approach ran at, in words: detector, one or two scales, threshold, box policy (— when not recorded). */
export function settingText(s: Partial<SmallFacesApproach['setting']>): string {
  if (!s.detector) return '—';
  const scales = s.scales ? `two scales (x${s.scales.upscale} for faces under ${2 * s.scales.split} px)` : 'one scale';
  return `${s.detector}, ${scales}, from ${s.threshold}, trust above ${s.trustAbove ?? '—'}`;
}

/** Validation numbers, one row per approach (NaN where not measured). */
export function smallFacesValidationRows(approaches: readonly SmallFacesApproach[]) {
  return approaches.map((a) => {
    const p = fieldOf(a, 'pooled');
    const set = (n: string) => a.sets.find((s) => s.name === n);
    const [ilc, conf, ev] = [set('ilc2021-val'), set('confusers'), set('everyday-val')];
    const confAll = conf?.kinds?.find((k) => k.kind === 'all');
    return {
      record: a.id,
      approach: a.shipped ? `${a.approach} (shipped)` : a.approach,
      detection: settingText(a.setting),
      'val mAP pooled': f3(p?.mAP),
      'Kaggle val mAP': f3(fieldOf(a, 'kaggle-validation')?.mAP),
      'ilc val mAP': f3(fieldOf(a, 'ilc2021-val')?.mAP),
      'AP with / without / incorrect': p ? `${f3(p.perClass.with_mask.ap)} / ${f3(p.perClass.without_mask.ap)} / ${f3(p.perClass.incorrect_mask.ap)}` : '—',
      'mAP < 12 / 12–24 / 24–48 / >= 48 px': p ? FIELD_BANDS.map((b) => b.name).map((b) => band(p, b)).join(' / ') : '—',
      'ilc val incorrect R / P %': ilc ? `${pct(incorrect(ilc)?.recall)} / ${pct(incorrect(ilc)?.precision)}` : '—',
      'ilc val macro F1': f3(ilc?.report.macro.f1),
      'confusers without %': confAll ? pct((confAll.called.without_mask ?? NaN) / confAll.faces) : NaN,
      'everyday val without % (large incorrect)': ev?.everyday ? `${pct(ev.everyday.withoutShare)} (${ev.everyday.largeIncorrect.length})` : '—',
    };
  });
}

/** Test numbers, as they fell, for the approaches measured there (`--test`). */
export function smallFacesTestRows(approaches: readonly SmallFacesApproach[]) {
  return approaches
    .filter((a) => a.field.sets.some((s) => s.name === 'kaggle-test'))
    .map((a) => {
      const [k, i] = [fieldOf(a, 'kaggle-test'), fieldOf(a, 'ilc2021-test')];
      const set = (n: string) => a.sets.find((s) => s.name === n);
      const [ilc, ev] = [set('ilc2021-test'), set('everyday-test')];
      return {
        approach: a.shipped ? `${a.approach} (shipped)` : a.approach,
        'Kaggle test mAP': f3(k?.mAP),
        'Kaggle test AP with / without / incorrect': k ? `${f3(k.perClass.with_mask.ap)} / ${f3(k.perClass.without_mask.ap)} / ${f3(k.perClass.incorrect_mask.ap)}` : '—',
        'Kaggle test mAP < 12 / 12–24 / 24–48 / >= 48 px': k ? FIELD_BANDS.map((b) => b.name).map((b) => band(k, b)).join(' / ') : '—',
        'ilc test mAP': f3(i?.mAP),
        'ilc test incorrect R / P %': ilc ? `${pct(incorrect(ilc)?.recall)} / ${pct(incorrect(ilc)?.precision)}` : '—',
        'everyday test without % (large incorrect)': ev?.everyday ? `${pct(ev.everyday.withoutShare)} (${ev.everyday.largeIncorrect.length})` : '—',
      };
    });
}

/** Rows as a Markdown table (the docs' tables are made from the committed files this way). */
export function markdownTable(rows: readonly Record<string, string | number>[]): string {
  if (!rows.length) return '';
  const cols = Object.keys(rows[0]);
  const cell = (v: string | number) => (typeof v === 'number' ? (Number.isNaN(v) ? '—' : String(v)) : v);
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`)].join('\n');
}
