/**
 * Face detection: detectors behind one interface (`createDetector`), evaluation on annotated scenes,
 * the image pipeline (detect → classify → draw), tracking and video.
 */
import type { Config } from '../config';
import { resolveConfig } from '../config';
import type { FaceDetector } from './types';
import { DETECTOR_NAMES, DetectorError, isDetectorName, type DetectorName } from './types';
import { createRes10 } from './res10';
import { createSsdMobilenet, createSsdTiled, createTiny } from './faceapi';
import { createConsensus } from './consensus';
import { createBlazeFace } from './blazeface';

export * from './types';
export { iou, nonMaxSuppression, clipBox } from './geometry';

export type DetectConfig = Config['detect'];

/**
 * Load a detector by name with its section of the config (`detect.res10`, `detect.ssdMobilenet`, …).
 * `detect.minConfidence` > 0 overrides the detector's own threshold. Unknown names throw a
 * `DetectorError` listing the valid ones.
 */
export async function createDetector(name: string, config: DetectConfig = resolveConfig().detect, opts: { modelDir?: string } = {}): Promise<FaceDetector> {
  if (!isDetectorName(name)) throw new DetectorError(`unknown detector "${name}" (valid: ${DETECTOR_NAMES.join(', ')})`);
  const pick = (own: number) => (config.minConfidence > 0 ? config.minConfidence : own);
  const common = { nmsIou: config.nmsIou, maxResults: config.maxFaces };
  switch (name) {
    case 'res10':
      return createRes10({ ...common, minConfidence: pick(config.res10.minConfidence), inputSize: config.res10.inputSize, dir: opts.modelDir });
    case 'ssd-mobilenet':
      return createSsdMobilenet({ ...common, minConfidence: pick(config.ssdMobilenet.minConfidence) });
    case 'blazeface':
      return createBlazeFace({ ...common, minConfidence: pick(config.blazeface.minConfidence) });
    case 'tiny':
      return createTiny({ ...common, minConfidence: pick(config.tiny.minConfidence), inputSize: config.tiny.inputSize });
    case 'ssd-tiled':
      return createSsdTiled({ ...common, minConfidence: pick(config.ssdTiled.minConfidence), grid: config.ssdTiled.grid, overlap: config.ssdTiled.overlap });
    case 'consensus': {
      const c = config.consensus;
      if (c.primary === 'consensus' || c.verifier === 'consensus' || c.primary === c.verifier) {
        throw new DetectorError(`consensus: primary and verifier must be two different plain detectors (got ${c.primary}, ${c.verifier})`);
      }
      // each part runs at the low part threshold; the fused score gets the threshold
      const parts: DetectConfig = { ...config, minConfidence: c.partMinConfidence };
      const primary = await createDetector(c.primary, parts, opts);
      let verifier: FaceDetector;
      try {
        verifier = await createDetector(c.verifier, parts, opts);
      } catch (e) {
        primary.dispose();
        throw e;
      }
      return createConsensus(primary, verifier, { ...common, minConfidence: pick(c.minConfidence), agreeIou: c.agreeIou });
    }
  }
}

/** The config sections of the detectors that run at a lower threshold with a `not_face` classifier. */
const NOT_FACE_SECTION: Partial<Record<DetectorName, 'ssdMobilenet' | 'blazeface'>> = { 'ssd-mobilenet': 'ssdMobilenet', blazeface: 'blazeface' };

/**
 * The detector settings that ship with a classifier — the one place that decides a detector's
 * threshold given (detector name, classifier classes, config), used by `facemask detect`, `facemask
 * video`, the notebooks and the bench scripts. With a classifier that has `not_face` and no explicit
 * `detect.minConfidence`, a detector whose config section has a `notFaceConfidence`
 * (`ssd-mobilenet`, `blazeface`) runs at it (low, for recall: the classifier rejects the extra false
 * boxes, see `toClassification`); otherwise (a two-class model, another detector) the config is
 * returned unchanged.
 */
export function detectorConfig(name: string, classes: readonly string[], config: DetectConfig = resolveConfig().detect): DetectConfig {
  const key = NOT_FACE_SECTION[name as DetectorName];
  if (!key || !classes.includes('not_face') || config.minConfidence > 0) return config;
  return { ...config, [key]: { ...config[key], minConfidence: config[key].notFaceConfidence } };
}

/** The threshold a detector created by `createDetectorFor` applies (for `consensus`: to the fused score). */
export function detectorThreshold(name: string, classes: readonly string[], config: DetectConfig = resolveConfig().detect): number {
  if (!isDetectorName(name)) throw new DetectorError(`unknown detector "${name}" (valid: ${DETECTOR_NAMES.join(', ')})`);
  const c = detectorConfig(name, classes, config);
  if (c.minConfidence > 0) return c.minConfidence;
  const own: Record<DetectorName, number> = {
    res10: c.res10.minConfidence,
    'ssd-mobilenet': c.ssdMobilenet.minConfidence,
    blazeface: c.blazeface.minConfidence,
    tiny: c.tiny.minConfidence,
    'ssd-tiled': c.ssdTiled.minConfidence,
    consensus: c.consensus.minConfidence,
  };
  return own[name];
}

/** `createDetector` with the settings that ship with `classifier` (`detectorConfig`). */
export async function createDetectorFor(name: string, classifier: { readonly classes: readonly string[] }, config: DetectConfig = resolveConfig().detect, opts: { modelDir?: string } = {}): Promise<FaceDetector> {
  return createDetector(name, detectorConfig(name, classifier.classes, config), opts);
}
