/**
 * `facemask promote`: what a run chose becomes what ships.
 *  - a training run (`runs/train/<name>`, with `model/`): its model is installed (atomically, after
 *    checking that it loads) as `models/default/` or `--to DIR`;
 *  - a tune run (`runs/tune/<name>`): its photo and video settings are written into the manifest of
 *    the model it was tuned for (refused if that model changed since), so a fresh clone has them,
 *    and a summary goes to `docs/results/tune-<model>.json`, which the README cites;
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
import { isModelFolder, modelIdentity, readManifest, recordCalibration, recordTunedDetection } from '../model/manifest-files';
import { checkPhotoSetting, type PhotoSetting } from '../model/setting';
import { checkCalibration } from '../model/calibration';
import { checkDecisionRule } from '../result';
import type { CalibrateConfig } from './calibrate';
import { modelName, type TuneConfig } from './tune';

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
 * Write a tune run's choices into its model's manifest (or `target`'s, which must be the same model):
 * the photo setting (`detection.photo`), the video detector's one-scale setting (in
 * `detection.settings`) and that detector as the model's default; and the run's summary into
 * `docs/results/tune-<model>.json`. Returns the manifest and the summary file.
 */
export function promoteTune(run: string, opts: { target?: string; resultsDir?: string } = {}): { manifest: ModelManifest; summary: string } {
  const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8')) as TuneConfig;
  const results = JSON.parse(fs.readFileSync(path.join(run, 'results.json'), 'utf8')) as TuneResultsJson;
  if (results.version !== 2) throw new Error(`${run} was made by an earlier facemask tune (one detector, the masked-recall rule): tune again`);
  if (config.small) throw new Error(`${run} was a small-data run (FACEMASK_SMALL=1): not promoted`);
  const target = opts.target ?? path.resolve(projectPaths().root, config.model);
  const m = readManifest(target);
  if (modelIdentity(m) !== config.modelHead) throw new Error(`${run} tuned a model whose head is ${config.modelHead.slice(0, 12)}…, but ${target} has ${modelIdentity(m).slice(0, 12)}…: tune this model again`);
  const resultsDir = opts.resultsDir ?? projectPaths().results;
  const summary = path.join(resultsDir, `tune-${modelName(target)}.json`);
  const chosenBy = `${path.relative(projectPaths().root, summary) || summary} (${path.basename(run)})`;
  const { scales: _s, fineBox: _f, ...video } = results.video.setting;
  void _s;
  void _f;
  const photo = checkPhotoSetting({ ...results.photo.setting, detector: results.photo.detector, chosenBy }, `${run}/results.json: photo`);
  const manifest = recordTunedDetection(target, { photo, video: { detector: results.video.detector, setting: { ...video, chosenBy } } });
  fs.mkdirSync(resultsDir, { recursive: true });
  writeFileAtomic(summary, summaryJson({ run: path.basename(run), config, candidates: results.candidates, photo: { ...results.photo, rows: undefined }, video: { ...results.video, rows: undefined } }, { photo: results.photo.rows, video: results.video.rows }));
  return { manifest, summary };
}

/** What a tune run's results.json holds (src/training/tune.ts `tuneResultsJson`). */
interface TuneResultsJson {
  kind: 'tune';
  version?: number;
  candidates: unknown[];
  photo: { detector: string; setting: Omit<PhotoSetting, 'detector'>; rows: unknown[] };
  video: { detector: string; setting: Omit<PhotoSetting, 'detector'>; rows: unknown[] };
}

/** A summary as JSON: the header indented, the rows of each list one per line (a few hundred rows stay readable in a diff). */
function summaryJson(head: Record<string, unknown>, lists: Record<string, unknown[]>): string {
  const top = JSON.stringify(head, null, 1).replace(/\n}$/, '');
  const body = Object.entries(lists).map(([k, rows]) => ` "${k}Rows": [\n${rows.map((r) => '  ' + JSON.stringify(r)).join(',\n')}\n ]`);
  return `${top},\n${body.join(',\n')}\n}\n`;
}
