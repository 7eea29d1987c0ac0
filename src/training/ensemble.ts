/**
 * `facemask ensemble`: trained models averaged into one, their probabilities averaged. Models on the
 * same base as installed become one network (`averageHeads`, src/model/head.ts: the base runs once,
 * each member's head on its map); models on different bases (another input size, a fine-tuned tail)
 * become a composite (src/model/classifier.ts `CompositeClassifier`: the member folders kept inside,
 * one ONNX graph over them all). Written as a training run (`runs/train/<name>/`: config.json,
 * results.json and model/ with model.onnx) that `facemask promote` installs like any other. The
 * members must share the classes, the crop rule, the not_face boxes and the Kaggle photos they were
 * fitted on. Calibration is not carried over: an ensemble is calibrated
 * on its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../paths';
import { writeFileAtomic } from '../util/atomic';
import { inFreshRunDir } from '../util/runs';
import { loadNetwork, saveClassifier, saveComposite, type MaskClassifier } from '../model/classifier';
import { averageHeads } from '../model/head';
import { exportModelOnnx } from '../model/onnx/export';
import { type ModelManifest } from '../model/manifest';
import { readManifest } from '../model/manifest-files';
import { manifestNotFace } from './presets';

export interface EnsembleOptions {
  /** Run folder name under `runsDir`. default: the members' names joined by "+" */
  name?: string;
  /** default: `runs/train` */
  runsDir?: string;
}

/** A member: a training run folder (with `model/`), a run name under `runs/train/`, or a model folder. */
export function memberModelDir(run: string): string {
  const dir = fs.existsSync(run) ? run : path.join(projectPaths().runsTrain, run);
  if (!fs.existsSync(dir)) throw new Error(`no such run or model: ${run} (a folder, or a run name under ${path.relative(process.cwd(), projectPaths().runsTrain) || '.'})`);
  return fs.existsSync(path.join(dir, 'model')) ? path.join(dir, 'model') : dir;
}

/** A member's name: its run folder's (a model folder `…/<run>/model` is named after the run), in the characters a folder under members/ may have. */
export function memberName(run: string): string {
  const dir = path.resolve(run);
  const base = path.basename(dir) === 'model' ? path.basename(path.dirname(dir)) : path.basename(dir);
  return base.replace(/[^\w.+-]/g, '_');
}

/** Why these models cannot be averaged, or null. */
export function ensembleRefusal(ms: readonly ModelManifest[], names: readonly string[]): string | null {
  if (ms.length < 2) return `an ensemble averages at least 2 models, got ${ms.length}`;
  const [a] = ms;
  for (const [i, m] of ms.entries()) {
    const n = names[i];
    if (m.members) return `${n} is itself an ensemble of models on different bases: list its members instead`;
    if (m.classes.join() !== a.classes.join()) return `${n} has classes [${m.classes.join(', ')}], ${names[0]} [${a.classes.join(', ')}]: an ensemble averages the same classes`;
    if (JSON.stringify(m.crop ?? null) !== JSON.stringify(a.crop ?? null)) return `${n} and ${names[0]} cut faces by different crop rules`;
    if (JSON.stringify(manifestNotFace(m)) !== JSON.stringify(manifestNotFace(a))) return `${n} and ${names[0]} learned not_face from different boxes: an ensemble's not_face must mean one thing`;
    if (JSON.stringify(m.training.kaggle ?? null) !== JSON.stringify(a.training.kaggle ?? null)) return `${n} and ${names[0]} were fitted on different Kaggle photos (their validation photos would not be held out from both)`;
  }
  return null;
}

/**
 * How these models are averaged: 'heads' when they share one base as installed (one base pass, the
 * heads averaged in one head), else 'composite' (each member on its own base, src/model/classifier.ts
 * `CompositeClassifier`).
 */
export function ensembleKind(ms: readonly ModelManifest[]): 'heads' | 'composite' {
  return ms.every((m) => !m.tail && m.base.sha256 === ms[0].base.sha256 && m.base.inputSize === ms[0].base.inputSize) ? 'heads' : 'composite';
}

export async function ensembleModels(runs: readonly string[], opts: EnsembleOptions = {}): Promise<{ runDir: string; modelDir: string; manifest: ModelManifest }> {
  const dirs = runs.map(memberModelDir);
  const names = runs.map(memberName);
  const manifests = dirs.map((d) => readManifest(d));
  const why = ensembleRefusal(manifests, names);
  if (why) throw new Error(`cannot average these models: ${why}`);
  const kind = ensembleKind(manifests);
  if (kind === 'composite' && new Set(names).size !== names.length) throw new Error(`cannot average these models: two are named alike (${names.join(', ')}), and a composite keeps each under members/<name>/; give runs with different names`);
  return inFreshRunDir(opts.runsDir ?? projectPaths().runsTrain, opts.name ?? names.join('+'), async (runDir) => {
    const modelDir = path.join(runDir, 'model');
    const ensemble = manifests.map((m, i) => ({ run: names[i], preset: m.training.preset, seed: m.training.seed, ...(m.training.overrides ? { overrides: m.training.overrides } : {}) }));
    // the composite's input: its largest member's (a smaller member's crop is resized inside)
    const outer = manifests.reduce((b, m) => (m.base.inputSize > b.base.inputSize ? m : b));
    const manifest = {
      format: outer.format,
      classes: outer.classes,
      base: outer.base,
      ...(outer.crop ? { crop: outer.crop } : {}),
      training: {
        ...outer.training,
        datasets: [...new Set(manifests.flatMap((m) => m.training.datasets))],
        epochs: Math.max(...manifests.map((m) => m.training.epochs)),
        run: path.basename(runDir),
        overrides: { ensemble: names },
        ensemble,
      },
      test: {},
      createdAt: new Date().toISOString(),
    };
    writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify({ kind: 'ensemble', members: dirs.map((d) => path.relative(projectPaths().root, d)), averaged: kind, started: new Date().toISOString() }, null, 2) + '\n');
    if (kind === 'heads') await saveAveragedHeads(dirs, modelDir, manifest);
    else await saveComposite(modelDir, dirs.map((d, i) => ({ name: names[i], dir: d })), manifest);
    await exportModelOnnx(modelDir);
    writeFileAtomic(path.join(runDir, 'results.json'), JSON.stringify({ kind: 'ensemble', averaged: kind, members: ensemble }, null, 2) + '\n');
    return { runDir, modelDir, manifest: readManifest(modelDir) };
  });
}

/** Models on one base: their heads averaged into one head (`averageHeads`), saved as one network. */
async function saveAveragedHeads(dirs: readonly string[], modelDir: string, manifest: Omit<ModelManifest, 'head' | 'tail'>): Promise<void> {
  const members: MaskClassifier[] = [];
  try {
    for (const d of dirs) members.push(await loadNetwork(d, { calibrated: false }));
    const head = averageHeads(members.map((m) => m.head));
    try {
      await saveClassifier(modelDir, head, manifest);
    } finally {
      head.dispose();
    }
  } finally {
    members.forEach((m) => m.dispose());
  }
}
