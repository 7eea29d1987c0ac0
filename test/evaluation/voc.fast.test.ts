/**
 * The field's measure (src/evaluation/voc.ts) on hand-made images whose AP can be worked out by
 * hand: perfect detections, a duplicate box, class scores from probabilities (not_face included),
 * the floor, the size bands' ignore rules, the detector's own AP beside the classes'.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Box } from '../../src/result';
import type { Label } from '../../src/labels';
import { FIELD_BANDS, agnosticAp, allPointAp, classAp, classDetections, fieldMeasure, meanAp, scoredBox, thinCurve, type ScoredBox, type VocImage } from '../../src/evaluation/voc';

const sq = (x: number, side: number): Box => [x, 0, side, side];
const face = (x: number, side: number, label: Label) => ({ box: sq(x, side), label });
/** A box with face score `s` and the probabilities of the three labels (and not_face, the rest). */
const box = (x: number, side: number, s: number, p: Partial<Record<Label, number>>): ScoredBox => {
  const scores: Record<string, number> = { with_mask: 0, without_mask: 0, incorrect_mask: 0, ...p };
  scores.not_face = 1 - Object.values(scores).reduce((a, b) => a + b, 0);
  return { box: sq(x, side), faceScore: s, scores };
};
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
const band = (name: string) => FIELD_BANDS.find((b) => b.name === name)!;

test('perfect detections: every class present has AP 1, the mean is over those classes, the detector AP is 1', () => {
  const images: VocImage[] = [
    { faces: [face(0, 40, 'with_mask'), face(100, 40, 'without_mask')], boxes: [box(0, 40, 0.9, { with_mask: 1 }), box(100, 40, 0.8, { without_mask: 1 })] },
    { faces: [face(0, 30, 'with_mask')], boxes: [box(0, 30, 0.7, { with_mask: 0.95, without_mask: 0.05 })] },
  ];
  const r = fieldMeasure(images, { floor: 0.05 });
  assert.equal(r.perClass.with_mask.ap, 1);
  assert.equal(r.perClass.without_mask.ap, 1);
  assert.ok(Number.isNaN(r.perClass.incorrect_mask.ap), 'no incorrectly worn face: no AP');
  assert.equal(r.mAP, 1, 'the mean leaves out the class without faces');
  assert.equal(r.agnostic.ap, 1);
  assert.deepEqual([r.faces, r.boxes, r.perClass.with_mask.recall], [3, 3, 1]);
  // every box is a detection of every class: the without_mask box's with_mask detection is a false positive after full recall
  assert.equal(r.perClass.with_mask.detections, 3);
});

test('a duplicate box is a false positive: two faces, the first found twice before the second → AP 5/6', () => {
  const images: VocImage[] = [{ faces: [face(0, 40, 'with_mask'), face(100, 40, 'with_mask')], boxes: [box(0, 40, 0.9, { with_mask: 1 }), box(1, 40, 0.8, { with_mask: 1 }), box(100, 40, 0.7, { with_mask: 1 })] }];
  const c = classAp(images, 'with_mask', { floor: 0.05 });
  // TP (r .5, p 1), FP (r .5, p .5), TP (r 1, p 2/3): 0.5 * 1 + 0.5 * 2/3
  close(c.ap, 0.5 + 1 / 3);
  assert.deepEqual([c.truePositives, c.detections, c.recall], [2, 3, 1]);
  assert.deepEqual(c.points.map((p) => p.score), [0.9, 0.8, 0.7]);
  // a duplicate after every face is found costs nothing
  const late: VocImage[] = [{ faces: [face(0, 40, 'with_mask')], boxes: [box(0, 40, 0.9, { with_mask: 1 }), box(1, 40, 0.8, { with_mask: 1 })] }];
  assert.equal(classAp(late, 'with_mask', { floor: 0.05 }).ap, 1);
});

test('class scores are face score x probability, not_face included, and rank the detections', () => {
  const b = box(0, 40, 0.8, { with_mask: 0.5, without_mask: 0.3, incorrect_mask: 0.1 });
  close(classDetections([b], 'with_mask', 0.05)[0].score, 0.4);
  close(classDetections([b], 'without_mask', 0.05)[0].score, 0.24);
  close(classDetections([b], 'incorrect_mask', 0.05)[0].score, 0.08);
  // a false box the detector is sure of, which the classifier calls not_face: its with_mask score falls below the true one
  const images: VocImage[] = [{ faces: [face(0, 40, 'with_mask')], boxes: [box(200, 40, 0.9, { with_mask: 0.2 }), box(0, 40, 0.6, { with_mask: 0.9 })] }];
  assert.equal(classAp(images, 'with_mask', { floor: 0.05 }).ap, 1, 'the true box ranks first: 0.54 against 0.18');
  assert.equal(agnosticAp(images, { floor: 0.05 }).ap, 0.5, 'the detector alone ranks the false box first');
  // a two-class model gives no incorrect_mask detection: its faces are never found
  const two = scoredBox(sq(0, 40), 0.9, [0.3, 0.7], ['with_mask', 'without_mask']);
  assert.deepEqual(classDetections([two], 'incorrect_mask', 0.05), []);
  assert.equal(classAp([{ faces: [face(0, 40, 'incorrect_mask')], boxes: [two] }], 'incorrect_mask', { floor: 0.05 }).ap, 0);
  assert.throws(() => scoredBox(sq(0, 1), 1, [1], ['with_mask', 'without_mask']), /1 probabilities for 2 classes/);
});

test('the floor: boxes scored below it are no detections', () => {
  const images: VocImage[] = [{ faces: [face(0, 40, 'without_mask')], boxes: [box(0, 40, 0.04, { without_mask: 1 })] }];
  assert.deepEqual([fieldMeasure(images, { floor: 0.05 }).perClass.without_mask.ap, fieldMeasure(images, { floor: 0.05 }).boxes], [0, 0]);
  assert.equal(fieldMeasure(images, { floor: 0.01 }).perClass.without_mask.ap, 1);
});

test('bands: faces of other bands are ignored, an unmatched box counts in the band of its own size', () => {
  const images: VocImage[] = [{
    faces: [face(0, 10, 'with_mask'), face(100, 30, 'with_mask')],
    boxes: [
      box(500, 10, 0.95, { with_mask: 1 }), // false, 10 px
      box(0, 10, 0.9, { with_mask: 1 }), // the small face
      box(300, 60, 0.85, { with_mask: 1 }), // false, 60 px
      box(100, 30, 0.8, { with_mask: 1 }), // the 30 px face
    ],
  }];
  const all = classAp(images, 'with_mask', { floor: 0.05 });
  // FP, TP (r .5, p .5), FP, TP (r 1, p .5): 0.5 * 0.5 + 0.5 * 0.5
  assert.equal(all.ap, 0.5);
  // < 12: the 10 px false box counts (FP then TP), the 60 px one is another band's, the 30 px face is ignored
  const small = classAp(images, 'with_mask', { floor: 0.05, band: band('< 12') });
  assert.deepEqual([small.ap, small.recall, small.faces, small.detections], [0.5, 1, 1, 2]);
  // 24–48: only its face and its own boxes; the box on the small face is ignored, not false
  const mid = classAp(images, 'with_mask', { floor: 0.05, band: band('24–48') });
  assert.deepEqual([mid.ap, mid.faces, mid.detections], [1, 1, 1]);
  // >= 48: a false box but no face: no AP
  const big = classAp(images, 'with_mask', { floor: 0.05, band: band('>= 48') });
  assert.ok(Number.isNaN(big.ap));
  const r = fieldMeasure(images, { floor: 0.05 });
  assert.deepEqual(r.bands.map((b) => [b.band, b.faces]), [['< 12', 1], ['12–24', 0], ['24–48', 1], ['>= 48', 0]]);
  assert.equal(r.bands[0].perClass.with_mask.ap, 0.5);
  assert.equal(r.bands[0].agnostic.recall, 1);
});

test('a detection goes to the face it overlaps most (VOC): a box on a taken face is false even when another face is near', () => {
  // two overlapping faces; both boxes sit best on face A
  const images: VocImage[] = [{ faces: [{ box: [0, 0, 40, 40] as Box, label: 'with_mask' }, { box: [12, 0, 40, 40] as Box, label: 'with_mask' }], boxes: [box(0, 40, 0.9, { with_mask: 1 }), box(1, 40, 0.8, { with_mask: 1 })] }];
  const c = classAp(images, 'with_mask', { floor: 0.05 });
  assert.deepEqual([c.truePositives, c.recall], [1, 0.5]);
});

test('all-point interpolation and the mean', () => {
  // recall .2 at precision 1, .4 at .5 then a higher .6 at .6: precision made non-increasing from the right
  close(allPointAp([{ score: 3, recall: 0.2, precision: 1 }, { score: 2, recall: 0.4, precision: 0.5 }, { score: 1, recall: 0.6, precision: 0.6 }]), 0.2 * 1 + 0.2 * 0.6 + 0.2 * 0.6);
  assert.equal(allPointAp([]), 0);
  assert.equal(meanAp([1, NaN, 0.5]), 0.75);
  assert.ok(Number.isNaN(meanAp([NaN])));
});

test('thinCurve keeps the corners where recall rises and the last point', () => {
  const pts = Array.from({ length: 1000 }, (_, i) => ({ score: 1 - i / 1000, recall: Math.floor(i / 2) / 500, precision: 0.5 }));
  const t = thinCurve(pts, 100);
  assert.ok(t.length <= 101);
  assert.deepEqual(t[t.length - 1], pts[pts.length - 1]);
  assert.ok(t.every((p, i) => i === 0 || p.recall >= t[i - 1].recall));
  assert.equal(thinCurve(pts.slice(0, 5)).length, 3, 'short curves: the first point, every rise, the end');
});
