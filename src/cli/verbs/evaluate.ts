/** `facemask evaluate [--model DIR] [--output DIR] [--sets split real] [--record]` */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VerbSpec } from '../args';
import { projectPaths } from '../../paths';
import { loadClassifier, type TfjsClassifier } from '../../model/classifier';
import { freshRunDir } from '../../util/runs';
import { recordTestNumbers } from '../../model/manifest';
import { evaluateModel, sideBySide, type SetEvaluation } from '../../evaluation/evaluate';
import { confuserTableMarkdown, writeEvaluation } from '../../evaluation/report';

export const evaluateVerb: VerbSpec = {
  name: 'evaluate',
  summary: 'evaluate a model on its test split and on real street faces: report, confusion matrix, curves',
  flags: {
    model: { type: 'string', value: 'DIR', help: 'model folder (default: models/default)' },
    output: { type: 'string', value: 'DIR', help: 'folder for the report and pictures (default: runs/evaluate/<model>, never overwritten)' },
    sets: { type: 'list', value: 'SET', help: 'which sets (default: split and real; only real for a realworld model, which has no held-out split; ilc2021 sides and the confuser set on request)', choices: ['split', 'real', 'ilc2021-val', 'ilc2021-test', 'confusers'] },
    record: { type: 'boolean', help: "write the measured numbers into the model's manifest" },
  },
  examples: [
    { cmd: 'facemask evaluate', note: 'the default model on both sets' },
    { cmd: 'facemask evaluate --model runs/train/original-s1/model', note: "a run's model" },
    { cmd: 'facemask evaluate --sets real --output /tmp/eval', note: 'only the real faces' },
    { cmd: 'facemask evaluate --sets real ilc2021-val ilc2021-test', note: 'and the ilc2021 faces, all three classes' },
    { cmd: 'facemask evaluate --sets confusers --model models/original', note: 'faces without a mask that show something mask-like (dataset/confusers.tsv), a table per kind' },
  ],
  async run(args) {
    const modelDir = (args.flags.model as string | undefined) ?? projectPaths().defaultModel;
    let clf: TfjsClassifier;
    try {
      clf = await loadClassifier(modelDir);
    } catch (e) {
      console.error(`facemask evaluate: cannot use the model: ${(e as Error).message}`);
      return 2;
    }
    const sets = args.flags.sets as SetEvaluation['name'][] | undefined; // default: both, or only real for a realworld model
    let evals;
    try {
      evals = await evaluateModel(clf, { sets });
    } catch (e) {
      clf.dispose();
      console.error(`facemask evaluate: ${(e as Error).message}`);
      return 2;
    }
    clf.dispose();
    const name = path.basename(path.resolve(modelDir)) === 'model' ? path.basename(path.dirname(path.resolve(modelDir))) : path.basename(path.resolve(modelDir));
    const out = (args.flags.output as string | undefined) ?? freshRunDir(projectPaths().runsEvaluate, name);
    fs.mkdirSync(out, { recursive: true });
    const files = await writeEvaluation(evals, out, modelDir);
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
};
