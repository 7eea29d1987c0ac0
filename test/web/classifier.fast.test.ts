/**
 * The page's classifier (src/web/page/classifier.ts) applies the manifest's calibration after the
 * network exactly as Node does (src/model/calibration.ts), and the page refuses a manifest whose
 * calibration or decision rule is invalid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Net, TensorData } from '../../src/backend/engine';
import { BrowserClassifier } from '../../src/web/page/classifier';
import { BOX_CROP } from '../../src/model/crop';
import { checkManifest } from '../../src/web/page/pipeline';
import { calibrateRows } from '../../src/model/calibration';

const CLASSES = ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'] as const;
const ROW = [0.6, 0.1, 0.25, 0.05];

/** A stand-in network: every crop gets ROW. */
const net: Net = {
  inputNames: ['pixels'],
  outputNames: ['probabilities'],
  async run(feeds: Record<string, TensorData>) {
    const n = feeds.pixels.dims[0];
    return { probabilities: { data: Float32Array.from({ length: n * 4 }, (_, i) => ROW[i % 4]), dims: [n, 4] } };
  },
  async dispose() {},
};
const image = { data: new Uint8Array(32 * 32 * 3).fill(100), width: 32, height: 32 };

test('the page classifier returns calibrated probabilities and carries the decision rule; none: the network as is', async () => {
  const cal = { temperature: 1.7, bias: { without_mask: 0.3, incorrect_mask: 0.5, not_face: -0.2 }, fittedOn: ['ilc2021-val'], n: 1, nllBefore: 1, nllAfter: 1, eceBefore: 0, eceAfter: 0 };
  const c = new BrowserClassifier(net, CLASSES, 8, BOX_CROP, cal, { incorrect_mask: 0.3 });
  const [got] = await c.probabilitiesOfBoxes(image, [[0, 0, 16, 16]]);
  const [want] = calibrateRows([Float32Array.from(ROW)], CLASSES, cal);
  got.forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 1e-7));
  assert.ok(Math.abs(got[0] - ROW[0]) > 0.01, 'changed');
  assert.deepEqual(c.decision, { incorrect_mask: 0.3 });
  const plain = new BrowserClassifier(net, CLASSES, 8);
  const [raw] = await plain.probabilities([image]);
  assert.deepEqual(Array.from(raw), Array.from(Float32Array.from(ROW)));
});

test('the page refuses a manifest with an invalid calibration or decision rule, saying which', () => {
  const m = { classes: [...CLASSES], base: { inputSize: 224 }, onnx: { sha256: 'a'.repeat(64) } };
  assert.doesNotThrow(() => checkManifest(m));
  assert.throws(() => checkManifest({ ...m, calibration: { temperature: -1, bias: {} } }), /invalid calibration or decision rule .*temperature must be a number > 0/);
  assert.throws(() => checkManifest({ ...m, decision: 'vote' }), /invalid calibration or decision rule .*decision rule must be "argmax"/);
});
