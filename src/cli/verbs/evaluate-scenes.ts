/**
 * `facemask evaluate --scenes SET...`: the field's measure of a model's pipeline on scene photos
 * (src/evaluation/field-run.ts) — the table on stdout, the summary and the precision–recall charts
 * into the report folder, and with `--summary FILE` the summary there too (what docs/results/ commits).
 */
import * as path from 'node:path';
import { resolveConfig } from '../../config';
import { projectPaths } from '../../paths';
import { claimOutput } from '../../util/output';
import { tableText } from '../../charts/index';
import { describeScales } from '../../detection/scales';
import type { ScalePlan } from '../../model/setting';
import type { SceneSetName } from '../../data/scenes';
import { measureFieldScenes, type FieldRun } from '../../evaluation/field-run';
import { fieldBandRows, fieldPrFigure, fieldRows, isFieldSummary, writeFieldSummary } from '../../evaluation/field';

/** `--summary FILE`: claimed before any work (src/util/output.ts); returns the path to write. */
export function claimSummary(file: string, modelDir: string, overwrite: boolean): string {
  return claimOutput({ verb: 'evaluate', flag: '--summary', target: file, kind: 'file', inputs: [modelDir, projectPaths().dataset], overwrite, recognise: isFieldSummary, what: 'the summary of the scene measurement' }).path;
}

/** Measure; print the tables. */
export async function measureScenes(opts: { model: string; detector?: string; scales?: ScalePlan | null; sets: SceneSetName[]; command: string }): Promise<FieldRun> {
  const config = resolveConfig();
  const run = await measureFieldScenes(config, { model: opts.model, detector: opts.detector, scales: opts.scales, sets: opts.sets, limit: config.small ? 10 : undefined, command: opts.command });
  const p = run.provenance;
  const s = run.setting;
  console.log(`${p.model.dir} with ${p.detector.name} at ${describeScales(p.detector.scales ?? null)}: every box down to ${p.detector.floor} (at most ${p.detector.maxBoxes} a photo) scored before the box policy; kept boxes at ${s.threshold} (not_face >= ${s.rejectAt ?? 'off'}, trusted >= ${s.trustAbove ?? 'off'})${p.detector.boxCorrection ? ', boxes corrected' : ''}`);
  console.log(tableText(fieldRows(run.sets)));
  console.log(`\nby face size (shorter side; other sizes ignored):\n${tableText(fieldBandRows(run.sets))}`);
  return run;
}

/** The scene part of a report folder: the summary and a precision–recall chart per set. */
export async function writeSceneReport(run: FieldRun, dir: string): Promise<string[]> {
  const files = [path.join(dir, 'field-map.json')];
  writeFieldSummary(files[0], run.summary);
  for (const s of run.sets) {
    const f = path.join(dir, `pr-field-${s.name}.png`);
    await fieldPrFigure(s).save(f);
    files.push(f);
  }
  return files;
}
