/**
 * The realworld targets for one or more classifiers, on this machine:
 *   classification of real scene faces (Kaggle test part, annotated boxes): balanced accuracy
 *   with/without, macro F1 over three classes, per-class P/R/F1 with 95 % intervals;
 *   detection: ssd-mobilenet boxes at a low threshold + the classifier's not_face rejection, the
 *   setting chosen on the tune part (<= 0.1 false detections per image, best masked recall),
 *   reported on the test part: masked-face recall, false detections per image, end to end.
 *
 * Run: node --import tsx bench/realworld.ts [--detector NAME] [MODEL_DIR ...]   (default: ssd-mobilenet, models/default)
 * FACEMASK_SMALL=1 limits the scenes to 10 per part.
 */
import * as path from 'node:path';
import { loadClassifier } from '../src/model/classifier';
import { evaluateReal } from '../src/evaluation/evaluate';
import { scoreScenes, sweepSettings, chooseSetting, chooseOnTune, summariseSetting, SWEEP, type RejectionSetting } from '../src/evaluation/scenes';
import { summaryRow } from '../src/detection/evaluate';
import { projectPaths } from '../src/paths';
import { isSmall, resolveConfig } from '../src/config';
import { detectorThreshold } from '../src/detection';

async function main() {
  const dirs = process.argv.slice(2);
  const di = dirs.indexOf('--detector');
  const detector = di >= 0 ? dirs.splice(di, 2)[1] : 'ssd-mobilenet';
  if (!detector) throw new Error('--detector needs a name');
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

    // choose on tune photos the model never trained on (>= 160 for a realworld model)
    const fromPhoto = clf.manifest.training.datasets.includes('kaggle-face-mask-dev') ? 160 : 0;
    const tune = await scoreScenes(clf, 'tune', detector, 0.1, { quiet: true, limit, fromPhoto });
    const hasNotFace = clf.classes.includes('not_face');
    const chosen = chooseOnTune(tune, 0.1);
    const noTrust = hasNotFace ? chooseSetting(sweepSettings(tune, SWEEP.thresholds, SWEEP.rejectAts, [1.01]), 0.1) : null;
    const cfg = resolveConfig().detect;
    const own = detectorThreshold(detector, ['with_mask', 'without_mask'], cfg);
    const baseline = { threshold: own, rejectAt: 1.01 };
    const shipped = { threshold: detectorThreshold(detector, clf.classes, cfg), rejectAt: hasNotFace ? cfg.notFace.rejectAt : 1.01, trustAbove: hasNotFace ? cfg.notFace.trustAbove : 1.01 };
    const test = await scoreScenes(clf, 'test', detector, 0.1, { quiet: true, limit });
    const show = (label: string, s: RejectionSetting) => {
      const t = summaryRow(summariseSetting(tune, s), 'tune');
      const v = summaryRow(summariseSetting(test, s), 'test');
      console.log(`${label} ${t.detector}`);
      for (const row of [t, v]) console.log(`  ${row.part.padEnd(5)} masked ${row['masked found %']} % unmasked ${row['unmasked found %']} % incorrect ${row['incorrect found %']} % all ${row['all found %']} % | false/img ${row['false / image']} | end-to-end right ${row['end-to-end right %']} % (faces ${row.faces})`);
    };
    show(`detection, ${detector} at its own ${own}, not_face dropped only when it is the top class:`, baseline);
    show('detection, the config defaults (what `facemask detect` ships for this detector and model):', shipped);
    if (noTrust) show('detection, chosen on tune without trusted boxes:', noTrust);
    if (chosen) show('detection, chosen on tune (<= 0.1 false/img, best masked recall):', chosen);
    else console.log('detection: no setting reaches <= 0.1 false detections per image on tune');
    clf.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
