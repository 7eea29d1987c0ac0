/**
 * `facemask classify` as a library function: files in (already collected), one result per file
 * out, in input order — a classification, or an error line for a file that cannot be read.
 */
import { isLabel, type Label } from '../labels';
import type { Classification, ClassifyResult, ClassScores, ErrorResult } from '../result';
import { decodeImage, type RgbImage } from '../util/images';
import { mapLimit } from '../util/files';
import type { MaskClassifier } from './classifier';

export interface ClassifyFilesOptions {
  /** Files decoded at once (and classified as one batch). default: 32 */
  chunk?: number;
  /** Concurrent decodes. default: 4 */
  concurrency?: number;
  /** Called with each chunk's results, in order (for streaming output). */
  onResults?: (r: (ClassifyResult | ErrorResult)[]) => void;
}

/** Best emitted class of a probability row (internal classes such as `not_face` are skipped). */
export function bestEmitted(probs: ArrayLike<number>, classes: readonly string[]): Classification {
  let best = -1;
  const scores: ClassScores = {};
  classes.forEach((c, j) => {
    if (!isLabel(c)) return;
    scores[c] = probs[j];
    if (best < 0 || probs[j] > probs[best]) best = j;
  });
  return { label: classes[best] as Label, score: probs[best], scores };
}

export async function classifyFiles(files: string[], classifier: MaskClassifier, opts: ClassifyFilesOptions = {}): Promise<(ClassifyResult | ErrorResult)[]> {
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
      return { file: part[i], ...bestEmitted(probs[k++], classifier.classes) };
    });
    opts.onResults?.(results);
    out.push(...results);
  }
  return out;
}
