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
import type { Engine } from '../../backend/engine';
import { validateManifest, type ModelManifest } from '../../model/manifest';
import { OnnxClassifier } from '../../model/onnx-classifier';
import { assemblePipeline, type FaceMaskDetector } from '../../detection/pipeline';
import { DetectorRegistry, resolveSettings, type DetectConfig, type ResolvedSettings } from '../../detection/registry';
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

/** Decide what runs in the browser (see the module comment). Throws when a tuned setting is invalid. */
export function chooseSettings(registry: DetectorRegistry, manifest: Pick<ModelManifest, 'classes' | 'detection'>, detect: DetectConfig): PageSettings {
  const wanted = detect.detector ?? manifest.detection?.detector;
  const detector = wanted !== undefined && registry.has(wanted) ? wanted : 'yunet';
  // the camera's frames: the model's one-scale (video) setting
  const settings = resolveSettings(registry, manifest, { detector }, detect, 'video');
  const whose = detect.detector ? "the config's" : "the model's tuned";
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

/**
 * Fetch, check and load the classifier and the detector, and assemble the library's pipeline on
 * `engine`. The setup's URLs are relative to `base`; `hint` says what to do when a file is missing
 * or damaged. default `base`: the page's address; `hint`: the server's (`PREPARE_HINT`)
 */
export async function loadPagePipeline(setup: PipelineSetup, engine: Engine, base: string = globalThis.location?.href, hint: string = PREPARE_HINT): Promise<PagePipeline> {
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
  try {
    const registry = browserRegistry(async (variant) => {
      const f = setup.detectors[variant];
      if (!f) throw new ModelLoadError(`YuNet's ${variant}_dynamic.onnx is not installed — ${hint}`);
      return fetchVerified(at(f.url), f.sha256, `YuNet's ${variant}_dynamic.onnx`, "the project's asset sums (src/assets/sums/yunet.sha256)", hint);
    }, engine);
    const { settings, note } = chooseSettings(registry, manifest, setup.detect);
    const detector = await registry.create(settings.detector, setup.detect, settings.threshold, { engine });
    return { pipeline: assemblePipeline(detector, classifier, settings), manifest, note };
  } catch (e) {
    classifier.dispose();
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

/** YuNet's variants, for the server's listing. */
export const PAGE_DETECTOR_VARIANTS = YUNET_VARIANTS;
