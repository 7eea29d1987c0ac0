/**
 * Where a training run's feature pass spends its time, stage by stage, on the tutorial's recipe
 * (`facemask train --seed 1`: the observations split, 8 affine views of every training image):
 * each stage run alone over every image, one after the other, so each time is that stage's cost
 * with the machine to itself — decoding the photos (sharp), resizing them to the base's input,
 * the affine views (the tutorial's augmentation, in JavaScript), the base on ONNX Runtime (batches
 * of 16, as training runs it) and, on a sample, the base on tfjs (wasm) for comparison. Beside them,
 * what the feature pass did before: a resize of the photo for every view (now one, shared by its
 * views) and the affine transform's plain loop (now with its per-row products hoisted: the same pixels).
 *
 *   npx tsx bench/train-parts.ts [--seed 1] [--sample 640] [--tfjs-sample 64]
 *
 * Prints figures; not a test. bench/train.ts measures whole runs.
 */
import { resolveConfig } from '../src/config';
import { initBackend, tf } from '../src/backend/tf';
import { splitData } from '../src/training/data';
import { PRESETS } from '../src/training/presets';
import { loadBase, pooledFeatures } from '../src/model/base';
import { OnnxBaseRunner } from '../src/model/learn/features';
import { augmentView, ORIGINAL_AUGMENTATION, transformMatrix, viewTransform, type Transform } from '../src/model/learn/augment';
import { decodeImage, resizeImage, type RgbImage } from '../src/util/images';
import { mapLimit } from '../src/util/files';
import { machineLine, runBench, timeIt } from './lib';

/** The affine transform's plain loop, as the feature pass ran it before (the same pixels, test/model/learn/augment.fast.test.ts). */
function plainAffine(img: RgbImage, t: Transform): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h * 3);
  const m = transformMatrix(t, h, w);
  const clampR = (v: number) => (v < 0 ? 0 : v > h - 1 ? h - 1 : v);
  const clampC = (v: number) => (v < 0 ? 0 : v > w - 1 ? w - 1 : v);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const ir = clampR(m[0][0] * r + m[0][1] * c + m[0][2]);
      const ic = clampC(m[1][0] * r + m[1][1] * c + m[1][2]);
      const r0 = Math.floor(ir);
      const c0 = Math.floor(ic);
      const r1 = Math.min(r0 + 1, h - 1);
      const c1 = Math.min(c0 + 1, w - 1);
      const fr = ir - r0;
      const fc = ic - c0;
      const o = (r * w + (t.flip ? w - 1 - c : c)) * 3;
      for (let k = 0; k < 3; k++) {
        const top = data[(r0 * w + c0) * 3 + k] * (1 - fc) + data[(r0 * w + c1) * 3 + k] * fc;
        const bot = data[(r1 * w + c0) * 3 + k] * (1 - fc) + data[(r1 * w + c1) * 3 + k] * fc;
        out[o + k] = Math.round(top * (1 - fr) + bot * fr);
      }
    }
  }
  return { data: out, width: w, height: h };
}

runBench(
  {
    name: 'train-parts',
    summary: "the training feature pass stage by stage on the tutorial's recipe: decode, resize, affine views, the base on ONNX Runtime and on tfjs",
    flags: {
      seed: { type: 'integer', value: 'N', default: 1, help: 'the training seed (views and split)' },
      sample: { type: 'integer', value: 'N', default: 640, min: 16, help: 'views the earlier ways (a resize per view, the plain affine loop) are timed on' },
      'tfjs-sample': { type: 'integer', value: 'N', default: 64, min: 16, help: 'images the base runs on tfjs for comparison' },
    },
    quick: 'small-data mode',
    method: 'each stage alone over every image (train: 8 views), in sequence; decode and resize 4 at a time as training does; the base in batches of 16; seconds are wall time of one pass',
  },
  async ({ flags }) => {
    await initBackend({ quiet: true });
    const cfg = resolveConfig();
    const recipe = PRESETS.original;
    if (recipe.data.kind !== 'split') throw new Error('the original recipe reads a split');
    const views = cfg.small ? recipe.views.smallCount : recipe.views.count;
    const data = await splitData(recipe.data, flags.seed, { config: cfg });
    const items = [...data.train, ...data.val, ...data.test];
    const nTrain = data.train.length;
    const base = await loadBase(recipe.base);
    const size = base.spec.inputSize;
    const dec = await timeIt(() => mapLimit(items, 4, (it) => decodeImage(it.file)));
    const res = await timeIt(() => mapLimit(dec.value, 4, (im) => resizeImage(im, size, size)));
    const resized = res.value;
    const viewsOf = (i: number) => (i < nTrain ? views : 1);
    const aug = await timeIt(() => {
      const out: RgbImage[] = [];
      resized.forEach((im, i) => {
        for (let v = 0; v < viewsOf(i); v++) out.push(i < nTrain ? augmentView(im, flags.seed, items[i].sha256, v, ORIGINAL_AUGMENTATION) : im);
      });
      return out;
    });
    const all = aug.value;
    // the earlier ways, on the first --sample training views: a resize for each view, the plain loop
    const sampleViews = Array.from({ length: Math.min(flags.sample, nTrain * views) }, (_, k) => ({ i: Math.floor(k / views), v: k % views }));
    const perView = await timeIt(() => mapLimit(sampleViews, 4, ({ i }) => resizeImage(dec.value[i], size, size)));
    const plainT = await timeIt(() => sampleViews.forEach(({ i, v }) => plainAffine(resized[i], viewTransform(flags.seed, items[i].sha256, v, ORIGINAL_AUGMENTATION, size, size))));
    const fastT = await timeIt(() => sampleViews.forEach(({ i, v }) => augmentView(resized[i], flags.seed, items[i].sha256, v, ORIGINAL_AUGMENTATION)));
    const runner = await OnnxBaseRunner.start(base);
    const batch = 16;
    const pack = (ims: RgbImage[]) => {
      const px = new Uint8Array(ims.length * size * size * 3);
      ims.forEach((im, k) => px.set(im.data, k * size * size * 3));
      return px;
    };
    await runner.embed(pack(all.slice(0, batch)), Math.min(batch, all.length));
    const onnx = await timeIt(async () => {
      for (let s = 0; s < all.length; s += batch) await runner.embed(pack(all.slice(s, s + batch)), Math.min(batch, all.length - s));
    });
    await runner.close();
    const sample = all.slice(0, Math.min(flags['tfjs-sample'], all.length));
    const tfjsRun = () => {
      for (let s = 0; s < sample.length; s += batch) {
        const ims = sample.slice(s, s + batch);
        const x = tf.tensor4d(Int32Array.from(pack(ims)), [ims.length, size, size, 3], 'int32');
        const f = pooledFeatures(base.model, x);
        f.dataSync();
        x.dispose();
        f.dispose();
      }
    };
    tfjsRun();
    const tfjsT = await timeIt(tfjsRun);
    const perImage = (ms: number, n: number) => +(ms / n).toFixed(2);
    const stages = {
      decode: { seconds: +(dec.ms / 1000).toFixed(2), msPerImage: perImage(dec.ms, items.length), n: items.length },
      resize: { seconds: +(res.ms / 1000).toFixed(2), msPerImage: perImage(res.ms, items.length), n: items.length },
      affineViews: { seconds: +(aug.ms / 1000).toFixed(2), msPerView: perImage(aug.ms, nTrain * views), n: nTrain * views },
      resizePerViewBefore: { msPerView: perImage(perView.ms, sampleViews.length), n: sampleViews.length },
      affinePlainLoopBefore: { msPerView: perImage(plainT.ms, sampleViews.length), n: sampleViews.length },
      affineSameSample: { msPerView: perImage(fastT.ms, sampleViews.length), n: sampleViews.length },
      baseOnnx: { seconds: +(onnx.ms / 1000).toFixed(2), msPerImage: perImage(onnx.ms, all.length), n: all.length },
      baseTfjs: { msPerImage: perImage(tfjsT.ms, sample.length), n: sample.length, backend: tf.getBackend() },
    };
    console.log(machineLine());
    console.log(`images: ${nTrain} train x ${views} views + ${items.length - nTrain} val/test = ${all.length} base passes`);
    for (const [k, v] of Object.entries(stages)) console.log(`${k.padEnd(12)} ${JSON.stringify(v)}`);
    return { seed: flags.seed, views, images: { train: nTrain, valTest: items.length - nTrain, basePasses: all.length }, stages };
  },
);
