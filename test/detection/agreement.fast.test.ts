/** Label agreement between two runs over a video (src/detection/agreement.ts): faces paired by box, a frame agrees when every face carries the reference's label. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelAgreement, type DrawnFace } from '../../src/detection/agreement';

const f = (x: number, label: DrawnFace['label']): DrawnFace => ({ box: [x, 0, 50, 50], label });

test('identical runs agree on every frame; a changed label, a missing or an extra face do not', () => {
  const ref = [[f(0, 'with_mask'), f(100, 'without_mask')], [f(2, 'with_mask')], [], [f(0, 'with_mask')], [f(0, 'with_mask')]];
  assert.deepEqual(labelAgreement(ref, ref), { frames: 5, framesAgreeing: 5, share: 1, faces: 5, facesAgreeing: 5 });
  const run = [
    [f(102, 'without_mask'), f(3, 'with_mask')], // same faces, other order, boxes moved a little
    [f(2, 'incorrect_mask')], // label changed
    [f(0, 'with_mask')], // an extra face
    [], // a face missing
    [f(40, 'with_mask')], // a box too far to pair (IoU < 0.5)
  ];
  const a = labelAgreement(ref, run);
  assert.equal(a.framesAgreeing, 1);
  assert.equal(a.share, 0.2);
  assert.equal(a.facesAgreeing, 2);
});

test('runs of different length are compared over the frames both have', () => {
  const a = labelAgreement([[f(0, 'with_mask')], [f(0, 'with_mask')]], [[f(0, 'with_mask')]]);
  assert.equal(a.frames, 1);
  assert.equal(labelAgreement([], []).share, 1);
});
