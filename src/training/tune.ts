/**
 * `facemask tune`: choose what a model's pipeline runs, on validation scenes only (the Kaggle
 * validation photos 160–199 and ilc2021's validation scenes, src/data/scenes.ts), by the rules of
 * src/training/tune-rules.ts — for photos a detector and its scales by mAP@0.5 over every face, for
 * video the best one-scale candidate, and for each the drawing threshold and box policy by the F1 of
 * faces found and labelled right. Box corrections are learnt on the Kaggle fitting photos (0–159),
 * one per detector, and one apart for boxes found on the enlarged photo (a candidate of its own).
 * The test scenes are measured at the choice and reported as they fall.
 *
 * Writes `runs/tune/<name>/`: `config.json` (what was asked), `results.json` (every candidate's
 * numbers, every drawing setting of the two choices, the choice, the test measurements),
 * `candidates.png` and `drawing.png`. `facemask promote runs/tune/<name>` writes the choice into the
 * model's manifest (`detection.photo`, `detection.settings[<video detector>]`).
 */
import * as path from 'node:path';
import type { Config } from '../config';
import { projectPaths } from '../paths';
import { writeFileAtomic } from '../util/atomic';
import { inFreshRunDir } from '../util/runs';
import { barChart, lineChart } from '../charts/index';
import { kaggleScenes } from '../data/kaggle';
import { sceneSet, validationScenes, TEST_SCENE_SETS, VALIDATION_SCENE_SETS, type SceneSetName } from '../data/scenes';
import type { AnnotatedScene } from '../data/types';
import { decodeImage } from '../util/images';
import { fitBoxCorrection, matchedPairs } from '../detection/boxfit';
import type { BoxCorrection } from '../model/setting';
import type { LoadedClassifier } from '../model/types';
import type { PhotoSetting, ScalePlan, TunedSetting } from '../model/setting';
import { modelIdentity } from '../model/manifest-files';
import { createFaceMaskDetector } from '../detection/create';
import { loadFaceClassifier } from '../model/load';
import { createEngine } from '../backend/onnx';
import { scoreScenes, summariseDetections, applySetting, type DetectionSummary, type ScoredScenes } from '../evaluation/scenes';
import { vocImages } from '../evaluation/field';
import { fieldMeasure } from '../evaluation/voc';
import { DEFAULT_GRID, DRAW_RULES, chooseCandidate, chooseDrawing, settingOf, sweepDrawing, type CandidateResult, type DrawRow, type TuneGrid } from './tune-rules';

export interface TuneOptions {
  /** The configuration (detect, faces, classify; small-data mode). */
  config: Config;
  /** Model folder. default: models/default */
  model?: string;
  /** Detectors to try. default: yunet-n and yunet */
  detectors?: string[];
  /** Second-scale enlargements to try (1: one scale). default: 1, 1.5, 2 */
  upscales?: number[];
  grid?: Partial<TuneGrid>;
  /** The first N scenes of each set (small-data mode: 10). */
  limit?: number;
  /** Run folder name. default: the model's */
  name?: string;
  runsDir?: string;
  quiet?: boolean;
}

/** A candidate to try: detector, scales, and whether boxes of the enlarged photo get their own correction. */
export type CandidateSpec = { detector: string; scales: ScalePlan | null; fineBox: boolean };

/** A candidate as tried: detector, scales, and whether boxes of the enlarged photo get their own correction. */
export interface TriedCandidate extends CandidateResult {
  fineBox: boolean;
  /** mAP per validation set. */
  sets: Record<string, number>;
}

/** A choice (for photos or video): the candidate, its drawing setting and the numbers. */
export interface TuneChoice {
  candidate: TriedCandidate;
  setting: TunedSetting & { scales: ScalePlan | null; fineBox?: BoxCorrection };
  draw: { f1: number; summary: DetectionSummary };
  rows: DrawRow[];
  /** The test scenes at the choice, as they fell: mAP per set, F1 and the second measure. */
  test: Record<string, { mAP: number; f1: number; kept: DetectionSummary }>;
}

export interface TuneConfig {
  model: string;
  modelHead: string;
  classes: string[];
  runtime: string;
  detectors: string[];
  upscales: number[];
  grid: TuneGrid;
  floor: number;
  validation: { sets: readonly SceneSetName[]; photos: number };
  test: { sets: readonly SceneSetName[]; photos: number };
  /** Box corrections learnt on the fitting photos, per detector (and `<detector>@x<k>` for the enlarged pass). */
  boxes: Record<string, BoxCorrection>;
  small: boolean;
  started: string;
}

export interface TuneResult {
  runDir: string;
  config: TuneConfig;
  candidates: TriedCandidate[];
  photo: TuneChoice;
  video: TuneChoice;
}


/** The model's folder name as runs and summaries name it (`models/default` → `default`; a run's `…/x/model` → `x`). */
export function modelName(dir: string): string {
  const abs = path.resolve(dir);
  return path.basename(abs) === 'model' ? path.basename(path.dirname(abs)) : path.basename(abs);
}

/** The candidates of a run: each detector at one scale, and at two for each enlargement, with and without a correction of its own. */
export function candidatesOf(detectors: readonly string[], upscales: readonly number[], scales: Config['detect']['scales']): CandidateSpec[] {
  return detectors.flatMap((detector) =>
    upscales.flatMap((k): CandidateSpec[] => (k === 1 ? [{ detector, scales: null, fineBox: false }] : [false, true].map((fineBox) => ({ detector, scales: { upscale: k, ...scales }, fineBox })))),
  );
}

export async function tune(opts: TuneOptions): Promise<TuneResult> {
  const cfg = opts.config;
  const modelDir = path.resolve(opts.model ?? projectPaths().defaultModel);
  const limit = opts.limit ?? (cfg.small ? 10 : undefined);
  const grid: TuneGrid = { ...DEFAULT_GRID, ...(opts.grid ?? {}) };
  const detectors = opts.detectors ?? ['yunet-n', 'yunet'];
  const upscales = opts.upscales ?? [1, 1.5, 2];
  const validation = validationScenes({ limit });
  const test = TEST_SCENE_SETS.map((n) => ({ name: n, scenes: sceneSet(n, { limit }) }));
  const classifier = await loadFaceClassifier(modelDir, cfg.classify.runtime, () => createEngine({ quiet: opts.quiet }));
  try {
    const fit = classifier.manifest.training.kaggle?.fit;
    if (fit && validation.some((s) => s.dataset === 'kaggle-face-mask-dev' && Number(s.photo) >= fit[0] && Number(s.photo) <= fit[1])) throw new Error(`${modelDir} was fitted on Kaggle photos ${fit[0]}–${fit[1]}: it cannot be tuned on them`);
    const floor = cfg.faces.scoreFloor;
    const run = new CandidateRunner(cfg, classifier, validation, { floor, limit, quiet: opts.quiet });
    const tried: TriedCandidate[] = [];
    for (const c of candidatesOf(detectors, upscales, cfg.detect.scales)) tried.push(await run.measure(c));
    const photoPick = chooseCandidate(tried);
    const videoPick = chooseCandidate(tried.filter((c) => !c.scales));
    if (!photoPick || !videoPick) throw new Error('no candidate could be measured on the validation scenes');
    const choose = async (c: TriedCandidate): Promise<TuneChoice> => run.choice(c, grid, test);
    const photo = await choose(photoPick);
    const video = await choose(videoPick);
    const config: TuneConfig = {
      model: path.relative(projectPaths().root, modelDir) || modelDir,
      modelHead: modelIdentity(classifier.manifest),
      classes: [...classifier.classes],
      runtime: classifier.runtime,
      detectors,
      upscales,
      grid,
      floor,
      validation: { sets: VALIDATION_SCENE_SETS, photos: validation.length },
      test: { sets: TEST_SCENE_SETS, photos: test.reduce((n, t) => n + t.scenes.length, 0) },
      boxes: Object.fromEntries(run.boxes),
      small: cfg.small,
      started: new Date().toISOString(),
    };
    return await inFreshRunDir(opts.runsDir ?? projectPaths().runsTune, opts.name ?? modelName(modelDir), async (runDir) => {
      writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
      writeFileAtomic(path.join(runDir, 'results.json'), JSON.stringify(tuneResultsJson(tried, photo, video), null, 1) + '\n');
      await candidatesFigure(tried, photo.candidate).save(path.join(runDir, 'candidates.png'));
      await drawingFigure(photo, video).save(path.join(runDir, 'drawing.png'));
      return { runDir, config, candidates: tried, photo, video };
    });
  } finally {
    classifier.dispose();
  }
}

/** Scores candidates (caching boxes and probabilities in the measurement cache) and learns their box corrections once. */
class CandidateRunner {
  readonly boxes = new Map<string, BoxCorrection>();
  private readonly scored = new Map<string, ScoredScenes>();
  private readonly floor: number;
  constructor(
    private readonly cfg: Config,
    private readonly classifier: LoadedClassifier,
    private readonly validation: readonly (AnnotatedScene & { dataset: string })[],
    private readonly opts: { floor: number; limit?: number; quiet?: boolean },
  ) {
    this.floor = opts.floor;
  }

  /** The box corrections of a candidate: the detector's (one scale), and the enlarged pass's own when asked. */
  private async corrections(c: CandidateSpec): Promise<{ box: BoxCorrection; fineBox?: BoxCorrection }> {
    if (!this.boxes.has(c.detector)) this.boxes.set(c.detector, await this.learn(c.detector, null, (s) => s === undefined || s === 1, this.cfg.faces.minSize));
    const box = this.boxes.get(c.detector)!;
    if (!c.fineBox || !c.scales) return { box };
    const key = `${c.detector}@x${c.scales.upscale}`;
    if (!this.boxes.has(key)) this.boxes.set(key, await this.learn(c.detector, c.scales, (s) => (s ?? 1) > 1, 0));
    return { box, fineBox: this.boxes.get(key)! };
  }

  /**
   * A correction from the raw boxes (of the pass `which` keeps, scoring >= 0.3) on the fitting photos,
   * matched to faces >= `minFace` px: the detector's own on counted faces, the enlarged pass's on every
   * face it finds (the small ones it is there for).
   */
  private async learn(detector: string, scales: ScalePlan | null, which: (scale: number | undefined) => boolean, minFace: number): Promise<BoxCorrection> {
    const p = await createFaceMaskDetector(this.cfg, { classifier: this.classifier, detector, scales, threshold: this.floor, cacheDir: projectPaths().measureCache, box: null });
    try {
      const photos = [];
      for (const sc of kaggleScenes('fit', { limit: this.opts.limit })) {
        const dets = (await p.findFaces(await decodeImage(sc.file), { raw: true })).filter((d) => d.score >= 0.3 && which(d.scale));
        photos.push({ detections: dets, faces: sc.faces.filter((f) => Math.min(f.box[2], f.box[3]) >= minFace) });
      }
      return fitBoxCorrection(matchedPairs(photos, this.cfg.faces.matchIou));
    } finally {
      p.dispose();
    }
  }

  /** Every box down to the floor on `scenes`, scored by the candidate's pipeline. */
  async score(c: CandidateSpec, scenes: readonly AnnotatedScene[], key: string): Promise<ScoredScenes> {
    const k = `${c.detector}|${JSON.stringify(c.scales)}|${c.fineBox}|${key}`;
    if (!this.scored.has(k)) {
      const { box, fineBox } = await this.corrections(c);
      const p = await createFaceMaskDetector(this.cfg, { classifier: this.classifier, detector: c.detector, scales: c.scales, threshold: this.floor, cacheDir: projectPaths().measureCache, box, ...(fineBox ? { fineBox } : {}) });
      try {
        this.scored.set(k, await scoreScenes(p, scenes, { quiet: this.opts.quiet }));
      } finally {
        p.dispose();
      }
    }
    return this.scored.get(k)!;
  }

  /** A candidate's validation mAP, pooled and per set. */
  async measure(c: CandidateSpec): Promise<TriedCandidate> {
    const scenes = this.validation;
    const s = await this.score(c, scenes, 'validation');
    const images = vocImages(s, this.floor);
    const sets: Record<string, number> = {};
    for (const [name, ds] of [['kaggle-validation', 'kaggle-face-mask-dev'], ['ilc2021-val', 'ilc2021']] as const) sets[name] = fieldMeasure(images.filter((_, i) => scenes[i].dataset === ds), { floor: this.floor }).mAP;
    return { ...c, mAP: fieldMeasure(images, { floor: this.floor }).mAP, sets };
  }

  /** The drawing setting of a chosen candidate (rule 3 on validation) and the test scenes at it. */
  async choice(c: TriedCandidate, grid: TuneGrid, test: { name: SceneSetName; scenes: AnnotatedScene[] }[]): Promise<TuneChoice> {
    const rows = sweepDrawing(await this.score(c, this.validation, 'validation'), grid);
    const best = chooseDrawing(rows);
    if (!best) throw new Error(`no drawing setting at or above the floor ${this.floor} in the grid`);
    const { box, fineBox } = await this.corrections(c);
    const setting = { ...settingOf(best), box, scales: c.scales, ...(fineBox ? { fineBox } : {}) };
    const out: TuneChoice['test'] = {};
    for (const t of test) {
      const s = await this.score(c, t.scenes, t.name);
      const kept = summariseDetections(applySetting(s, best), { minSize: this.cfg.faces.minSize, matchIou: this.cfg.faces.matchIou });
      out[t.name] = { mAP: fieldMeasure(vocImages(s, this.floor), { floor: this.floor }).mAP, f1: sweepDrawing(s, { thresholds: [best.threshold], rejectAts: [best.rejectAt], trustAboves: [best.trustAbove] }, DRAW_RULES)[0]?.f1 ?? NaN, kept };
    }
    return { candidate: c, setting, draw: { f1: best.f1, summary: best.summary }, rows, test: out };
  }
}

/** results.json: the candidates, both choices and their drawing sweeps (compact rows). */
function tuneResultsJson(tried: readonly TriedCandidate[], photo: TuneChoice, video: TuneChoice) {
  const choice = (c: TuneChoice) => ({ detector: c.candidate.detector, setting: c.setting, validation: { mAP: c.candidate.mAP, sets: c.candidate.sets, f1: c.draw.f1, kept: c.draw.summary }, test: c.test, rows: c.rows.map((r) => ({ ...settingOf(r), f1: +r.f1.toFixed(4) })) });
  return { kind: 'tune', version: 2, candidates: tried, photo: choice(photo), video: choice(video) };
}

/** "yunet-n x2 (own box)" — a candidate in words. */
export function candidateLabel(c: CandidateSpec): string {
  return `${c.detector} ${c.scales ? `+x${c.scales.upscale}${c.fineBox ? ' (own box)' : ''}` : 'one scale'}`;
}

/** Validation mAP per candidate, the photo choice named. */
export function candidatesFigure(tried: readonly TriedCandidate[], chosen: TriedCandidate) {
  const rows = tried.map((c) => ({ candidate: candidateLabel(c), 'validation mAP@0.5': +c.mAP.toFixed(3), chosen: c === chosen ? 'photo choice' : 'tried' }));
  return barChart(rows, { x: 'candidate', y: 'validation mAP@0.5', colour: 'chosen', title: "candidates for photos: validation mAP@0.5 over every face" });
}

/** F1 of faces found and labelled right against the threshold, one line per box policy, for the photo choice. */
export function drawingFigure(photo: TuneChoice, video: TuneChoice) {
  const lines = (c: TuneChoice, what: string) => c.rows.map((r) => ({ threshold: r.threshold, F1: +r.f1.toFixed(4), policy: `${what}: not_face ${r.rejectAt ?? 'off'}, trust ${r.trustAbove ?? 'off'}` }));
  return lineChart([...lines(photo, 'photo'), ...(video.candidate === photo.candidate ? [] : lines(video, 'video'))], { x: 'threshold', y: 'F1', series: 'policy', title: `drawing threshold: F1 of faces >= ${DRAW_RULES.minSize} px found and labelled right (validation)` });
}

/** The photo setting a choice writes into the manifest. */
export function photoSettingOf(c: TuneChoice, chosenBy: string): PhotoSetting {
  const { scales, fineBox, ...rest } = c.setting;
  return { detector: c.candidate.detector, ...rest, scales, ...(fineBox ? { fineBox } : {}), chosenBy };
}
