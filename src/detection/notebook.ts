/**
 * Small helpers for notebook 05 (detection in images and video): each returns plain data or
 * pictures that a cell shows, so the notebook stays one call per cell.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FaceClassifier } from '../model/types';
import type { DetectResult, ErrorResult } from '../result';
import { isError, summarise } from '../result';
import type { GridItem } from '../charts';
import type { FaceDetector } from './types';
import { detectFile } from './pipeline';
import { cropResize } from '../util/images';
import type { RgbImage } from '../util/images';
import type { FaceDetection } from './types';
import { drawFaces } from './draw';
import { makeClip, videoFrames, demoPhoto } from './clips';
import { processVideo, type VideoReport } from './video';
import { kaggleScenes, runDetectorOnScenes, summariseDetections, summaryRow } from './evaluate';
import type { Config } from '../config';

export { demoPhoto };

/** Detect, classify and draw each file; results plus annotated pictures for a grid. */
export async function annotatedSamples(files: string[], detector: FaceDetector, classifier: FaceClassifier) {
  const results: (DetectResult | ErrorResult)[] = [];
  const items: GridItem[] = [];
  for (const f of files) {
    const { result, image } = await detectFile(f, detector, classifier);
    results.push(result);
    if (image && !isError(result)) {
      await drawFaces(image, result.faces);
      items.push({ image, caption: `${path.basename(f)}: ${summarise(result)}` });
    }
  }
  return { results, items };
}

/** One table row per detected photo. */
export function resultRows(results: (DetectResult | ErrorResult)[]) {
  return results.map((r) =>
    isError(r)
      ? { file: path.basename(r.file), faces: NaN, labels: r.error, 'detect ms': NaN, 'classify ms': NaN }
      : { file: path.basename(r.file), faces: r.faces.length, labels: summarise(r), 'detect ms': +r.ms.detect.toFixed(0), 'classify ms': +r.ms.classify.toFixed(0) },
  );
}

/** Generate a panning clip from a demo photo, run the video pipeline on it, and read back frames. */
export async function videoDemo(opts: { frames: number; detector: FaceDetector; classifier: FaceClassifier; video: Config['video']; show?: number[] }): Promise<{ report: VideoReport; frames: GridItem[]; file: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-nb05-'));
  const clip = path.join(dir, 'clip.mp4');
  makeClip(demoPhoto(1), clip, { frames: opts.frames, scaleTo: 720 });
  const out = path.join(dir, 'annotated.mp4');
  const report = await processVideo({ ...opts.video, input: clip, output: out, detector: opts.detector, classifier: opts.classifier, detectEvery: opts.video.detectEvery });
  const show = opts.show ?? [0, Math.floor(opts.frames / 2), opts.frames - 1];
  const frames = videoFrames(out, show, report.width, report.height).map((image, i) => ({ image, caption: `frame ${show[i]}` }));
  return { report, frames, file: out };
}

/**
 * Recall / false detections / end to end (found and labelled right) / speed of a detector with the
 * classifier (rejected boxes dropped, as in `detectImage`), on the first `n` photos of a Kaggle dev part.
 */
export async function sceneMetrics(detector: FaceDetector, classifier: FaceClassifier, part: 'tune' | 'test', n: number, rules: Config['faces']) {
  const scenes = kaggleScenes(part).slice(0, n);
  const res = await runDetectorOnScenes(detector, scenes, {
    label: async (img, dets) => (await classifyDetectionsKeepOrder(img, dets, classifier)).map((c) => c?.label),
  });
  // boxes the classifier rejects (not_face) are dropped, as `facemask detect` drops them
  const kept = res.map((r) => ({ ...r, detections: r.detections.filter((d) => d.label !== undefined) }));
  return summaryRow(summariseDetections(detector.name, kept, rules), `${part} (${scenes.length} photos)`);
}

/** A few Kaggle test-part photos (paths). */
export function kaggleTestPhotos(n: number): string[] {
  return kaggleScenes('test').slice(0, n).map((s) => s.file);
}

/** Classifications of each detection, in order (null where the classifier rejects the box). */
async function classifyDetectionsKeepOrder(img: RgbImage, dets: FaceDetection[], classifier: FaceClassifier) {
  if (dets.length === 0) return [];
  return classifier.classify(await Promise.all(dets.map((d) => cropResize(img, d.box, classifier.inputSize))));
}
