/**
 * Approach measured for issue 7: a face-specific network's features instead of (or beside) the
 * ImageNet MobileNetV2 ones. face-api's face recognition net (a ResNet-34-like network trained to
 * tell people apart, 150x150 input, 128-d descriptor) embeds the same realworld views as the
 * `realworld` preset (same items, same jittered boxes, small faces, blur, JPEG, lighting); heads are
 * trained with the preset's recipe on (a) the descriptor alone, (b) MobileNetV2 pooled features +
 * descriptor, (c) MobileNetV2 pooled features alone (the `realworld` preset, for reference), and
 * measured on the validation faces (Kaggle photos 160–199) and the test part (photos 200–299).
 *
 * Run: node --import tsx bench/descriptor.ts [--views K]   (default: the preset's 2 views; descriptors
 * cached in .cache/features/)
 */
import { tf, initBackend } from '../src/backend/tf';
import { loadFaceApi } from '../src/backend/faceapi';
import { isLabel, type ModelClass } from '../src/labels';
import type { TrainItem } from '../src/data/types';
import { loadBase } from '../src/model/base';
import { buildHead } from '../src/model/head';
import { embedItems, startBaseRunner, type BaseRunner, type FeatureMatrix } from '../src/model/learn/features';
import { realViews } from '../src/model/learn/views';
import { PRESETS, type RealworldDataSpec } from '../src/training/presets';
import { classesOf, realworldData } from '../src/training/data';
import { balancedClassWeights, fitHead, evaluateFeatures, joinColumns } from '../src/training/fit';
import { reportFromProbabilities, withWithoutBalancedAccuracy } from '../src/evaluation/metrics';
import { emittedOnly } from '../src/evaluation/evaluate';
import { progress } from '../src/util/progress';
import { machineLine, runBench } from './lib';
import { resolveConfig } from '../src/config';

const DESC_SIZE = 150;

/** face-api's recognition net as a feature runner: raw 150x150 pixels in, 128-d descriptors out. */
async function descriptorRunner(): Promise<BaseRunner> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const fa: any = await loadFaceApi(['faceRecognitionNet' as never]);
  const net = fa.nets.faceRecognitionNet;
  return {
    slots: 1,
    runtime: 'tfjs',
    async embed(pixels: Uint8Array, n: number): Promise<Float32Array> {
      const x = tf.tensor4d(Int32Array.from(pixels), [n, DESC_SIZE, DESC_SIZE, 3], 'int32').toFloat();
      const parts = tf.unstack(x) as tf.Tensor3D[];
      const out = tf.tidy(() => net.forwardInput(new fa.NetInput(parts)) as tf.Tensor2D);
      const d = (await out.data()) as Float32Array;
      tf.dispose([x, out, ...parts]);
      return d;
    },
    async close() {},
  };
}

runBench(
  {
    name: 'descriptor',
    summary: "face-api's 128-d face descriptor instead of (or beside) MobileNetV2 features: heads trained with the realworld recipe, measured on Kaggle validation and test faces",
    flags: { views: { type: 'integer', value: 'K', min: 1, help: "views of each training item (default: the realworld preset's)" } },
    quick: 'the small-data realworld items (FACEMASK_SMALL=1), 1 view',
    method: "heads trained with the realworld preset's recipe, seed 42; macro F1 and with/without balanced accuracy over the faces of the model's classes",
  },
  async ({ flags, quick }) => {
    await initBackend();
    const preset = PRESETS.realworld;
    const seed = 42;
    const views = quick ? 1 : (flags.views ?? preset.views.count);
    const rw = await realworldData(preset.data as RealworldDataSpec, { config: resolveConfig(), progress: true });
    const classes: ModelClass[] = classesOf(rw.train);
    const val = rw.val.filter((r) => classes.includes(r.label as ModelClass));
    const test = rw.test.filter((r) => classes.includes(r.label as ModelClass));
    const y = (xs: TrainItem[]) => xs.map((r) => classes.indexOf(r.label as ModelClass));
    const [yTrain, yVal, yTest] = [y(rw.train), y(val), y(test)];

    const base = await loadBase(preset.base);
    const embed = async (runner: BaseRunner, dim: number, size: number, baseSha256: string, label: string) => {
      const bar = progress(label, rw.train.length * views + val.length + test.length, { unit: 'img' });
      const common = { size, seed, baseSha256, onProgress: (n: number) => bar.tick(n) };
      const out = [
        await embedItems(rw.train, runner, dim, { ...common, count: views, views: realViews(preset.views.real) }),
        await embedItems(val, runner, dim, { ...common, count: 1, views: realViews(null) }),
        await embedItems(test, runner, dim, { ...common, count: 1, views: realViews(null) }),
      ];
      bar.done();
      await runner.close();
      return out;
    };
    const t0 = performance.now();
    const mobile = await embed(await startBaseRunner(base, 2), 1280, base.spec.inputSize, base.sha256, 'MobileNetV2 features');
    const t1 = performance.now();
    const desc = await embed(await descriptorRunner(), 128, DESC_SIZE, 'face-api-face-recognition-net', 'face descriptors');
    const t2 = performance.now();
    console.log(`features: MobileNetV2 ${((t1 - t0) / 1000).toFixed(0)} s (cached after the first run), descriptors ${((t2 - t1) / 1000).toFixed(0)} s; ${machineLine()}`);

    const variants: [string, FeatureMatrix[]][] = [
      ['descriptor only (128)', desc],
      ['MobileNetV2 + descriptor (1408)', mobile.map((m, k) => joinColumns(m, desc[k]))],
      ['MobileNetV2 only (1280, = realworld)', mobile],
    ];
    const classWeights = balancedClassWeights(yTrain, classes.length);
    const rows: Record<string, unknown>[] = [];
    for (const [name, [tr, va, te]] of variants) {
      const { pooledHead, head } = buildHead(classes.length, { seed, hidden: preset.head.units, dropout: preset.head.dropout, featureShape: [7, 7, tr.dim] });
      await fitHead(pooledHead, tr, yTrain, va, yVal, {
        epochs: preset.fit.epochs,
        learningRate: preset.fit.learningRate,
        decay: preset.fit.decay,
        batchSize: preset.fit.batchSize,
        views,
        seed,
        classWeights,
        dropout: preset.head.dropout,
        units: preset.head.units,
        nClasses: classes.length,
        quiet: true,
        label: name,
        epochOffset: 0,
        callbacks: {},
      });
      const measure = (m: FeatureMatrix, ys: number[]) => {
        const faces = ys.map((c, i) => ({ c, i })).filter((r) => isLabel(classes[r.c]));
        const probs = evaluateFeatures(pooledHead, m, ys, classes.length).probs;
        const em = emittedOnly(classes, faces.map((r) => probs[r.i]));
        const truth = faces.map((r) => em.classes.indexOf(classes[r.c]));
        const rep = reportFromProbabilities(truth, em.probs, em.classes);
        const ww = withWithoutBalancedAccuracy(truth, em.probs, em.classes);
        return { macroF1: +rep.macro.f1.toFixed(4), withWithout: ww ? +ww.value.toFixed(4) : null, faces: faces.length };
      };
      const line = (set: string, r: ReturnType<typeof measure>) => `${set} macro F1 ${r.macroF1.toFixed(3)}, with/without ${r.withWithout !== null ? (r.withWithout * 100).toFixed(1) + ' %' : 'n/a'} (${r.faces} faces)`;
      const [val, tst] = [measure(va, yVal), measure(te, yTest)];
      console.log(`${name}: ${line('val', val)}; ${line('test', tst)}`);
      rows.push({ features: name, validation: val, test: tst });
      head.dispose();
    }
    base.model.dispose();
    return { views, seed, featureSeconds: { mobilenet: +((t1 - t0) / 1000).toFixed(1), descriptor: +((t2 - t1) / 1000).toFixed(1) }, variants: rows };
  },
);
