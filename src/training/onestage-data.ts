/**
 * The one-stage experiment's data (src/training/onestage.ts): for each scene photo, every box the
 * shipped pipeline scores down to the floor — the boxes `facemask evaluate --scenes` measures, box
 * correction included — with YuNet's face score, the shipped classifier's probabilities, and YuNet's
 * own features at the cell each box came from (src/detection/yunet-features.ts).
 *
 * The pipeline gives the boxes (from its detector, at one scale or two); the feature network, the same
 * YuNet with its shared head maps exposed, runs the same passes on the same input and each raw box is
 * found among its cells (`candidateOf`). So the head and the classifier are measured on the same
 * boxes.
 *
 * Records are cached per photo (`.cache/onestage/`), keyed by the file's bytes and everything that
 * shapes them: detector, scales, floor, the detect config, the box corrections, the classifier's
 * identity and `RECORDS_VERSION`. A rerun reads one JSON file per setting and runs no network.
 *
 * Labels for training (`boxLabels`): a box gets the label of the annotated face it overlaps most when
 * their IoU is >= 0.5 (the measure's own match), otherwise `not_face`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { Config } from '../config';
import { projectPaths } from '../paths';
import type { Box } from '../result';
import type { Label } from '../labels';
import { decodeImage, mirrorBox, mirrorImage, type RgbImage } from '../util/images';
import { progress } from '../util/progress';
import { createEngine } from '../backend/onnx';
import type { AnnotatedScene } from '../data/types';
import type { ScalePlan } from '../model/setting';
import { modelIdentity, readManifest } from '../model/manifest-files';
import { createFaceMaskDetector, loadShippedClassifier, PIPELINE_ENGINE } from '../detection/create';
import { iou } from '../detection/geometry';
import { fineUpscale } from '../detection/scales';
import type { BoxCorrection } from '../model/setting';
import { JsonMap, keyOf } from '../detection/cache';
import type { FaceMaskDetector } from '../detection/pipeline';
import type { FaceDetection } from '../detection/types';
import { candidateOf, featureVector, loadYuNetFeatureNet, runFeaturePass, FEATURE_POOLS, META_LENGTH, type FeaturePass } from '../detection/yunet-features';
import { YUNET_STRIDES, yunetVariantOf, type YuNetDetectorName } from '../detection/yunet';
import type { Net } from '../backend/engine';

/** Bump when the records' content changes for the same inputs. */
export const RECORDS_VERSION = 2;
/** IoU at which a box takes a face's label for training (the field's match). */
export const LABEL_IOU = 0.5;

/** The boxes of one setting: which YuNet, at one scale or two. */
export interface OneStageSetting {
  /** The registry's name (`yunet-n` or `yunet`). */
  detector: YuNetDetectorName;
  scales: ScalePlan | null;
  /** Two scales: the enlarged pass's own box correction (the shipped photo setting's `fineBox`); absent: the detector's. */
  fineBox?: BoxCorrection;
}

/** The shipped model's photo setting as records take it (two scales, the enlarged pass's own box correction); refused when it is not yunet-n at two scales. */
export function shippedPhotoSetting(modelDir: string = projectPaths().defaultModel): OneStageSetting {
  const photo = readManifest(modelDir).detection?.photo;
  if (!photo?.scales || photo.detector !== 'yunet-n') throw new Error(`the model in ${modelDir} has no two-scale yunet-n photo setting`);
  return { detector: 'yunet-n', scales: photo.scales, ...(photo.fineBox ? { fineBox: photo.fineBox } : {}) };
}

/** One photo: its faces and every box down to the floor, with both classifiers' inputs. */
export interface PhotoRecord {
  file: string;
  dataset: string;
  /** Seen mirrored (boxes and faces in the mirrored photo's pixels). */
  mirror: boolean;
  faces: readonly { box: Box; label: Label }[];
  boxes: Box[];
  /** YuNet's face score of each box. */
  faceScores: number[];
  /** The shipped classifier's probabilities of each box (`RecordSet.classes` order). */
  shipped: Float32Array[];
  /** YuNet's features of each box (`featureLength(channels)` numbers). */
  features: Float32Array[];
}

export interface RecordSet {
  /** The shipped classifier's classes. */
  classes: readonly string[];
  /** Channels of YuNet's maps. */
  channels: number;
  photos: PhotoRecord[];
}

/** A record as cached (typed arrays as base64). */
interface CachedRecord {
  /** The photo's width (mirroring its faces). */
  width: number;
  boxes: Box[];
  faceScores: number[];
  shipped: string[];
  features: string[];
}

const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const fromB64 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** The training label of each box: the best-overlapping face's label at IoU >= `at`, else `not_face`. Pure. */
export function boxLabels(boxes: readonly Box[], faces: readonly { box: Box; label: Label }[], at = LABEL_IOU): (Label | 'not_face')[] {
  return boxes.map((b) => {
    let best: Label | 'not_face' = 'not_face';
    let bestIou = at;
    for (const f of faces) {
      const v = iou(b, f.box);
      if (v >= bestIou) [best, bestIou] = [f.label, v];
    }
    return best;
  });
}

/** The features of each raw detection, from the pass that found it. */
function detectionFeatures(raw: readonly FaceDetection[], first: FeaturePass, fine: { k: number; pass: FeaturePass } | null): Float32Array[] {
  return raw.map((d) => {
    const s = d.scale ?? 1;
    if (s > 1 && (!fine || Math.abs(fine.k - s) > 1e-9)) throw new Error(`a box from a pass at x${s} that the feature network did not run`);
    const pass = s > 1 ? fine!.pass : first;
    return featureVector(pass.maps, candidateOf(pass, d));
  });
}

/** One photo's record from the pipeline (boxes, probabilities) and the feature network (features). */
async function photoRecord(pipeline: FaceMaskDetector, net: Net, img: RgbImage, config: Config, setting: OneStageSetting): Promise<CachedRecord> {
  const scored = await pipeline.score(img);
  const raw = await pipeline.findFaces(img, { raw: true });
  if (raw.length !== scored.detections.length) throw new Error(`the pipeline gave ${raw.length} raw boxes and ${scored.detections.length} corrected ones`);
  const floor = pipeline.settings.threshold;
  const first = await runFeaturePass(net, img, { maxSide: config.detect.yunet.maxSide }, floor);
  const k = setting.scales ? fineUpscale(setting.scales, img.width, img.height) : null;
  const fine = k === null ? null : { k, pass: await runFeaturePass(net, img, { maxSide: Infinity, upscale: k }, floor) };
  return {
    width: img.width,
    boxes: scored.detections.map((d) => d.box),
    faceScores: scored.detections.map((d) => d.score),
    shipped: scored.probabilities.map(b64),
    features: detectionFeatures(raw, first, fine).map(b64),
  };
}

export interface RecordOptions {
  setting: OneStageSetting;
  /** The floor boxes are scored down to. default: config `faces.scoreFloor` */
  floor?: number;
  /** default: `.cache/onestage` */
  cacheDir?: string;
  quiet?: boolean;
}

/** SHA-1 of a file's bytes (the cache's entry key). */
const fileKey = (file: string) => createHash('sha1').update(fs.readFileSync(file)).digest('hex');

/** A scene photo as records take it: its dataset, and whether it is seen mirrored (training's augmentation). */
export type RecordScene = AnnotatedScene & { dataset?: string; mirror?: boolean };

/** Records of `scenes` under a setting, from the cache or computed (and cached). */
export async function sceneRecords(config: Config, scenes: readonly RecordScene[], opts: RecordOptions): Promise<RecordSet> {
  const floor = opts.floor ?? config.faces.scoreFloor;
  const engine = await createEngine({ ...PIPELINE_ENGINE, quiet: true });
  const classifier = await loadShippedClassifier(config);
  const common = { classifier, engine, detector: opts.setting.detector, scales: opts.setting.scales, threshold: floor, cacheDir: projectPaths().measureCache };
  const pipeline = await createFaceMaskDetector(config, { ...common, fineBox: opts.setting.scales ? (opts.setting.fineBox ?? null) : undefined });
  let net: Net | undefined;
  try {
    const m = classifier.manifest;
    const s = pipeline.settings;
    const key = keyOf({ v: RECORDS_VERSION, setting: opts.setting, floor, detect: { ...config.detect, detector: null }, box: s.box, fineBox: s.fineBox ?? null, model: modelIdentity(m), calibration: classifier.calibration ?? null });
    const cache = new JsonMap<CachedRecord>(path.join(opts.cacheDir ?? path.join(projectPaths().cache, 'onestage'), `records-${opts.setting.detector}-${key}.json`));
    const bar = progress(`one-stage records (${opts.setting.detector}${opts.setting.scales ? ` x${opts.setting.scales.upscale}` : ''})`, scenes.length, { quiet: opts.quiet, unit: 'img' });
    const photos: PhotoRecord[] = [];
    let channels = 0;
    for (const sc of scenes) {
      const k = `${fileKey(sc.file)}${sc.mirror ? ':mirror' : ''}`;
      let rec = cache.get(k);
      if (!rec) {
        net ??= await loadYuNetFeatureNet(engine, yunetVariantOf(opts.setting.detector));
        const img = await decodeImage(sc.file);
        rec = await photoRecord(pipeline, net, sc.mirror ? mirrorImage(img) : img, config, opts.setting);
        cache.set(k, rec);
      }
      const width = rec.width;
      const faces = sc.mirror ? sc.faces.map((f) => ({ ...f, box: mirrorBox(f.box, width) })) : sc.faces;
      const features = rec.features.map(fromB64);
      if (features.length) channels = (features[0].length - META_LENGTH) / (YUNET_STRIDES.length * FEATURE_POOLS.length);
      photos.push({ file: sc.file, dataset: sc.dataset ?? '', mirror: sc.mirror ?? false, faces, boxes: rec.boxes, faceScores: rec.faceScores, shipped: rec.shipped.map(fromB64), features });
      bar.tick();
    }
    bar.done();
    cache.flush();
    return { classes: [...classifier.classes], channels, photos };
  } finally {
    pipeline.dispose();
    classifier.dispose();
    await net?.dispose();
  }
}
