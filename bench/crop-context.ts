/**
 * Wider crops for the classifier: does classifying a detector box scaled by k around its centre
 * (more context: hair, shoulders, background) help the `not_face` rejection on street photos?
 * For each k, SSD's cached raw boxes on the Kaggle tune photos 160–199 and test photos 200–299 are
 * re-cropped and re-classified with the default model; the rejection setting is chosen on tune
 * (`chooseOnTune`, <= 0.1 false detections per image) and reported on test.
 *
 *   npx tsx bench/crop-context.ts [MODEL_DIR]
 *
 * Prints figures; not a test. The shipped pipeline crops the box as is (k = 1).
 */
import { loadClassifier, type MaskClassifier } from '../src/model/classifier';
import { scoreScenes, chooseOnTune, summariseSetting, type ScoredScenes } from '../src/evaluation/scenes';
import { summaryRow } from '../src/detection/evaluate';
import { decodeImage, cropResize } from '../src/util/images';
import { projectPaths } from '../src/paths';
import { scaleBox } from '../src/detection/geometry';

export const SCALES = [1, 1.15, 1.2, 1.3, 1.4, 1.5];

async function rescore(clf: MaskClassifier, s: ScoredScenes, k: number): Promise<ScoredScenes> {
  if (k === 1) return s;
  const scenes: ScoredScenes['scenes'] = [];
  for (const sc of s.scenes) {
    if (!sc.detections.length) {
      scenes.push(sc);
      continue;
    }
    const img = await decodeImage(sc.scene.file);
    const crops = await Promise.all(sc.detections.map((d) => cropResize(img, scaleBox(d.box, k), clf.inputSize)));
    scenes.push({ ...sc, probs: await clf.probabilities(crops) });
  }
  return { ...s, scenes };
}

async function main() {
  const clf = await loadClassifier(process.argv[2] ?? projectPaths().defaultModel);
  const tune0 = await scoreScenes(clf, 'tune', 'ssd-mobilenet', 0.1, { quiet: true, fromPhoto: 160 });
  const test0 = await scoreScenes(clf, 'test', 'ssd-mobilenet', 0.1, { quiet: true });
  console.log('crop scale | setting chosen on tune | tune: masked % / false per image / end to end % | test: masked % / unmasked % / false per image / end to end %');
  for (const k of SCALES) {
    const tune = await rescore(clf, tune0, k);
    const test = await rescore(clf, test0, k);
    const c = chooseOnTune(tune, 0.1);
    if (!c) {
      console.log(`x${k} | none within 0.1 false per image on tune`);
      continue;
    }
    const t = summaryRow(summariseSetting(tune, c), 'tune');
    const v = summaryRow(summariseSetting(test, c), 'test');
    console.log(`x${k} | ${t.detector} | ${t['masked found %']} / ${t['false / image']} / ${t['end-to-end right %']} | ${v['masked found %']} / ${v['unmasked found %']} / ${v['false / image']} / ${v['end-to-end right %']}`);
  }
  clf.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
