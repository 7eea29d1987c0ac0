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
