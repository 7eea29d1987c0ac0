/** scripts/test-all.ts: one exit status for the unit tier and the notebooks run side by side. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combinedStatus } from '../../scripts/test-all';

test("the run fails when either part fails, with the unit tier's status first", () => {
  assert.equal(combinedStatus(0, 0), 0);
  assert.equal(combinedStatus(0, 1), 1, 'a failed notebook fails the run');
  assert.equal(combinedStatus(1, 0), 1, 'a failed unit test fails the run');
  assert.equal(combinedStatus(130, 1), 130, "Ctrl-C's status is kept");
});
