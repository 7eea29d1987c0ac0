/**
 * The page's pipeline: the library's own (`assemblePipeline`, `resolveSettings`, YuNet's registry
 * entries, the ONNX classifier src/model/onnx-classifier.ts) over browser parts — models fetched from
 * the server and checked (./verify.ts), an ONNX engine over onnxruntime-web.
 * One pipeline, two engines: Node runs the same code on onnxruntime-node.
 *
 * Which detector runs: the browser has YuNet only. The model's tuned detector (or the config's) runs
 * when it is a YuNet one; otherwise `yunet` — at the model's tuned setting for it when there is one,
 * else at YuNet's own threshold (`detect.yunet.minConfidence`) with the plain box policy.
 */
import type { Config } from '../../config';
import type { Engine } from '../../backend/engine';
import { validateManifest, type ModelManifest } from '../../model/manifest';
import { OnnxClassifier } from '../../model/onnx-classifier';
import { assemblePipeline, type FaceMaskDetector } from '../../detection/pipeline';
import { DetectorRegistry, resolveSettings, type DetectConfig, type DetectionUse, type ResolvedSettings } from '../../detection/registry';
import { yunetEntries, YUNET_VARIANTS, type YuNetVariant } from '../../detection/yunet';
import { fetchBytes, fetchVerified, ModelLoadError, PREPARE_HINT, sha256Hex } from './verify';
import { integrityText } from '../../model/integrity';

/** What the server tells the page (`GET /setup.json`, written by src/web/server.ts). */
export interface PageSetup {
  /** The classifier: its folder's name and the URLs of its manifest and ONNX file. */
  model: { name: string; manifest: string; onnx: string };
  /** YuNet's networks by variant, with the SHA-256 the project's asset sums record. */
  detectors: Partial<Record<YuNetVariant, { url: string; sha256: string }>>;
  /** The config's `detect` section (thresholds, NMS, YuNet's input size). */
  detect: DetectConfig;
  /** The config's `video` section: the camera's detector and its tracks (as `facemask video`). */
  video: Pick<Config['video'], 'detector' | 'smoothing' | 'trackIou' | 'maxMissed' | 'reuse'>;
  /** The camera's frames are detected at this longer side (YuNet's `maxSide`): bench/page.ts measures the choice. */
  cameraSide: number;
  /** Photos with more pixels than this are refused (config `data.maxPixels`). */
  maxPixels: number;
  /** onnxruntime-web: its version, the folder of its .wasm files and the URLs of its wasm and WebGPU builds. */
  ort: { version: string; base: string; wasm: string; webgpu: string };
}

/** The detector the page runs, its settings, and a note when it is not the model's own choice. */
export interface PageSettings {
  settings: ResolvedSettings;
  /** Empty, or why another detector than the model's runs. */
  note: string;
}

/** The detectors a browser can run: YuNet's two networks, each loaded by `load`. */
export function browserRegistry(load: (variant: YuNetVariant) => Promise<Uint8Array>, engine: Engine): DetectorRegistry {
  return new DetectorRegistry(yunetEntries(async (variant) => engine.load(await load(variant))));
}

/**
 * Decide what runs in the browser for a use (see the module comment): photos the model's photo
 * setting, like `facemask detect`; the camera its one-scale video setting and `video.detector`, like
 * `facemask video`. Throws when a tuned setting is invalid. default `use`: photo; `videoDetector`: none
 */
export function chooseSettings(registry: DetectorRegistry, manifest: Pick<ModelManifest, 'classes' | 'detection'>, detect: DetectConfig, use: DetectionUse = 'photo', videoDetector: string | null = null): PageSettings {
  const asked = use === 'video' && videoDetector !== null ? videoDetector : detect.detector;
  const wanted = asked ?? (use === 'photo' ? manifest.detection?.photo?.detector : undefined) ?? manifest.detection?.detector;
  const detector = wanted !== undefined && registry.has(wanted) ? wanted : 'yunet';
  const settings = resolveSettings(registry, manifest, { detector }, detect, use);
  const whose = asked !== null ? "the config's" : "the model's tuned";
  const note = wanted !== undefined && wanted !== detector ? `${whose} detector ${wanted} does not run in a browser: ${detector} runs instead` : '';
  return { settings, note };
}

/** The manifest as the page receives it, checked as Node checks it (src/model/manifest.ts) and with an ONNX form. */
export function checkManifest(m: unknown, hint: string = PREPARE_HINT): ModelManifest {
  const bad = (what: string) => new ModelLoadError(`the model's manifest.json ${what} — ${hint}`);
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw bad('is not a JSON object');
  try {
    validateManifest(m as ModelManifest, 'manifest.json');
  } catch (e) {
    throw bad(`is not valid (${(e as Error).message})`);
  }
  const x = m as ModelManifest;
  if (!x.onnx?.sha256) throw bad('records no ONNX file ("onnx.sha256"): this model has no ONNX form, or `facemask prepare` has not exported it yet');
  return x;
}

export interface PagePipeline {
  pipeline: FaceMaskDetector;
  manifest: ModelManifest;
  note: string;
}

/** What the pipeline is loaded from: the model's and YuNet's files and the `detect` config (the page's setup, or the browser entry's). */
export type PipelineSetup = Pick<PageSetup, 'model' | 'detectors' | 'detect'>;

/** The checked, loaded model: its classifier, its manifest, and the detectors (each YuNet file fetched and checked once, when first needed). */
export interface PageModels {
  classifier: OnnxClassifier;
  manifest: ModelManifest;
  registry: DetectorRegistry;
  engine: Engine;
}

/**
 * Fetch, check and load the classifier, and make the registry of YuNet's networks on `engine`. The
 * setup's URLs are relative to `base`; `hint` says what to do when a file is missing or damaged.
 * default `base`: the page's (or worker's) address; `hint`: the server's (`PREPARE_HINT`)
 */
export async function loadPageModels(setup: PipelineSetup, engine: Engine, base: string = globalThis.location?.href, hint: string = PREPARE_HINT): Promise<PageModels> {
  const at = (url: string) => new URL(url, base).href;
  const manifestBytes = await fetchBytes(at(setup.model.manifest), "the model's manifest.json", hint);
  let manifest: ModelManifest;
  try {
    manifest = checkManifest(JSON.parse(new TextDecoder().decode(manifestBytes)), hint);
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    throw new ModelLoadError(`the model's manifest.json is not valid JSON (${(e as Error).message}) — ${hint}`);
  }
  await checkIntegrity(manifest, hint);
  const onnx = await fetchVerified(at(setup.model.onnx), manifest.onnx!.sha256, `the classifier ${setup.model.name}/model.onnx`, 'its manifest.json', hint);
  const classifier = new OnnxClassifier(await loadNet(engine, onnx, `the classifier ${setup.model.name}/model.onnx`), manifest);
  const files = new Map<YuNetVariant, Promise<Uint8Array>>();
  const registry = browserRegistry((variant) => {
    const f = setup.detectors[variant];
    if (!f) return Promise.reject(new ModelLoadError(`YuNet's ${variant}_dynamic.onnx is not installed — ${hint}`));
    if (!files.has(variant)) files.set(variant, fetchVerified(at(f.url), f.sha256, `YuNet's ${variant}_dynamic.onnx`, "the project's asset sums (src/assets/sums/yunet.sha256)", hint));
    return files.get(variant)!;
  }, engine);
  return { classifier, manifest, registry, engine };
}

export interface PipelineUse {
  /** Photos get the model's photo setting (maybe two scales), the camera its one-scale video setting. default: photo */
  use?: DetectionUse;
  /** The config's `video.detector` (the camera's detector when set). default: null */
  videoDetector?: string | null;
  /** YuNet scales frames whose longer side exceeds this down first (the camera's detection size). default: the config's `detect.yunet.maxSide` */
  maxSide?: number;
  /** `dispose()` also releases the classifier. default: false */
  ownsClassifier?: boolean;
}

/** The library's pipeline over loaded models for a use, with its detector loaded at the chosen setting. */
export async function pagePipeline(models: PageModels, detect: DetectConfig, opts: PipelineUse = {}): Promise<{ pipeline: FaceMaskDetector; note: string }> {
  const { settings, note } = chooseSettings(models.registry, models.manifest, detect, opts.use, opts.videoDetector ?? null);
  const config = opts.maxSide === undefined ? detect : { ...detect, yunet: { ...detect.yunet, maxSide: opts.maxSide } };
  const detector = await models.registry.create(settings.detector, config, settings.threshold, { engine: models.engine, scales: settings.scales });
  return { pipeline: assemblePipeline(detector, models.classifier, settings, opts.ownsClassifier ?? false), note };
}

/**
 * Fetch, check and load the classifier and the detector, and assemble the library's pipeline for
 * `use` on `engine` (it owns the classifier). The setup's URLs are relative to `base`; `hint` says
 * what to do when a file is missing or damaged. default `base`: the page's address; `hint`: the
 * server's (`PREPARE_HINT`); `use`: photo
 */
export async function loadPagePipeline(setup: PipelineSetup, engine: Engine, base: string = globalThis.location?.href, hint: string = PREPARE_HINT, use: DetectionUse = 'photo'): Promise<PagePipeline> {
  const models = await loadPageModels(setup, engine, base, hint);
  try {
    const { pipeline, note } = await pagePipeline(models, setup.detect, { use, ownsClassifier: true });
    return { pipeline, manifest: models.manifest, note };
  } catch (e) {
    models.classifier.dispose();
    throw e;
  }
}

/**
 * The manifest against its own integrity checksum (src/model/integrity.ts), with Web Crypto: a manifest
 * whose classes, calibration, crop, decision or detection settings were edited is refused. (The files
 * the page does not load — the tfjs graph and weights — the server checks before serving.)
 */
export async function checkIntegrity(manifest: ModelManifest, hint: string = PREPARE_HINT): Promise<void> {
  if (!manifest.integrity) return; // a model made before integrity records
  const got = await sha256Hex(new TextEncoder().encode(integrityText(manifest, manifest.integrity.files)));
  if (got !== manifest.integrity.sha256) throw new ModelLoadError(`the model's manifest.json was changed since the model was sealed (its integrity checksum is ${got.slice(0, 12)}…, it records ${manifest.integrity.sha256.slice(0, 12)}…): refusing it — ${hint}`);
}

/** Load a checked file on the engine; a failure here is the engine's (e.g. WebGPU), not the file's: a plain Error. */
async function loadNet(engine: Engine, bytes: Uint8Array, what: string) {
  try {
    return await engine.load(bytes);
  } catch (e) {
    throw new Error(`${what} passed its checksum but ${engine.description} cannot load it: ${(e as Error).message}`);
  }
}

/** The camera's detection size (YuNet's `maxSide` for camera frames), chosen with bench/page.ts (docs/experiments/speed.md): about 1.5x the frames a second of 640 px with the same faces and labels; 240 px lost a face. */
export const CAMERA_SIDE = 320;

/** YuNet's variants, for the server's listing. */
export const PAGE_DETECTOR_VARIANTS = YUNET_VARIANTS;
