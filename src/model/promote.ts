/** Promote a run's model to `models/` (atomically, after checking that it loads). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../paths';
import { installModel, loadClassifier } from './classifier';
import type { ModelManifest } from './manifest';

/** `run` is a run folder (with `model/`) or a model folder. */
export async function promote(run: string, target: string = projectPaths().defaultModel): Promise<ModelManifest> {
  if (!fs.existsSync(run)) throw new Error(`no such run: ${run}`);
  const from = fs.existsSync(path.join(run, 'model')) ? path.join(run, 'model') : run;
  const clf = await loadClassifier(from); // refuses a broken or mismatched model before anything is replaced
  clf.dispose();
  return installModel(from, target);
}
