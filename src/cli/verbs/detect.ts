/**
 * `facemask detect <files or folders...>`: find every face, label it, write JSON lines and
 * (with --output) annotated pictures. CONVENTIONS.md "Command line" and "JSON lines".
 */
import * as fs from 'node:fs';
import type { VerbSpec } from '../args';
import { resolveConfig } from '../../config';
import { collectInputs } from '../../util/files';
import { toJsonLine, summarise, isError, type FileResult } from '../../result';
import { writeFileAtomic } from '../../util/atomic';
import { DETECTOR_NAMES, createDetectorFor } from '../../detection';
import { detectFiles } from '../../detection/run';
import { loadClassifier } from '../../model/classifier';
import { notFaceFlags, checkNotFaceFlags, noteNotFace } from './not-face';
import { initBackend } from '../../backend/tf';
import { projectPaths } from '../../paths';

export const detectVerb: VerbSpec = {
  name: 'detect',
  summary: 'find the faces in photos, label each (Mask / No Mask / Mask Worn Incorrectly) and draw them',
  positional: { name: '<files or folders...>', min: 1 },
  flags: {
    detector: { type: 'string', value: 'NAME', help: `face detector (default: ${resolveConfig().detect.detector})`, choices: DETECTOR_NAMES },
    model: { type: 'string', value: 'DIR', help: 'classifier folder (default: models/default)' },
    ...notFaceFlags(),
    jsonl: { type: 'string', value: 'FILE', help: 'write JSON lines here (default: stdout unless --output is given)' },
    output: { type: 'string', value: 'DIR', help: 'folder for annotated pictures (boxes and labels)' },
  },
  examples: [
    { cmd: 'facemask detect photo.jpg', note: 'one JSON line with every face, to stdout' },
    { cmd: 'facemask detect photos/ --output annotated/', note: 'annotated copies of every picture under photos/' },
    { cmd: 'facemask detect a.jpg --detector res10 --jsonl f.jsonl', note: 'the original ResNet-10 SSD' },
    { cmd: 'facemask detect a.jpg --model runs/train/x/model', note: 'another classifier' },
    { cmd: 'facemask detect photos/ --not-face 0.5', note: 'reject fewer boxes as not a face (more found, more false)' },
    { cmd: 'facemask detect photos/ --trust-above 1', note: 'let the classifier reject any box, however sure the detector is' },
  ],
  async run(args) {
    const cfg = resolveConfig();
    const detectorName = (args.flags.detector as string | undefined) ?? cfg.detect.detector;
    const modelDir = (args.flags.model as string | undefined) ?? projectPaths().defaultModel;
    const jsonl = args.flags.jsonl as string | undefined;
    const outputDir = args.flags.output as string | undefined;
    const notFace = checkNotFaceFlags('detect', args.flags);
    if (notFace === null) return 2;
    if (outputDir && fs.existsSync(outputDir) && !fs.statSync(outputDir).isDirectory()) {
      console.error(`facemask detect: --output ${outputDir} exists and is not a folder`);
      return 2;
    }
    const { images, errors } = collectInputs(args.positional);
    const lines: string[] = [];
    const toStdout = !jsonl && !outputDir;
    const emit = (r: FileResult) => {
      const line = toJsonLine(r);
      if (toStdout) process.stdout.write(line + '\n');
      else lines.push(line);
    };
    for (const e of errors) {
      emit(e);
      console.error(`facemask detect: ${e.file}: ${e.error.split('\n')[0]}`);
    }
    if (images.length === 0) {
      console.error(`facemask detect: no images found in ${args.positional.join(' ')}`);
      if (jsonl) writeFileAtomic(jsonl, lines.map((l) => l + '\n').join(''));
      return 2;
    }
    await initBackend();
    let classifier;
    try {
      classifier = await loadClassifier(modelDir, notFace);
    } catch (e) {
      console.error(`facemask detect: cannot load the classifier from ${modelDir}: ${(e as Error).message}`);
      return 2;
    }
    let detector;
    try {
      detector = await createDetectorFor(detectorName, classifier, cfg.detect);
    } catch (e) {
      classifier.dispose();
      console.error(`facemask detect: ${(e as Error).message}`);
      return 2;
    }
    noteNotFace('detect', classifier, detectorName, args.flags, cfg.detect);
    let failed = errors.length;
    let ok = 0;
    try {
      await detectFiles(
        images.map((i) => i.file),
        {
          detector,
          classifier,
          outputDir,
          maxPixels: cfg.data.maxPixels,
          onResult: (r, annotated) => {
            emit(r);
            if (isError(r)) {
              failed++;
              console.error(`facemask detect: ${r.file}: ${r.error.split('\n')[0]}`);
            } else {
              ok++;
              if (!toStdout) console.error(`${r.file}: ${summarise(r)} (detect ${r.ms.detect.toFixed(0)} ms, classify ${r.ms.classify.toFixed(0)} ms)${annotated ? ` → ${annotated}` : ''}`);
            }
          },
        },
      );
    } finally {
      detector.dispose();
      classifier.dispose();
    }
    if (jsonl) writeFileAtomic(jsonl, lines.map((l) => l + '\n').join(''));
    if (ok === 0) return 2;
    return failed ? 1 : 0;
  },
};
