/** scripts/test-all.ts: the unit tier and the notebooks side by side (the notebooks at nice 19), one exit status. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combinedStatus, npmCommand } from '../../scripts/test-all';

test("the run fails when either part fails, with the unit tier's status first", () => {
  assert.equal(combinedStatus(0, 0), 0);
  assert.equal(combinedStatus(0, 1), 1, 'a failed notebook fails the run');
  assert.equal(combinedStatus(1, 0), 1, 'a failed unit test fails the run');
  assert.equal(combinedStatus(130, 1), 130, "Ctrl-C's status is kept");
});

test('the notebooks run at the lowest priority, the unit tier at the usual one', () => {
  assert.deepEqual(npmCommand('notebooks', true), ['nice', ['-n', '19', 'npm', 'run', '-s', 'notebooks']]);
  assert.deepEqual(npmCommand('test:unit', false), ['npm', ['run', '-s', 'test:unit']]);
});
