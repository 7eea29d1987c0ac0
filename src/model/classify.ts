/**
 * `facemask classify` as a library function: files in (already collected), one result per file
 * out, in input order — a classification, or an error line for a file that cannot be read.
 *
 * Each image is one face. Under the box crop rule it is classified whole (resized to the input);
 * under the aligned rule (src/model/crop.ts) the caller's `landmarks` finds the image's face (the
 * best one of the model's landmark detector) and that face is cut aligned — and when no face is
 * found, the whole image is classified as under the box rule (the result says which: `crop`).
 */
import { bestEmitted, type ClassifyResult, type ErrorResult } from '../result';
import { decodeImage, type RgbImage } from '../util/images';
import { mapLimit } from '../util/files';
import type { FaceClassifier } from './types';
import { usableLandmarks, type Landmarks } from './crop';

export interface ClassifyFilesOptions {
  /** Files decoded at once (and classified as one batch). default: 32 */
  chunk?: number;
  /** Concurrent decodes. default: 4 */
  concurrency?: number;
  /** Called with each chunk's results, in order (for streaming output). */
  onResults?: (r: (ClassifyResult | ErrorResult)[]) => void;
  /** The landmarks of an image's face (undefined: none found); required for a model with the aligned crop rule. */
  landmarks?: (image: RgbImage) => Promise<Landmarks | undefined>;
  /** Stop before the next chunk once aborted (Ctrl-C): the results so far are returned. */
  signal?: AbortSignal;
}

export async function classifyFiles(files: string[], classifier: FaceClassifier, opts: ClassifyFilesOptions = {}): Promise<(ClassifyResult | ErrorResult)[]> {
  const chunk = opts.chunk ?? 32;
  const aligned = classifier.crop?.kind === 'aligned';
  if (aligned && !opts.landmarks) throw new Error('this model cuts aligned crops (its manifest\'s crop rule): classifying whole images needs their landmarks (the landmarks option; facemask classify runs the model\'s landmark detector)');
  const out: (ClassifyResult | ErrorResult)[] = [];
  for (let s = 0; s < files.length && !opts.signal?.aborted; s += chunk) {
    const part = files.slice(s, s + chunk);
    const decoded = await mapLimit(part, opts.concurrency ?? 4, async (f): Promise<RgbImage | ErrorResult> => {
      try {
        return await decodeImage(f);
      } catch (e) {
        return { file: f, error: (e as Error).message };
      }
    });
    const good = decoded.filter((d): d is RgbImage => !('error' in d));
    let probs: Float32Array[] = [];
    const found: boolean[] = [];
    if (aligned) {
      for (const img of good) {
        const lm = await opts.landmarks!(img);
        found.push(usableLandmarks(lm));
        probs.push(...(await classifier.probabilitiesOfBoxes(img, [[0, 0, img.width, img.height]], [lm])));
      }
    } else if (good.length) probs = await classifier.probabilities(good);
    let k = 0;
    const results: (ClassifyResult | ErrorResult)[] = decoded.map((d, i) => {
      if ('error' in d) return d;
      const crop = aligned ? { crop: found[k] ? ('aligned' as const) : ('whole' as const) } : {};
      return { file: part[i], ...bestEmitted(probs[k++], classifier.classes, classifier.decision), ...crop };
    });
    opts.onResults?.(results);
    out.push(...results);
  }
  return out;
}
