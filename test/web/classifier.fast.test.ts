/**
 * The ONNX classifier the page runs (src/model/onnx-classifier.ts, the same class as Node's) applies
 * the manifest's calibration after the network (src/model/calibration.ts), and the page refuses a
 * manifest that Node would refuse (src/web/page/pipeline.ts `checkManifest`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Net, TensorData } from '../../src/backend/engine';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OnnxClassifier } from '../../src/model/onnx-classifier';
import type { ModelManifest } from '../../src/model/manifest';
import { checkManifest } from '../../src/web/page/pipeline';
import { projectPaths } from '../../src/paths';
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
/** The shipped manifest with four classes and an 8 px input (the stand-in network ignores its pixels). */
const MANIFEST: ModelManifest = { ...(JSON.parse(fs.readFileSync(path.join(projectPaths().models, 'original', 'manifest.json'), 'utf8')) as ModelManifest), classes: [...CLASSES], integrity: undefined, detection: undefined };
MANIFEST.base = { ...MANIFEST.base, inputSize: 8 };

test('the page classifier returns calibrated probabilities and carries the decision rule; none: the network as is', async () => {
  const cal = { temperature: 1.7, bias: { without_mask: 0.3, incorrect_mask: 0.5, not_face: -0.2 }, fittedOn: ['ilc2021-val'], n: 1, nllBefore: 1, nllAfter: 1, eceBefore: 0, eceAfter: 0 };
  const c = new OnnxClassifier(net, { ...MANIFEST, calibration: cal, decision: { incorrect_mask: 0.3 } });
  const [got] = await c.probabilitiesOfBoxes(image, [[0, 0, 16, 16]]);
  const [want] = calibrateRows([Float32Array.from(ROW)], CLASSES, cal);
  got.forEach((v: number, j: number) => assert.ok(Math.abs(v - want[j]) < 1e-7));
  assert.ok(Math.abs(got[0] - ROW[0]) > 0.01, 'changed');
  assert.deepEqual(c.decision, { incorrect_mask: 0.3 });
  const plain = new OnnxClassifier(net, MANIFEST);
  const [raw] = await plain.probabilities([image]);
  assert.deepEqual(Array.from(raw), Array.from(Float32Array.from(ROW)));
});

test('the page refuses a manifest with an invalid calibration or decision rule, saying which', () => {
  const m = MANIFEST;
  assert.doesNotThrow(() => checkManifest(m));
  assert.throws(() => checkManifest({ ...m, calibration: { temperature: -1, bias: {} } }), /is not valid .*temperature must be a number > 0/);
  assert.throws(() => checkManifest({ ...m, decision: 'vote' }), /is not valid .*decision rule must be "argmax"/);
  assert.throws(() => checkManifest({ ...m, onnx: { ...m.onnx!, file: '../../etc/passwd' } }), /is not valid .*"onnx\.file" must name a file in the model's own folder/);
  assert.throws(() => checkManifest({ ...m, onnx: undefined }), /records no ONNX file/);
  assert.throws(() => checkManifest([1]), /is not a JSON object/);
});
