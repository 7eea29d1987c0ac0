/**
 * `facemask detect <files or folders...>`: find every face, label it, write JSON lines and
 * (with --output) annotated pictures. docs/contracts.md "Command line" and "JSON lines".
 */
import { OVERWRITE_FLAG, UsageError, defineVerb } from '../args';
import { resolveConfig } from '../../config';
import { collectInputs, inInputOrder } from '../../util/files';
import { toJsonLine, summarise, isError, type DetectResult, type ErrorResult, type FileResult, type ScoredBoxesResult } from '../../result';
import { claimOutput, clearOutputFolder } from '../../util/output';
import { interruption } from '../../util/interrupt';
import { projectPaths } from '../../paths';
import { createFaceMaskDetector } from '../../detection/create';
import type { FaceMaskDetector } from '../../detection/pipeline';
import { detectFiles, scoreFiles } from '../../detection/run';
import { detectionFlags, settingsRequest, noteUnusedFlags } from './detection-flags';
import { openJsonLines } from './jsonl-flag';

export const detectVerb = defineVerb({
  name: 'detect',
  summary: 'find the faces in photos, label each (Mask / No Mask / Mask Worn Incorrectly) and draw them',
  positional: { name: '<files or folders...>', min: 1 },
  flags: {
    ...detectionFlags(),
    jsonl: { type: 'string', value: 'FILE', help: 'write JSON lines here (default: stdout unless --output is given)' },
    output: { type: 'string', value: 'DIR', help: 'folder for annotated pictures (boxes and labels)' },
    landmarks: { type: 'boolean', help: 'draw the facial landmarks too (detectors that give them)' },
    'all-boxes': { type: 'boolean', help: "JSON lines of every box the detector scores >= the floor (config faces.scoreFloor, 0.05; --threshold sets another), before the box policy, each with faceScore and every class's probability: what the field's mAP is computed from" },
    overwrite: OVERWRITE_FLAG,
  },
  graceful: true,
  examples: [
    { cmd: 'facemask detect photo.jpg', note: 'one JSON line with every face, to stdout' },
    { cmd: 'facemask detect photos/ --output annotated/', note: 'annotated copies of every picture under photos/' },
    { cmd: 'facemask detect a.jpg --detector res10 --jsonl f.jsonl', note: 'the original ResNet-10 SSD' },
    { cmd: 'facemask detect a.jpg --model runs/train/x/model', note: 'another classifier' },
    { cmd: 'facemask detect photos/ --not-face 0.5', note: 'reject fewer boxes as not a face (more found, more false)' },
    { cmd: 'facemask detect photos/ --trust-above off', note: 'let the classifier reject any box, however sure the detector is' },
    { cmd: 'facemask detect photos/ --output annotated/ --overwrite', note: 'replace an earlier run\'s annotated/ (never anything else)' },
    { cmd: 'facemask detect photos/ --all-boxes --jsonl boxes.jsonl', note: "every box down to 0.05 with all its scores, before the box policy (for computing mAP)" },
  ],
  async run(args) {
    const cfg = resolveConfig();
    const jsonl = args.flags.jsonl;
    const outputDir = args.flags.output;
    const model = args.flags.model;
    const request = settingsRequest(args.flags, cfg.detect.scales);
    const allBoxes = allBoxesRequest(args.flags, cfg.faces.scoreFloor, request);
    const inputs = collectInputs(args.positional);
    const { images, errors } = inputs;
    // where the results go, checked before any work (src/util/output.ts)
    const read = [...args.positional, model ?? projectPaths().defaultModel];
    const overwrite = Boolean(args.flags.overwrite);
    if (outputDir) {
      const out = claimOutput({ verb: 'detect', flag: '--output', target: outputDir, kind: 'folder', inputs: read, overwrite, what: 'a folder of annotated pictures' });
      if (out.replaces) clearOutputFolder(out.path, 'detect');
    }
    const file = jsonl ? openJsonLines('detect', jsonl, read, overwrite) : undefined;
    const toStdout = !jsonl && !outputDir;
    const emit = (r: FileResult) => {
      const line = toJsonLine(r);
      if (toStdout) process.stdout.write(line + '\n');
      else file?.write(line);
    };
    for (const e of errors) console.error(`facemask detect: ${e.file}: ${e.error.split('\n')[0]}`);
    const lines = inInputOrder<FileResult>(inputs, emit); // an input's line where it was named
    if (images.length === 0) {
      console.error(`facemask detect: no images found in ${args.positional.join(' ')}`);
      lines.rest();
      file?.close();
      return 2;
    }
    let pipeline: FaceMaskDetector;
    try {
      pipeline = await createFaceMaskDetector(cfg, { ...request, model });
    } catch (e) {
      file?.close();
      console.error(`facemask detect: ${(e as Error).message}`);
      return 2;
    }
    noteUnusedFlags('detect', pipeline.classes, args.flags);
    console.error(`facemask detect: ${allBoxes ? `every box ${pipeline.settings.detector} scores >= ${pipeline.settings.threshold}, before the box policy (--all-boxes)` : pipeline.describe()}`);
    let failed = errors.length;
    let ok = 0;
    let done = 0;
    const onResult = (r: DetectResult | ScoredBoxesResult | ErrorResult, annotated?: string) => {
      done++;
      lines.image(r);
      if (isError(r)) {
        failed++;
        console.error(`facemask detect: ${r.file}: ${r.error.split('\n')[0]}`);
      } else {
        ok++;
        if (!toStdout) console.error(progressLine(r, annotated));
      }
    };
    const files = images.map((i) => i.file);
    try {
      if (allBoxes) await scoreFiles(files, pipeline, { maxPixels: cfg.data.maxPixels, signal: interruption.signal, onResult });
      else await detectFiles(files, pipeline, { outputDir, landmarks: Boolean(args.flags.landmarks), maxPixels: cfg.data.maxPixels, signal: interruption.signal, onResult });
      if (!interruption.signal.aborted) lines.rest();
    } finally {
      pipeline.dispose();
      file?.close();
    }
    if (interruption.signal.aborted) {
      console.error(`facemask detect: interrupted after ${done} of ${images.length} inputs${file ? `; their lines are in ${file.file}` : ''}${outputDir ? ` and their pictures in ${outputDir}` : ''}`);
      return interruption.exitCode;
    }
    if (ok === 0) return 2;
    return failed ? 1 : 0;
  },
});

/** `--all-boxes`: refused with flags it makes meaningless; the detector runs at the floor unless --threshold says otherwise. */
function allBoxesRequest(flags: Record<string, unknown>, floor: number, request: { threshold?: number }): boolean {
  if (!flags['all-boxes']) return false;
  const clash = ['output', 'landmarks', 'not-face', 'trust-above'].filter((f) => flags[f] !== undefined);
  if (clash.length) throw new UsageError(`--all-boxes writes every box before the box policy, as JSON lines only: leave out ${clash.map((f) => `--${f}`).join(' and ')}`);
  request.threshold ??= floor;
  return true;
}

/** The line on stderr for a done input when the JSON lines go to a file. */
function progressLine(r: DetectResult | ScoredBoxesResult, annotated?: string): string {
  const what = 'boxes' in r ? `${r.boxes.length} boxes >= ${r.floor}` : summarise(r);
  return `${r.file}: ${what} (detect ${r.ms.detect.toFixed(0)} ms, classify ${r.ms.classify.toFixed(0)} ms)${annotated ? ` → ${annotated}` : ''}`;
}
