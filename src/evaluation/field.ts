/**
 * The field's measure on scene photos (docs/contracts.md "Boxes and faces"), from what a pipeline
 * saw (`scoreScenes`, src/evaluation/scenes.ts): every box down to the floor with its probabilities,
 * before the box policy, measured by src/evaluation/voc.ts — mAP@0.5 over every face, per class, by
 * size band, and the detector's class-agnostic AP beside it. From the same scores, the second
 * measure of what the pipeline keeps at its own setting (`applySetting` + `summariseDetections`:
 * faces >= 24 px, a hit at IoU 0.3), so one pass over the photos gives both rows.
 *
 * Also the committed summary (`docs/results/field-map-<model>-<detector>.json`, written atomically
 * by `facemask evaluate --scenes … --summary FILE`), its table rows and the precision–recall chart.
 * Pure but for the summary file and the chart's rendering.
 */
import * as fs from 'node:fs';
import { LABELS, type Label } from '../labels';
import type { ScalePlan } from '../model/setting';
import { lineChart, type Figure } from '../charts/index';
import { writeFileAtomic } from '../util/atomic';
import { applySetting, summariseDetections, type DetectionSetting, type DetectionSummary, type MatchRules, type ScoredScenes } from './scenes';
import { FIELD_BANDS, fieldMeasure, scoredBox, thinCurve, type ApCurve, type FieldResult, type PrPoint, type SizeBand, type VocImage } from './voc';

/** The scored scenes as the field's measure takes them: faces and every box at or above `floor`. */
export function vocImages(s: ScoredScenes, floor: number): VocImage[] {
  if (floor < s.low - 1e-9) throw new Error(`the floor ${floor} is below the ${s.low} the boxes were found at: score the scenes with a pipeline at the floor`);
  return s.scenes.map((sc) => ({
    faces: sc.scene.faces.map((f) => ({ box: f.box, label: f.label })),
    boxes: sc.detections.flatMap((d, i) => (d.score >= floor ? [scoredBox(d.box, d.score, sc.probabilities[i], s.classes)] : [])),
  }));
}

/** Faces at least `minSize` px (the second measure's counted faces), as one more band: the field's measure over them alone. */
export function countedBand(minSize: number): SizeBand {
  return { name: `>= ${minSize} (all)`, lo: minSize, hi: Infinity };
}

/** One scene set measured both ways. */
export interface FieldSet {
  /** The set's name (`kaggle-test`, `ilc2021-test`, …) and description. */
  name: string;
  description: string;
  photos: number;
  faces: Record<Label, number>;
  /** The field's measure (headline). */
  field: FieldResult;
  /** The second measure: what the pipeline keeps at `setting` (faces >= `rules.minSize`, a hit at IoU `rules.matchIou`). */
  kept: DetectionSummary;
  setting: DetectionSetting;
  rules: MatchRules;
}

/** Both measures of one set from its scores. */
export function measureFieldSet(name: string, description: string, scored: ScoredScenes, opts: { floor: number; setting: DetectionSetting; rules: MatchRules }): FieldSet {
  const faces = Object.fromEntries(LABELS.map((l) => [l, 0])) as Record<Label, number>;
  for (const sc of scored.scenes) for (const f of sc.scene.faces) faces[f.label]++;
  return {
    name,
    description,
    photos: scored.scenes.length,
    faces,
    field: fieldMeasure(vocImages(scored, opts.floor), { floor: opts.floor, bands: [...FIELD_BANDS, countedBand(opts.rules.minSize)] }),
    kept: summariseDetections(applySetting(scored, opts.setting), opts.rules),
    setting: { threshold: opts.setting.threshold, rejectAt: opts.setting.rejectAt, trustAbove: opts.setting.trustAbove },
    rules: { minSize: opts.rules.minSize, matchIou: opts.rules.matchIou },
  };
}

// ---------------------------------------------------------------------------------------------
// The committed summary

/** What produced a measurement: the model, the detector and its settings, the command. */
export interface FieldProvenance {
  command: string;
  model: { dir: string; identity: string; classes: readonly string[]; calibrated: boolean; decision: unknown };
  /** `maxBoxes`: the most boxes the detector gives a photo (config `detect.maxFaces`; COCO's 100 detections). */
  /** `scales`: the photo's two scales (src/detection/scales.ts), or null: one; absent in summaries made before. */
  detector: { name: string; floor: number; maxBoxes: number; boxCorrection: boolean; scales?: ScalePlan | null };
  small: boolean;
}

type CurveSummary = Omit<ApCurve, 'points'> & { curve: [number, number, number][] };
/** The second measure as summaries keep it (its own AP and size bands, on kept boxes, and its timing left out). */
type KeptSummary = Omit<DetectionSummary, 'ap' | 'bySize' | 'msPerImage'>;

/** The summary file: `kind` marks it (what `--summary` may replace), numbers with NaN as null. */
export interface FieldSummary extends FieldProvenance {
  kind: 'field-map';
  version: 1;
  iou: number;
  sets: {
    name: string;
    description: string;
    photos: number;
    faces: Record<Label, number>;
    boxes: number;
    mAP: number | null;
    perClass: Record<Label, CurveSummary>;
    agnostic: CurveSummary;
    bands: FieldResult['bands'];
    kept: { setting: DetectionSetting; rules: MatchRules; summary: KeptSummary };
  }[];
}

/** A curve as `[recall, precision, score]` triples (4 digits), thinned (summaries and charts stay small). */
function curveSummary(c: ApCurve): CurveSummary {
  const { points, ...rest } = c;
  return { ...rest, curve: thinCurve(points).map((p) => [round(p.recall, 4), round(p.precision, 4), round(p.score, 4)]) };
}

const round = (x: number, d = 6) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

/** The summary of some measured sets (JSON-ready: NaN is written as null). */
export function fieldSummary(sets: readonly FieldSet[], provenance: FieldProvenance): FieldSummary {
  return {
    kind: 'field-map',
    version: 1,
    ...provenance,
    iou: sets[0]?.field.iou ?? 0.5,
    sets: sets.map((s) => {
      const { ap: _ap, bySize: _bands, msPerImage: _ms, ...kept } = s.kept;
      return {
        name: s.name,
        description: s.description,
        photos: s.photos,
        faces: s.faces,
        boxes: s.field.boxes,
        mAP: s.field.mAP,
        perClass: Object.fromEntries(LABELS.map((l) => [l, curveSummary(s.field.perClass[l])])) as Record<Label, CurveSummary>,
        agnostic: curveSummary(s.field.agnostic),
        bands: s.field.bands,
        kept: { setting: s.setting, rules: s.rules, summary: kept },
      };
    }),
  };
}

/** Whether `file` is a field summary (what `--summary --overwrite` may replace). */
export function isFieldSummary(file: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { kind?: unknown }).kind === 'field-map';
  } catch {
    return false;
  }
}

/** Write the summary atomically (pretty JSON, fractions to 6 digits, NaN as null). */
export function writeFieldSummary(file: string, summary: FieldSummary): void {
  const text = JSON.stringify(summary, (_k, v: unknown) => (typeof v === 'number' ? round(v) : v), 2);
  // a curve point [recall, precision, score] on one line
  writeFileAtomic(file, text.replace(/\[\s+(-?[\d.e+-]+|null),\s+(-?[\d.e+-]+|null),\s+(-?[\d.e+-]+|null)\s+\]/g, '[$1, $2, $3]') + '\n');
}

/** Read a summary file back (throws when it is not one). */
export function readFieldSummary(file: string): FieldSummary {
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as FieldSummary;
  if (j.kind !== 'field-map') throw new Error(`${file} is not a field summary (no "kind": "field-map")`);
  return j;
}

// ---------------------------------------------------------------------------------------------
// Tables and the chart

const f3 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? NaN : +x.toFixed(3));
const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? NaN : +(100 * x).toFixed(1));

/** A measured set or its summary: what the rows need. */
type SetLike = Pick<FieldSummary['sets'][number], 'name' | 'photos' | 'faces' | 'bands'> & { mAP: number | null; perClass: Record<Label, { ap: number | null; recall: number | null }>; agnostic: { ap: number | null; recall: number | null }; kept: KeptSummary; rules: MatchRules };

/** A measured set in the shape the rows take (the summary's shape). */
function setLike(s: FieldSet | FieldSummary['sets'][number]): SetLike {
  if ('field' in s) return { name: s.name, photos: s.photos, faces: s.faces, bands: s.field.bands, mAP: s.field.mAP, perClass: s.field.perClass, agnostic: s.field.agnostic, kept: s.kept, rules: s.rules };
  return { ...s, kept: s.kept.summary, rules: s.kept.rules };
}

/**
 * Two rows per set: the field's measure (AP@0.5 per class over every face, their mean, the detector's
 * class-agnostic AP) and the second one (faces >= 24 px found at IoU 0.3 by the kept boxes, per class
 * and all; false boxes per photo; found and labelled right).
 */
export function fieldRows(sets: readonly (FieldSet | FieldSummary['sets'][number])[]) {
  return sets.map(setLike).flatMap((s) => [
    {
      scenes: s.name,
      measure: 'AP@0.5, every face',
      faces: `${s.faces.with_mask}/${s.faces.without_mask}/${s.faces.incorrect_mask}`,
      with_mask: f3(s.perClass.with_mask.ap),
      without_mask: f3(s.perClass.without_mask.ap),
      incorrect_mask: f3(s.perClass.incorrect_mask.ap),
      'mean (mAP) / all': f3(s.mAP),
      'detector alone': f3(s.agnostic.ap),
      'false / photo': '—',
      'right end to end %': '—',
    },
    {
      scenes: s.name,
      measure: `found %, faces >= ${s.rules.minSize} px, IoU ${s.rules.matchIou}, kept boxes`,
      faces: `${s.kept.perClass.with_mask.faces}/${s.kept.perClass.without_mask.faces}/${s.kept.perClass.incorrect_mask.faces}`,
      with_mask: pct(s.kept.maskedRecall),
      without_mask: pct(s.kept.unmaskedRecall),
      incorrect_mask: pct(s.kept.incorrectRecall),
      'mean (mAP) / all': pct(s.kept.allRecall),
      'detector alone': '—',
      'false / photo': +s.kept.falsePerImage.toFixed(3),
      'right end to end %': pct(s.kept.endToEnd),
    },
  ]);
}

/**
 * One row per set and band: its faces, AP per class and their mean, the detector's AP, and the faces
 * found down to the floor (every box is a detection of every class, so this recall is the detector's).
 */
export function fieldBandRows(sets: readonly (FieldSet | FieldSummary['sets'][number])[]) {
  return sets.map(setLike).flatMap((s) =>
    s.bands.map((b) => ({
      scenes: s.name,
      band: `${b.band} px`,
      faces: b.faces,
      'AP with_mask': f3(b.perClass.with_mask.ap),
      'AP without_mask': f3(b.perClass.without_mask.ap),
      'AP incorrect_mask': f3(b.perClass.incorrect_mask.ap),
      mAP: f3(b.mAP),
      'detector AP': f3(b.agnostic.ap),
      'found %': pct(b.agnostic.recall),
    })),
  );
}

/** Precision against recall per class and for the detector alone (legend: AP); hover a point for its score. */
export function fieldPrFigure(set: FieldSet | FieldSummary['sets'][number], title?: string): Figure {
  const curves: [string, number | null, PrPoint[]][] =
    'field' in set
      ? [...LABELS.map((l): [string, number, PrPoint[]] => [l, set.field.perClass[l].ap, thinCurve(set.field.perClass[l].points)]), ['face (detector alone)', set.field.agnostic.ap, thinCurve(set.field.agnostic.points)]]
      : [...LABELS.map((l): [string, number | null, PrPoint[]] => [l, set.perClass[l].ap, fromTriples(set.perClass[l].curve)]), ['face (detector alone)', set.agnostic.ap, fromTriples(set.agnostic.curve)]];
  const rows = curves.flatMap(([name, ap, pts]) => (ap === null || !Number.isFinite(ap) ? [] : pts.map((p) => ({ recall: p.recall, precision: p.precision, score: +p.score.toFixed(4), class: `${name} ${ap.toFixed(3)}` }))));
  if (rows.length === 0) rows.push({ recall: 0, precision: 0, score: 0, class: 'no faces' });
  return lineChart(rows, { x: 'recall', y: 'precision', series: 'class', title: title ?? `precision–recall at IoU 0.5, every face — ${set.name} (legend: AP)`, points: false, zero: true, tooltip: 'score' });
}

const fromTriples = (c: [number, number, number][]): PrPoint[] => c.map(([recall, precision, score]) => ({ recall, precision, score }));
