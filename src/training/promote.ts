/**
 * `facemask promote`: what a run chose becomes what ships.
 *  - a training run (`runs/train/<name>`, with `model/`): its model is installed (atomically, after
 *    checking that it loads) as `models/default/` or `--to DIR`;
 *  - a tune run (`runs/tune/<name>`): its chosen detection setting is written into the manifest of
 *    the model it was tuned for (refused if that model changed since), so a fresh clone has it, and
 *    a summary goes to `docs/results/tune-<model>-<detector>.json`, which the README cites;
 *  - a calibrate run (`runs/calibrate/<name>`): its calibration and decision rule are written into
 *    the manifest of the model it calibrated (or `--to`, the same model), and its summary goes to
 *    `docs/results/calibration-<model>.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../paths';
import { writeFileAtomic } from '../util/atomic';
import { installModel, loadClassifier } from '../model/classifier';
import { claimOutput } from '../util/output';
import { exportModelOnnx } from '../model/onnx/export';
import type { ModelManifest } from '../model/manifest';
import { isModelFolder, modelIdentity, readManifest, recordCalibration, recordDetectionSetting } from '../model/manifest-files';
import { checkCalibration } from '../model/calibration';
import { checkDecisionRule } from '../result';
import type { CalibrateConfig } from './calibrate';
import type { TuneConfig } from './tune';
import { chooseSetting, modelName, type TuneRow } from './tune';
import type { DetectionSummary } from '../evaluation/scenes';

/**
 * Install a training run's model (a run folder with `model/`, or a model folder) at `target`. An
 * existing `target` is replaced only when it is a model folder and `overwrite` is set (src/util/output.ts).
 */
export async function promoteModel(run: string, target: string = projectPaths().defaultModel, opts: { overwrite?: boolean } = {}): Promise<ModelManifest> {
  if (!fs.existsSync(run)) throw new Error(`no such run: ${run}`);
  const from = fs.existsSync(path.join(run, 'model')) ? path.join(run, 'model') : run;
  claimOutput({ verb: 'promote', flag: '--to', target, kind: 'folder', inputs: [run], overwrite: opts.overwrite ?? false, recognise: isModelFolder, what: 'the installed model', create: false });
  const clf = await loadClassifier(from); // refuses a broken or mismatched model before anything is replaced
  clf.dispose();
  const m = await installModel(from, target);
  if (!m.onnx) await exportModelOnnx(target); // a model trained before ONNX exports: what detection runs
  return readManifest(target);
}

/** The `kind` a run folder's results.json records ('tune', 'calibrate'), or null. */
function runKind(dir: string): string | null {
  const f = path.join(dir, 'results.json');
  if (!fs.existsSync(f)) return null;
  try {
    return JSON.parse(fs.readFileSync(f, 'utf8')).kind ?? null;
  } catch {
    return null;
  }
}

/** Whether a folder is a tune run. */
export function isTuneRun(dir: string): boolean {
  return runKind(dir) === 'tune';
}

/** Whether a folder is a calibrate run. */
export function isCalibrateRun(dir: string): boolean {
  return runKind(dir) === 'calibrate';
}

/**
 * Write a calibrate run's calibration and decision rule into its model's manifest (or `target`'s,
 * which must be the same model: same head), atomically, and its summary into `docs/results/`
 * (`calibration-<model>.json`, named after the model the run calibrated). Refuses a small-data run.
 */
export function promoteCalibration(run: string, opts: { target?: string; resultsDir?: string } = {}): { manifest: ModelManifest; summary: string } {
  const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')) as CalibrateConfig;
  const chosen = JSON.parse(fs.readFileSync(path.join(run, 'calibration.json'), 'utf8'));
  const results = JSON.parse(fs.readFileSync(path.join(run, 'results.json'), 'utf8'));
  if (config.small) throw new Error(`${run} was a small-data run (FACEMASK_SMALL=1): not promoted`);
  const target = opts.target ?? path.resolve(projectPaths().root, config.model);
  const m = readManifest(target);
  if (modelIdentity(m) !== config.modelHead) throw new Error(`${run} calibrated a model whose head is ${config.modelHead.slice(0, 12)}…, but ${target} has ${modelIdentity(m).slice(0, 12)}…: calibrate this model again`);
  const calibration = checkCalibration(chosen.calibration, m.classes, `${run}/calibration.json`);
  const decision = checkDecisionRule(chosen.decision, `${run}/calibration.json: decision`, m.classes);
  const resultsDir = opts.resultsDir ?? projectPaths().results;
  const summary = path.join(resultsDir, `calibration-${modelName(config.model)}.json`);
  const manifest = recordCalibration(target, calibration, decision);
  fs.mkdirSync(resultsDir, { recursive: true });
  const { kind: _kind, ...rest } = results;
  void _kind;
  writeFileAtomic(summary, JSON.stringify({ run: path.basename(run), ...rest }, null, 1) + '\n');
  return { manifest, summary };
}

/**
 * Write a tune run's choice into its model's manifest (or `target`'s, which must be the same model)
 * and its summary into `docs/results/`. `makeDefault`: the detector becomes the model's default for
 * photos. Returns the manifest and the summary file.
 */
export function promoteTune(run: string, opts: { target?: string; makeDefault?: boolean; resultsDir?: string } = {}): { manifest: ModelManifest; summary: string } {
  const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')) as TuneConfig;
  const results = JSON.parse(fs.readFileSync(path.join(run, 'results.json'), 'utf8'));
  if (!results.chosen) throw new Error(`${run}: no setting kept the false rate on ${config.choose.photos}; nothing to promote`);
  if (config.small) throw new Error(`${run} was a small-data run (FACEMASK_SMALL=1): not promoted`);
  const target = opts.target ?? path.resolve(projectPaths().root, config.model);
  const m = readManifest(target);
  if (modelIdentity(m) !== config.modelHead) throw new Error(`${run} tuned a model whose head is ${config.modelHead.slice(0, 12)}…, but ${target} has ${modelIdentity(m).slice(0, 12)}…: tune this model again`);
  const resultsDir = opts.resultsDir ?? projectPaths().results;
  const summary = path.join(resultsDir, `tune-${modelName(target)}-${config.detector}.json`);
  const rel = (p: string) => path.relative(projectPaths().root, p) || p;
  const manifest = recordDetectionSetting(target, config.detector, { ...results.chosen, chosenBy: `${rel(summary)} (${path.basename(run)})` }, opts.makeDefault ?? false);
  fs.mkdirSync(resultsDir, { recursive: true });
  writeFileAtomic(summary, summaryJson({ run: path.basename(run), config, chosen: results.chosen, validation: results.validation, test: results.test }, results.rows));
  return { manifest, summary };
}

/** A summary as JSON: the header indented, the rows one per line (a few hundred rows stay readable in a diff). */
function summaryJson(head: Record<string, unknown>, rows: unknown[]): string {
  const top = JSON.stringify(head, null, 1).replace(/\n}$/, '');
  return `${top},\n "rows": [\n${rows.map((r) => '  ' + JSON.stringify(r)).join(',\n')}\n ]\n}\n`;
}

/**
 * Several tune runs of one model (one per detector), promoted together: each setting goes into the
 * manifest, and with `makeDefault` the detector whose choice wins on validation by tune's own rule
 * (the best masked recall within the false-detection budget, then end to end) becomes the model's
 * default. Returns the detector made default (or null) and the summaries written.
 */
export function promoteTunes(runs: string[], opts: { target?: string; makeDefault?: boolean; resultsDir?: string } = {}): { best: string | null; summaries: string[] } {
  const chosen: (TuneRow & { detector: string })[] = [];
  const summaries: string[] = [];
  let maxFalse = Infinity;
  for (const run of runs) {
    const { summary } = promoteTune(run, { ...opts, makeDefault: false });
    summaries.push(summary);
    const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')) as TuneConfig;
    const results = JSON.parse(fs.readFileSync(path.join(run, 'results.json'), 'utf8')) as { chosen: TuneRow; validation: DetectionSummary };
    maxFalse = Math.min(maxFalse, config.maxFalse);
    chosen.push({ ...results.chosen, summary: results.validation, detector: config.detector });
  }
  const best = opts.makeDefault ? (chooseSetting(chosen, maxFalse) as (TuneRow & { detector: string }) | null) : null;
  if (best) promoteTune(runs[chosen.indexOf(best)], { ...opts, makeDefault: true });
  return { best: best?.detector ?? null, summaries };
}
