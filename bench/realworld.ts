/**
 * The realworld numbers of one or more classifiers, on this machine:
 *   classification of real scene faces (Kaggle test part, annotated boxes): balanced accuracy
 *   with/without, macro F1 over three classes, per-class P/R/F1 with 95 % intervals;
 *   detection with a detector (default: the model's): at the detector's own threshold with no
 *   rejection by probability, and at the model's tuned setting (what `facemask detect` ships;
 *   chosen by `facemask tune` on the validation photos), on validation and on test.
 *
 * Run: node --import tsx bench/realworld.ts [--detector NAME] [MODEL_DIR ...]   (default: models/default)
 * FACEMASK_SMALL=1 limits the scenes to 10 per part.
 */
import * as path from 'node:path';
import { loadClassifier } from '../src/model/classifier';
import { evaluateReal } from '../src/evaluation/evaluate';
import { measureSetting, scoreScenes, summaryRow, type DetectionSetting } from '../src/evaluation/scenes';
import { kaggleScenes } from '../src/data/kaggle';
import { createFaceMaskDetector } from '../src/detection/create';
import { DETECTORS } from '../src/detection/detectors';
import { projectPaths } from '../src/paths';
import { isSmall, resolveConfig } from '../src/config';

async function main() {
  const dirs = process.argv.slice(2);
  const di = dirs.indexOf('--detector');
  const detector = di >= 0 ? dirs.splice(di, 2)[1] : undefined;
  if (di >= 0 && !detector) throw new Error('--detector needs a name');
  if (!dirs.length) dirs.push(projectPaths().defaultModel);
  const limit = isSmall() ? 10 : undefined;
  for (const dir of dirs) {
    const clf = await loadClassifier(dir);
    console.log(`\n## ${path.relative(projectPaths().root, dir) || dir}: classes ${clf.classes.join(', ')} (preset ${clf.manifest.training.preset})`);
    const real = await evaluateReal(clf, { quiet: true });
    const r = real.report;
    console.log(`classification, Kaggle test faces >= 24 px (${r.total}): accuracy ${(r.accuracy * 100).toFixed(2)} %, balanced ${(r.balancedAccuracy * 100).toFixed(2)} %, macro F1 ${r.macro.f1.toFixed(4)} [${real.intervals.macroF1.map((x) => x.toFixed(3)).join(', ')}], with/without balanced ${real.withWithout ? (real.withWithout.value * 100).toFixed(2) + ' %' : 'n/a'}`);
    r.rows.forEach((row, k) => {
      const iv = real.intervals.rows[k];
      const f = (x: number, [a, b]: [number, number]) => `${x.toFixed(3)} [${a.toFixed(3)}, ${b.toFixed(3)}]`;
      console.log(`  ${row.class.padEnd(15)} P ${f(row.precision, iv.precision)}  R ${f(row.recall, iv.recall)}  F1 ${f(row.f1, iv.f1)}  n ${row.support}`);
    });
    console.log(`  confusion (rows true ${r.classes.join('/')}): ${JSON.stringify(r.confusion)}`);
    for (const o of real.outside) console.log(`  ${o.truth} (not a class of this model): ${JSON.stringify(o.predicted)}`);

    // detection: what the pipeline saw at a low threshold, measured under two settings
    const cfg = resolveConfig();
    const pipeline = await createFaceMaskDetector(cfg, { classifier: clf, detector, threshold: 0.1, cacheDir: projectPaths().measureCache });
    const name = pipeline.settings.detector;
    const parts = { validation: await scoreScenes(pipeline, kaggleScenes('validation', { limit }), { quiet: true }), test: await scoreScenes(pipeline, kaggleScenes('test', { limit }), { quiet: true }) };
    pipeline.dispose();
    const show = (label: string, st: DetectionSetting) => {
      console.log(`${label}: ${name}@${st.threshold}, not_face >= ${st.rejectAt ?? 'off'}, trusted >= ${st.trustAbove ?? 'off'}`);
      for (const [part, sc] of Object.entries(parts)) {
        const row = summaryRow(measureSetting(sc, st, cfg.faces));
        console.log(`  ${part.padEnd(10)} masked ${row['masked found %']} % unmasked ${row['unmasked found %']} % incorrect ${row['incorrect found %']} % all ${row['all found %']} % | false/img ${row['false / image']} | end-to-end right ${row['end-to-end right %']} % (faces ${row.faces})`);
      }
    };
    const own = DETECTORS.get(name).ownThreshold(cfg.detect);
    show("detection at the detector's own threshold, not_face dropped only when it is the top class", { threshold: Math.max(own, 0.1), rejectAt: null, trustAbove: null });
    const tuned = clf.manifest.detection?.settings[name];
    if (tuned) show("detection at the model's tuned setting (what `facemask detect` ships)", tuned);
    else console.log(`detection: no tuned setting for ${name} in this model (facemask tune --model ${dir} --detector ${name})`);
    clf.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
