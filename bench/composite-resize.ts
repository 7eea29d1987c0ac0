/**
 * What a composite ensemble's resize costs its smaller member (src/model/classifier.ts
 * `CompositeClassifier`): a composite cuts each face once, at its largest member's input (224), and a
 * 128 px member gets that crop resized inside (bilinear, half-pixel centres), where the member alone
 * cuts the face at 128 directly. On the ilc2021 validation faces (>= 24 px, annotated box) it prints
 * each smaller member's numbers both ways: macro F1, with/without, how many faces change label, and
 * the largest probability change.
 *
 * Run: node --import tsx bench/composite-resize.ts [MODEL_DIR]   (default: models/default, a composite)
 */
import { CompositeClassifier, loadClassifier, memberInput, stackPixels, type MaskClassifier } from '../src/model/classifier';
import { evaluateIlc2021, ilc2021Faces } from '../src/evaluation/evaluate';
import type { FaceClassifier } from '../src/model/types';
import { cropFace } from '../src/model/crop';
import { tf } from '../src/backend/tf';
import { projectPaths } from '../src/paths';
import type { RgbImage } from '../src/util/images';
import type { Box } from '../src/result';
import { fromRoot, runBench } from './lib';
import { resolveConfig } from '../src/config';

/** The member as the composite runs it: the face cut at `outer` px, then resized to the member's input. */
function viaComposite(m: MaskClassifier, outer: number): FaceClassifier {
  const run = (crops: RgbImage[]) =>
    tf.tidy(() => {
      const x = stackPixels(crops, outer);
      return (m.predictPixels(memberInput(x, m.inputSize)).arraySync() as number[][]).map((r) => Float32Array.from(r));
    });
  return {
    classes: m.classes,
    inputSize: outer,
    crop: m.crop,
    probabilities: async () => {
      throw new Error('not used');
    },
    probabilitiesOfBoxes: async (image: RgbImage, boxes: readonly Box[]) => run(boxes.map((box) => cropFace(image, { box }, outer, m.crop))),
    dispose: () => {},
  };
}

runBench(
  {
    name: 'composite-resize',
    summary: "what a composite ensemble's resize costs its smaller member: macro F1 and with/without on ilc2021 validation, cut at its own size or resized from the composite's crop",
    flags: {},
    positionals: { name: 'MODEL_DIR', help: 'a composite ensemble (default: models/default)', max: 1 },
    quick: 'the first 20 ilc2021 validation crops (small-data mode)',
    method: 'network probabilities (uncalibrated), argmax; faces >= 24 px with their annotated box',
  },
  async ({ positionals }) => {
    const dir = positionals[0] ?? projectPaths().defaultModel;
    const clf = await loadClassifier(dir, { calibrated: false });
    if (!(clf instanceof CompositeClassifier)) throw new Error(`${dir} is not a composite ensemble (its manifest lists no "members")`);
    const faces = ilc2021Faces('val', resolveConfig()).length;
    console.log(`model: ${dir}, a composite at ${clf.inputSize} px; ilc2021 validation, ${faces} faces >= 24 px, network probabilities (uncalibrated), argmax`);
    const members: Record<string, unknown>[] = [];
    for (const m of clf.members.filter((x) => x.inputSize < clf.inputSize)) {
      const direct = await evaluateIlc2021(m, 'val', { config: resolveConfig(), quiet: true });
      const resized = await evaluateIlc2021(viaComposite(m, clf.inputSize), 'val', { config: resolveConfig(), quiet: true });
      let changed = 0;
      let dMax = 0;
      direct.probs.forEach((p, i) => {
        const q = resized.probs[i];
        const arg = (r: Float32Array) => r.indexOf(Math.max(...r));
        if (arg(p) !== arg(q)) changed++;
        p.forEach((v, j) => (dMax = Math.max(dMax, Math.abs(v - q[j]))));
      });
      const row = (name: string, e: typeof direct) => `  ${name.padEnd(40)} macro F1 ${e.report.macro.f1.toFixed(3)}  with/without ${((e.withWithout?.value ?? NaN) * 100).toFixed(1)} %`;
      console.log(`member ${m.dir} (${m.inputSize} px):`);
      console.log(row(`cut at ${m.inputSize} px (the member alone)`, direct));
      console.log(row(`cut at ${clf.inputSize}, resized (in the composite)`, resized));
      console.log(`  label changed on ${changed} of ${direct.probs.length} faces; largest probability change ${dMax.toFixed(3)}`);
      const nums = (e: typeof direct) => ({ macroF1: +e.report.macro.f1.toFixed(4), withWithout: e.withWithout ? +e.withWithout.value.toFixed(4) : null });
      members.push({ member: fromRoot(m.dir), inputSize: m.inputSize, alone: nums(direct), inComposite: nums(resized), labelChanged: changed, faces: direct.probs.length, largestProbabilityChange: +dMax.toFixed(4) });
    }
    clf.dispose();
    return { model: fromRoot(dir), compositeInput: clf.inputSize, faces, members };
  },
);
