/**
 * `createFaceMaskDetector(config, { model })` — the one way, in Node, to get from an image to
 * labelled boxes: it loads the classifier (or takes a loaded one), resolves the settings (flags >
 * the model's tuned setting > the detector's own, src/detection/registry.ts), loads the detector
 * from the Node registry and assembles the pipeline (src/detection/pipeline.ts). The verbs, the
 * notebooks, the measurements and the benches all build their pipelines here.
 */
import { resolveConfig, type Config } from '../config';
import { projectPaths } from '../paths';
import { loadClassifier, type MaskClassifier } from '../model/classifier';
import { DETECTORS } from './detectors';
import { assemblePipeline, type FaceMaskDetector } from './pipeline';
import { resolveSettings, type SettingsRequest } from './registry';
import { cachedClassifier, cachedDetector } from './cache';

export interface CreateOptions extends SettingsRequest {
  /** Classifier folder. default: models/default */
  model?: string;
  /** An already loaded classifier (shared: the pipeline does not dispose it). */
  classifier?: MaskClassifier;
  /** Photos or video: video uses `video.detector` unless a detector is asked for. default: 'photo' */
  use?: 'photo' | 'video';
  /** Folder of the detector's weights (res10), when not the installed one. */
  detectorDir?: string;
  /** Cache boxes and probabilities on disk in this folder (measurements over the same photos; src/detection/cache.ts). */
  cacheDir?: string;
}

export async function createFaceMaskDetector(config: Config = resolveConfig(), opts: CreateOptions = {}): Promise<FaceMaskDetector> {
  const dir = opts.model ?? projectPaths().defaultModel;
  let classifier: MaskClassifier;
  try {
    classifier = opts.classifier ?? (await loadClassifier(dir));
  } catch (e) {
    throw new Error(`cannot load the classifier from ${dir}: ${(e as Error).message}`);
  }
  const owns = !opts.classifier;
  try {
    const request: SettingsRequest = { detector: opts.detector, threshold: opts.threshold, rejectAt: opts.rejectAt, trustAbove: opts.trustAbove };
    if (request.detector === undefined && opts.use === 'video' && config.video.detector !== null) request.detector = config.video.detector;
    const settings = resolveSettings(DETECTORS, classifier.manifest, request, config.detect);
    const detector = await DETECTORS.create(settings.detector, config.detect, settings.threshold, { modelDir: opts.detectorDir });
    if (!opts.cacheDir) return assemblePipeline(detector, classifier, settings, owns);
    const m = classifier.manifest;
    const cached = cachedClassifier(classifier, opts.cacheDir, { head: m.head.sha256, base: m.base.sha256, classes: m.classes, inputSize: m.base.inputSize, features: m.features ?? null });
    const pipeline = assemblePipeline(cachedDetector(detector, opts.cacheDir, { threshold: settings.threshold, config: { ...config.detect, detector: null } }), cached, settings, owns);
    return { ...pipeline, dispose: () => (pipeline.dispose(), cached.flush()) };
  } catch (e) {
    if (owns) classifier.dispose();
    throw e;
  }
}
