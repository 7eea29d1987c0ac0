/**
 * `facemask classify` as a library function: files in (already collected), one result per file
 * out, in input order — a classification, or an error line for a file that cannot be read.
 */
import { bestEmitted, type ClassifyResult, type ErrorResult } from '../result';
import { decodeImage, type RgbImage } from '../util/images';
import { mapLimit } from '../util/files';
import type { FaceClassifier } from './types';

export interface ClassifyFilesOptions {
  /** Files decoded at once (and classified as one batch). default: 32 */
  chunk?: number;
  /** Concurrent decodes. default: 4 */
  concurrency?: number;
  /** Called with each chunk's results, in order (for streaming output). */
  onResults?: (r: (ClassifyResult | ErrorResult)[]) => void;
}

export async function classifyFiles(files: string[], classifier: FaceClassifier, opts: ClassifyFilesOptions = {}): Promise<(ClassifyResult | ErrorResult)[]> {
  const chunk = opts.chunk ?? 32;
  const out: (ClassifyResult | ErrorResult)[] = [];
  for (let s = 0; s < files.length; s += chunk) {
    const part = files.slice(s, s + chunk);
    const decoded = await mapLimit(part, opts.concurrency ?? 4, async (f): Promise<RgbImage | ErrorResult> => {
      try {
        return await decodeImage(f);
      } catch (e) {
        return { file: f, error: (e as Error).message };
      }
    });
    const good = decoded.filter((d): d is RgbImage => !('error' in d));
    const probs = good.length ? await classifier.probabilities(good) : [];
    let k = 0;
    const results: (ClassifyResult | ErrorResult)[] = decoded.map((d, i) => {
      if ('error' in d) return d;
      return { file: part[i], ...bestEmitted(probs[k++], classifier.classes, classifier.decision) };
    });
    opts.onResults?.(results);
    out.push(...results);
  }
  return out;
}
