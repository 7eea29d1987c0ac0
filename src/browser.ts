/**
 * facemask in a browser (`import … from 'facemask/browser'`): the pipeline `facemask serve`'s page
 * runs — YuNet, the shipped classifier's `model.onnx`, the same box policy, crop rule, calibration
 * and decision rule as in Node — on onnxruntime-web, which the page imports and passes in. Every file
 * is fetched and checked before use: the classifier's against its manifest (and the manifest against
 * its integrity checksum), YuNet's against the SHA-256 sums committed with the package and built into
 * this module. Nothing here uses Node.
 *
 * ```ts
 * import * as ort from 'onnxruntime-web';
 * import { createFaceMaskDetector, rgbFromRgba } from 'facemask/browser';
 *
 * ort.env.wasm.wasmPaths = '/ort/'; // where onnxruntime-web's dist/*.wasm files are served
 * const detector = await createFaceMaskDetector({ ort, baseUrl: '/facemask/' }); // node_modules/facemask served there
 * const ctx = canvas.getContext('2d')!;
 * const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
 * const result = await detector.detect(rgbFromRgba(data, width, height), 'photo.jpg');
 * ```
 *
 * @packageDocumentation
 * @module facemask/browser
 */
import type { Engine } from './backend/engine';
import { ortEngine, type OrtModule } from './backend/ort-session';
import { resolveConfig, type Config, type DeepPartial } from './config';
import type { FaceMaskDetector } from './detection/pipeline';
import { YUNET_VARIANTS, type YuNetVariant } from './detection/yunet';
import type { ModelManifest } from './model/manifest';
import { loadPagePipeline, type PipelineSetup } from './web/page/pipeline';
import yunetSums from './assets/sums/yunet.sha256';

export type { FaceMaskDetector } from './detection/pipeline';
export type { OrtModule } from './backend/ort-session';
export type { Box, ClassScores, DetectResult, FaceResult, StageTimes } from './result';
export type { Label } from './labels';
export type { RgbImage } from './util/images';
export type { Config, DeepPartial } from './config';
export { toJsonLine, summarise } from './result';
export { LABELS } from './labels';
export { rgbFromRgba } from './web/page/pixels';
export { drawFaces, type DrawContext } from './web/page/draw';
export { ModelLoadError } from './web/page/verify';

/** Where the files are, below `baseUrl`: the installed package's layout. */
export const MODEL_FOLDER = 'models/default';
const YUNET_FOLDER = 'face_detector/yunet';

/** What to do when a file cannot be fetched or is not the file it should be. */
const HINT = "serve the installed package's models/default/ and face_detector/yunet/ files unchanged under the baseUrl given to createFaceMaskDetector";

export interface BrowserCreateOptions {
  /**
   * onnxruntime-web, as the page imports it (`import * as ort from 'onnxruntime-web'`, or
   * `'onnxruntime-web/webgpu'`). Set `ort.env.wasm.wasmPaths` to where its `.wasm` files are served
   * when the bundler does not serve them.
   */
  ort: OrtModule;
  /**
   * The address of a folder served like the installed package: `models/default/manifest.json`,
   * `models/default/model.onnx`, `face_detector/yunet/yunet_n_dynamic.onnx` below it. Relative
   * addresses are resolved against the page's. default: the page's own folder
   */
  baseUrl?: string | URL;
  /** The classifier's folder, below `baseUrl`. default: `models/default` */
  model?: string;
  /** Configuration overrides; the `detect` section applies (e.g. `detect.detector: 'yunet'`). default: none */
  config?: DeepPartial<Config>;
  /** ONNX Runtime session options (execution providers, threads, …). default: the wasm backend, all graph optimisations */
  sessionOptions?: Record<string, unknown>;
}

/** A browser pipeline: what `FaceMaskDetector` does, plus the model it runs and the engine in words. */
export interface BrowserFaceMaskDetector extends FaceMaskDetector {
  /** The classifier's manifest (classes, calibration, tuned settings), checked. */
  readonly manifest: ModelManifest;
  /** Empty, or why another detector than the model's own runs (a browser runs YuNet only). */
  readonly note: string;
}

/** YuNet's files with the SHA-256 the package records for them (src/assets/sums/yunet.sha256). */
export function yunetFiles(sums: string = yunetSums): PipelineSetup['detectors'] {
  const out: PipelineSetup['detectors'] = {};
  for (const line of sums.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](?:\.\/)?(\S+)$/.exec(line.trim());
    const variant = m?.[2].replace(/_dynamic\.onnx$/, '');
    if (m && variant !== m[2] && (YUNET_VARIANTS as readonly string[]).includes(variant!)) out[variant as YuNetVariant] = { url: `${YUNET_FOLDER}/${m[2]}`, sha256: m[1] };
  }
  return out;
}

/**
 * The face-mask pipeline in a browser: fetches and checks the model's and YuNet's files from
 * `baseUrl`, loads them on `ort` and assembles the library's pipeline. `detect(image, file)` gives
 * the `DetectResult` `facemask detect` prints for that image (its JSON line: `toJsonLine`).
 * Throws `ModelLoadError` when a file is missing or not the one recorded.
 */
export async function createFaceMaskDetector(options: BrowserCreateOptions): Promise<BrowserFaceMaskDetector> {
  const config = resolveConfig(options.config ?? {}, {});
  const engine: Engine = ortEngine('onnxruntime-web', options.ort, 'onnxruntime-web (facemask/browser)', options.sessionOptions ?? { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const model = (options.model ?? MODEL_FOLDER).replace(/\/+$/, '');
  const page = globalThis.location?.href;
  const base = new URL(String(options.baseUrl ?? './').replace(/\/?$/, '/'), page).href;
  const setup: PipelineSetup = {
    model: { name: model.split('/').pop() ?? model, manifest: `${model}/manifest.json`, onnx: `${model}/model.onnx` },
    detectors: yunetFiles(),
    detect: config.detect,
  };
  const { pipeline, manifest, note } = await loadPagePipeline(setup, engine, base, HINT);
  return { ...pipeline, manifest, note };
}
