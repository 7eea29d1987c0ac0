/**
 * Running detection over many files (what `facemask detect` does, callable from notebooks):
 * results in input order, annotated pictures written atomically into an output folder.
 */
import * as path from 'node:path';
import type { FaceClassifier } from '../model/types';
import type { DetectResult, ErrorResult } from '../result';
import { isError } from '../result';
import { encodeImage } from '../util/images';
import { writeFileAtomic } from '../util/atomic';
import type { FaceDetector } from './types';
import { detectFile } from './pipeline';
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

export interface DetectFilesOptions {
  detector: FaceDetector;
  classifier: FaceClassifier;
  /** Folder for annotated pictures (created; files written atomically). */
  outputDir?: string;
  maxPixels?: number;
  /** Called with each result as soon as it is ready (in input order). */
  onResult?: (r: DetectResult | ErrorResult, annotated?: string) => void;
}

/** Detect, classify and (optionally) draw every file; one result per file, in order. */
export async function detectFiles(files: string[], opts: DetectFilesOptions): Promise<(DetectResult | ErrorResult)[]> {
  const out: (DetectResult | ErrorResult)[] = [];
  const taken = new Set<string>();
  for (const file of files) {
    const { result, image } = await detectFile(file, opts.detector, opts.classifier, { maxPixels: opts.maxPixels });
    let annotated: string | undefined;
    if (opts.outputDir && image && !isError(result)) {
      const t0 = performance.now();
      await drawFaces(image, result.faces);
      const name = annotatedName(file, taken);
      const fmt = name.endsWith('.png') ? 'png' : 'jpeg';
      annotated = path.join(opts.outputDir, name);
      writeFileAtomic(annotated, await encodeImage(image, fmt, 92));
      result.ms.draw = performance.now() - t0;
    }
    out.push(result);
    opts.onResult?.(result, annotated);
  }
  return out;
}

