import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { passes, distanceToPolygon, summarisePlacement, type PlacementResult } from '../../src/synth/check';
import type { Pt } from '../../src/synth/geometry';

test('the pass rule per mode', () => {
  assert.equal(passes('correct', 1, 1, 0), true);
  assert.equal(passes('correct', 5 / 6, 1, 0), false);
  assert.equal(passes('correct', 1, 1, 1 / 12), false, 'an eye under the mask fails');
  assert.equal(passes('nose', 0, 1, 0), true);
  assert.equal(passes('nose', 1 / 6, 1, 0), false);
  assert.equal(passes('chin', 0, 0, 0), true);
  assert.equal(passes('chin', 0, 0.05, 0), false);
});

test('distance to a polygon boundary', () => {
  const sq: Pt[] = [[0, 0], [10, 0], [10, 10], [0, 10]];
  assert.equal(distanceToPolygon([5, 5], sq), 5);
  assert.equal(distanceToPolygon([13, 5], sq), 3);
  assert.equal(distanceToPolygon([13, 14], sq), 5);
});

test('pass rates count images without plausible landmarks apart', () => {
  const r = (mode: 'correct' | 'nose', refound: boolean, pass: boolean): PlacementResult => ({ file: 'x', mode, style: 's', refound, via: refound ? 'detector' : 'none', noseCovered: 1, mouthCovered: 1, eyesCovered: 0, pass, landmarks: [] });
  const s = summarisePlacement([r('correct', true, true), r('correct', true, false), r('correct', false, false), r('nose', true, true)]);
  const c = s.find((x) => x.mode === 'correct')!;
  assert.deepEqual([c.images, c.refound, c.passed, c.passRate, c.passRateAll], [3, 2, 1, 0.5, 1 / 3]);
  assert.equal(s.find((x) => x.mode === 'nose')!.passRate, 1);
});
