/**
 * Approach measured for issue 7: test-time augmentation. Each Kaggle test face (>= 24 px, annotated
 * box) is classified as is, mirrored, and with its box 1.2x and 0.9x around the same centre (cut at
 * the model's input size); the probabilities are averaged over subsets of these crops and scored
 * like `bench/realworld.ts` (with/without balanced accuracy, macro F1 over the three classes).
 *
 * Run: node --import tsx bench/tta.ts [MODEL_DIR]   (default: models/default)
 */
import sharp from 'sharp';
import { loadClassifier } from '../src/model/classifier';
import { realFaces, emittedOnly } from '../src/evaluation/evaluate';
import { reportFromProbabilities, withWithoutBalancedAccuracy } from '../src/evaluation/metrics';
import { decodeImage, cropResize, clampBox, type RgbImage } from '../src/util/images';
import { scaleBox } from '../src/detection/geometry';
import { projectPaths } from '../src/paths';
import { fromRoot, runBench } from './lib';
import { resolveConfig } from '../src/config';

async function flip(im: RgbImage): Promise<RgbImage> {
  const d = await sharp(Buffer.from(im.data), { raw: { width: im.width, height: im.height, channels: 3 } }).flop().raw().toBuffer();
  return { data: new Uint8Array(d), width: im.width, height: im.height };
}
runBench(
  {
    name: 'tta',
    summary: 'test-time augmentation on the Kaggle test faces: as is, mirrored, box 1.2x and 0.9x, probabilities averaged over subsets',
    flags: {},
    positionals: { name: 'MODEL_DIR', help: 'the classifier (default: models/default)', max: 1 },
    quick: 'the first 20 faces',
    method: 'annotated boxes, faces >= 24 px of the model\'s classes, cut at the model\'s input size; with/without balanced accuracy and macro F1 over the emitted classes',
  },
  async ({ positionals, quick }) => {
    const dir = positionals[0] ?? projectPaths().defaultModel;
    const clf = await loadClassifier(dir);
    const faces = realFaces(resolveConfig().faces.minSize).filter((f) => clf.classes.includes(f.label)).slice(0, quick ? 20 : undefined);
    const variants: Record<string, Float32Array[]> = { plain: [], flip: [], s12: [], s09: [] };
    for (const f of faces) {
      const img = await decodeImage(f.file);
      const sc = (s: number) => clampBox(scaleBox(f.box!, s), img.width, img.height);
      const size = clf.inputSize;
      const c0 = await cropResize(img, f.box!, size);
      const crops = [c0, await flip(c0), await cropResize(img, sc(1.2), size), await cropResize(img, sc(0.9), size)];
      const p = await clf.probabilities(crops);
      variants.plain.push(p[0]); variants.flip.push(p[1]); variants.s12.push(p[2]); variants.s09.push(p[3]);
    }
    const avg = (ks: string[]) => variants.plain.map((_, i) => Float32Array.from(variants.plain[i], (_, j) => ks.reduce((a, k) => a + variants[k][i][j], 0) / ks.length));
    const combos: Record<string, string[]> = { plain: ['plain'], flip: ['plain', 'flip'], 'flip+s12': ['plain', 'flip', 's12'], all4: ['plain', 'flip', 's12', 's09'], s12only: ['s12'] };
    const rows: Record<string, unknown>[] = [];
    for (const [name, ks] of Object.entries(combos)) {
      const probs = avg(ks);
      const em = emittedOnly(clf.classes, probs);
      const truth = faces.map((f) => em.classes.indexOf(f.label));
      const r = reportFromProbabilities(truth, em.probs, em.classes);
      const ww = withWithoutBalancedAccuracy(truth, em.probs, em.classes);
      console.log(name.padEnd(10), 'with/without', ww ? (ww.value * 100).toFixed(1) : 'n/a', 'macroF1', r.macro.f1.toFixed(3), 'acc', (r.accuracy * 100).toFixed(1));
      rows.push({ crops: name, averaged: ks, withWithout: ww ? +ww.value.toFixed(4) : null, macroF1: +r.macro.f1.toFixed(4), accuracy: +r.accuracy.toFixed(4) });
    }
    clf.dispose();
    return { model: fromRoot(dir), faces: faces.length, combinations: rows };
  },
);
