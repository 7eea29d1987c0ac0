/**
 * YuNet's feature network (src/detection/yunet-features.ts, src/model/onnx/outputs.ts) on the
 * committed YuNet files: the shared head maps are found and exposed, the network run on onnxruntime-node
 * gives the plain network's outputs unchanged plus the maps, and a pass's candidates are the plain
 * detector's raw detections, each with its cell. (The pure part: yunet-features.fast.test.ts.)
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createEngine, type Engine } from '../../src/backend/onnx';
import { graphOutputNames, tensorFeeding } from '../../src/model/onnx/outputs';
import { decodeYuNet, yunetInput, YUNET_INPUT, YUNET_OUTPUTS } from '../../src/detection/yunet';
import { loadYuNet, yunetModelDir } from '../../src/detection/yunet-node';
import { candidateOf, featureLength, featureVector, loadYuNetFeatureNet, runFeaturePass, withYuNetFeatures, YUNET_FEATURE_OUTPUTS } from '../../src/detection/yunet-features';
import { decodeImage } from '../../src/util/images';
import { demoPhoto } from './clips';

const bytesOf = (v: string) => new Uint8Array(fs.readFileSync(path.join(yunetModelDir(), `${v}_dynamic.onnx`)));

test("the committed YuNet files: each stride's class branch reads its own shared head map, which the feature network exposes", () => {
  for (const v of ['yunet_n', 'yunet_s']) {
    const bytes = bytesOf(v);
    const cls = [0, 1, 2].map((i) => tensorFeeding(bytes, `bbox_head.multi_level_cls.${i}.conv1.weight`));
    const obj = [0, 1, 2].map((i) => tensorFeeding(bytes, `bbox_head.multi_level_obj.${i}.conv1.weight`));
    assert.deepEqual(obj, cls, `${v}: cls and obj read the same map`);
    assert.equal(new Set(cls).size, 3, `${v}: three different maps`);
    assert.deepEqual(graphOutputNames(bytes), YUNET_OUTPUTS);
    assert.deepEqual(graphOutputNames(withYuNetFeatures(bytes)), [...YUNET_OUTPUTS, ...YUNET_FEATURE_OUTPUTS]);
  }
});

let engine: Engine;
before(async () => {
  engine = await createEngine({ prefer: 'node', quiet: true });
});

test("the feature network: the plain network's outputs unchanged, three 64-channel maps on the strides' grids, and a pass's candidates are the raw detections", async () => {
  const img = await decodeImage(demoPhoto(1));
  const plain = await loadYuNet(engine, 'yunet_n');
  const feat = await loadYuNetFeatureNet(engine, 'yunet_n');
  try {
    const x = yunetInput(img, { maxSide: 640 });
    const [a, b] = [await plain.run({ [YUNET_INPUT]: x.input }), await feat.run({ [YUNET_INPUT]: x.input })];
    for (const k of YUNET_OUTPUTS) assert.deepEqual(Array.from(b[k].data), Array.from(a[k].data), k);
    const [, , H, W] = x.input.dims;
    YUNET_FEATURE_OUTPUTS.forEach((name, i) => assert.deepEqual(b[name].dims, [1, 64, H / 2 ** (3 + i), W / 2 ** (3 + i)], name));

    const pass = await runFeaturePass(feat, img, { maxSide: 640 }, 0.5);
    const raw = decodeYuNet(a, { inputWidth: W, inputHeight: H, scaleX: x.scaleX, scaleY: x.scaleY, minConfidence: 0.5 });
    assert.ok(raw.length >= 3, `faces found in the demo photo: ${raw.length}`);
    assert.equal(pass.candidates.length, raw.length);
    for (const d of raw) {
      const c = candidateOf(pass, d);
      assert.ok(Math.abs(c.score - d.score) < 1e-6);
      const v = featureVector(pass.maps, c);
      assert.equal(v.length, featureLength(64));
      assert.ok(v.every(Number.isFinite));
    }
  } finally {
    await plain.dispose();
    await feat.dispose();
  }
});
