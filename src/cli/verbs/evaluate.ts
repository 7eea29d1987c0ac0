/** `facemask evaluate [--model DIR] [--output DIR] [--sets split real] [--scenes kaggle-test ilc2021-test] [--summary FILE] [--record]` */
import * as path from 'node:path';
import { OVERWRITE_FLAG, UsageError, defineVerb } from '../args';
import { resolveConfig } from '../../config';
import { projectPaths } from '../../paths';
import type { LoadedClassifier } from '../../model/types';
import { loadShippedClassifier } from '../../detection/create';
import { inFreshRunDir } from '../../util/runs';
import { writeDirAtomic } from '../../util/atomic';
import { claimOutput, markOutput } from '../../util/output';
import { recordTestNumbers } from '../../model/manifest-files';
import { evaluateModel, sideBySide, type SetEvaluation } from '../../evaluation/evaluate';
import { confuserTableMarkdown, writeEvaluation } from '../../evaluation/report';
import { TEST_SCENE_SETS, SCENE_SETS, type SceneSetName } from '../../data/scenes';
import type { FieldRun } from '../../evaluation/field-run';
import { writeFieldSummary } from '../../evaluation/field';
import { DETECTORS } from '../../detection/detectors';
import { evaluateEveryday } from '../../evaluation/everyday';
import { everydayLine } from '../../evaluation/everyday-summary';
import { claimSummary, measureScenes, writeSceneReport } from './evaluate-scenes';
import { settingsRequest } from './detection-flags';

export const evaluateVerb = defineVerb({
  name: 'evaluate',
  summary: 'evaluate a model on its test split and on real street faces: report, confusion matrix, curves',
  flags: {
    model: { type: 'string', value: 'DIR', help: 'model folder (default: models/default)' },
    output: { type: 'string', value: 'DIR', help: 'folder for the report and pictures (default: runs/evaluate/<model>, never overwritten)' },
    sets: { type: 'list', value: 'SET', help: 'which sets (default: split and real; only real for a realworld model, which has no held-out split; ilc2021 sides, the confuser set and everyday-unmasked photos through the pipeline on request)', choices: ['split', 'real', 'ilc2021-val', 'ilc2021-test', 'confusers', 'everyday-val', 'everyday-test'] },
    scenes: { type: 'list', value: 'SET', help: `measure detection on scene photos instead, by the field's mAP@0.5 over every face (and faces >= 24 px found at IoU 0.3 beside it); test sets: ${TEST_SCENE_SETS.join(', ')}`, choices: SCENE_SETS },
    detector: { type: 'string', value: 'NAME', help: "with --scenes: the face detector (default: the model's, as facemask detect picks it)", choices: DETECTORS.names() },
    upscale: { type: 'number', value: 'K', help: "with --scenes: a second scale, the photo enlarged K times (1: one scale; default: the model's photo setting)" },
    summary: { type: 'string', value: 'FILE', help: 'with --scenes: also write the summary JSON here (e.g. docs/results/field-map-default-yunet-n.json)' },
    record: { type: 'boolean', help: "write the measured numbers into the model's manifest" },
    overwrite: OVERWRITE_FLAG,
  },
  examples: [
    { cmd: 'facemask evaluate', note: 'the default model on both sets' },
    { cmd: 'facemask evaluate --model runs/train/original-s1/model', note: "a run's model" },
    { cmd: 'facemask evaluate --sets real --output /tmp/eval', note: 'only the real faces' },
    { cmd: 'facemask evaluate --sets real ilc2021-val ilc2021-test', note: 'and the ilc2021 faces, all three classes' },
    { cmd: 'facemask evaluate --sets confusers --model models/original', note: 'faces without a mask that show something mask-like (dataset/confusers.tsv), a table per kind' },
    { cmd: 'facemask evaluate --scenes kaggle-test ilc2021-test', note: "the field's mAP@0.5 of the default model's pipeline on the test scenes, per class and face size" },
    { cmd: 'facemask evaluate --scenes kaggle-test --detector yunet --summary docs/results/field-map-default-yunet.json', note: 'another detector, its summary where the project commits it' },
  ],
  async run(args) {
    const modelDir = args.flags.model ?? projectPaths().defaultModel;
    const given = args.flags.output;
    const scenes = args.flags.scenes;
    const overwrite = Boolean(args.flags.overwrite);
    if (!scenes && (args.flags.summary !== undefined || args.flags.detector !== undefined || args.flags.upscale !== undefined)) throw new UsageError('--summary, --detector and --upscale go with --scenes SET...');
    const { scales } = settingsRequest({ upscale: args.flags.upscale }, resolveConfig().detect.scales);
    // every place written is checked before any work (src/util/output.ts)
    if (given) claimOutput({ verb: 'evaluate', flag: '--output', target: given, kind: 'folder', inputs: [modelDir, projectPaths().dataset], overwrite, what: 'the evaluation report', create: false });
    const summaryFile = args.flags.summary !== undefined ? claimSummary(args.flags.summary, modelDir, overwrite) : undefined;
    let evals: SetEvaluation[] = [];
    let field: FieldRun | undefined;
    try {
      if (!scenes || args.flags.sets) evals = await evaluateFaces(modelDir, args.flags.sets);
      if (scenes) field = await measureScenes({ model: modelDir, detector: args.flags.detector, scales, sets: scenes, command: commandLine(scenes, args.flags) });
    } catch (e) {
      console.error(`facemask evaluate: ${(e as Error).message}`);
      return 2;
    }
    const name = path.basename(path.resolve(modelDir)) === 'model' ? path.basename(path.dirname(path.resolve(modelDir))) : path.basename(path.resolve(modelDir));
    // the report: into the given folder (replaced whole), or a new run folder
    let files: string[] = [];
    const fill = async (dir: string) => {
      files = evals.length ? await writeEvaluation(evals, dir, shownModel(modelDir)) : [];
      if (field) files.push(...(await writeSceneReport(field, dir)));
      markOutput(dir, 'evaluate');
    };
    const out = given ? path.resolve(given) : await inFreshRunDir(projectPaths().runsEvaluate, name, async (dir) => {
      await fill(dir);
      return dir;
    });
    if (given) await writeDirAtomic(out, fill);
    if (summaryFile && field) {
      writeFieldSummary(summaryFile, field.summary);
      console.log(`summary: ${summaryFile}`);
    }
    for (const r of sideBySide(evals)) console.log(Object.entries(r).map(([k, v]) => `${k} ${v}`).join('  '));
    for (const e of evals) if (e.everyday) console.log(everydayLine(e.name, e.everyday));
    for (const e of evals) if (e.aligned) console.log(`${e.name}: aligned crops for ${e.aligned.landmarks} of ${e.aligned.faces} faces (landmarks found); the rest cut to their box`);
    for (const e of evals) {
      if (e.kinds) console.log(`${e.name}, per kind:\n${confuserTableMarkdown(e.kinds)}`);
      if (e.sources) console.log(`${e.name}, per source dataset:\n${confuserTableMarkdown(e.sources, 'source')}`);
    }
    console.log(`report: ${evals.length ? path.join(out, 'report.md') : out} (${files.length} files)`);
    if (args.flags.record) {
      if (!evals.length) {
        console.error('facemask evaluate: --record writes the face sets\' numbers: nothing to record with --scenes alone');
        return 2;
      }
      recordTestNumbers(modelDir, evals);
      console.log(`recorded the numbers in ${path.join(modelDir, 'manifest.json')}`);
    }
    return 0;
  },
});

const EVERYDAY_SETS: readonly SetEvaluation['name'][] = ['everyday-val', 'everyday-test'];

/** The scene measurement as a command line (recorded in its summary). */
function commandLine(scenes: readonly SceneSetName[], flags: { model?: string; detector?: string; upscale?: number; summary?: string; overwrite?: boolean }): string {
  const parts = ['npx facemask evaluate', `--scenes ${scenes.join(' ')}`];
  for (const f of ['model', 'detector', 'upscale', 'summary'] as const) if (flags[f] !== undefined) parts.push(`--${f} ${String(flags[f])}`);
  if (flags.overwrite) parts.push('--overwrite');
  return parts.join(' ');
}

/** The classifier on face sets (`--sets`), where detect and classify run it (config `classify.runtime`): load, evaluate, release. */
async function evaluateFaces(modelDir: string, sets: SetEvaluation['name'][] | undefined): Promise<SetEvaluation[]> {
  const config = resolveConfig();
  let clf: LoadedClassifier;
  try {
    clf = await loadShippedClassifier(config, modelDir);
  } catch (e) {
    throw new Error(`cannot use the model: ${(e as Error).message}`);
  }
  try {
    const faceSets = sets?.filter((s) => !EVERYDAY_SETS.includes(s));
    const out = !sets || faceSets?.length ? await evaluateModel(clf, { config, sets: faceSets }) : []; // default: both, or only real for a realworld model
    for (const side of ['val', 'test'] as const) if (sets?.includes(`everyday-${side}`)) out.push(await evaluateEveryday(clf, side, { config, limit: config.small ? 3 : undefined }));
    return out;
  } finally {
    clf.dispose();
  }
}

/** The model folder as a report names it: relative to the project when inside it (reports get committed), else as given. */
function shownModel(dir: string): string {
  const rel = path.relative(projectPaths().root, path.resolve(dir));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
}
