/** Hard training faces (src/training/hard.ts), the pure part: which faces are hard, the list, and the copies training adds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addHardCopies, hardList, hardness, readHardList, uniqueFaces, writeHardList } from '../../src/training/hard';
import type { TrainItem } from '../../src/data/types';

const classes = ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'];
const item = (sha: string, label: string, box?: [number, number, number, number], copy?: number): TrainItem => ({ file: `/d/${sha}.jpg`, sha256: sha, label, source: box ? 'kaggle-fit' : 'chandrikadeb7', group: 'g', ...(box ? { box } : {}), ...(copy ? { copy } : {}) });

test('hard: the probability of the label below the level; the class put first is recorded; a label the model lacks is never hard', () => {
  assert.deepEqual(hardness([0.6, 0.3, 0.1, 0], classes, 'without_mask', 0.5), { hard: true, p: 0.3, top: 'with_mask' });
  assert.deepEqual(hardness([0.2, 0.7, 0.1, 0], classes, 'without_mask', 0.5), { hard: false, p: 0.7, top: 'without_mask' });
  assert.equal(hardness([0.5, 0.5], ['with_mask', 'without_mask'], 'incorrect_mask', 0.5), null);
});

test('the list names hard faces once by image, box and label, with counts per source', () => {
  const items = [item('a', 'with_mask', [0, 0, 10, 10]), item('a', 'with_mask', [0, 0, 10, 10], 1), item('b', 'without_mask'), item('c', 'not_face', [5, 5, 20, 20])];
  const faces = uniqueFaces(items);
  assert.equal(faces.length, 3);
  const list = hardList(faces, [[0.9, 0.05, 0.05, 0], [0.1, 0.4, 0.5, 0], [0.2, 0.1, 0.1, 0.6]], classes, 0.5, { model: { dir: 'm', identity: 'x', calibrated: false }, command: 'c' });
  assert.deepEqual(list.examples.map((e) => [e.sha256, e.top]), [['b', 'incorrect_mask']]);
  assert.equal(list.examples[0].box, undefined);
  assert.deepEqual(list.counts, { 'kaggle-fit': { items: 2, hard: 0 }, chandrikadeb7: { items: 1, hard: 1 } });
  assert.throws(() => hardList(faces, [], classes, 0, { model: { dir: 'm', identity: 'x', calibrated: false }, command: 'c' }), /below must be in \(0, 1\]/);
});

test('training adds copies of listed faces, numbered after their own; unlisted faces and other labels untouched', () => {
  const train = [item('a', 'with_mask', [0, 0, 10, 10]), item('a', 'with_mask', [0, 0, 10, 10], 1), item('a', 'with_mask', [0, 0, 10, 10], 2), item('b', 'without_mask'), item('c', 'with_mask')];
  const list = { kind: 'hard-examples' as const, version: 1 as const, model: { dir: 'm', identity: 'x', calibrated: false }, below: 0.5, counts: {}, command: 'c', examples: [
    { sha256: 'a', box: [0, 0, 10, 10] as [number, number, number, number], label: 'with_mask', source: 'kaggle-fit', p: 0.2, top: 'incorrect_mask' },
    { sha256: 'b', label: 'without_mask', source: 'chandrikadeb7', p: 0.1, top: 'with_mask' },
    { sha256: 'c', label: 'without_mask', source: 'chandrikadeb7', p: 0.1, top: 'with_mask' }, // its label changed: not found
  ] };
  const r = addHardCopies(train, list, 2);
  assert.deepEqual(r.added.map((x) => [x.sha256, x.copy]), [['a', 3], ['a', 4], ['b', 1], ['b', 2]]);
  assert.equal(r.found, 2);
  assert.equal(r.missing, 1);
  // written and read back; a file that is not a list is refused
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hard-'));
  writeHardList(path.join(dir, 'h.json'), list);
  assert.deepEqual(readHardList(path.join(dir, 'h.json')).examples, list.examples);
  fs.writeFileSync(path.join(dir, 'x.json'), '{"kind":"other"}');
  assert.throws(() => readHardList(path.join(dir, 'x.json')), /not a hard examples list/);
  assert.throws(() => readHardList(path.join(dir, 'none.json')), /not found/);
});
