/**
 * Cross-validation of a recipe over ilc2021's train and validation photos (issue 14): where one
 * validation side (714 faces, macro F1 ± 0.035) cannot tell two variants apart, K models, each
 * trained with one fold of those photos held out (`realworldData`'s `ilc2021Fold`), predict every
 * face of the train + validation photos once, out of fold — about 2,800 faces instead of 714. The
 * test photos never take part.
 *
 * `crossValidate` trains the folds into `runs/cv/<name>/fold-<k>/` (ordinary training runs) and writes
 * `runs/cv/<name>/cv.json`: per fold and pooled numbers, the out-of-fold predictions (raw, before
 * calibration) and the decision study on them (`studyDecision`: calibration and a threshold on
 * incorrect_mask fitted on the other folds, so the rule's gain is measured out of fold too).
 * `compareCv` pairs two such runs face by face (`pairedMacroF1Gain`), the comparison this is for;
 * `ensembleCv` averages several runs' predictions face by face (an ensemble, out of fold too);
 * `flipCv` averages each face with its mirror image through the fold model that held it out
 * (test-time flip, out of fold).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../paths';
import { isLabel, type Label, type ModelClass } from '../labels';
import type { Box } from '../result';
import { writeFileAtomic } from '../util/atomic';
import { inFreshRunDir } from '../util/runs';
import { decideAll, emittedOnly } from '../evaluation/evaluate';
import { pairedMacroF1Gain, reportFromProbabilities, withWithoutBalancedAccuracy, type ClassificationReport } from '../evaluation/metrics';
import { train, type TrainOptions } from './train';
import { getRecipe, type Recipe } from './presets';
import { chosenForm, faceNumbers, studyDecision, type DecisionStudy, type FaceNumbers } from './calibrate';
import { decodeImage, mirrorBox, mirrorImage } from '../util/images';
import { progress } from '../util/progress';
import { loadFaceClassifier } from '../model/load';
import { createEngine } from '../backend/onnx';

export const CV_FILE = 'cv.json';

/** Stored probabilities keep 6 decimals. */
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
/** The same without the per-face predictions (small enough to commit to docs/results/cv/). */
export const CV_SUMMARY = 'summary.json';
export const CV_FORMAT = 'facemask-cv/1';

/** One face predicted out of fold. */
export interface CvPrediction {
  file: string;
  box?: Box;
  label: Label;
  fold: number;
  /** Its ilc2021 photo group (the folds never split one). */
  group: string;
  /** The fold model's probabilities, full class order, before any calibration. */
  probs: number[];
}

/** `runs/cv/<name>/cv.json`. */
export interface CvFile {
  format: typeof CV_FORMAT;
  preset: string;
  overrides: Record<string, unknown>;
  /** The recipe the folds trained, overrides applied (its defaults may change later). */
  recipe: Recipe;
  synth: string[] | null;
  folds: number;
  /** Seed of the folds (and of training unless `trainSeed` is given). */
  seed: number;
  /** Seed of training when it differs from the folds' seed. */
  trainSeed?: number;
  classes: ModelClass[];
  /** Argmax, each fold's faces. */
  perFold: (FaceNumbers & { fold: number })[];
  /** Argmax, all faces out of fold. */
  pooled: { report: ClassificationReport; withWithout: number | null };
  decision: DecisionStudy;
  predictions: CvPrediction[];
  seconds: number;
  /** An ensemble of cv runs (`ensembleCv`): the runs whose predictions were averaged, with their recipes. */
  members?: { name: string; preset: string; overrides: Record<string, unknown>; recipe: Recipe; synth: string[] | null }[];
}

export interface CvOptions extends Pick<TrainOptions, 'config' | 'preset' | 'overrides' | 'synthDir' | 'epochs' | 'views' | 'seed' | 'quiet' | 'workers'> {
  /** default: 5 */
  folds?: number;
  /** Seed of training only (views, initial weights, dropout); the folds stay those of `seed`: another model of the same recipe on the same faces. default: `seed` */
  trainSeed?: number;
  /** Run folder name under `runs/cv/`. default: `<preset>-cv<folds>` (+ `-2`… if taken) */
  name?: string;
  /** default: `runs/cv` */
  runsDir?: string;
}

/** Key of a face for pairing two runs. */
const faceKey = (p: Pick<CvPrediction, 'file' | 'box'>) => `${p.file}|${p.box ? p.box.map((x) => x.toFixed(2)).join(',') : ''}`;

/** Pooled, per-fold and decision numbers from out-of-fold predictions. */
export function summariseCv(predictions: readonly CvPrediction[], classes: readonly ModelClass[], folds: number): Pick<CvFile, 'perFold' | 'pooled' | 'decision'> {
  const faces = predictions.filter((p) => isLabel(p.label));
  const em = emittedOnly(classes, faces.map((p) => p.probs));
  const truth = faces.map((p) => em.classes.indexOf(p.label));
  const perFold: CvFile['perFold'] = [];
  for (let k = 0; k < folds; k++) {
    const f = faces.filter((p) => p.fold === k);
    if (f.length) perFold.push({ fold: k, ...faceNumbers(f.map((p) => p.probs), f.map((p) => p.label), classes, 'argmax') });
  }
  const decision = studyDecision(faces.map((p) => Float32Array.from(p.probs)), faces.map((p) => p.label), faces.map((p) => p.group), [...classes], folds);
  return {
    perFold,
    pooled: { report: reportFromProbabilities(truth, em.probs, em.classes), withWithout: withWithoutBalancedAccuracy(truth, em.probs, em.classes)?.value ?? null },
    decision,
  };
}

/** Train the folds and write `cv.json` (see the module comment). */
export async function crossValidate(opts: CvOptions): Promise<{ runDir: string; cv: CvFile }> {
  const t0 = performance.now();
  const cfg = opts.config;
  const folds = opts.folds ?? 5;
  if (!(Number.isInteger(folds) && folds >= 2)) throw new Error(`folds must be a whole number >= 2 (got ${folds})`);
  const seed = opts.seed ?? cfg.seed;
  const trainSeed = opts.trainSeed ?? seed;
  const preset = opts.preset ?? 'realworld';
  const recipe = getRecipe(preset, opts.overrides ?? {});
  if (recipe.data.kind !== 'realworld' || recipe.data.ilc2021Copies < 1) throw new Error(`cross-validation holds out ilc2021 photos: the recipe must train on them (the realworld preset with data.ilc2021Copies >= 1; ${preset} has ${recipe.data.kind === 'realworld' ? `data.ilc2021Copies = ${recipe.data.ilc2021Copies}` : `the ${recipe.data.kind} data`})`);
  return inFreshRunDir(opts.runsDir ?? path.join(projectPaths().runs, 'cv'), opts.name ?? `${preset}-cv${folds}`, async (runDir) => {
    const predictions: CvPrediction[] = [];
    let classes: ModelClass[] | null = null;
    for (let k = 0; k < folds; k++) {
      if (!opts.quiet) process.stderr.write(`cv: fold ${k + 1} of ${folds}\n`);
      const r = await train({ ...opts, preset, seed: trainSeed, runsDir: runDir, name: `fold-${k}`, ilc2021Fold: { fold: k, folds, seed } });
      const c = r.manifest.classes as ModelClass[];
      if (classes && classes.join() !== c.join()) throw new Error(`fold ${k} trained classes [${c.join(', ')}], fold 0 [${classes.join(', ')}]`);
      classes = c;
      r.valItems.forEach((it, i) => {
        if (it.source !== 'ilc2021' || !isLabel(it.label)) return;
        predictions.push({ file: path.relative(projectPaths().root, it.file), ...(it.box ? { box: it.box } : {}), label: it.label, fold: k, group: it.group ?? it.file, probs: Array.from(r.valProbs[i], round6) });
      });
    }
    if (!predictions.length) throw new Error('no ilc2021 faces were held out: the recipe must train on ilc2021 (data.ilc2021Copies >= 1) with its split recorded');
    const synth = opts.synthDir === undefined ? null : opts.synthDir === null ? [] : [opts.synthDir].flat();
    const cv: CvFile = {
      format: CV_FORMAT,
      preset,
      overrides: opts.overrides ?? {},
      recipe,
      synth,
      folds,
      seed,
      ...(trainSeed !== seed ? { trainSeed } : {}),
      classes: classes!,
      ...summariseCv(predictions, classes!, folds),
      predictions,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
    };
    writeCvRun(runDir, cv);
    return { runDir, cv };
  });
}

/** A cv run without its predictions: what notebook 04 shows (docs/results/cv/). */
export type CvSummary = Omit<CvFile, 'predictions'> & { name: string; faces: number };

export function cvSummary(cv: CvFile, name: string): CvSummary {
  const { predictions, ...rest } = cv;
  return { name, faces: predictions.length, ...rest };
}

/** Read `cv.json` from a cv run folder (or the file). */
export function readCv(dirOrFile: string): CvFile {
  const file = fs.existsSync(dirOrFile) && fs.statSync(dirOrFile).isDirectory() ? path.join(dirOrFile, CV_FILE) : dirOrFile;
  if (!fs.existsSync(file)) throw new Error(`no ${CV_FILE} at ${dirOrFile}: make one with facemask cv`);
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as CvFile;
  if (j.format !== CV_FORMAT) throw new Error(`${file} is not a ${CV_FORMAT} file`);
  return j;
}

/** Two cross-validations face by face: argmax macro F1 of each out of fold and the paired gain of `b` over `a`. Refused unless they predicted the same faces. */
export function compareCv(a: Pick<CvFile, 'predictions' | 'classes'>, b: Pick<CvFile, 'predictions' | 'classes'>): { faces: number; a: FaceNumbers; b: FaceNumbers; gain: { value: number; low: number; high: number } } {
  const fa = a.predictions.filter((p) => isLabel(p.label)), fb = new Map(b.predictions.filter((p) => isLabel(p.label)).map((p) => [faceKey(p), p]));
  if (fa.length !== fb.size || fa.some((p) => !fb.has(faceKey(p)))) throw new Error(`the two cross-validations held out different faces (${fa.length} and ${fb.size}): compare runs made with the same folds, seed and ilc2021 split`);
  const pb = fa.map((p) => fb.get(faceKey(p))!);
  const emitted = a.classes.filter(isLabel);
  if (b.classes.filter(isLabel).join() !== emitted.join()) throw new Error('the two cross-validations emit different classes');
  const truth = fa.map((p) => emitted.indexOf(p.label));
  const pred = (ps: CvPrediction[], classes: readonly ModelClass[]) => decideAll(emitted, emittedOnly(classes, ps.map((p) => p.probs)).probs);
  return {
    faces: fa.length,
    a: faceNumbers(fa.map((p) => p.probs), fa.map((p) => p.label), a.classes, 'argmax'),
    b: faceNumbers(pb.map((p) => p.probs), pb.map((p) => p.label), b.classes, 'argmax'),
    gain: pairedMacroF1Gain(truth, pred(fa, a.classes), pred(pb, b.classes), emitted),
  };
}

/**
 * An ensemble measured out of fold: the face-by-face mean of the probabilities of several cv runs
 * (each face predicted by fold models that never saw it, so the mean is out of fold too), as a cv
 * file of its own (`preset` "ensemble", the runs in `members`). Refused unless the runs held out the
 * same faces in the same folds with the same classes.
 */
export function ensembleCv(runs: readonly { name: string; cv: CvFile }[]): CvFile {
  if (runs.length < 2) throw new Error(`an ensemble needs at least two cv runs, got ${runs.length}`);
  const [first, ...rest] = runs.map((r) => r.cv);
  const byFace = rest.map((cv) => new Map(cv.predictions.map((p) => [faceKey(p), p])));
  for (const [i, cv] of rest.entries()) {
    const name = runs[i + 1].name;
    if (cv.classes.join() !== first.classes.join()) throw new Error(`${name} has classes [${cv.classes.join(', ')}], ${runs[0].name} [${first.classes.join(', ')}]: an ensemble averages the same classes`);
    if (cv.folds !== first.folds || cv.seed !== first.seed || cv.predictions.length !== first.predictions.length || first.predictions.some((p) => byFace[i].get(faceKey(p))?.fold !== p.fold)) {
      throw new Error(`${name} and ${runs[0].name} held out different faces or folds: an ensemble averages runs made with the same folds, seed and ilc2021 split`);
    }
  }
  const predictions = first.predictions.map((p) => {
    const all = [p, ...byFace.map((m) => m.get(faceKey(p))!)];
    return { ...p, probs: p.probs.map((_, j) => round6(all.reduce((a, q) => a + q.probs[j], 0) / all.length)) };
  });
  return {
    format: CV_FORMAT,
    preset: 'ensemble',
    overrides: { ensemble: runs.map((r) => r.name) },
    recipe: first.recipe,
    synth: first.synth,
    folds: first.folds,
    seed: first.seed,
    classes: first.classes,
    ...summariseCv(predictions, first.classes, first.folds),
    predictions,
    seconds: runs.reduce((a, r) => a + r.cv.seconds, 0),
    members: runs.map((r) => ({ name: r.name, preset: r.cv.preset, overrides: r.cv.overrides, recipe: r.cv.recipe, synth: r.cv.synth })),
  };
}

/**
 * Test-time flip, out of fold: each face's probabilities averaged with its mirror image's (the image
 * mirrored left-right, the box with it), both from the fold model that held the face out
 * (`<run>/fold-<k>/model`, uncalibrated), as a cv file of its own (`preset` "flip", the run in
 * `overrides.flip`). An ensemble run has no fold models: flip its members, then average those.
 */
export async function flipCv(runDir: string, opts: { quiet?: boolean } = {}): Promise<CvFile> {
  const cv = readCv(runDir);
  const name = path.basename(path.resolve(runDir));
  if (cv.members) throw new Error(`${name} is an ensemble of cv runs (${cv.members.map((m) => m.name).join(', ')}) with no fold models of its own: flip each member (--flip), then --ensemble the flipped runs`);
  if (cv.preset === 'flip') throw new Error(`${name} is already a flipped run (of ${String(cv.overrides.flip)})`);
  const probs: number[][] = cv.predictions.map((p) => p.probs);
  const bar = progress(`cv --flip ${name}`, cv.predictions.length, { quiet: opts.quiet, unit: 'face' });
  for (let k = 0; k < cv.folds; k++) {
    const model = path.join(runDir, `fold-${k}`, 'model');
    if (!fs.existsSync(path.join(model, 'manifest.json'))) throw new Error(`${model} is missing: --flip needs the run's fold models (facemask cv keeps them in runs/cv/<name>/fold-<k>/)`);
    const clf = await loadFaceClassifier(model, 'onnx', () => createEngine({ quiet: true }), { calibrated: false });
    try {
      if (clf.classes.join() !== cv.classes.join()) throw new Error(`${model} has classes [${clf.classes.join(', ')}], the run [${cv.classes.join(', ')}]`);
      for (const [i, p] of cv.predictions.entries()) {
        if (p.fold !== k) continue;
        const img = await decodeImage(path.resolve(projectPaths().root, p.file));
        const box: Box = p.box ?? [0, 0, img.width, img.height];
        const [q] = await clf.probabilitiesOfBoxes(mirrorImage(img), [mirrorBox(box, img.width)]);
        probs[i] = p.probs.map((v, j) => round6((v + q[j]) / 2));
        bar.tick();
      }
    } finally {
      clf.dispose();
    }
  }
  bar.done();
  const predictions = cv.predictions.map((p, i) => ({ ...p, probs: probs[i] }));
  return { ...cv, preset: 'flip', overrides: { flip: name }, ...summariseCv(predictions, cv.classes, cv.folds), predictions };
}

/** Write a cv file and its summary into a fresh run folder. */
export function writeCvRun(runDir: string, cv: CvFile): void {
  writeFileAtomic(path.join(runDir, CV_FILE), JSON.stringify(cv) + '\n');
  writeFileAtomic(path.join(runDir, CV_SUMMARY), JSON.stringify(cvSummary(cv, path.basename(runDir)), null, 1) + '\n');
}

/** A cv run in a few lines (CLI). */
export function formatCv(cv: CvFile): string {
  const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
  const d = cv.decision;
  const inc = cv.pooled.report.rows.find((r) => r.class === 'incorrect_mask');
  return [
    `${cv.folds}-fold cross-validation over ilc2021 train + validation photos: ${cv.pooled.report.total} faces out of fold`,
    `argmax: macro F1 ${cv.pooled.report.macro.f1.toFixed(3)}, with/without ${pct(cv.pooled.withWithout)}, incorrect_mask recall ${pct(inc?.recall ?? null)} at precision ${pct(inc?.precision ?? null)}`,
    `per fold macro F1: ${cv.perFold.map((f) => f.macroF1.toFixed(3)).join(', ')}`,
    `calibrated out of fold (${chosenForm(d)}): argmax ${d.argmax.macroF1.toFixed(3)}, threshold on incorrect_mask ${d.threshold.macroF1.toFixed(3)} (recall ${pct(d.threshold.incorrectRecall)} at ${pct(d.threshold.incorrectPrecision)}); ${d.why}`,
  ].join('\n');
}
