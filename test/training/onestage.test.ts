/**
 * The one-stage experiment's parts (src/training/onestage-head.ts, onestage-data.ts, onestage.ts) on
 * hand-made rows and records: class weights and standardisation; the head learns separable classes on
 * tfjs, keeps the epoch its score liked best and is the same for the same seed; training labels by the
 * field's match; rows, labels and probabilities cut back into photos; the side-by-side measure scores
 * a perfect head above a confused classifier. (The experiment itself on the real scenes: bench/one-stage.ts.)
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/tf';
import { classWeights, predictHead, standardisation, trainHead, HEAD_CLASSES, type HeadSpec, type Matrix } from '../../src/training/onestage-head';
import { boxLabels, type PhotoRecord, type RecordSet } from '../../src/training/onestage-data';
import { labelsOf, mixProbs, pairedMapGain, perPhoto, rowsOf, sideBySide } from '../../src/training/onestage';
import type { VocImage } from '../../src/evaluation/voc';
import { featureLength, FEATURE_POOLS, type FeatureSpec } from '../../src/detection/yunet-features';
import { mulberry32 } from '../../src/util/random';
import type { Box } from '../../src/result';

before(async () => {
  await initBackend();
});

test('classWeights: none, sqrt and balanced inverse frequencies, normalised to mean 1 over the rows', () => {
  const y = [0, 0, 0, 0, 0, 0, 1, 1, 2, 3];
  assert.deepEqual(classWeights(y, 4, 'none'), [1, 1, 1, 1]);
  const bal = classWeights(y, 4, 'balanced');
  const perRow = (w: number[]) => y.reduce((s, k) => s + w[k], 0) / y.length;
  assert.ok(Math.abs(perRow(bal) - 1) < 1e-9);
  assert.ok(Math.abs(bal[1] / bal[0] - 3) < 1e-9, 'balanced: 6 vs 2 rows → 3x');
  const sq = classWeights(y, 4, 'sqrt');
  assert.ok(Math.abs(sq[1] / sq[0] - Math.sqrt(3)) < 1e-9);
  assert.ok(Math.abs(perRow(sq) - 1) < 1e-9);
});

test('standardisation: per-column mean and deviation, a constant column kept finite', () => {
  const { mean, std } = standardisation({ data: Float32Array.from([1, 5, 3, 5]), n: 2, dim: 2 });
  assert.deepEqual(Array.from(mean), [2, 5]);
  assert.deepEqual(Array.from(std), [1, 1e-6].map(Math.fround));
});

/** Rows of 4 numbers: the class k's row is noise around a one-hot at k. */
function blobs(n: number, seed: number): { x: Matrix; y: Int32Array } {
  const rng = mulberry32(seed);
  const y = Int32Array.from({ length: n }, (_, i) => i % HEAD_CLASSES.length);
  const data = new Float32Array(n * 4);
  y.forEach((k, i) => {
    for (let j = 0; j < 4; j++) data[i * 4 + j] = (j === k ? 2 : 0) + (rng() - 0.5);
  });
  return { x: { data, n, dim: 4 }, y };
}

const SPEC: HeadSpec = { hidden: 8, dropout: 0.1, classWeights: 'sqrt', epochs: 6, batch: 32, learningRate: 0.05, l2: 1e-4, seed: 3 };
const accuracy = (probs: Float32Array[], y: Int32Array) => probs.filter((p, i) => p.indexOf(Math.max(...p)) === y[i]).length / y.length;

test('trainHead learns separable classes, keeps the best-scoring epoch, and is the same for the same seed', async () => {
  const train = blobs(400, 1);
  const val = blobs(200, 2);
  const scoreOf = (h: Parameters<typeof predictHead>[0]) => accuracy(predictHead(h, val.x), val.y);
  for (const hidden of [0, 8]) {
    const head = await trainHead(train.x, train.y, { ...SPEC, hidden }, scoreOf);
    assert.equal(head.scores.length, SPEC.epochs);
    assert.equal(head.scores[head.epoch - 1], Math.max(...head.scores), 'the kept epoch scored best');
    assert.ok(scoreOf(head) > 0.95, `hidden ${hidden}: validation accuracy ${scoreOf(head)}`);
    const p = predictHead(head, val.x);
    assert.ok(p.every((r) => r.length === HEAD_CLASSES.length && Math.abs(r.reduce((s, v) => s + v, 0) - 1) < 1e-4));
  }
  const [a, b] = [await trainHead(train.x, train.y, SPEC, scoreOf), await trainHead(train.x, train.y, SPEC, scoreOf)];
  assert.deepEqual(a.scores, b.scores);
  assert.deepEqual(Array.from(a.weights[0].data), Array.from(b.weights[0].data));
  assert.throws(() => predictHead(a, { data: new Float32Array(3), n: 1, dim: 3 }), /rows of 3 numbers for a head on 4/);
  await assert.rejects(trainHead(train.x, train.y.subarray(1), SPEC, scoreOf), /400 rows and 399 labels/);
});

test("boxLabels: the face it overlaps most at IoU >= 0.5, else not_face", () => {
  const faces = [
    { box: [0, 0, 10, 10] as Box, label: 'with_mask' as const },
    { box: [4, 0, 10, 10] as Box, label: 'incorrect_mask' as const },
  ];
  assert.deepEqual(boxLabels([[0, 0, 10, 10], [4, 0, 10, 10], [1, 0, 10, 10], [50, 50, 10, 10], [0, 0, 10, 19]], faces), ['with_mask', 'incorrect_mask', 'with_mask', 'not_face', 'with_mask']);
});

/** A record set of C = 1 channel: each box's vector is its class index everywhere (meta: stride 8). */
function records(photos: { faces: { box: Box; label: (typeof HEAD_CLASSES)[number] }[]; boxes: Box[]; shipped: number[][] }[]): RecordSet {
  const C = 1;
  const vec = (v: number) => {
    const f = new Float32Array(featureLength(C)).fill(v);
    f.fill(0, 3 * FEATURE_POOLS.length * C + 2);
    f[3 * FEATURE_POOLS.length * C + 2] = 1;
    return f;
  };
  const recs: PhotoRecord[] = photos.map((p, i) => ({
    file: `p${i}`,
    dataset: i % 2 ? 'b' : 'a',
    mirror: false,
    faces: p.faces.filter((f) => f.label !== 'not_face') as PhotoRecord['faces'],
    boxes: p.boxes,
    faceScores: p.boxes.map(() => 0.9),
    shipped: p.shipped.map((s) => Float32Array.from(s)),
    features: p.boxes.map((_, j) => vec(i * 10 + j)),
  }));
  return { classes: [...HEAD_CLASSES], channels: C, photos: recs };
}

test('rows, labels and probabilities cut back into photos; mixProbs averages; sideBySide scores each way by the field measure', () => {
  const set = records([
    { faces: [{ box: [0, 0, 20, 20], label: 'with_mask' }], boxes: [[0, 0, 20, 20], [100, 100, 20, 20]], shipped: [[0.1, 0.8, 0.1, 0], [0.3, 0.3, 0.3, 0.1]] },
    { faces: [{ box: [0, 0, 20, 20], label: 'without_mask' }], boxes: [[1, 0, 20, 20]], shipped: [[0.8, 0.1, 0.1, 0]] },
  ]);
  const spec: FeatureSpec = { strides: 'own', pools: ['centre'], meta: false };
  const x = rowsOf(set, spec);
  assert.deepEqual([x.n, x.dim, Array.from(x.data)], [3, 1, [0, 1, 10]]);
  assert.deepEqual(Array.from(labelsOf(set)), [0, 3, 1]);
  assert.deepEqual(perPhoto(set, ['a', 'b', 'c']), [['a', 'b'], ['c']]);
  assert.throws(() => perPhoto(set, ['a']), /1 rows for 3 boxes/);
  const half = mixProbs([[Float32Array.from([1, 0])]], [[Float32Array.from([0, 1])]], 0.25);
  assert.deepEqual(Array.from(half[0][0]), [0.25, 0.75]);
  // a head that is right on both faces; the shipped classifier swaps them
  const right = [[Float32Array.from([1, 0, 0, 0]), Float32Array.from([0, 0, 0, 1])], [Float32Array.from([0, 1, 0, 0])]];
  const s = sideBySide(set, right, 0.5, 0.05);
  assert.deepEqual([s.head.ap.with_mask, s.head.ap.without_mask, s.head.mAP], [1, 1, 1]);
  // the shipped ranks a wrong box first in each class: precision 1/3 at full recall
  assert.ok(Math.abs(s.shipped.mAP - 1 / 3) < 1e-9, `shipped mAP ${s.shipped.mAP}`);
  assert.ok(s.mix.mAP > s.shipped.mAP && s.mix.mAP <= 1);
  assert.deepEqual(Object.keys(s.byDataset).sort(), ['a', 'b']);
});

test('pairedMapGain: no gain between the same scores; a classifier right on every photo against one wrong on half, a gain whose interval excludes 0', () => {
  /** A photo with one with_mask face and one box on it, scored p(with_mask) = `p`, the rest without_mask. */
  const photo = (p: number): VocImage => ({ faces: [{ box: [0, 0, 20, 20], label: 'with_mask' }, { box: [50, 0, 20, 20], label: 'without_mask' }], boxes: [
    { box: [0, 0, 20, 20], faceScore: 0.9, scores: { with_mask: p, without_mask: 1 - p, incorrect_mask: 0 } },
    { box: [50, 0, 20, 20], faceScore: 0.9, scores: { with_mask: 1 - p, without_mask: p, incorrect_mask: 0 } },
  ] });
  const right = Array.from({ length: 40 }, () => photo(0.95));
  const half = Array.from({ length: 40 }, (_, i) => photo(i % 2 ? 0.95 : 0.05));
  assert.deepEqual(pairedMapGain(half, half, 0.05, 200), { value: 0, low: 0, high: 0 });
  const g = pairedMapGain(half, right, 0.05, 200);
  assert.ok(g.value > 0.2 && g.low > 0 && g.low <= g.value && g.value <= g.high, JSON.stringify(g));
  assert.deepEqual(pairedMapGain(half, right, 0.05, 200), g, 'seeded');
  assert.throws(() => pairedMapGain(half, right.slice(1), 0.05), /40 photos against 39/);
});
