/**
 * facemask in Node (`import … from 'facemask'`): find the faces in a photo and label each one
 * `with_mask`, `without_mask` or `incorrect_mask`, with the model the package ships
 * (`models/default`: YuNet finds the faces, the classifier's `model.onnx` labels them, both on
 * onnxruntime-node). The same pipeline as `facemask detect`, whose JSON line `toJsonLine` writes.
 *
 * ```ts
 * import { createFaceMaskDetector, decodeImage, toJsonLine } from 'facemask';
 *
 * const detector = await createFaceMaskDetector();
 * try {
 *   const result = await detector.detect(await decodeImage('photo.jpg'), 'photo.jpg');
 *   for (const face of result.faces) console.log(face.label, face.score.toFixed(2), face.box);
 *   console.log(toJsonLine(result));
 * } finally {
 *   detector.dispose(); // releases the ONNX sessions
 * }
 * ```
 *
 * @packageDocumentation
 * @module facemask
 */
export { createFaceMaskDetector, type CreateOptions } from './detection/create';
export type { FaceMaskDetector, ScoredImage } from './detection/pipeline';
export type { ResolvedSettings, SettingsRequest } from './detection/registry';
export type { FaceDetection } from './detection/types';
export type { BoxPolicy } from './detection/policy';
export type { BoxCorrection } from './model/setting';
export { detectFiles, detectFile, type DetectFilesOptions } from './detection/run';
export { drawFaces } from './detection/draw';
export { decodeImage, encodeImage, ImageError, type RgbImage, type DecodeOptions } from './util/images';
export { resolveConfig, type Config, type DeepPartial, type Runtime } from './config';
export { toJsonLine, summarise, isError, bestEmitted, type Box, type ClassScores, type Classification, type DecisionRule, type DetectResult, type ErrorResult, type FaceResult, type StageTimes } from './result';
export { LABELS, type Label, type ModelClass } from './labels';
