/** `facemask cv`: cross-validate a recipe over ilc2021's train + validation photos, or compare two such runs (src/training/cv.ts). */
import * as path from 'node:path';
import { UsageError, defineVerb } from '../args';
import { resolveConfig } from '../../config';
import { writeFileAtomic } from '../../util/atomic';
import { PRESET_NAMES } from '../../training/presets';
import { compareCv, crossValidate, ensembleCv, flipCv, formatCv, readCv, summariseCv, writeCvRun } from '../../training/cv';
import { inFreshRunDir } from '../../util/runs';
import { projectPaths } from '../../paths';
import { RECIPE_FLAGS, recipeOverrides, synthFolders } from './train';

export const cvVerb = defineVerb({
  name: 'cv',
  summary: 'cross-validate a training recipe over ilc2021 train + validation photos (out-of-fold predictions in runs/cv/<name>/), compare two runs, or average several (an ensemble)',
  flags: {
    ...RECIPE_FLAGS,
    preset: { type: 'string', value: 'NAME', help: 'training recipe (default: realworld; it must train on ilc2021)', choices: PRESET_NAMES },
    folds: { type: 'integer', value: 'K', help: 'folds, by photo group (default: 5)' },
    seed: { type: 'integer', value: 'N', help: 'seed of the folds and of training (default: 42)' },
    'train-seed': { type: 'integer', value: 'N', help: 'seed of training only, the folds kept: another model of the recipe on the same faces (default: --seed)' },
    epochs: { type: 'integer', value: 'N', help: "epochs (default: the preset's)" },
    name: { type: 'string', value: 'NAME', help: 'run folder under runs/cv/ (default: <preset>-cv<K>, never overwritten)' },
    compare: { type: 'list', value: 'RUN', help: 'two cv run folders A B: the paired macro-F1 gain of B over A, face by face (trains nothing)' },
    output: { type: 'string', value: 'FILE', help: 'with --compare: also write the comparison as JSON' },
    ensemble: { type: 'list', value: 'RUN', help: 'two or more cv run folders: their out-of-fold probabilities averaged face by face, as a new cv run (trains nothing)' },
    flip: { type: 'string', value: 'RUN', help: "a cv run folder: each face averaged with its mirror image through the fold model that held it out, as a new cv run (test-time flip, out of fold; trains nothing)" },
    summarise: { type: 'list', value: 'RUN', help: "cv run folders: their pooled numbers and decision study derived again from their out-of-fold predictions, in place (after the study changes; trains nothing)" },
  },
  examples: [
    { cmd: 'facemask cv --name rw', note: 'the realworld recipe, 5 folds (about 3-4 min a fold here)' },
    { cmd: 'facemask cv --synth .cache/synth-realworld .cache/synth-confusers --name rw-conf', note: 'a variant: with the synthetic confusers' },
    { cmd: 'facemask cv --compare runs/cv/rw runs/cv/rw-conf', note: 'does the variant beat the recipe beyond the noise?' },
    { cmd: 'facemask cv --ensemble runs/cv/rw runs/cv/rw-bands --name rw+bands', note: 'the two recipes averaged, out of fold (then --compare it)' },
    { cmd: 'facemask cv --flip runs/cv/rw --name rw-flip', note: 'test-time flip out of fold (then --compare it with runs/cv/rw)' },
    { cmd: 'facemask cv --summarise runs/cv/rw runs/cv/rw-bands', note: 'their decision studies again, from the predictions they hold' },
    { cmd: 'facemask cv --train-seed 43 --name rw-s43', note: 'the same recipe trained with another seed on the same folds (an ensemble control)' },
  ],
  async run(args) {
    const f = args.flags;
    const compare = f.compare;
    if (compare) {
      if (compare.length !== 2) throw new UsageError('--compare takes two cv run folders: A B');
      const [a, b] = compare.map((d) => readCv(d));
      const c = compareCv(a, b);
      const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
      console.log(`${c.faces} faces out of fold, argmax`);
      for (const [name, n] of [[compare[0], c.a], [compare[1], c.b]] as const) console.log(`  ${name}: macro F1 ${n.macroF1.toFixed(3)}, incorrect_mask recall ${pct(n.incorrectRecall)} at precision ${pct(n.incorrectPrecision)}`);
      console.log(`gain of B over A: ${c.gain.value >= 0 ? '+' : ''}${c.gain.value.toFixed(3)}, 95 % interval [${c.gain.low.toFixed(3)}, ${c.gain.high.toFixed(3)}] (paired bootstrap over faces)`);
      if (f.output) {
        writeFileAtomic(f.output, JSON.stringify({ kind: 'cv-compare', runs: { a: path.basename(path.resolve(compare[0])), b: path.basename(path.resolve(compare[1])) }, ...c }, null, 1) + '\n');
        console.log(`written: ${f.output}`);
      }
      return 0;
    }
    const again = f.summarise;
    if (again) {
      for (const d of again) {
        const cv = readCv(d);
        const next = { ...cv, ...summariseCv(cv.predictions, cv.classes, cv.folds) };
        writeCvRun(path.resolve(d), next);
        console.log(`${d}: ${formatCv(next).split('\n').at(-1)}`);
      }
      return 0;
    }
    const flip = f.flip;
    if (flip) {
      const cv = await flipCv(flip);
      const runDir = await inFreshRunDir(path.join(projectPaths().runs, 'cv'), (f.name) ?? `${path.basename(path.resolve(flip))}-flip`, async (d) => {
        writeCvRun(d, cv);
        return d;
      });
      console.log(`run: ${runDir}`);
      console.log(formatCv(cv));
      return 0;
    }
    const ensemble = f.ensemble;
    if (ensemble) {
      if (ensemble.length < 2) throw new UsageError('--ensemble takes two or more cv run folders');
      const cv = ensembleCv(ensemble.map((d) => ({ name: path.basename(path.resolve(d)), cv: readCv(d) })));
      const runDir = await inFreshRunDir(path.join(projectPaths().runs, 'cv'), (f.name) ?? ensemble.map((d) => path.basename(path.resolve(d))).join('+'), async (d) => {
        writeCvRun(d, cv);
        return d;
      });
      console.log(`run: ${runDir}`);
      console.log(formatCv(cv));
      return 0;
    }
    const folds = f.folds;
    if (folds !== undefined && folds < 2) throw new UsageError('--folds must be at least 2');
    const { runDir, cv } = await crossValidate({
      config: resolveConfig(),
      preset: (f.preset) ?? 'realworld',
      overrides: recipeOverrides({ ...f, preset: f.preset ?? 'realworld' }),
      synthDir: synthFolders(f),
      folds,
      seed: f.seed,
      trainSeed: f['train-seed'],
      epochs: f.epochs,
      name: f.name,
    });
    console.log(`run: ${runDir}`);
    console.log(formatCv(cv));
    return 0;
  },
});
