/**
 * Running the pipeline over many files (what `facemask detect` does, callable from notebooks):
 * files decoded one by one (unreadable inputs become error results, the run goes on), results in
 * input order, annotated pictures written atomically into an output folder.
 */
import * as path from 'node:path';
import type { DetectResult, ErrorResult, ScoredBoxesResult } from '../result';
import { isError } from '../result';
import { decodeImage, encodeImage, ImageError, type RgbImage } from '../util/images';
import { writeFileAtomic } from '../util/atomic';
import type { FaceMaskDetector } from './pipeline';
import { drawFaces } from './draw';

/** Output name for an input: its base name (extension → .jpg, .png kept), made unique in `taken`. */
export function annotatedName(file: string, taken: Set<string>): string {
  const ext = path.extname(file);
  const stem = path.basename(file, ext) || 'image';
  const outExt = ext.toLowerCase() === '.png' ? '.png' : '.jpg';
  let name = `${stem}${outExt}`;
  for (let k = 2; taken.has(name); k++) name = `${stem}-${k}${outExt}`;
  taken.add(name);
  return name;
}

/**
 * Decode a file and run the pipeline on it. An unreadable input gives an `ErrorResult`; other
 * failures (a broken model) are thrown. Returns the decoded image too, for drawing.
 */
export async function detectFile(file: string, pipeline: FaceMaskDetector, opts: { maxPixels?: number } = {}): Promise<{ result: DetectResult | ErrorResult; image?: RgbImage }> {
  let img: RgbImage;
  const t0 = performance.now();
  try {
    img = await decodeImage(file, { maxPixels: opts.maxPixels });
  } catch (e) {
    if (e instanceof ImageError) return { result: { file, error: e.message } };
    throw e;
  }
  const decodeMs = performance.now() - t0;
  const r = await pipeline.detect(img, file);
  r.ms.decode = decodeMs;
  return { result: r, image: img };
}

export interface DetectFilesOptions {
  /** Folder for annotated pictures (created; files written atomically). */
  outputDir?: string;
  /** Draw the landmarks too (detectors that give them). default: false */
  landmarks?: boolean;
  maxPixels?: number;
  /** Called with each result as soon as it is ready (in input order). */
  onResult?: (r: DetectResult | ErrorResult, annotated?: string, image?: RgbImage) => void;
  /** Stop before the next file once aborted (Ctrl-C): the results so far are returned. */
  signal?: AbortSignal;
}

/** Detect, classify and (optionally) draw every file; one result per file, in order. */
export async function detectFiles(files: string[], pipeline: FaceMaskDetector, opts: DetectFilesOptions = {}): Promise<(DetectResult | ErrorResult)[]> {
  const out: (DetectResult | ErrorResult)[] = [];
  const taken = new Set<string>();
  for (const file of files) {
    if (opts.signal?.aborted) break;
    const { result, image } = await detectFile(file, pipeline, { maxPixels: opts.maxPixels });
    let annotated: string | undefined;
    if (opts.outputDir && image && !isError(result)) {
      const t0 = performance.now();
      await drawFaces(image, result.faces, { landmarks: opts.landmarks });
      const name = annotatedName(file, taken);
      const fmt = name.endsWith('.png') ? 'png' : 'jpeg';
      annotated = path.join(opts.outputDir, name);
      writeFileAtomic(annotated, await encodeImage(image, fmt, 92));
      result.ms.draw = performance.now() - t0;
    }
    out.push(result);
    opts.onResult?.(result, annotated, image);
  }
  return out;
}

/**
 * Every box the pipeline's detector finds at its threshold (the floor), each with its face score and
 * every class's probability, before the box policy (`facemask detect --all-boxes`): one result per
 * file, in order; an unreadable input gives an `ErrorResult`.
 */
export async function scoreFiles(files: string[], pipeline: FaceMaskDetector, opts: Pick<DetectFilesOptions, 'maxPixels' | 'signal'> & { onResult?: (r: ScoredBoxesResult | ErrorResult) => void } = {}): Promise<(ScoredBoxesResult | ErrorResult)[]> {
  const out: (ScoredBoxesResult | ErrorResult)[] = [];
  for (const file of files) {
    if (opts.signal?.aborted) break;
    let img: RgbImage;
    const t0 = performance.now();
    let result: ScoredBoxesResult | ErrorResult;
    try {
      img = await decodeImage(file, { maxPixels: opts.maxPixels });
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      result = { file, error: e.message };
      out.push(result);
      opts.onResult?.(result);
      continue;
    }
    const decode = performance.now() - t0;
    const s = await pipeline.score(img);
    const boxes = s.detections.map((d, i) => ({ box: d.box, faceScore: d.score, scores: Object.fromEntries(pipeline.classes.map((c, k) => [c, s.probabilities[i][k]])) }));
    result = { file, width: img.width, height: img.height, floor: pipeline.settings.threshold, boxes, ms: { ...s.ms, decode } };
    out.push(result);
    opts.onResult?.(result);
  }
  return out;
}
