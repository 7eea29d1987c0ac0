/** `facemask classify <files or folders...> [--model DIR] [--jsonl FILE]` */
import { OVERWRITE_FLAG, defineVerb } from '../args';
import { collectInputs, inInputOrder } from '../../util/files';
import { interruption } from '../../util/interrupt';
import type { RgbImage } from '../../util/images';
import { toJsonLine, isError, type FileResult, type ClassifyResult, type ErrorResult } from '../../result';
import { openJsonLines } from './jsonl-flag';
import type { LoadedClassifier } from '../../model/types';
import { loadShippedClassifier } from '../../detection/create';
import { classifyFiles } from '../../model/classify';
import { projectPaths } from '../../paths';
import { resolveConfig } from '../../config';
import { createLandmarkFinder, type LandmarkFinder } from '../../detection/landmark-finder';

export const classifyVerb = defineVerb({
  name: 'classify',
  summary: 'label face images with the model\'s classes (with_mask, without_mask, incorrect_mask for the shipped model; one JSON line per file); a model with aligned crops cuts each image\'s best face aligned (the whole image when none is found)',
  positional: { name: '<files or folders...>', min: 1 },
  flags: {
    model: { type: 'string', value: 'DIR', help: 'model folder (default: models/default, the promoted model)' },
    jsonl: { type: 'string', value: 'FILE', help: 'write the JSON lines to FILE instead of stdout (streamed to FILE.partial until the run ends)' },
    overwrite: OVERWRITE_FLAG,
  },
  graceful: true,
  examples: [
    { cmd: 'facemask classify face.jpg', note: 'one image, JSON line on stdout' },
    { cmd: 'facemask classify photos/ --jsonl out.jsonl', note: 'a folder, recursively, results to a file' },
    { cmd: 'facemask classify a.jpg b.png --model runs/train/original-s1/model', note: 'with a trained run\'s model' },
  ],
  async run(args) {
    const modelDir = (args.flags.model) ?? projectPaths().defaultModel;
    const config = resolveConfig();
    const jsonl = args.flags.jsonl;
    const inputs = collectInputs(args.positional);
    const { images, errors } = inputs;
    if (images.length === 0) {
      for (const e of errors) console.error(`facemask classify: ${e.file}: ${e.error}`);
      console.error(`facemask classify: no images found in ${args.positional.join(' ')}`);
      return 2;
    }
    // the lines' place, checked before any work (src/util/output.ts); lines streamed as they come
    const file = jsonl ? openJsonLines('classify', jsonl, [...args.positional, modelDir], Boolean(args.flags.overwrite)) : undefined;
    const write = (r: FileResult) => (file ? file.write(toJsonLine(r)) : process.stdout.write(toJsonLine(r) + '\n'));
    const lines = inInputOrder<FileResult>(inputs, write); // an input's line where it was named
    const emit = (rs: FileResult[]) => rs.forEach((r) => lines.image(r));
    let clf: LoadedClassifier | undefined;
    let finder: LandmarkFinder | undefined;
    let results: (ClassifyResult | ErrorResult)[];
    try {
      try {
        clf = await loadShippedClassifier(config, modelDir); // on config classify.runtime, as detect classifies
      } catch (e) {
        console.error(`facemask classify: cannot use the model: ${(e as Error).message}`);
        return 2;
      }
      // a model with the aligned crop rule: its landmark detector finds each image's face
      if (clf.crop?.kind === 'aligned') {
        try {
          finder = await createLandmarkFinder(clf.crop.landmarks, config.detect);
        } catch (e) {
          console.error(`facemask classify: the model cuts aligned crops but its landmark detector ${clf.crop.landmarks.detector} cannot run: ${(e as Error).message}`);
          return 2;
        }
      }
      const landmarks = finder ? { landmarks: (img: RgbImage) => finder!.landmarks(async () => img, null) } : {};
      results = await classifyFiles(images.map((i) => i.file), clf, { onResults: emit, signal: interruption.signal, ...landmarks });
      if (!interruption.signal.aborted) lines.rest();
    } finally {
      clf?.dispose();
      finder?.dispose();
      file?.close();
    }
    const all = [...errors, ...results];
    const failed = all.filter(isError);
    const ok = all.length - failed.length;
    const byLabel = new Map<string, number>();
    for (const r of results) if (!isError(r)) byLabel.set(r.label, (byLabel.get(r.label) ?? 0) + 1);
    const summary = [...byLabel].map(([l, n]) => `${n} ${l}`).join(', ');
    console.error(`classified ${ok} image(s)${summary ? ': ' + summary : ''}${failed.length ? `; ${failed.length} failed` : ''}${jsonl ? ` → ${jsonl}` : ''}`);
    if (finder && ok > 0) {
      const whole = results.filter((r) => !isError(r) && r.crop === 'whole').length;
      console.error(`aligned crops: ${ok - whole} image(s) cut aligned on the face ${finder.source.detector} found; ${whole} with no face found, classified whole ("crop": "whole")`);
    }
    if (interruption.signal.aborted) {
      console.error(`facemask classify: interrupted after ${results.length} of ${images.length} images${file ? `; their lines are in ${file.file}` : ''}`);
      return interruption.exitCode;
    }
    if (ok === 0) return 2;
    return failed.length ? 1 : 0;
  },
});
