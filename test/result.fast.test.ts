import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJsonLine, summarise, type DetectResult } from '../src/result';

test('JSON lines follow the conventions', () => {
  assert.equal(
    toJsonLine({ file: 'a.jpg', label: 'with_mask', score: 0.99312, scores: { with_mask: 0.99312, without_mask: 0.00688 } }),
    '{"file":"a.jpg","label":"with_mask","score":0.9931,"scores":{"with_mask":0.9931,"without_mask":0.0069}}',
  );
  const d: DetectResult = { file: 'b.jpg', width: 640, height: 480, faces: [{ box: [10.4, 20.6, 30, 40], faceScore: 0.97, label: 'without_mask', score: 0.91, scores: { with_mask: 0.09, without_mask: 0.91 } }], ms: { detect: 12.06, classify: 4 } };
  assert.deepEqual(JSON.parse(toJsonLine(d)), { file: 'b.jpg', width: 640, height: 480, faces: [{ box: [10, 21, 30, 40], faceScore: 0.97, label: 'without_mask', score: 0.91, scores: { with_mask: 0.09, without_mask: 0.91 } }], ms: { detect: 12.1, classify: 4 } });
  assert.equal(toJsonLine({ file: 'c.jpg', error: 'corrupt jpeg image' }), '{"file":"c.jpg","error":"corrupt jpeg image"}');
  assert.equal(summarise(d), '1 without_mask');
});

test('the decision rule: argmax by default, or incorrect_mask from a threshold, else the best of the others', async () => {
  const { bestEmitted, checkDecisionRule } = await import('../src/result');
  const FOUR = ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'];
  const p = [0.5, 0.1, 0.3, 0.1];
  assert.equal(bestEmitted(p, FOUR).label, 'with_mask');
  assert.equal(bestEmitted(p, FOUR, 'argmax').label, 'with_mask');
  assert.deepEqual(bestEmitted(p, FOUR, { incorrect_mask: 0.3 }), { label: 'incorrect_mask', score: 0.3, scores: { with_mask: 0.5, without_mask: 0.1, incorrect_mask: 0.3 } }, 'the boundary is inclusive');
  assert.equal(bestEmitted(p, FOUR, { incorrect_mask: 0.31 }).label, 'with_mask');
  // above the threshold... and below it even when incorrect_mask is the top class
  assert.equal(bestEmitted([0.2, 0.1, 0.6, 0.1], FOUR, { incorrect_mask: 0.7 }).label, 'with_mask', 'below t: the best of the other emitted classes');
  assert.equal(bestEmitted([0.05, 0.05, 0.1, 0.8], FOUR, { incorrect_mask: 0.05 }).label, 'incorrect_mask', 'not_face is never a label');
  // a model without incorrect_mask: a threshold changes nothing
  assert.equal(bestEmitted([0.4, 0.6], ['with_mask', 'without_mask'], { incorrect_mask: 0.1 }).label, 'without_mask');
  assert.equal(checkDecisionRule('argmax', 'x'), 'argmax');
  assert.deepEqual(checkDecisionRule({ incorrect_mask: 0.25 }, 'x', FOUR), { incorrect_mask: 0.25 });
  assert.throws(() => checkDecisionRule({ incorrect_mask: 1.5 }, 'm: decision'), /m: decision: the decision rule must be "argmax" or \{ "incorrect_mask": t \} with t in \(0, 1\)/);
  assert.throws(() => checkDecisionRule({ with_mask: 0.5 }, 'x'), /must be "argmax" or/);
  assert.throws(() => checkDecisionRule('max', 'x'), /must be "argmax" or/);
  assert.throws(() => checkDecisionRule({ incorrect_mask: 0.5 }, 'x', ['with_mask', 'without_mask']), /no incorrect_mask class/);
});

test('--all-boxes lines: every box with faceScore and every class (not_face too), numbers as computed (a tool recomputes the same AP)', () => {
  const box = { box: [10.456789, 20.004, 30, 40.5] as [number, number, number, number], faceScore: 0.0712345678, scores: { with_mask: 0.1234567, without_mask: 0.4999999, incorrect_mask: 1.234567e-8, not_face: 0.3765433 } };
  const line = toJsonLine({ file: 'd.jpg', width: 100, height: 80, floor: 0.05, boxes: [box], ms: { detect: 3.04, classify: 1 } });
  assert.deepEqual(JSON.parse(line), { file: 'd.jpg', width: 100, height: 80, floor: 0.05, boxes: [box], ms: { detect: 3, classify: 1 } });
  assert.deepEqual(Object.keys(JSON.parse(line)), ['file', 'width', 'height', 'floor', 'boxes', 'ms']);
});
