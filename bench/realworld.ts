/**
 * The realworld numbers of one or more classifiers, on this machine:
 *   classification of real scene faces (Kaggle test part, annotated boxes): balanced accuracy
 *   with/without, macro F1 over three classes, per-class P/R/F1 with 95 % intervals;
 *   detection with a detector (default: the model's): at the detector's own threshold with no
 *   rejection by probability, and at the model's tuned setting (what `facemask detect` ships;
 *   chosen by `facemask tune` on the validation photos), on validation and on test.
 *
 * Run: node --import tsx bench/realworld.ts [--detector NAME] [MODEL_DIR ...]   (default: models/default)
 * --quick (or FACEMASK_SMALL=1) limits the scenes to 10 per part.
 */
import * as path from 'node:path';
import { loadClassifier } from '../src/model/classifier';
import { evaluateReal } from '../src/evaluation/evaluate';
import { measureSetting, scoreScenes, summaryRow, type DetectionSetting } from '../src/evaluation/scenes';
import { kaggleScenes } from '../src/data/kaggle';
import { createFaceMaskDetector } from '../src/detection/create';
import { DETECTORS } from '../src/detection/detectors';
import { projectPaths } from '../src/paths';
import { resolveConfig } from '../src/config';
import { fromRoot, runBench } from './lib';

runBench(
  {
    name: 'realworld',
    summary: "classifiers on real scene faces (Kaggle test part) and detection at the detector's own threshold and at the model's tuned setting, on validation and test",
    flags: { detector: { type: 'string', value: 'NAME', help: "the detector (default: each model's own)" } },
    positionals: { name: 'MODEL_DIR', help: 'one or more classifiers (default: models/default)' },
    quick: 'the first 10 scenes of each part for detection',
    method: 'classification: annotated boxes, faces >= 24 px, 95 % intervals by bootstrap; detection: boxes at threshold 0.1 scored once, then measured under each setting (faces >= 24 px, IoU >= 0.3)',
  },
  async ({ flags, positionals, quick }) => {
    const detector = flags.detector;
    const dirs = positionals.length ? positionals : [projectPaths().defaultModel];
    const limit = quick ? 10 : undefined;
    const models: Record<string, unknown>[] = [];
    for (const dir of dirs) {
      const clf = await loadClassifier(dir);
      console.log(`\n## ${path.relative(projectPaths().root, dir) || dir}: classes ${clf.classes.join(', ')} (preset ${clf.manifest.training.preset})`);
      const real = await evaluateReal(clf, { config: resolveConfig(), quiet: true });
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
      const detection: Record<string, unknown> = {};
      const show = (key: string, label: string, st: DetectionSetting) => {
        console.log(`${label}: ${name}@${st.threshold}, not_face >= ${st.rejectAt ?? 'off'}, trusted >= ${st.trustAbove ?? 'off'}`);
        const rows: Record<string, unknown> = {};
        for (const [part, sc] of Object.entries(parts)) {
          const row = summaryRow(measureSetting(sc, st, cfg.faces));
          console.log(`  ${part.padEnd(10)} masked ${row['masked found %']} % unmasked ${row['unmasked found %']} % incorrect ${row['incorrect found %']} % all ${row['all found %']} % | false/img ${row['false / image']} | end-to-end right ${row['end-to-end right %']} % (faces ${row.faces})`);
          rows[part] = row;
        }
        detection[key] = { setting: { detector: name, threshold: st.threshold, rejectAt: st.rejectAt, trustAbove: st.trustAbove }, ...rows };
      };
      const own = DETECTORS.get(name).ownThreshold(cfg.detect);
      show('own', "detection at the detector's own threshold, not_face dropped only when it is the top class", { threshold: Math.max(own, 0.1), rejectAt: null, trustAbove: null });
      const tuned = clf.manifest.detection?.settings[name];
      if (tuned) show('tuned', "detection at the model's tuned setting (what `facemask detect` ships)", tuned);
      else console.log(`detection: no tuned setting for ${name} in this model (facemask tune --model ${dir} --detector ${name})`);
      const r3 = (x: number) => +x.toFixed(4);
      models.push({
        model: fromRoot(dir),
        classes: clf.classes,
        preset: clf.manifest.training.preset,
        classification: {
          faces: r.total,
          accuracy: r3(r.accuracy),
          balancedAccuracy: r3(r.balancedAccuracy),
          macroF1: r3(r.macro.f1),
          macroF1Interval: real.intervals.macroF1.map(r3),
          withWithout: real.withWithout ? r3(real.withWithout.value) : null,
          perClass: r.rows.map((row, k) => ({ class: row.class, precision: r3(row.precision), recall: r3(row.recall), f1: r3(row.f1), support: row.support, intervals: real.intervals.rows[k] })),
          confusion: r.confusion,
        },
        detection,
      });
      clf.dispose();
    }
    return { scenesPerPart: limit ?? 'all', models };
  },
);
