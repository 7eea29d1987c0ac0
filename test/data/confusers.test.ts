/**
 * The confuser test set (src/data/confusers.ts): the committed list parses and follows the label
 * policy; every entry is the installed file with the listed SHA-256 and the face the annotators
 * marked (skipping, with the reason, when a dataset is absent); a bad, tampered or missing entry and
 * a missing list are refused with a message that says what to do; the exclusion covers a listed
 * image, its near-duplicate group, its ilc2021 photo group and synthetic images made from any of
 * them. (That the realworld training items lose them: test/training/data.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import {
  CONFUSER_COLUMNS, checkConfuserRecords, confuserDataset, confuserExclusion, confuserFaces, confuserSynth, isConfuserExcluded, parseConfuserList, readConfuserList,
} from '../../src/data/confusers';
import { loadDatasets } from '../../src/data/load';
import { findLinks, groupImages } from '../../src/data/duplicates';
import { groupingFromConfig } from '../../src/data/split';
import { KAGGLE } from '../../src/data/kaggle';
import { datasetDir, projectPaths } from '../../src/paths';
import { skipOrFail } from '../skip';
import { resolveConfig } from '../../src/config';

const entries = readConfuserList();
const datasets = [...new Set(entries.map((e) => confuserDataset(e.file)))];
const absent = datasets.filter((d) => !fs.existsSync(datasetDir(d)));
const skipAll = absent.length ? `not installed: ${absent.join(', ')} (run "facemask prepare --mirror ../shared")` : false;
const C0 = path.join(datasetDir('chandrikadeb7'), 'without_mask', '0.jpg');
const skipC0 = fs.existsSync(C0) ? false : `chandrikadeb7 is not installed (run "facemask prepare --mirror ../shared --only chandrikadeb7")`;
const K217 = path.join(datasetDir(KAGGLE), 'images', 'maksssksksss217.jpg');
const skipK = fs.existsSync(K217) ? false : `${KAGGLE} is not installed (run "facemask prepare --mirror ../shared --only ${KAGGLE}")`;

const HEADER = CONFUSER_COLUMNS.join('\t');
const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-confusers-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** A dataset root of its own with a list: `files` are copied from the installed datasets. */
function fixtureRoot(name: string, files: string[], lines: string[]): { root: string; list: string } {
  const root = path.join(tmp, name);
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.copyFileSync(path.join(projectPaths().dataset, f), path.join(root, f));
  }
  fs.mkdirSync(root, { recursive: true });
  const list = path.join(root, 'confusers.tsv');
  fs.writeFileSync(list, [HEADER, ...lines].join('\n') + '\n');
  return { root, list };
}

test('every entry is the installed file with the listed SHA-256 and the face the annotators marked', (t) => {
  if (skipOrFail(t, skipAll)) return;
  const faces = confuserFaces();
  assert.equal(faces.length, entries.length);
  for (const [i, f] of faces.entries()) {
    const e = entries[i];
    assert.equal(f.file, path.join(projectPaths().dataset, ...e.file.split('/')));
    assert.equal(sha(fs.readFileSync(f.file)), e.sha256, e.file);
    assert.deepEqual(f.box, e.box);
    assert.equal(f.label, e.label);
    assert.equal(f.kind, e.kind);
  }
});

test('a missing file, a SHA-256 mismatch or a tampered file is refused, saying what to do', (t) => {
  if (skipOrFail(t, skipC0)) return;
  const rel = 'chandrikadeb7/without_mask/0.jpg';
  const bytes = fs.readFileSync(C0);
  const line = (s: string, extra = '') => `${rel}\t${s}\tscarf\twithout_mask\t${extra}\tdupatta`;
  // the real file, as listed: accepted
  const ok = fixtureRoot('ok', [rel], [line(sha(bytes))]);
  assert.deepEqual(confuserFaces(ok).map((f) => [f.file, f.kind, f.label]), [[path.join(ok.root, rel), 'scarf', 'without_mask']]);
  // the list's checksum is not the file's
  const wrong = fixtureRoot('wrong', [rel], [line('0'.repeat(64))]);
  assert.throws(() => confuserFaces(wrong), /chandrikadeb7\/without_mask\/0\.jpg \(line 2 of confusers\.tsv\) has SHA-256 97a211737787…, the list says 000000000000…: it is not the image whose face was looked at\. Reinstall the dataset \("facemask prepare --mirror \.\.\/shared --only chandrikadeb7" verifies every file\)/);
  // the file changed under the listed checksum
  const tampered = fixtureRoot('tampered', [rel], [line(sha(bytes))]);
  fs.appendFileSync(path.join(tampered.root, rel), Buffer.from([0]));
  assert.throws(() => confuserFaces(tampered), /has SHA-256 [0-9a-f]{12}…, the list says 97a211737787…/);
  // the file is not there
  const missing = fixtureRoot('missing', [], [line(sha(bytes))]);
  assert.throws(() => confuserFaces(missing), /chandrikadeb7\/without_mask\/0\.jpg \(line 2 of confusers\.tsv\) is not installed: run "facemask prepare --mirror \.\.\/shared --only chandrikadeb7"/);
  // a whole-image dataset takes no box; the label must be the annotators'
  assert.throws(() => confuserFaces(fixtureRoot('box', [rel], [line(sha(bytes), '1,2,3,4')])), /chandrikadeb7 images are one face each: leave "box" empty/);
  const relabelled = fixtureRoot('label', [rel], [line(sha(bytes)).replace('\twithout_mask\t', '\twith_mask\t')]);
  assert.throws(() => confuserFaces(relabelled), /the dataset files it as without_mask, the list says with_mask: the list follows the annotators/);
  // training's check against the records it loaded
  const records = [{ dataset: 'chandrikadeb7', relPath: 'without_mask/0.jpg', sha256: sha(bytes) }];
  checkConfuserRecords(parseConfuserList([HEADER, line(sha(bytes))].join('\n')), records, ['chandrikadeb7']);
  assert.throws(() => checkConfuserRecords(parseConfuserList([HEADER, line('1'.repeat(64))].join('\n')), records, ['chandrikadeb7']), /does not match the installed data \(1\): chandrikadeb7\/without_mask\/0\.jpg \(line 2\) has SHA-256 97a211737787…, the list says 111111111111…: reinstall chandrikadeb7/);
  assert.throws(() => checkConfuserRecords(parseConfuserList([HEADER, line(sha(bytes))].join('\n')), [], ['chandrikadeb7']), /is not among the loaded chandrikadeb7 images/);
  // a dataset training did not load is not checked there
  checkConfuserRecords(parseConfuserList([HEADER, line('1'.repeat(64))].join('\n')), [], [KAGGLE]);
});

test('a scene face must be an annotated box with the annotators\' label', (t) => {
  if (skipOrFail(t, skipK)) return;
  const rel = `${KAGGLE}/images/maksssksksss217.jpg`;
  const ann = `${KAGGLE}/annotations/maksssksksss217.xml`;
  const s = sha(fs.readFileSync(K217));
  const line = (box: string, label = 'without_mask') => `${rel}\t${s}\tbeard\t${label}\t${box}\tbeard`;
  assert.equal(confuserFaces(fixtureRoot('k-ok', [rel, ann], [line('115,202,103,139')])).length, 1);
  assert.throws(() => confuserFaces(fixtureRoot('k-box', [rel, ann], [line('100,200,103,139')])), /no annotated face at \[100, 200, 103, 139\] \(annotated: \[115, 202, 103, 139\] without_mask\): the list names faces by their annotated box/);
  assert.throws(() => confuserFaces(fixtureRoot('k-nobox', [rel, ann], [line('')])), /name the face by its annotated box/);
  assert.throws(() => confuserFaces(fixtureRoot('k-label', [rel, ann], [line('115,202,103,139', 'with_mask')])), /the annotators filed this face as without_mask, the list says with_mask/);
  assert.throws(() => confuserFaces(fixtureRoot('k-noann', [rel], [line('115,202,103,139')])), /its annotation kaggle-face-mask-dev\/annotations\/maksssksksss217\.xml is missing/);
});

test('the exclusion: a listed image, every member of its near-duplicate group, and synthetic images made from them', async (t) => {
  if (skipOrFail(t, skipC0 || (!fs.existsSync(datasetDir('observations')) && 'observations is not installed'))) return;
  // the real grouping (src/data/duplicates.ts) over the datasets the listed images come from
  const data = await loadDatasets(['observations', 'chandrikadeb7'], { config: resolveConfig(), perClass: Infinity });
  const grouping = groupImages(data.records.map((r) => r.sha256), findLinks(data.records, data.fingerprints, groupingFromConfig(resolveConfig().split)), groupingFromConfig(resolveConfig().split));
  const groupOf = (s: string) => grouping.groupOf.get(s);
  const ex = confuserExclusion(entries, { groupOf });
  const members = (g: string) => data.records.filter((r) => groupOf(r.sha256) === g);
  const listed = new Set(entries.map((e) => e.sha256));
  const grouped = entries.map((e) => groupOf(e.sha256)).filter((g): g is string => g !== undefined && members(g).some((r) => !listed.has(r.sha256)));
  assert.ok(grouped.length > 0, 'fixture assumption: some listed image has near-duplicates that are not listed');
  for (const g of grouped) {
    for (const r of members(g)) assert.ok(isConfuserExcluded(ex, { sha256: r.sha256, group: g }), `${r.dataset}/${r.relPath} (group ${g}) is left out`);
  }
  for (const e of entries) assert.ok(isConfuserExcluded(ex, { sha256: e.sha256 }), `${e.file} is left out by its checksum alone`);
  const other = data.records.find((r) => !listed.has(r.sha256) && !ex.groups.has(groupOf(r.sha256) ?? ''))!;
  assert.equal(isConfuserExcluded(ex, { sha256: other.sha256, group: groupOf(other.sha256) }), false, 'an unrelated image stays');
  // synthetic images: made from a listed image, from a member of its group, or from an unrelated photo
  const member = members(grouped[0]).find((r) => !listed.has(r.sha256))!;
  const manifest = [
    { sha256: 'a'.repeat(64), sourceSha256: entries[0].sha256 },
    { sha256: 'b'.repeat(64), sourceSha256: member.sha256 },
    { sha256: 'c'.repeat(64), sourceSha256: other.sha256 },
  ];
  assert.deepEqual(confuserSynth(ex, manifest, groupOf).map((m) => m.sha256), ['a'.repeat(64), 'b'.repeat(64)]);
});
