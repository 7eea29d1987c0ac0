/** Detectors behind one interface, the pure part: names refused, the consensus score. (On real photos with the real weights: detector.test.ts.) */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DETECTORS } from '../../src/detection/detectors';
import { DetectorError } from '../../src/detection/types';
import { resolveConfig } from '../../src/config';

const cfg = resolveConfig().detect;

test('unknown detector names are refused with the valid ones', async () => {
  await assert.rejects(DETECTORS.create('yolo', cfg), (e: Error) => e instanceof DetectorError && e.message.includes(DETECTORS.names().join(', ')));
});

test('fused score: geometric mean with the best overlapping verifier box, 0 without one', async () => {
  const { fuseDetections } = await import('../../src/detection/consensus');
  const fused = fuseDetections(
    [{ box: [0, 0, 10, 10], score: 0.81 }, { box: [100, 100, 10, 10], score: 0.9 }],
    [{ box: [1, 0, 10, 10], score: 0.25 }, { box: [0, 1, 10, 10], score: 0.16 }],
    0.4,
  );
  assert.ok(Math.abs(fused[0].score - 0.45) < 1e-9);
  assert.equal(fused[1].score, 0);
});
