import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, defaultConfig, isSmall } from '../src/config';

test('defaults, small-data mode and overrides', () => {
  assert.equal(defaultConfig({}).train.epochs, 20);
  assert.equal(defaultConfig({ FACEMASK_SMALL: '1' }).train.epochs < 20, true);
  assert.equal(isSmall({ FACEMASK_SMALL: '0' }), false);
  const c = resolveConfig({ train: { epochs: 5 }, split: { seed: 3 } }, {});
  assert.equal(c.train.epochs, 5);
  assert.equal(c.split.seed, 3);
  assert.equal(c.train.batchSize, 32);
});

test('unknown or ill-typed fields are refused with the valid names', () => {
  assert.throws(() => resolveConfig({ trian: {} } as never, {}), /unknown config field "trian" \(valid: small, seed/);
  assert.throws(() => resolveConfig({ train: { epochs: '3' } } as never, {}), /"train.epochs" must be a number/);
  assert.throws(() => resolveConfig({ split: { ratios: { train: 0.9, val: 0.1, test: 0.2 } } }, {}), /sum to 1/);
});
