import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, defaultConfig, isSmall } from '../src/config';

test('defaults, small-data mode and overrides', () => {
  assert.equal(defaultConfig({}).small, false);
  assert.equal(defaultConfig({ FACEMASK_SMALL: '1' }).small, true);
  assert.equal(isSmall({ FACEMASK_SMALL: '0' }), false);
  const c = resolveConfig({ train: { smallEpochs: 5 }, split: { seed: 3 } }, {});
  assert.equal(c.train.smallEpochs, 5);
  assert.equal(c.split.seed, 3);
  assert.equal(c.train.workers, defaultConfig({}).train.workers, 'untouched fields keep their defaults');
});

test('unknown or ill-typed fields are refused with the valid names', () => {
  assert.throws(() => resolveConfig({ trian: {} } as never, {}), /unknown config field "trian" \(valid: small, seed/);
  assert.throws(() => resolveConfig({ train: { smallEpochs: '3' } } as never, {}), /"train.smallEpochs" must be a number/);
  assert.throws(() => resolveConfig({ split: { ratios: { train: 0.9, val: 0.1, test: 0.2 } } }, {}), /sum to 1/);
  assert.throws(() => resolveConfig({ detect: { ssdMobilenet: { minConfidence: 1 } } }, {}), /detect.ssdMobilenet.minConfidence must be in \(0, 1\)/);
});

test('a nullable field takes null ("decided elsewhere") or a value of its type', () => {
  assert.equal(resolveConfig({}, {}).detect.detector, null);
  assert.equal(resolveConfig({ detect: { detector: 'res10' } }, {}).detect.detector, 'res10');
  assert.equal(resolveConfig({ video: { detector: null } }, {}).video.detector, null);
  assert.throws(() => resolveConfig({ detect: { detector: 3 } } as never, {}), /"detect.detector" must be a string or null/);
});
