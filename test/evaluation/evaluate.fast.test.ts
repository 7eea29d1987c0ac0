/**
 * The confuser set in the evaluation (src/evaluation/evaluate.ts), the pure part: the table per kind
 * counts what a model called each face. (The shipped models on the committed list, end to end:
 * evaluate.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confuserTable } from '../../src/evaluation/evaluate';
import { confuserTableMarkdown } from '../../src/evaluation/report';

test('the table per kind: faces, the best emitted label of each, the mean with_mask score; not_face is never a label', () => {
  const classes = ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'];
  const items = [{ kind: 'scarf' }, { kind: 'scarf' }, { kind: 'hand' }, { kind: 'beard' }];
  const probs = [
    [0.7, 0.2, 0.1, 0],
    [0.1, 0.3, 0.1, 0.5], // not_face on top: called without_mask, the best label it can emit
    [0.2, 0.3, 0.5, 0],
    [0.0, 1.0, 0.0, 0],
  ];
  const rows = confuserTable(items, classes, probs);
  assert.deepEqual(rows.map((r) => r.kind), ['scarf', 'hand', 'beard', 'all']); // CONFUSER_KINDS order, then all
  assert.deepEqual(rows[0].called, { with_mask: 1, without_mask: 1, incorrect_mask: 0 });
  assert.equal(rows[0].faces, 2);
  assert.ok(Math.abs(rows[0].meanWithMask! - 0.4) < 1e-6);
  assert.deepEqual(rows[3].called, { with_mask: 1, without_mask: 2, incorrect_mask: 1 });
  // a two-class model cannot say incorrect_mask: no count, not a zero
  const two = confuserTable(items, ['with_mask', 'without_mask'], probs.map((p) => p.slice(0, 2)));
  assert.equal(two[3].called.incorrect_mask, null);
  assert.match(confuserTableMarkdown(two), /\| \*\*all\*\* \| \*\*4\*\* \| \*\*1\*\* \| \*\*3\*\* \| \*\*—\*\* \| \*\*0\.250\*\* \|/);
  // grouped by something else (the source dataset)
  assert.deepEqual(confuserTable(items, classes, probs, (i) => (i < 2 ? 'a' : 'b')).map((r) => [r.kind, r.faces]), [['a', 2], ['b', 2], ['all', 4]]);
});
