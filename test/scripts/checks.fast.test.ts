/** scripts/checks.ts: the checks' statuses as one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKS, firstFailure } from '../../scripts/checks';

test('the checks pass only when all pass; the first failure, in their order, is the status', () => {
  assert.deepEqual([...CHECKS], ['typecheck', 'lint', 'deps', 'docs:api:check']);
  assert.equal(firstFailure([0, 0, 0]), 0);
  assert.equal(firstFailure([0, 1, 0]), 1);
  assert.equal(firstFailure([2, 1, 0]), 2, "the typecheck's status before the linter's");
});
