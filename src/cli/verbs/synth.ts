/**
 * `facemask synth`: put synthetic masks on the faces in photos (correctly or incorrectly worn), or
 * confusers (a scarf, a collar, a hand, an object at the mouth, a beard: still without_mask),
 * writing one folder per label plus `manifest.jsonl` (see src/synth/synth.ts, src/synth/confusers.ts).
 */
import { OVERWRITE_FLAG, UsageError, defineVerb } from '../args';
import { resolveConfig } from '../../config';
import { loadFaceApi } from '../../backend/faceapi';
import { SYNTH_MODES, STYLE_NAMES, synthesise, formatSummary, validateStyles } from '../../synth';

export const synthVerb = defineVerb({
  name: 'synth',
  summary: 'make masked faces (with_mask / incorrect_mask) or confusers (without_mask) from photos of unmasked faces, with manifest.jsonl',
  positional: { name: '<files or folders...>', min: 1 },
  flags: {
    output: { type: 'string', value: 'DIR', help: 'output folder (required; a new one, or with --overwrite an earlier synth output, replaced whole)' },
    overwrite: OVERWRITE_FLAG,
    styles: { type: 'list', value: 'STYLE', help: `styles drawn at random (default: surgical n95 kn95 cloth black); also concrete names such as cloth-dots-#3c78a0 (${STYLE_NAMES.join(', ')})` },
    modes: { type: 'list', value: 'MODE', help: 'wearing modes: correct → with_mask; nose, chin → incorrect_mask; confusers scarf, collar, hand, object, beard → without_mask (default: correct)', choices: SYNTH_MODES },
    'per-face': { type: 'integer', value: 'K', help: 'images per usable face (default: 1); with K >= number of modes each mode comes in turn' },
    seed: { type: 'integer', value: 'N', help: 'seed of the style and mode choices (default: 42)' },
    every: { type: 'integer', value: 'N', help: 'use every Nth input image only, in the order found (default: 1)' },
    start: { type: 'integer', value: 'K', help: 'with --every N, start at input K (0 to N-1), so that another run takes other photos (default: 0)' },
    'vary-edge': { type: 'boolean', help: 'nose and chin modes: draw the top edge per image from just under the nose to over the upper lip (nose) or from under the lower lip onto the chin (chin), recorded as edge and edgeBelowNoseTip (default: the fixed position)' },
    degrade: { type: 'boolean', help: 'street size: scale each image down to a 24-40 px face, blur, JPEG at quality 30-85, and back up; recorded per image (default: off)' },
  },
  examples: [
    { cmd: 'facemask synth photos/ --output out/', note: 'one correct mask per face, random style' },
    { cmd: 'facemask synth photos/ --output out/ --modes correct nose chin --per-face 3', note: 'all three modes per face' },
    { cmd: 'facemask synth a.jpg --output out/ --styles n95 black --seed 7', note: 'chosen styles, another seed' },
    { cmd: 'facemask synth dataset/chandrikadeb7/without_mask --every 3 --modes correct nose chin --per-face 3 --output .cache/synth-realworld', note: "the realworld recipe's synthetic masks" },
    { cmd: 'facemask synth photos/ --output street/ --modes nose chin --vary-edge --degrade', note: 'incorrectly worn masks as the street shows them: pulled down anywhere from under the nose to the chin, at street size' },
    { cmd: 'facemask synth dataset/chandrikadeb7/without_mask --every 3 --start 1 --modes scarf collar hand object beard --output .cache/synth-confusers', note: 'confusers on other photos than the masks: without_mask faces with a scarf, collar, hand, cup or beard' },
  ],
  async run(args) {
    const output = args.flags.output;
    if (!output) throw new UsageError('--output DIR is required');
    const styles = args.flags.styles;
    try {
      if (styles) validateStyles(styles);
    } catch (e) {
      throw new UsageError(`--styles: ${(e as Error).message}`);
    }
    const perFace = (args.flags['per-face']) ?? 1;
    if (perFace < 1) throw new UsageError('--per-face must be at least 1');
    const faceapi = await loadFaceApi(['ssdMobilenetv1', 'faceLandmark68Net']);
    let s;
    try {
      s = await synthesise(args.positional, {
        config: resolveConfig(), output, styles, modes: args.flags.modes, perFace, seed: args.flags.seed, every: args.flags.every, start: args.flags.start, faceapi,
        varyEdge: Boolean(args.flags['vary-edge']), degrade: Boolean(args.flags.degrade), overwrite: Boolean(args.flags.overwrite),
      });
    } catch (e) {
      console.error(`facemask synth: ${(e as Error).message}`);
      return 2;
    }
    for (const e of s.errors) console.error(`facemask synth: ${e.file}: ${e.error}`);
    console.log(formatSummary(s));
    console.log(`output: ${output} (manifest.jsonl and a folder per label)`);
    if (s.generated === 0) return 2;
    return s.errors.length ? 1 : 0;
  },
});
