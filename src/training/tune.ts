/**
 * `facemask tune`: choose a model's detection setting for one detector — the detector's threshold,
 * the not_face rejection level and the trusted detector score — on the Kaggle **validation** photos
 * (src/data/kaggle.ts), never on test photos, and write a run folder `runs/tune/<name>/`:
 * `config.json` (what it was asked), `results.json` (every setting's numbers on validation, the
 * choice, and the test part at the choice, reported as it falls) and `tradeoff.png`.
 * `facemask promote runs/tune/<name>` then writes the choice into the model's manifest.
 *
 * The rule (fixed beforehand): among the settings with at most `maxFalse` false detections per
 * image, the highest masked-face recall; ties go to end to end, then to the smaller change (no
 * trusted boxes, less rejection, a higher threshold).
 */
import * as path from 'node:path';
import type { Config } from '../config';
import { projectPaths } from '../paths';
import { writeFileAtomic } from '../util/atomic';
import { inFreshRunDir } from '../util/runs';
import { tradeoffChart } from '../charts/index';
import { kaggleScenes, describePart, faceCounts, type KagglePart } from '../data/kaggle';
import { decodeImage } from '../util/images';
import { fitBoxCorrection, matchedPairs, type BoxCorrection } from '../detection/boxfit';
import type { LoadedClassifier } from '../model/types';
import { modelIdentity } from '../model/manifest-files';
import { createFaceMaskDetector } from '../detection/create';
import { loadFaceClassifier } from '../model/load';
import { createEngine } from '../backend/onnx';
import { measureSetting, scoreScenes, type DetectionSetting, type DetectionSummary } from '../evaluation/scenes';

/** The settings tried: every combination. `null`: off (no rejection by probability / no trusted boxes). */
export interface TuneGrid {
  thresholds: number[];
  rejectAts: (number | null)[];
  trustAboves: (number | null)[];
}

export const DEFAULT_GRID: TuneGrid = {
  thresholds: [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.65, 0.7],
  rejectAts: [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, null],
  trustAboves: [0.5, 0.65, 0.8, 0.9, null],
};

/** A setting and what it gave: the typed numbers the choice is made on. */
export interface TuneRow extends DetectionSetting {
  summary: DetectionSummary;
}

/** Every setting of the grid measured (settings that only differ in rejection are skipped for a model without not_face). */
export function sweep(scored: Parameters<typeof measureSetting>[0], grid: TuneGrid, rules: Config['faces']): TuneRow[] {
  const nf = scored.classes.includes('not_face');
  const rows: TuneRow[] = [];
  for (const threshold of grid.thresholds)
    for (const rejectAt of nf ? grid.rejectAts : [null])
      for (const trustAbove of nf ? grid.trustAboves : [null]) {
        const setting = { threshold, rejectAt, trustAbove };
        rows.push({ ...setting, summary: measureSetting(scored, setting, rules) });
      }
  return rows;
}

const off = (x: number | null) => x ?? Infinity;

/** The rule (see the module comment); null when no setting keeps the false rate. */
export function chooseSetting(rows: readonly TuneRow[], maxFalse: number): TuneRow | null {
  const ok = rows.filter((r) => r.summary.falsePerImage <= maxFalse + 1e-12);
  if (!ok.length) return null;
  const nan0 = (x: number) => (Number.isNaN(x) ? -1 : x);
  return [...ok].sort(
    (a, b) =>
      nan0(b.summary.maskedRecall) - nan0(a.summary.maskedRecall) ||
      nan0(b.summary.endToEnd) - nan0(a.summary.endToEnd) ||
      off(b.trustAbove) - off(a.trustAbove) ||
      off(b.rejectAt) - off(a.rejectAt) ||
      b.threshold - a.threshold,
  )[0];
}

export interface TuneOptions {
  /** The configuration (its detect, faces, classify and tune sections; small-data mode). */
  config: Config;
  /** Model folder. default: models/default */
  model?: string;
  /** Detector. default: the one the model's settings would use (src/detection/registry.ts) */
  detector?: string;
  grid?: Partial<TuneGrid>;
  /** Most false detections per image allowed. default: 0.1 */
  maxFalse?: number;
  /** The part choices are made on, and the part reported at the choice. default: validation, test */
  choose?: KagglePart;
  report?: KagglePart | null;
  /** The first N photos of each part (small-data mode: 10). */
  limit?: number;
  /** Learn a box correction for the detector on the fitting photos and tune with it (src/detection/boxfit.ts). default: false */
  fitBoxes?: boolean;
  /** Run folder name. default: `<model>-<detector>` */
  name?: string;
  runsDir?: string;
  quiet?: boolean;
}

export interface TuneResult {
  runDir: string;
  model: string;
  detector: string;
  chosen: TuneRow | null;
  /** The test part at the chosen setting (null without a choice or a report part). */
  reported: DetectionSummary | null;
  rows: TuneRow[];
  config: TuneConfig;
}

/** What a tune run was asked (`config.json`). */
export interface TuneConfig {
  model: string;
  modelHead: string;
  classes: string[];
  detector: string;
  grid: TuneGrid;
  maxFalse: number;
  /** Where the classifier ran (its probabilities differ in the last digits). */
  runtime: string;
  choose: { part: KagglePart; photos: string; n: number };
  report: { part: KagglePart; photos: string; n: number } | null;
  /** The box correction learned on the fitting photos, or null. */
  box: BoxCorrection | null;
  small: boolean;
  started: string;
}

/** The model's folder name as runs and summaries name it (`models/default` → `default`; a run's `…/x/model` → `x`). */
export function modelName(dir: string): string {
  const abs = path.resolve(dir);
  return path.basename(abs) === 'model' ? path.basename(path.dirname(abs)) : path.basename(abs);
}

export async function tune(opts: TuneOptions): Promise<TuneResult> {
  const cfg = opts.config;
  const modelDir = path.resolve(opts.model ?? projectPaths().defaultModel);
  const maxFalse = opts.maxFalse ?? 0.1;
  const chooseOn = opts.choose ?? 'validation';
  const reportOn = opts.report === undefined ? 'test' : opts.report;
  if (chooseOn === 'test') throw new Error('settings are never chosen on the test part (docs/contracts.md "Splits"): choose on validation');
  const limit = opts.limit ?? (cfg.small ? 10 : undefined);
  const classifier = await loadFaceClassifier(modelDir, cfg.classify.runtime, () => createEngine({ quiet: opts.quiet }));
  try {
    const fit = classifier.manifest.training.kaggle?.fit;
    const chooseScenes = kaggleScenes(chooseOn, { limit });
    if (fit && chooseScenes.some((s) => s.photo >= fit[0] && s.photo <= fit[1])) throw new Error(`${modelDir} was fitted on Kaggle photos ${fit[0]}–${fit[1]}: choose on photos it never saw (--choose validation)`);
    const grid: TuneGrid = { ...DEFAULT_GRID, ...(opts.grid ?? {}) };
    const low = Math.min(...grid.thresholds);
    const cacheDir = projectPaths().measureCache;
    const box = opts.fitBoxes ? await learnBoxCorrection(cfg, classifier, opts.detector, low, cacheDir, limit, opts.quiet) : null;
    const pipeline = await createFaceMaskDetector(cfg, { classifier, detector: opts.detector, threshold: low, cacheDir, box });
    const detector = pipeline.settings.detector;
    try {
      const scored = await scoreScenes(pipeline, chooseScenes, { quiet: opts.quiet });
      const rows = sweep(scored, grid, cfg.faces);
      const chosen = chooseSetting(rows, maxFalse);
      let reported: DetectionSummary | null = null;
      const reportScenes = reportOn ? kaggleScenes(reportOn, { limit }) : [];
      if (chosen && reportOn) reported = measureSetting(await scoreScenes(pipeline, reportScenes, { quiet: opts.quiet }), chosen, cfg.faces);
      const config: TuneConfig = {
        model: path.relative(projectPaths().root, modelDir) || modelDir,
        modelHead: modelIdentity(classifier.manifest),
        classes: [...classifier.classes],
        runtime: classifier.runtime,
        detector,
        grid,
        maxFalse,
        choose: { part: chooseOn, photos: describePart(chooseOn), n: chooseScenes.length },
        report: reportOn ? { part: reportOn, photos: describePart(reportOn), n: reportScenes.length } : null,
        box,
        small: cfg.small,
        started: new Date().toISOString(),
      };
      return await inFreshRunDir(opts.runsDir ?? projectPaths().runsTune, opts.name ?? `${modelName(modelDir)}-${detector}${box ? '-boxes' : ''}`, async (runDir) => {
        writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
        writeFileAtomic(path.join(runDir, 'results.json'), JSON.stringify({ kind: 'tune', chosen: chosen ? { ...settingOf(chosen), ...(box ? { box } : {}) } : null, validation: chosen?.summary ?? null, test: reported, rows: rows.map(compactRow) }, null, 2) + '\n');
        await tradeoffFigure(rows, chosen, `${config.model}, ${detector}: ${describePart(chooseOn)}`, maxFalse).save(path.join(runDir, 'tradeoff.png'));
        return { runDir, model: modelDir, detector, chosen, reported, rows, config };
      });
    } finally {
      pipeline.dispose();
    }
  } finally {
    classifier.dispose();
  }
}

/**
 * The detector's box correction, learned on the fitting photos: its boxes at the low threshold
 * matched to the annotated faces (IoU >= 0.3, faces >= `faces.minSize`), medians of the offsets.
 */
async function learnBoxCorrection(cfg: Config, classifier: LoadedClassifier, detector: string | undefined, low: number, cacheDir: string, limit: number | undefined, quiet?: boolean): Promise<BoxCorrection> {
  const p = await createFaceMaskDetector(cfg, { classifier, detector, threshold: low, cacheDir, box: null });
  try {
    const photos = [];
    for (const sc of kaggleScenes('fit', { limit })) {
      const dets = await p.findFaces(await decodeImage(sc.file), { raw: true });
      photos.push({ detections: dets, faces: sc.faces.filter((f) => faceCounts(f.box, cfg.faces.minSize)) });
    }
    const c = fitBoxCorrection(matchedPairs(photos, cfg.faces.matchIou));
    if (!quiet) process.stderr.write(`box correction for ${p.settings.detector} from ${c.n} faces of the fitting photos: centre +(${c.dx.toFixed(3)}, ${c.dy.toFixed(3)}) of the box, size x(${Math.exp(c.sw).toFixed(3)}, ${Math.exp(c.sh).toFixed(3)})\n`);
    return c;
  } finally {
    p.dispose();
  }
}

/** The setting of a row (what the manifest stores). */
export function settingOf(r: DetectionSetting): DetectionSetting {
  return { threshold: r.threshold, rejectAt: r.rejectAt, trustAbove: r.trustAbove };
}

/** A row for results.json: the setting and the headline numbers. */
export function compactRow(r: TuneRow) {
  const s = r.summary;
  return { ...settingOf(r), maskedRecall: s.maskedRecall, unmaskedRecall: s.unmaskedRecall, incorrectRecall: s.incorrectRecall, allRecall: s.allRecall, falsePerImage: s.falsePerImage, endToEnd: s.endToEnd };
}

/** Masked-face recall against false detections per image, one point per setting, the budget and the choice marked. */
export function tradeoffFigure(rows: readonly TuneRow[], chosen: TuneRow | null, title: string, maxFalse?: number) {
  const points = rows.map(compactRow).map((r) => ({ ...r, endToEnd: Number.isFinite(r.endToEnd) ? r.endToEnd : 0 }));
  return tradeoffChart(points, { chosen: chosen ? rows.indexOf(chosen) : undefined, maxFalse, title: `masked recall vs false boxes — ${title}` });
}
