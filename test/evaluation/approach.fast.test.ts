/**
 * Measuring an approach (src/evaluation/approach.ts), the pure part: the reference detection setting
 * every compared model runs at, and the field's measure kept without its curves. (The whole
 * measurement on the installed data: bench/approach.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldNumbers, referenceRequest } from '../../src/evaluation/approach';
import { fieldMeasure } from '../../src/evaluation/voc';

test("the reference setting is a model's tuned setting for one detector, box correction included; none is refused", () => {
  const box = { dx: 0.01, dy: 0.1, sw: 0.02, sh: -0.1, n: 10 };
  const m = { detection: { detector: 'yunet-n', settings: { 'yunet-n': { threshold: 0.6, rejectAt: null, trustAbove: 0.8, box }, res10: { threshold: 0.35, rejectAt: 0.2, trustAbove: null } } } };
  assert.deepEqual(referenceRequest(m, 'yunet-n', 'models/default'), { detector: 'yunet-n', threshold: 0.6, rejectAt: null, trustAbove: 0.8, box, scales: null, fineBox: null });
  assert.deepEqual(referenceRequest(m, 'res10', 'models/default').box, null);
  assert.throws(() => referenceRequest(m, 'yunet', 'models/x'), /models\/x has no tuned setting for yunet/);
  assert.throws(() => referenceRequest({}, 'yunet-n', 'runs/train/a/model'), /no tuned setting/);
});

test("the photo reference is the model's photo setting, its two scales and enlarged-photo correction with it; another detector's or none is refused", () => {
  const box = { dx: 0.01, dy: 0.1, sw: 0.02, sh: -0.1, n: 10 };
  const fineBox = { dx: 0.02, dy: 0.12, sw: 0.07, sh: -0.09, n: 20 };
  const scales = { upscale: 1.5, split: 24, maxPixels: 1_500_000 };
  const one = { threshold: 0.6, rejectAt: null, trustAbove: 0.9, box };
  const m = { detection: { detector: 'yunet-n', settings: { 'yunet-n': one }, photo: { ...one, threshold: 0.8, detector: 'yunet-n', scales, fineBox } } };
  assert.deepEqual(referenceRequest(m, 'yunet-n', 'models/default', 'photo'), { detector: 'yunet-n', threshold: 0.8, rejectAt: null, trustAbove: 0.9, box, scales, fineBox });
  assert.equal(referenceRequest(m, 'yunet-n', 'models/default', 'video').threshold, 0.6);
  assert.throws(() => referenceRequest(m, 'yunet-s', 'models/default', 'photo'), /no photo setting for yunet-s .*is for yunet-n/);
  assert.throws(() => referenceRequest({ detection: { detector: 'yunet-n', settings: { 'yunet-n': one } } }, 'yunet-n', 'models/x', 'photo'), /models\/x has no photo setting/);
});

test('the field numbers keep every AP, recall and count, and leave the curves out', () => {
  const images = [
    { faces: [{ box: [0, 0, 20, 20] as [number, number, number, number], label: 'with_mask' as const }], boxes: [{ box: [0, 0, 20, 20] as [number, number, number, number], faceScore: 0.9, scores: { with_mask: 0.8, without_mask: 0.1, incorrect_mask: 0.1 } }] },
  ];
  const f = fieldMeasure(images, { floor: 0.05 });
  const n = fieldNumbers(f);
  assert.equal(n.mAP, f.mAP);
  assert.equal(n.perClass.with_mask.ap, 1);
  assert.equal(n.perClass.with_mask.truePositives, 1);
  assert.ok(!('points' in n.perClass.with_mask) && !('points' in n.agnostic));
  assert.deepEqual(n.bands, f.bands);
  assert.ok(f.perClass.with_mask.points.length > 0); // the input is not changed
});
