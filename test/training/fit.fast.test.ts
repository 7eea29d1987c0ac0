/** Fitting pieces (src/training/fit.ts), the pure part: balanced class weights. (Dropout masks and the forward pass on tfjs: fit.test.ts.) */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balancedClassWeights } from '../../src/training/fit';

test('balanced class weights: n / (k * n_class), 0 for an absent class', () => {
  const w = balancedClassWeights([0, 0, 0, 1], 3);
  assert.deepEqual(w, [4 / 9, 4 / 3, 0]);
  // every class then weighs the same in total
  assert.ok(Math.abs(3 * w[0] - 1 * w[1]) < 1e-12);
});
