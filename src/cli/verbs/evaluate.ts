/** `facemask evaluate [--model DIR] [--output DIR] [--sets split real] [--record]` */
import * as path from 'node:path';
import { OVERWRITE_FLAG, defineVerb } from '../args';
import { resolveConfig } from '../../config';
import { projectPaths } from '../../paths';
import { loadClassifier, type TfjsClassifier } from '../../model/classifier';
import { inFreshRunDir } from '../../util/runs';
import { writeDirAtomic } from '../../util/atomic';
import { claimOutput, markOutput } from '../../util/output';
import { recordTestNumbers } from '../../model/manifest-files';
import { evaluateModel, sideBySide, type SetEvaluation } from '../../evaluation/evaluate';
import { confuserTableMarkdown, writeEvaluation } from '../../evaluation/report';

export const evaluateVerb = defineVerb({
  name: 'evaluate',
  summary: 'evaluate a model on its test split and on real street faces: report, confusion matrix, curves',
  flags: {
    model: { type: 'string', value: 'DIR', help: 'model folder (default: models/default)' },
    output: { type: 'string', value: 'DIR', help: 'folder for the report and pictures (default: runs/evaluate/<model>, never overwritten)' },
    sets: { type: 'list', value: 'SET', help: 'which sets (default: split and real; only real for a realworld model, which has no held-out split; ilc2021 sides and the confuser set on request)', choices: ['split', 'real', 'ilc2021-val', 'ilc2021-test', 'confusers'] },
    record: { type: 'boolean', help: "write the measured numbers into the model's manifest" },
    overwrite: OVERWRITE_FLAG,
  },
  examples: [
    { cmd: 'facemask evaluate', note: 'the default model on both sets' },
    { cmd: 'facemask evaluate --model runs/train/original-s1/model', note: "a run's model" },
    { cmd: 'facemask evaluate --sets real --output /tmp/eval', note: 'only the real faces' },
    { cmd: 'facemask evaluate --sets real ilc2021-val ilc2021-test', note: 'and the ilc2021 faces, all three classes' },
    { cmd: 'facemask evaluate --sets confusers --model models/original', note: 'faces without a mask that show something mask-like (dataset/confusers.tsv), a table per kind' },
  ],
  async run(args) {
    const modelDir = (args.flags.model) ?? projectPaths().defaultModel;
    const given = args.flags.output;
    // a given report folder is checked before any work (src/util/output.ts)
    if (given) claimOutput({ verb: 'evaluate', flag: '--output', target: given, kind: 'folder', inputs: [modelDir, projectPaths().dataset], overwrite: Boolean(args.flags.overwrite), what: 'the evaluation report', create: false });
    let clf: TfjsClassifier;
    try {
      clf = await loadClassifier(modelDir);
    } catch (e) {
      console.error(`facemask evaluate: cannot use the model: ${(e as Error).message}`);
      return 2;
    }
    const sets = args.flags.sets; // default: both, or only real for a realworld model
    let evals: SetEvaluation[];
    try {
      evals = await evaluateModel(clf, { config: resolveConfig(), sets });
    } catch (e) {
      clf.dispose();
      console.error(`facemask evaluate: ${(e as Error).message}`);
      return 2;
    }
    clf.dispose();
    const name = path.basename(path.resolve(modelDir)) === 'model' ? path.basename(path.dirname(path.resolve(modelDir))) : path.basename(path.resolve(modelDir));
    // the report: into the given folder (replaced whole), or a new run folder
    let files: string[] = [];
    const fill = async (dir: string) => {
      files = await writeEvaluation(evals, dir, modelDir);
      markOutput(dir, 'evaluate');
    };
    const out = given ? path.resolve(given) : await inFreshRunDir(projectPaths().runsEvaluate, name, async (dir) => {
      await fill(dir);
      return dir;
    });
    if (given) await writeDirAtomic(out, fill);
    for (const r of sideBySide(evals)) console.log(Object.entries(r).map(([k, v]) => `${k} ${v}`).join('  '));
    for (const e of evals) if (e.aligned) console.log(`${e.name}: aligned crops for ${e.aligned.landmarks} of ${e.aligned.faces} faces (landmarks found); the rest cut to their box`);
    for (const e of evals) {
      if (e.kinds) console.log(`${e.name}, per kind:\n${confuserTableMarkdown(e.kinds)}`);
      if (e.sources) console.log(`${e.name}, per source dataset:\n${confuserTableMarkdown(e.sources, 'source')}`);
    }
    console.log(`report: ${path.join(out, 'report.md')} (${files.length} files)`);
    if (args.flags.record) {
      recordTestNumbers(modelDir, evals);
      console.log(`recorded the numbers in ${path.join(modelDir, 'manifest.json')}`);
    }
    return 0;
  },
});
