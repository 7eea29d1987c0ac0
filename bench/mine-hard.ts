/**
 * Hard training faces for `--set data.hard=…` (src/training/hard.ts): a model classifies every face
 * of a recipe's training side once (copies are one face), cut as inference cuts it, and the faces
 * whose label it gives a probability below --below are listed in --out (the counts also in
 * docs/results/bench/mine-hard.json). Only the training side is read (the
 * recipe's data: Kaggle fit photos, ilc2021's train side, everyday-unmasked's train side, folder and
 * synthetic images, not_face boxes); validation and test faces never are.
 *
 *   npx tsx bench/mine-hard.ts models/default --out docs/results/small-faces/hard-train.json
 */
import * as path from 'node:path';
import { resolveConfig } from '../src/config';
import { initBackend } from '../src/backend/tf';
import { projectPaths } from '../src/paths';
import { createEngine } from '../src/backend/onnx';
import { PIPELINE_ENGINE } from '../src/detection/create';
import { loadFaceClassifier } from '../src/model/load';
import { modelIdentity } from '../src/model/manifest-files';
import { decodeImage } from '../src/util/images';
import { progress } from '../src/util/progress';
import type { TrainItem } from '../src/data/types';
import { getRecipe, parseOverride } from '../src/training/presets';
import { realworldData } from '../src/training/data';
import { hardList, uniqueFaces, writeHardList } from '../src/training/hard';
import { BenchUsageError, commandLine, fromRoot, runBench } from './lib';

runBench(
  {
    name: 'mine-hard',
    summary: "a model's hard faces among a recipe's training faces (p(label) below --below), listed for --set data.hard",
    flags: {
      out: { type: 'string', value: 'FILE', help: 'the list to write (e.g. docs/results/small-faces/hard-train.json)' },
      below: { type: 'number', value: 'P', default: 0.5, help: "a face is hard when the model's probability of its label is below this" },
      set: { type: 'list', value: 'K=V', help: 'recipe overrides of the realworld preset (comma-separated), as facemask train --set' },
      calibrated: { type: 'boolean', help: "apply the model's calibration (default: the network's probabilities)" },
      labels: { type: 'list', value: 'L,L', help: 'only faces of these labels (e.g. without_mask: the unmasked faces a model takes for masked; default: every label)' },
    },
    positionals: { name: 'MODEL_DIR', help: 'the model asked (default: models/default)', max: 1 },
    quick: 'small-data mode: a few items per source',
  },
  async ({ flags, positionals, write }) => {
    if (!flags.out) throw new BenchUsageError('--out FILE is needed (where the list goes)');
    await initBackend({ quiet: true });
    const config = resolveConfig();
    const dir = positionals[0] ?? projectPaths().defaultModel;
    const overrides = Object.fromEntries((flags.set ?? []).map(parseOverride));
    const recipe = getRecipe('realworld', overrides);
    if (recipe.data.kind !== 'realworld') throw new BenchUsageError('the realworld preset has realworld data');
    const data = await realworldData(recipe.data, { config, progress: true });
    const faces = uniqueFaces(data.train).filter((f) => !flags.labels || flags.labels.includes(f.label));
    const clf = await loadFaceClassifier(dir, 'onnx', () => createEngine(PIPELINE_ENGINE), { calibrated: flags.calibrated });
    try {
      const probs = await classifyItems(clf, faces);
      const list = hardList(faces, probs, clf.classes, flags.below, { model: { dir: fromRoot(dir), identity: modelIdentity(clf.manifest), calibrated: flags.calibrated }, command: commandLine('mine-hard', process.argv.slice(2)) });
      if (write) writeHardList(path.resolve(flags.out!), list);
      for (const [source, c] of Object.entries(list.counts)) console.log(`${source}: ${c.hard} of ${c.items} hard`);
      console.log(`${list.examples.length} hard faces of ${faces.length}${write ? ` → ${flags.out}` : ''}`);
      return { model: list.model, below: list.below, counts: list.counts, hard: list.examples.length, faces: faces.length };
    } finally {
      clf.dispose();
    }
  },
);

/** Every item's probabilities (the model's classes), cut as inference cuts it: its box, or the whole image. */
async function classifyItems(clf: Awaited<ReturnType<typeof loadFaceClassifier>>, items: readonly TrainItem[]): Promise<Float32Array[]> {
  const byFile = new Map<string, number[]>();
  items.forEach((it, i) => byFile.set(it.file, [...(byFile.get(it.file) ?? []), i]));
  const out: Float32Array[] = new Array(items.length);
  const bar = progress('classify training faces', items.length, { unit: 'face' });
  for (const [file, idx] of byFile) {
    const img = await decodeImage(file);
    const boxed = idx.filter((i) => items[i].box);
    const whole = idx.filter((i) => !items[i].box);
    (await clf.probabilitiesOfBoxes(img, boxed.map((i) => items[i].box!))).forEach((p, k) => (out[boxed[k]] = p));
    if (whole.length) {
      const [p] = await clf.probabilities([img]);
      for (const i of whole) out[i] = p;
    }
    bar.tick(idx.length);
  }
  bar.done();
  return out;
}
