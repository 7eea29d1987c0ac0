/**
 * `facemask calibrate`: a model's calibration and decision rule, chosen on validation faces only,
 * into a run folder `runs/calibrate/<name>/` (`facemask promote` writes them into the manifest).
 *
 * 1. The validation items: ilc2021's validation side (`ilc2021-val`: crops >= 24 px, cut to the
 *    annotated box, all three classes) and the Kaggle validation photos 160–199 (`real-val`: faces
 *    >= 24 px, the annotated box; for a model with `not_face`, the boxes its recipe's detector finds
 *    there that overlap no annotated face — the validation not_face items of training,
 *    src/training/data.ts, mined by src/detection/mining.ts). Test parts are refused.
 * 2. The network's own probabilities (the model loaded uncalibrated).
 * 3. The form and the decision rule, compared out of fold (5 folds by photo, everything fitted on
 *    the other four): temperature scaling alone (the network's argmax kept) or with a log-bias per
 *    class (src/model/calibration.ts), then argmax or a threshold on incorrect_mask chosen to maximise
 *    macro F1. Simplest first: the biases, then the threshold, are kept only when their out-of-fold
 *    macro-F1 gain is above 0 beyond the noise (`chooseRule`). The chosen form is then fitted on all.
 * 4. `config.json`, `calibration.json` (what promote writes), `results.json`, `reliability.png` and
 *    `.html` (before/after, 10 bins) and `report.md`.
 *
 * Long (~520 lines): the verb's four steps and its report stay together, as `tune` does; the maths
 * it relies on (the fit, NLL, ECE, bins) is in src/model/calibration.ts, the label in src/result.ts.
 */
import * as path from 'node:path';
import type { Config } from '../config';
import { projectPaths } from '../paths';
import { isLabel, type ModelClass } from '../labels';
import { bestEmitted, type DecisionRule } from '../result';
import type { Box } from '../result';
import { writeFileAtomic } from '../util/atomic';
import { inFreshRunDir } from '../util/runs';
import { decodeImage } from '../util/images';
import { progress } from '../util/progress';
import { reliabilityChart } from '../charts/index';
import { countedFaces, describePart, kaggleScenes } from '../data/kaggle';
import { ilc2021Crops } from '../data/ilc2021';
import { foldsByGroup } from '../data/split';
import { createEngine } from '../backend/onnx';
import { calibrateRows, expectedCalibrationError, fitCalibration, meanNll, reliabilityBins, ECE_BINS, type Calibration, type ReliabilityBin } from '../model/calibration';
import { modelIdentity } from '../model/manifest-files';
import { mineScenes } from '../detection/mine-scenes';
import type { FaceClassifier } from '../model/types';
import { loadFaceClassifier } from '../model/load';
import { classificationReport, confusionMatrix, pairedMacroF1Gain } from '../evaluation/metrics';
import { manifestNotFace } from './presets';
import { modelName } from './tune';

/** The validation sets a calibration may be fitted on. */
export const CALIBRATION_SETS = ['ilc2021-val', 'real-val'] as const;
export type CalibrationSet = (typeof CALIBRATION_SETS)[number];

/** Folds of the decision rule's cross-validation. */
export const DECISION_FOLDS = 5;

/** Thresholds on p(incorrect_mask) tried: 0.02, 0.03, …, 0.95. */
export const THRESHOLD_GRID: readonly number[] = Array.from({ length: 94 }, (_, i) => +(0.02 + i * 0.01).toFixed(2));

/** One validation item: a face (or a not_face box) in an image, its class, its set and its photo group. */
export interface CalibrationItem {
  file: string;
  box: Box;
  label: ModelClass;
  set: CalibrationSet;
  /** Items of one photo share it (folds never split a photo). */
  group: string;
}

/** Face measures of a set of rows under a rule (faces only: not_face items are left out). */
export interface FaceNumbers {
  faces: number;
  accuracy: number;
  macroF1: number;
  incorrectRecall: number | null;
  incorrectPrecision: number | null;
}

/** Probability measures (every item, not_face too) and face measures. */
export interface SetNumbers extends FaceNumbers {
  set: string;
  items: number;
  nll: number;
  ece: number;
}

/** The two forms a calibration may take (src/model/calibration.ts). */
export const CALIBRATION_FORMS = ['temperature', 'temperature+bias'] as const;
/** `temperature`: T alone, so the network's argmax is unchanged and only its confidence moves; `temperature+bias`: T and a log-bias per class, which can move decisions. */
export type CalibrationForm = (typeof CALIBRATION_FORMS)[number];

/** A paired bootstrap's macro-F1 gain with its 95 % interval. */
export interface Gain {
  value: number;
  low: number;
  high: number;
}

/** One calibration form's out-of-fold study: argmax against a threshold on incorrect_mask. */
export interface FormStudy {
  form: CalibrationForm;
  /** Per fold: the threshold chosen on the other folds. */
  foldThresholds: number[];
  /** Out-of-fold faces under argmax and under the fold's threshold (each fold calibrated on the others). */
  argmax: FaceNumbers;
  threshold: FaceNumbers;
  /** Threshold minus argmax, out-of-fold macro F1, with a paired bootstrap 95 % interval over faces. */
  macroF1Gain: Gain;
  /** The threshold chosen on all validation faces (calibrated on all). */
  fullThreshold: number | null;
}

/** A study's chosen form: summaries written before the form was studied fitted the biases. */
export function chosenForm(d: { form?: CalibrationForm }): CalibrationForm {
  return d.form ?? 'temperature+bias';
}

/** The decision study: both forms out of fold, the chosen one's numbers at the top level. */
export interface DecisionStudy extends FormStudy {
  folds: number;
  /** Both forms (absent in summaries written before the form was chosen, which fitted the biases). */
  forms?: FormStudy[];
  /** Out-of-fold macro F1 of the biases' argmax minus temperature's (the network's) argmax. */
  biasGain?: Gain;
  chosen: DecisionRule;
  why: string;
}

export interface CalibrateOptions {
  /** The configuration (its detect, faces and classify sections; small-data mode). */
  config: Config;
  /** default: models/default */
  model?: string;
  /** default: both */
  sets?: string[];
  name?: string;
  /** default: runs/calibrate */
  runsDir?: string;
  /** Photos per Kaggle part and ilc2021 crops (small-data mode: 10 and 20). */
  limit?: number;
  quiet?: boolean;
}

export interface CalibrateConfig {
  model: string;
  modelHead: string;
  classes: string[];
  sets: CalibrationSet[];
  runtime: string;
  /** Items per set and class. */
  items: Record<string, Record<string, number>>;
  notFace: string;
  small: boolean;
  started: string;
}

export interface CalibrateResult {
  runDir: string;
  config: CalibrateConfig;
  calibration: Calibration;
  decision: DecisionStudy;
  /** Per set and `all`: before, after (argmax) and after under the chosen rule. */
  before: SetNumbers[];
  after: SetNumbers[];
  chosen: SetNumbers[];
  reliability: { before: ReliabilityBin[]; after: ReliabilityBin[] };
}

/** Checked set names: only validation sets; a test part is refused with what to use. */
export function checkCalibrationSets(sets: readonly string[] | undefined): CalibrationSet[] {
  const s = sets && sets.length ? [...new Set(sets)] : [...CALIBRATION_SETS];
  for (const x of s) {
    if (/test/.test(x)) throw new Error(`a calibration is never fitted on a test part (${x}; docs/contracts.md "Splits"): use ${CALIBRATION_SETS.join(', ')}`);
    if (!(CALIBRATION_SETS as readonly string[]).includes(x)) throw new Error(`unknown calibration set "${x}" (known: ${CALIBRATION_SETS.join(', ')})`);
  }
  return s as CalibrationSet[];
}

/** Face measures of rows (full class order) under a rule; `labels` the true classes. */
export function faceNumbers(rows: readonly ArrayLike<number>[], labels: readonly string[], classes: readonly string[], rule: DecisionRule): FaceNumbers {
  const emitted = classes.filter(isLabel);
  const idx = labels.map((l, i) => (isLabel(l) ? i : -1)).filter((i) => i >= 0);
  const truth = idx.map((i) => emitted.indexOf(labels[i] as never));
  const pred = idx.map((i) => emitted.indexOf(bestEmitted(rows[i], classes, rule).label as never));
  return numbersOf(truth, pred, emitted);
}

/** Face measures of predictions (indices into `emitted`) against the truth. */
function numbersOf(truth: readonly number[], pred: readonly number[], emitted: readonly string[]): FaceNumbers {
  const r = classificationReport(confusionMatrix([...truth], [...pred], emitted.length), [...emitted]);
  const inc = r.rows.find((x) => x.class === 'incorrect_mask');
  return { faces: truth.length, accuracy: r.accuracy, macroF1: r.macro.f1, incorrectRecall: inc ? inc.recall : null, incorrectPrecision: inc ? inc.precision : null };
}

/** The threshold on p(incorrect_mask) that maximises macro F1 over the faces (ties: the one nearest 0.5); null for a model without incorrect_mask or no faces of it. */
export function chooseIncorrectThreshold(rows: readonly ArrayLike<number>[], labels: readonly string[], classes: readonly string[], grid: readonly number[] = THRESHOLD_GRID): number | null {
  if (!classes.includes('incorrect_mask') || !labels.includes('incorrect_mask')) return null;
  let best: number | null = null;
  let bestF1 = -1;
  for (const t of grid) {
    const f1 = faceNumbers(rows, labels, classes, { incorrect_mask: t }).macroF1;
    if (f1 > bestF1 + 1e-12 || (Math.abs(f1 - bestF1) <= 1e-12 && best !== null && Math.abs(t - 0.5) < Math.abs(best - 0.5))) {
      best = t;
      bestF1 = f1;
    }
  }
  return best;
}

/** Calibrate with a fit on some rows: temperature alone, or with the per-class biases. */
function fitOn(rows: readonly Float32Array[], labels: readonly string[], classes: readonly string[], form: CalibrationForm) {
  const f = fitCalibration(
    rows,
    labels.map((l) => classes.indexOf(l)),
    classes,
    { bias: form === 'temperature+bias' },
  );
  return { temperature: f.temperature, bias: Object.fromEntries(classes.map((c, j) => [c, f.bias[j]])), fit: f };
}

/** One form out of fold: for each fold the calibration and the threshold are fitted on the other folds and applied to it. */
function studyForm(raw: readonly Float32Array[], labels: readonly string[], fold: readonly number[], classes: readonly string[], k: number, form: CalibrationForm): FormStudy & { predArgmax: number[]; predThreshold: number[]; truth: number[] } {
  const oof: Float32Array[] = new Array(raw.length);
  const oofThreshold: (number | null)[] = new Array(raw.length).fill(null);
  const foldThresholds: number[] = [];
  for (let f = 0; f < k; f++) {
    const tr = raw.map((_, i) => i).filter((i) => fold[i] !== f);
    const te = raw.map((_, i) => i).filter((i) => fold[i] === f);
    if (te.length === 0) continue;
    const trLabels = tr.map((i) => labels[i]);
    const c = fitOn(
      tr.map((i) => raw[i]),
      trLabels,
      classes,
      form,
    );
    const t = chooseIncorrectThreshold(
      calibrateRows(
        tr.map((i) => raw[i]),
        classes,
        c,
      ),
      trLabels,
      classes,
    );
    if (t !== null) foldThresholds.push(t);
    const teRows = calibrateRows(
      te.map((i) => raw[i]),
      classes,
      c,
    );
    te.forEach((i, j) => {
      oof[i] = teRows[j];
      oofThreshold[i] = t;
    });
  }
  const faces = labels.map((l, i) => (isLabel(l) ? i : -1)).filter((i) => i >= 0);
  const emitted = classes.filter(isLabel);
  const truth = faces.map((i) => emitted.indexOf(labels[i] as never));
  const predArgmax = faces.map((i) => emitted.indexOf(bestEmitted(oof[i], classes).label as never));
  const predThreshold = faces.map((i) => emitted.indexOf(bestEmitted(oof[i], classes, oofThreshold[i] === null ? 'argmax' : { incorrect_mask: oofThreshold[i]! }).label as never));
  const full = fitOn(raw, labels, classes, form);
  const fullThreshold = chooseIncorrectThreshold(calibrateRows([...raw], classes, full), labels, classes);
  return { form, foldThresholds, argmax: numbersOf(truth, predArgmax, emitted), threshold: numbersOf(truth, predThreshold, emitted), macroF1Gain: pairedMacroF1Gain(truth, predArgmax, predThreshold, emitted), fullThreshold, predArgmax, predThreshold, truth };
}

/**
 * The calibration's form and the decision rule, out of fold (5 folds by photo): each form
 * (temperature alone; temperature and biases) calibrated on the other folds, argmax against a
 * threshold on incorrect_mask chosen there; the choice is `chooseRule`'s.
 */
export function studyDecision(raw: readonly Float32Array[], labels: readonly string[], groups: readonly string[], classes: readonly string[], k = DECISION_FOLDS): DecisionStudy {
  const fold = foldsByGroup(groups, k);
  const [t, b] = CALIBRATION_FORMS.map((form) => studyForm(raw, labels, fold, classes, k, form));
  const emitted = classes.filter(isLabel);
  const biasGain = pairedMacroF1Gain(t.truth, t.predArgmax, b.predArgmax, emitted);
  const strip = ({ predArgmax: _a, predThreshold: _t, truth: _u, ...x }: typeof t): FormStudy => x;
  const forms = [strip(t), strip(b)];
  const { form, chosen, why } = chooseRule(forms, biasGain, k);
  return { folds: k, ...forms.find((x) => x.form === form)!, forms, biasGain, chosen, why };
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
const interval = (g: Gain) => `${signed(g.value)}, 95 % interval [${g.low.toFixed(3)}, ${g.high.toFixed(3)}]`;

/**
 * The rule fixed before measuring, simplest first:
 * 1. the form: temperature alone (the network's decisions kept, only its confidence calibrated),
 *    unless the biases' argmax beats it out of fold beyond the noise — the paired bootstrap's 95 %
 *    interval of the macro-F1 gain lies above 0;
 * 2. in that form, a threshold on incorrect_mask replaces argmax only when it beats argmax out of
 *    fold beyond the noise, and then it is the threshold chosen on all validation faces.
 */
export function chooseRule(forms: readonly FormStudy[], biasGain: Gain, k: number): { form: CalibrationForm; chosen: DecisionRule; why: string } {
  const form: CalibrationForm = biasGain.low > 0 ? 'temperature+bias' : 'temperature';
  const f = forms.find((x) => x.form === form);
  if (!f) throw new Error(`chooseRule: no study of the form "${form}"`);
  const formWhy = `out of fold (${k} folds by photo) the per-class biases change argmax's macro F1 by ${interval(biasGain)} against temperature alone, ${biasGain.low > 0 ? 'above 0: temperature and biases' : 'not above 0: temperature alone, the network\'s decisions kept'}`;
  const oof = `a threshold on incorrect_mask gives ${f.threshold.macroF1.toFixed(3)} against argmax's ${f.argmax.macroF1.toFixed(3)} (${interval(f.macroF1Gain)})`;
  if (f.fullThreshold === null) return { form, chosen: 'argmax', why: `${formWhy}; no incorrect_mask class or no incorrectly worn faces: argmax` };
  if (f.macroF1Gain.low > 0) return { form, chosen: { incorrect_mask: f.fullThreshold }, why: `${formWhy}; ${oof}, above 0: the threshold, chosen on all validation faces` };
  return { form, chosen: 'argmax', why: `${formWhy}; ${oof}, not above 0: argmax` };
}

/** The validation items of the sets (faces >= `faces.minSize`; not_face boxes from the recipe's detector when the model has that class). */
export async function calibrationItems(cfg: Config, sets: readonly CalibrationSet[], classes: readonly string[], notFace: { detector: string; minScore: number } | null, limit: number | undefined): Promise<{ items: CalibrationItem[]; notFaceNote: string }> {
  const items: CalibrationItem[] = [];
  let notFaceNote = 'the model has no not_face class';
  if (sets.includes('ilc2021-val')) {
    for (const c of ilc2021Crops('val', { limit: limit === undefined ? undefined : limit * 2 })) {
      if (c.facePx >= cfg.faces.minSize && classes.includes(c.label)) items.push({ file: c.file, box: c.box, label: c.label, set: 'ilc2021-val', group: `ilc2021:${c.photo}` });
    }
  }
  if (sets.includes('real-val')) {
    const scenes = kaggleScenes('validation', { limit });
    for (const f of countedFaces(scenes, cfg.faces.minSize)) if (classes.includes(f.label)) items.push({ file: f.file, box: f.box, label: f.label, set: 'real-val', group: `kaggle:${f.file}` });
    if (classes.includes('not_face')) {
      if (!notFace) notFaceNote = "the model's recipe mines no not_face boxes: not_face's bias stays 0";
      else {
        let n = 0;
        for (const { scene, boxes } of await mineScenes(scenes, notFace, cfg.detect, cfg.faces.minSize)) {
          for (const m of boxes) {
            if (m.label !== 'not_face') continue;
            items.push({ file: scene.file, box: m.box, label: 'not_face', set: 'real-val', group: `kaggle:${scene.file}` });
            n++;
          }
        }
        notFaceNote = `${n} ${notFace.detector} boxes (score >= ${notFace.minScore}) on ${describePart('validation')} that overlap no annotated face (src/detection/mine-scenes.ts, as training's validation not_face items)`;
      }
    }
  } else if (classes.includes('not_face')) notFaceNote = 'no Kaggle validation photos in the sets: not_face has no items and its bias stays 0';
  return { items, notFaceNote };
}

/** Measures of one subset of rows. */
function setNumbers(set: string, rows: readonly Float32Array[], labels: readonly string[], classes: readonly string[], rule: DecisionRule): SetNumbers {
  const truth = labels.map((l) => classes.indexOf(l));
  return { set, items: rows.length, nll: meanNll(rows, truth), ece: expectedCalibrationError(rows, truth), ...faceNumbers(rows, labels, classes, rule) };
}

function perSet(sets: readonly string[], itemSets: readonly string[], rows: readonly Float32Array[], labels: readonly string[], classes: readonly string[], rule: DecisionRule): SetNumbers[] {
  const out = sets.map((s) => {
    const idx = itemSets.map((x, i) => (x === s ? i : -1)).filter((i) => i >= 0);
    return setNumbers(
      s,
      idx.map((i) => rows[i]),
      idx.map((i) => labels[i]),
      classes,
      rule,
    );
  });
  return sets.length > 1 ? [...out, setNumbers('all', rows, labels, classes, rule)] : out;
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);
const num = (x: number, d = 4) => x.toFixed(d);

/** The run's report, in Markdown. */
export function calibrationReport(r: Omit<CalibrateResult, 'runDir'>): string {
  const c = r.calibration;
  const d = r.decision;
  const rule = (x: DecisionRule) => (x === 'argmax' ? 'argmax' : `incorrect_mask when p >= ${x.incorrect_mask}`);
  const table = (title: string, rows: SetNumbers[]) => [
    `| ${title} | items | faces | NLL | ECE | accuracy | macro F1 | incorrect_mask recall | incorrect_mask precision |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((x) => `| ${x.set} | ${x.items} | ${x.faces} | ${num(x.nll)} | ${num(x.ece)} | ${pct(x.accuracy)} | ${num(x.macroF1, 3)} | ${pct(x.incorrectRecall)} | ${pct(x.incorrectPrecision)} |`),
  ];
  const fn = (name: string, x: FaceNumbers) => `| ${name} | ${x.faces} | ${pct(x.accuracy)} | ${num(x.macroF1, 3)} | ${pct(x.incorrectRecall)} | ${pct(x.incorrectPrecision)} |`;
  return [
    `# Calibration of ${r.config.model}`,
    '',
    `Fitted on validation only: ${r.config.sets.join(', ')} (${c.n} items; ${Object.entries(r.config.items).map(([s, by]) => `${s}: ${Object.entries(by).map(([k, v]) => `${v} ${k}`).join(', ')}`).join('; ')}). not_face: ${r.config.notFace}. Runtime: ${r.config.runtime}.${r.config.small ? ' **Small-data run (FACEMASK_SMALL=1): not for promotion.**' : ''}`,
    '',
    `p' = softmax(log(p) / T + b): **T = ${num(c.temperature)}**, b = ${Object.entries(c.bias).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')} (${r.config.classes[0]} the reference). NLL ${num(c.nllBefore)} → ${num(c.nllAfter)}, ECE (${ECE_BINS} bins, top class) ${num(c.eceBefore)} → ${num(c.eceAfter)}.`,
    '',
    '## Validation, before (the network as is, argmax)',
    '',
    ...table('set', r.before),
    '',
    `## Validation, after calibration (${chosenForm(d)}, argmax)`,
    '',
    ...table('set', r.after),
    '',
    `## The form and the decision rule (${d.folds}-fold cross-validation by photo)`,
    '',
    'Each fold calibrated in each form (temperature alone; temperature and per-class biases) and its threshold on incorrect_mask chosen (macro F1) on the other folds; out-of-fold faces:',
    '',
    '| form | rule | faces | accuracy | macro F1 | incorrect_mask recall | incorrect_mask precision |',
    '|---|---|---|---|---|---|---|',
    ...(d.forms ?? [d]).flatMap((f) => [fn(`${f.form} | argmax`, f.argmax), fn(`${f.form} | threshold (per fold: ${f.foldThresholds.join(', ')})`, f.threshold)]),
    '',
    ...(d.biasGain ? [`Macro F1 gain of the biases (argmax): ${num(d.biasGain.value, 3)} [${num(d.biasGain.low, 3)}, ${num(d.biasGain.high, 3)}] (paired bootstrap over faces, 95 %).`, ''] : []),
    `Macro F1 gain of the threshold (${d.form}): ${d.macroF1Gain.value >= 0 ? '+' : ''}${num(d.macroF1Gain.value, 3)} [${num(d.macroF1Gain.low, 3)}, ${num(d.macroF1Gain.high, 3)}]. Threshold on all validation faces: ${d.fullThreshold ?? '—'}.`,
    '',
    `**Chosen: ${chosenForm(d)}, ${rule(d.chosen)}** — ${d.why}.`,
    '',
    `## Validation under the chosen rule (${rule(d.chosen)}; in-sample for the threshold)`,
    '',
    ...table('set', r.chosen),
    '',
    `Reliability diagram: reliability.png (interactive: reliability.html). Ship it: \`facemask promote ${'runs/calibrate/<this run>'}\`.`,
    '',
  ].join('\n');
}

/** The network's probabilities of every item, in order (each photo decoded once). */
async function classifyItems(clf: Pick<FaceClassifier, 'probabilitiesOfBoxes'>, items: readonly CalibrationItem[], quiet?: boolean): Promise<Float32Array[]> {
  const bar = progress('calibrate: classify validation items', items.length, { quiet, unit: 'item' });
  const byFile = new Map<string, number[]>();
  items.forEach((it, i) => byFile.set(it.file, [...(byFile.get(it.file) ?? []), i]));
  const raw: Float32Array[] = new Array(items.length);
  for (const [file, idx] of byFile) {
    const probs = await clf.probabilitiesOfBoxes(await decodeImage(file), idx.map((i) => items[i].box));
    idx.forEach((i, k) => (raw[i] = probs[k]));
    bar.tick(idx.length);
  }
  bar.done();
  return raw;
}

export async function calibrate(opts: CalibrateOptions): Promise<CalibrateResult> {
  const cfg = opts.config;
  const modelDir = path.resolve(opts.model ?? projectPaths().defaultModel);
  const sets = checkCalibrationSets(opts.sets);
  const limit = opts.limit ?? (cfg.small ? 10 : undefined);
  // the network's own probabilities: a calibration already in the manifest is not applied
  const clf = await loadFaceClassifier(modelDir, cfg.classify.runtime, () => createEngine({ quiet: opts.quiet }), { calibrated: false });
  try {
    const m = clf.manifest;
    const classes = [...clf.classes];
    const fit = m.training.kaggle?.fit;
    if (sets.includes('real-val') && fit && fit[1] >= 160) throw new Error(`${modelDir} was fitted on Kaggle photos ${fit[0]}–${fit[1]}, which include the validation photos: calibrate it on ilc2021-val only (--sets ilc2021-val)`);
    // null for a recipe this version does not know: no not_face items (its bias stays 0, said in the report)
    const notFace = manifestNotFace(m);
    const { items, notFaceNote } = await calibrationItems(cfg, sets, classes, notFace, limit);
    if (items.length === 0) throw new Error(`no validation items in ${sets.join(', ')} (is the dataset installed? run "facemask prepare" and "facemask inspect")`);
    const raw = await classifyItems(clf, items, opts.quiet);
    const labels: string[] = items.map((it) => it.label);
    const truth = items.map((it) => classes.indexOf(it.label));
    const decision = studyDecision(
      raw,
      labels,
      items.map((it) => it.group),
      classes,
    );
    const full = fitOn(raw, labels, classes, decision.form);
    const after = calibrateRows(raw, classes, full);
    const calibration: Calibration = {
      temperature: full.temperature,
      bias: full.bias,
      fittedOn: [...sets],
      n: items.length,
      nllBefore: full.fit.nllBefore,
      nllAfter: full.fit.nllAfter,
      eceBefore: expectedCalibrationError(raw, truth),
      eceAfter: expectedCalibrationError(after, truth),
    };
    const itemSets = items.map((it) => it.set);
    const counts: Record<string, Record<string, number>> = {};
    for (const it of items) (counts[it.set] ??= {})[it.label] = (counts[it.set][it.label] ?? 0) + 1;
    const config: CalibrateConfig = {
      model: path.relative(projectPaths().root, modelDir) || modelDir,
      modelHead: modelIdentity(m),
      classes,
      sets,
      runtime: clf.runtime,
      items: counts,
      notFace: notFaceNote,
      small: cfg.small,
      started: new Date().toISOString(),
    };
    const body = {
      config,
      calibration,
      decision,
      before: perSet(sets, itemSets, raw, labels, classes, 'argmax'),
      after: perSet(sets, itemSets, after, labels, classes, 'argmax'),
      chosen: perSet(sets, itemSets, after, labels, classes, decision.chosen),
      reliability: { before: reliabilityBins(raw, truth), after: reliabilityBins(after, truth) },
    };
    return await inFreshRunDir(opts.runsDir ?? projectPaths().runsCalibrate, opts.name ?? modelName(modelDir), async (runDir) => {
      calibration.run = path.basename(runDir);
      writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
      writeFileAtomic(path.join(runDir, 'calibration.json'), JSON.stringify({ calibration, decision: decision.chosen }, null, 2) + '\n');
      writeFileAtomic(path.join(runDir, 'results.json'), JSON.stringify({ kind: 'calibrate', ...body }, null, 2) + '\n');
      const fig = reliabilityFigure(body.reliability, calibration, `${config.model} on ${sets.join(' + ')}`);
      await fig.save(path.join(runDir, 'reliability.png'));
      await fig.save(path.join(runDir, 'reliability.html'));
      writeFileAtomic(path.join(runDir, 'report.md'), calibrationReport(body));
      return { runDir, ...body };
    });
  } finally {
    clf.dispose();
  }
}

/** The reliability diagram of a calibration: before and after, with their ECE. */
export function reliabilityFigure(bins: { before: ReliabilityBin[]; after: ReliabilityBin[] }, c: Pick<Calibration, 'eceBefore' | 'eceAfter' | 'temperature' | 'bias'>, title: string) {
  return reliabilityChart(
    [
      { name: 'network as is', bins: bins.before, ece: c.eceBefore },
      { name: `calibrated (T ${c.temperature.toFixed(2)}${Object.values(c.bias).some((b) => b !== 0) ? ', biases' : ''})`, bins: bins.after, ece: c.eceAfter },
    ],
    { title: `reliability — ${title}` },
  );
}
