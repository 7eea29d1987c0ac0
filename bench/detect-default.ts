/**
 * The shipped detection path, end to end, on the Kaggle dev set's **test** part (photos 200–299):
 * the classifier and the detector built exactly as `facemask detect` builds them (`loadClassifier`
 * with the config's not_face rejection, `createDetectorFor(detect.detector, classifier)`), then
 * `detectImage` on every photo. Prints masked / unmasked / incorrect recall, false detections per
 * image and end-to-end right % (CONVENTIONS.md matching rule, `summariseDetections`), and how many
 * raw detector boxes the classifier dropped.
 *
 *   npx tsx bench/detect-default.ts [MODEL_DIR] [--detector NAME] [--confidence C] [--not-face P] [--trust-above S] [--compare]
 *
 * `--confidence C`, `--not-face P` and `--trust-above S` override the config's
 * `detect.ssdMobilenet.notFaceConfidence`, `detect.notFace.rejectAt` and `.trustAbove` (1.01: no box is trusted).
 *
 * MODEL_DIR defaults to models/default. `--compare` also prints the measurement over the cached raw
 * SSD boxes (`summariseSetting`, src/evaluation/scenes.ts) at the same setting, which should agree.
 * FACEMASK_SMALL=1 measures the first 10 photos only. Prints figures; not a test.
 */
import * as path from 'node:path';
import { resolveConfig } from '../src/config';
import { createDetectorFor, detectorThreshold, type FaceDetector } from '../src/detection';
import { kaggleScenes, summariseDetections, summaryRow, type SceneResult } from '../src/detection/evaluate';
import { detectImage } from '../src/detection/pipeline';
import { loadClassifier } from '../src/model/classifier';
import { scoreScenes, summariseSetting } from '../src/evaluation/scenes';
import { initBackend } from '../src/backend/tf';
import { decodeImage } from '../src/util/images';
import { projectPaths } from '../src/paths';
import { tableText } from '../src/charts';

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

async function main() {
  const args = process.argv.slice(2);
  const compare = args.includes('--compare');
  if (compare) args.splice(args.indexOf('--compare'), 1);
  const conf = flag(args, '--confidence');
  const cfg = resolveConfig(conf === undefined ? {} : { detect: { ssdMobilenet: { notFaceConfidence: Number(conf) } } });
  const detectorName = flag(args, '--detector') ?? cfg.detect.detector;
  const nf = flag(args, '--not-face');
  const rejectNotFace = nf === undefined ? undefined : Number(nf);
  const ta = flag(args, '--trust-above');
  const trustAbove = ta === undefined ? undefined : Number(ta);
  const modelDir = args[0] ?? projectPaths().defaultModel;
  await initBackend();
  const classifier = await loadClassifier(modelDir, { rejectNotFace, trustAbove });
  const inner = await createDetectorFor(detectorName, classifier, cfg.detect);
  const threshold = detectorThreshold(detectorName, classifier.classes, cfg.detect);
  let raw = 0;
  const detector: FaceDetector = {
    name: inner.name,
    detectFaces: async (img) => {
      const d = await inner.detectFaces(img);
      raw += d.length;
      return d;
    },
    dispose: () => inner.dispose(),
  };
  const scenes = kaggleScenes('test').slice(0, cfg.small ? 10 : undefined);
  const hasNotFace = classifier.classes.includes('not_face');
  const setting = `${detectorName}@${threshold}${hasNotFace ? ` + not_face >= ${classifier.rejectAt}${classifier.trustAbove <= 1 ? ` (kept if score >= ${classifier.trustAbove})` : ''}` : ''}`;
  console.log(`model ${path.relative(projectPaths().root, modelDir) || modelDir} (${classifier.manifest.training.preset}; classes ${classifier.classes.join(', ')})`);
  console.log(`shipped path: ${setting}; Kaggle test photos ${scenes[0].index}–${scenes[scenes.length - 1].index} (${scenes.length})`);
  const results: SceneResult[] = [];
  const t0 = Date.now();
  for (const [i, sc] of scenes.entries()) {
    const img = await decodeImage(sc.file);
    const r = await detectImage(sc.file, img, detector, classifier);
    results.push({ scene: sc, detections: r.faces.map((f) => ({ box: f.box, score: f.faceScore, label: f.label })), ms: r.ms.detect + r.ms.classify });
    if (i % 25 === 24) process.stderr.write(`${i + 1}/${scenes.length} ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  const seconds = (Date.now() - t0) / 1000;
  const kept = results.reduce((a, r) => a + r.detections.length, 0);
  const rows: Record<string, unknown>[] = [{ ...summaryRow(summariseDetections(`shipped: ${setting}`, results, cfg.faces), 'test') }];
  if (compare && detectorName === 'ssd-mobilenet') {
    const scored = await scoreScenes(classifier, 'test', 'ssd-mobilenet', 0.05, { quiet: true, limit: cfg.small ? 10 : undefined });
    // the cached run's timing is of a different (low-threshold) run: not shown
    rows.push({ ...summaryRow(summariseSetting(scored, { threshold, rejectAt: classifier.rejectAt, trustAbove: classifier.trustAbove }), 'test'), detector: `cached boxes: ${setting}`, 'ms / image': NaN });
  }
  console.log(tableText(rows as never));
  console.log(`detector boxes ${raw}, kept after the classifier ${kept} (dropped ${raw - kept}); ${seconds.toFixed(0)} s on ${scenes.length} photos (ms / image = detect + classify, median)`);
  console.log(JSON.stringify(rows));
  detector.dispose();
  classifier.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
