/**
 * `createFaceMaskDetector(config, { model })` — the one way, in Node, to get from an image to
 * labelled boxes: it loads the classifier (on ONNX Runtime by default, `classify.runtime`; or takes
 * a loaded one), resolves the settings (flags > the model's tuned setting > the detector's own,
 * src/detection/registry.ts), loads the detector from the Node registry and assembles the pipeline
 * (src/detection/pipeline.ts). One engine serves the pipeline's ONNX networks; each network is
 * created once and released by the pipeline's `dispose()`. The verbs, the notebooks, the
 * measurements and the benches all build their pipelines here.
 */
import { resolveConfig, type Config } from '../config';
import { projectPaths } from '../paths';
import type { Engine } from '../backend/engine';
import { createEngine, type EngineOptions } from '../backend/onnx';
import { threadedDetector } from './threaded';
import { loadFaceClassifier } from '../model/load';
import type { LoadedClassifier } from '../model/types';
import { modelIdentity } from '../model/manifest-files';
import { DETECTORS } from './detectors';
import { assemblePipeline, type FaceMaskDetector } from './pipeline';
import { resolveSettings, type SettingsRequest } from './registry';
import { cachedClassifier, cachedDetector } from './cache';
import { withLandmarks } from './landmarks';

export interface CreateOptions extends SettingsRequest {
  /** Classifier folder. default: models/default */
  model?: string;
  /** An already loaded classifier (shared: the pipeline does not dispose it). */
  classifier?: LoadedClassifier;
  /** Where the classifier runs. default: config `classify.runtime` ('onnx') */
  runtime?: 'onnx' | 'tfjs';
  /** The ONNX engine (default: created once for this pipeline when an ONNX network needs one). */
  engine?: Engine;
  /** Photos or video: photos get the model's photo setting (maybe two scales), video its one-scale setting and `video.detector` unless a detector is asked for. default: 'photo' */
  use?: 'photo' | 'video';
  /** Folder of the detector's weights, when not the installed one. */
  detectorDir?: string;
  /** Cache boxes and probabilities on disk in this folder (measurements over the same photos; src/detection/cache.ts). */
  cacheDir?: string;
}

/** The engine of pipelines, which run for hours on frames whose face count changes: no memory arena (`EngineOptions.memoryArena`). */
export const PIPELINE_ENGINE: EngineOptions = { memoryArena: false };

/**
 * The classifier as the shipped pipeline runs it (config `classify.runtime`), to share between
 * pipelines; `use` 'video': on video's thread count (`video.classifierThreads`), as the video verb runs
 * it. default `dir`: models/default
 */
export function loadShippedClassifier(config: Config, dir: string = projectPaths().defaultModel, use: 'photo' | 'video' = 'photo'): Promise<LoadedClassifier> {
  return loadFaceClassifier(dir, config.classify.runtime, () => createEngine(use === 'video' ? videoEngine(config.video.classifierThreads) : PIPELINE_ENGINE));
}

/** A video network's engine: the pipeline's, on its own thread count (`video.detectorThreads`, `video.classifierThreads`). */
const videoEngine = (threads: number): EngineOptions => ({ ...PIPELINE_ENGINE, threads, quiet: true });

/**
 * The face-mask pipeline: the classifier (`opts.model`, default the shipped `models/default`) and the
 * detector its settings name (YuNet `yunet-n` for the shipped model), loaded and assembled. Its
 * `detect(image, file)` gives the `DetectResult` `facemask detect` prints for that image; release it
 * with `dispose()`.
 *
 * @param config the configuration (`resolveConfig(overrides)`); default: the defaults
 * @param opts the model, detector and settings (each undefined one: the model's tuned setting)
 * @throws when the model or the detector cannot be loaded (missing or tampered files say so)
 */
export async function createFaceMaskDetector(config: Config = resolveConfig(), opts: CreateOptions = {}): Promise<FaceMaskDetector> {
  let engine = opts.engine;
  const getEngine = async () => (engine ??= await createEngine(PIPELINE_ENGINE));
  const runtime = opts.runtime ?? (config.classify.runtime);
  // video overlaps a frame's detection with the last frame's classification: each network gets its own thread count
  const ownThreads = opts.use === 'video' && !opts.engine;
  const classifierEngine = async () => (ownThreads ? createEngine(videoEngine(config.video.classifierThreads)) : getEngine());
  const classifier = opts.classifier ?? (await loadFaceClassifier(opts.model ?? projectPaths().defaultModel, runtime, classifierEngine));
  const owns = !opts.classifier;
  try {
    const request: SettingsRequest = { detector: opts.detector, threshold: opts.threshold, rejectAt: opts.rejectAt, trustAbove: opts.trustAbove, box: opts.box, scales: opts.scales, fineBox: opts.fineBox };
    if (request.detector === undefined && opts.use === 'video' && config.video.detector !== null) request.detector = config.video.detector;
    const settings = resolveSettings(DETECTORS, classifier.manifest, request, config.detect, opts.use ?? 'photo');
    const needsEngine = settings.detector.startsWith('yunet');
    const detectorEngine = async () => (ownThreads ? createEngine(videoEngine(config.video.detectorThreads)) : getEngine());
    let detector =
      ownThreads && needsEngine && config.video.detectorThread
        ? await threadedDetector({ name: settings.detector, config: config.detect, threshold: settings.threshold, modelDir: opts.detectorDir, scales: settings.scales, engine: videoEngine(config.video.detectorThreads) })
        : await DETECTORS.create(settings.detector, config.detect, settings.threshold, { modelDir: opts.detectorDir, engine: needsEngine ? await detectorEngine() : undefined, scales: settings.scales });
    // an aligned model behind a detector without landmarks: its landmark detector supplies them
    const crop = classifier.crop;
    const addLandmarks = crop?.kind === 'aligned' && !settings.detector.startsWith('yunet') ? crop.landmarks : null;
    if (crop?.kind === 'aligned' && addLandmarks) {
      try {
        detector = withLandmarks(detector, await DETECTORS.create(crop.landmarks.detector, config.detect, crop.landmarks.minScore, { engine: await getEngine() }), crop.landmarks.matchIou);
      } catch (e) {
        detector.dispose();
        throw e;
      }
    }
    if (!opts.cacheDir) return assemblePipeline(detector, classifier, settings, owns);
    const m = classifier.manifest;
    const cached = cachedClassifier(classifier, opts.cacheDir, { head: modelIdentity(m), base: m.base.sha256, onnx: classifier.runtime === 'onnx' ? m.onnx?.sha256 : null, classes: m.classes, inputSize: m.base.inputSize, runtime: classifier.runtime, ...(m.tail ? { tail: m.tail.sha256 } : {}), ...(m.crop ? { crop: m.crop } : {}), ...(classifier.calibration ? { calibration: { temperature: classifier.calibration.temperature, bias: classifier.calibration.bias } } : {}) });
    const pipeline = assemblePipeline(cachedDetector(detector, opts.cacheDir, { threshold: settings.threshold, config: { ...config.detect, detector: null }, ...(addLandmarks ? { landmarks: addLandmarks } : {}), ...(settings.scales ? { scales: settings.scales } : {}) }), cached, settings, owns);
    return { ...pipeline, dispose: () => (pipeline.dispose(), cached.flush()) };
  } catch (e) {
    if (owns) classifier.dispose();
    throw e;
  }
}
