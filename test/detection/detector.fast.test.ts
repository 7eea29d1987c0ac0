/** Detectors behind one interface, the pure part: names refused, the retired ones among them. (On real photos with the real weights: detector.test.ts.) */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DETECTORS } from '../../src/detection/detectors';
import { DetectorError } from '../../src/detection/types';
import { resolveConfig } from '../../src/config';

const cfg = resolveConfig().detect;

test('unknown detector names are refused with the valid ones', async () => {
  await assert.rejects(DETECTORS.create('yolo', cfg), (e: Error) => e instanceof DetectorError && e.message.includes(DETECTORS.names().join(', ')));
});

test('the retired detectors (tiny, consensus) are refused like any unknown name', async () => {
  for (const name of ['tiny', 'consensus']) await assert.rejects(DETECTORS.create(name, cfg), /unknown detector/);
});
