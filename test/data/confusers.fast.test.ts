/**
 * The confuser test set (src/data/confusers.ts), the pure part: the committed list parses and follows
 * the label policy; a bad line and a missing list are refused with a message that says what to do;
 * the exclusion of an ilc2021 face covers its photo group. (Against the installed datasets:
 * confusers.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFUSER_COLUMNS, CONFUSER_KINDS, confuserDataset, confuserExclusion, confuserIlc2021Photo, isConfuserExcluded, parseConfuserList, readConfuserList } from '../../src/data/confusers';
import type { Ilc2021Split } from '../../src/data/ilc2021';

const entries = readConfuserList();
const HEADER = CONFUSER_COLUMNS.join('\t');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-confusers-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

test('the committed list parses: at least 40 faces of known kinds, all without_mask as the policy says, the README example among them', () => {
  assert.ok(entries.length >= 40, `${entries.length} entries`);
  for (const e of entries) {
    assert.ok((CONFUSER_KINDS as readonly string[]).includes(e.kind), `${e.file}: kind ${e.kind}`);
    // docs/contracts.md: every confuser kind leaves a face without_mask
    assert.equal(e.label, 'without_mask', `${e.file} (line ${e.line})`);
    assert.match(e.sha256, /^[0-9a-f]{64}$/);
    assert.ok(e.note.length > 0, `${e.file}: a note says what the face shows`);
  }
  const c0 = entries.find((e) => e.file === 'chandrikadeb7/without_mask/0.jpg');
  assert.ok(c0, 'chandrikadeb7/without_mask/0.jpg is listed');
  assert.equal(c0.kind, 'scarf');
  assert.equal(c0.box, undefined);
  // scene faces are named by their box, whole images by none
  for (const e of entries) assert.equal(e.box !== undefined, confuserDataset(e.file) !== 'chandrikadeb7', e.file);
});

test('a bad line is refused with its line number and the reason', () => {
  const good = `chandrikadeb7/without_mask/0.jpg\t${'a'.repeat(64)}\tscarf\twithout_mask\t\tnote`;
  const refused = (lines: string[], re: RegExp) => assert.throws(() => parseConfuserList(lines.join('\n'), 'list.tsv'), re);
  assert.equal(parseConfuserList(['# a comment', HEADER, good].join('\n')).length, 1);
  refused([good], /list\.tsv:1: the header must be the columns file, sha256, kind, label, box, note/);
  refused([HEADER, good.replace('\tnote', '')], /list\.tsv:2: 5 columns, expected 6/);
  refused([HEADER, good.replace('a'.repeat(64), 'abc')], /list\.tsv:2: "sha256" must be 64 lowercase hex digits/);
  refused([HEADER, good.replace('scarf', 'scraf')], /list\.tsv:2: unknown kind "scraf" \(known: scarf, /);
  refused([HEADER, good.replace('without_mask\t', 'no_mask\t')], /unknown label "no_mask"/);
  refused([HEADER, good.replace('\t\tnote', '\t1,2,0,4\tnote')], /"box" must be x,y,w,h with x, y >= 0 and w, h > 0/);
  refused([HEADER, good.replace('chandrikadeb7/', '../')], /"file" must be a path under dataset\//);
  refused([HEADER, good, good], /list\.tsv:3: chandrikadeb7\/without_mask\/0\.jpg is listed twice \(first on line 2\)/);
  assert.throws(() => readConfuserList(path.join(tmp, 'nothing.tsv')), /no confuser list at .*nothing\.tsv: it is committed with the project \(restore it with "git checkout -- dataset\/confusers\.tsv"\)/);
});

test('the exclusion of ilc2021 faces: their photo (crops and scene), with the recorded split its photo group and linked images', () => {
  const ilc = entries.filter((e) => confuserDataset(e.file) === 'ilc2021');
  assert.ok(ilc.length > 0, 'fixture assumption: the list holds ilc2021 crops');
  const photo = confuserIlc2021Photo(ilc[0].file)!;
  assert.match(photo, /^[0-9a-f]{32}$/);
  assert.equal(confuserIlc2021Photo(`ilc2021/scenes/images/${photo}.jpg`), photo);
  assert.equal(confuserIlc2021Photo('chandrikadeb7/without_mask/0.jpg'), null);
  const plain = confuserExclusion(entries);
  assert.ok(isConfuserExcluded(plain, { sha256: 'f'.repeat(64), photo }), 'another crop or the scene of the photo is left out');
  // a recorded split puts a second photo in the same group, with an image of another dataset linked to it
  const split = {
    photos: { [photo]: { group: 'G', split: 'train' }, neighbour: { group: 'G', split: 'train' }, stranger: { group: 'H', split: 'train' } },
    links: [{ photo: 'neighbour', dataset: 'chandrikadeb7', path: 'with_mask/x.jpg', sha256: 'e'.repeat(64) }],
    excluded: {},
  } as unknown as Ilc2021Split;
  const ex = confuserExclusion(entries, { ilc2021Split: split });
  assert.ok(isConfuserExcluded(ex, { sha256: 'f'.repeat(64), photo: 'neighbour' }));
  assert.ok(isConfuserExcluded(ex, { sha256: 'e'.repeat(64) }), 'the linked image is left out');
  assert.equal(isConfuserExcluded(ex, { sha256: 'f'.repeat(64), photo: 'stranger' }), false);
});
