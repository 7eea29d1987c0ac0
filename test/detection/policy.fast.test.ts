/**
 * The box policy (src/detection/policy.ts): the one rule for what a detected box becomes, used by
 * the pipeline and by every measurement. Pure tests over probability rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelBox, labelBoxes, describePolicy, PLAIN_POLICY } from '../../src/detection/policy';
import type { ModelClass } from '../../src/labels';

const FOUR: ModelClass[] = ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'];
const at = (rejectAt: number | null, trustAbove: number | null = null) => ({ rejectAt, trustAbove });

test('not_face on top is always dropped; otherwise dropped exactly when p(not_face) >= rejectAt', () => {
  assert.equal(labelBox([0.2, 0.1, 0.1, 0.6], FOUR, 0.5, PLAIN_POLICY), null, 'not_face on top, rejection off');
  assert.equal(labelBox([0.26, 0.24, 0.22, 0.28], FOUR, 0.5, at(0.3)), null, 'top class, below rejectAt');
  const p = [0.45, 0.15, 0.05, 0.35];
  assert.equal(labelBox(p, FOUR, 0.5, at(0.3)), null);
  assert.equal(labelBox(p, FOUR, 0.5, at(0.35)), null, 'the boundary is inclusive');
  const kept = labelBox(p, FOUR, 0.5, at(0.4));
  assert.deepEqual(kept, { label: 'with_mask', score: 0.45, scores: { with_mask: 0.45, without_mask: 0.15, incorrect_mask: 0.05 } });
  assert.deepEqual(labelBox(p, FOUR, 0.5, PLAIN_POLICY), kept, 'rejection off: kept');
  assert.equal(labelBox([0.1, 0.2, 0.5, 0.2], FOUR, 0.5, at(0.3))?.label, 'incorrect_mask', 'labelled by the best emitted class');
});

test('a box the detector scores >= trustAbove is never dropped and gets its best face class', () => {
  assert.equal(labelBox([0.2, 0.1, 0.1, 0.6], FOUR, 0.95, at(0.3, 0.9))?.label, 'with_mask', 'not_face on top, trusted');
  assert.equal(labelBox([0.05, 0.25, 0.05, 0.65], FOUR, 0.9, at(0, 0.9))?.label, 'without_mask', 'the boundary is inclusive');
  assert.equal(labelBox([0.2, 0.1, 0.1, 0.6], FOUR, 0.89, at(0.3, 0.9)), null, 'the same box scored lower is dropped');
  assert.equal(labelBox([0.2, 0.1, 0.1, 0.6], FOUR, 1, at(0.3, null)), null, 'trust off: even a perfect score is not trusted');
});

test('a model without not_face keeps every box, whatever the policy', () => {
  const two: ModelClass[] = ['with_mask', 'without_mask'];
  assert.deepEqual(labelBox([0.3, 0.7], two, 0.1, at(0)), { label: 'without_mask', score: 0.7, scores: { with_mask: 0.3, without_mask: 0.7 } });
  assert.equal(labelBox([0.9, 0.1, 0.0], ['with_mask', 'without_mask', 'incorrect_mask'], 0.1, at(0))?.label, 'with_mask');
  assert.match(describePolicy(at(0.2, 0.9), two), /no not_face class/);
});

test('labelBoxes keeps the order of the kept boxes and carries box, score and landmarks', () => {
  const dets = [
    { box: [0, 0, 10, 10] as [number, number, number, number], score: 0.5 },
    { box: [20, 0, 10, 10] as [number, number, number, number], score: 0.6, landmarks: [[1, 2]] as [number, number][] },
    { box: [40, 0, 10, 10] as [number, number, number, number], score: 0.95 },
  ];
  const probs = [
    [0.1, 0.1, 0.1, 0.7],
    [0.7, 0.1, 0.1, 0.1],
    [0.1, 0.1, 0.1, 0.7],
  ];
  const faces = labelBoxes(dets, probs, FOUR, at(0.3, 0.9));
  assert.deepEqual(faces.map((f) => f.box[0]), [20, 40]);
  assert.deepEqual(faces[0].landmarks, [[1, 2]]);
  assert.equal(faces[1].faceScore, 0.95);
  assert.throws(() => labelBoxes(dets, probs.slice(1), FOUR, PLAIN_POLICY), /3 detections but 2 probability rows/);
  assert.match(describePolicy(at(0.2, 0.9), FOUR), /p\(not_face\) >= 0.2 .*unless the detector scores them >= 0.9/);
});

test('a kept box is labelled by the decision rule given; a dropped box stays dropped', () => {
  const p = [0.5, 0.1, 0.3, 0.1];
  assert.equal(labelBox(p, FOUR, 0.5, PLAIN_POLICY)?.label, 'with_mask');
  assert.equal(labelBox(p, FOUR, 0.5, PLAIN_POLICY, { incorrect_mask: 0.25 })?.label, 'incorrect_mask');
  assert.equal(labelBox([0.1, 0.1, 0.3, 0.5], FOUR, 0.5, PLAIN_POLICY, { incorrect_mask: 0.25 }), null, 'not_face on top: dropped whatever the rule');
  const faces = labelBoxes([{ box: [0, 0, 9, 9], score: 0.5 }], [p], FOUR, PLAIN_POLICY, { incorrect_mask: 0.25 });
  assert.equal(faces[0].label, 'incorrect_mask');
});
