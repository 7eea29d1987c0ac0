/** The rules `facemask tune` chooses by (src/training/tune-rules.ts): candidates by mAP, ties to the cheaper; drawing by F1 of faces found and labelled right, ties to the smaller change. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAP_TIE, candidateCost, chooseCandidate, chooseDrawing, drawF1, sweepDrawing, type DrawRow } from '../../src/training/tune-rules';
import type { DetectionSummary, ScoredScenes } from '../../src/evaluation/scenes';
import type { Box } from '../../src/result';

const plan = (upscale: number) => ({ upscale, split: 24, maxPixels: 1_500_000 });

test('candidates: the best validation mAP wins; within the tie margin the one reading fewer pixels', () => {
  const one = { detector: 'a', scales: null, mAP: 0.7 };
  const x15 = { detector: 'a', scales: plan(1.5), mAP: 0.75 };
  const x2 = { detector: 'a', scales: plan(2), mAP: 0.75 + MAP_TIE / 2 };
  assert.ok(candidateCost(one) < candidateCost(x15) && candidateCost(x15) < candidateCost(x2));
  assert.equal(chooseCandidate([one, x2, x15]), x15, 'x2 is better by less than the margin: the cheaper x1.5');
  const x2clear = { ...x2, mAP: 0.75 + 3 * MAP_TIE };
  assert.equal(chooseCandidate([one, x2clear, x15]), x2clear);
  assert.equal(chooseCandidate([{ ...one, mAP: NaN }]), null, 'nothing measurable, nothing chosen');
});

test('drawing F1 by hand: 2·right / (faces + found + false boxes)', () => {
  const s = { all: { faces: 10, found: 8, right: 6 }, falseDetections: 2 } as DetectionSummary;
  assert.equal(drawF1(s), (2 * 6) / (10 + 8 + 2));
  assert.equal(drawF1({ all: { faces: 0, found: 0, right: 0 }, falseDetections: 0 } as DetectionSummary), 0);
});

test('drawing: the best F1; ties go to no trusted boxes, less rejection, a higher threshold', () => {
  const row = (threshold: number, rejectAt: number | null, trustAbove: number | null, f1: number): DrawRow => ({ threshold, rejectAt, trustAbove, f1, summary: {} as DetectionSummary });
  const rows = [row(0.5, 0.5, 0.9, 0.8), row(0.6, null, null, 0.82), row(0.4, 0.3, null, 0.81)];
  assert.equal(chooseDrawing(rows), rows[1]);
  const tie = [row(0.5, 0.5, 0.9, 0.8), row(0.5, 0.5, null, 0.8), row(0.5, null, null, 0.8), row(0.6, null, null, 0.8)];
  assert.equal(chooseDrawing(tie), tie[3]);
  assert.equal(chooseDrawing([]), null);
});

test('a sweep on scored scenes: every combination above the floor; a right label counts, a wrong one and a false box cost', () => {
  const face: Box = [10, 10, 40, 40];
  const scene = { file: 'x.jpg', faces: [{ file: 'x.jpg', box: face, label: 'with_mask' as const }] };
  const scored: ScoredScenes = {
    detector: 'x',
    low: 0.3,
    classes: ['with_mask', 'without_mask', 'not_face'],
    scenes: [{ scene, detections: [{ box: face, score: 0.9 }, { box: [200, 200, 30, 30], score: 0.5 }], probabilities: [Float32Array.from([0.9, 0.05, 0.05]), Float32Array.from([0.1, 0.1, 0.8])], ms: 1 }],
  };
  const rows = sweepDrawing(scored, { thresholds: [0.2, 0.4, 0.6], rejectAts: [0.5, null], trustAboves: [null] });
  assert.deepEqual(rows.map((r) => [r.threshold, r.rejectAt]), [[0.4, 0.5], [0.4, null], [0.6, 0.5], [0.6, null]], 'the 0.2 threshold is under the floor the boxes were found at');
  const f1 = (t: number, r: number | null) => rows.find((x) => x.threshold === t && x.rejectAt === r)!.f1;
  assert.equal(f1(0.6, null), 1, 'the false box scores 0.5: above 0.6 only the right face');
  assert.equal(f1(0.4, 0.5), 1, 'p(not_face) 0.8 >= 0.5 drops the false box');
  assert.equal(f1(0.4, null), 1, 'not_face is its top class: dropped anyway');
  const wrong = { ...scored, scenes: [{ ...scored.scenes[0], probabilities: [Float32Array.from([0.1, 0.85, 0.05]), Float32Array.from([0.1, 0.8, 0.1])] }] };
  const w = sweepDrawing(wrong, { thresholds: [0.4], rejectAts: [null], trustAboves: [null] })[0];
  assert.equal(w.f1, 0, 'found with the wrong label, and a false box: nothing right');
});
