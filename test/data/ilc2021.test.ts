/**
 * ilc2021: loading, labels, photo groups, the split by photo and the no-leak check, on the
 * installed copy (`facemask prepare --mirror ../shared --only ilc2021`). Its licence is unstated,
 * so nothing of it is a fixture: the tests read the installed copy and skip, saying why, when it is
 * absent. The rule tests at the end use made-up photo ids and lines only.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspectDatasets, inspectIlc2021, type InspectionReport } from '../../src/data/inspect';
import { serialiseSplitFile, writeSplitFile, readSplitFile, splitFor } from '../../src/data/split';
import { loadDatasets } from '../../src/data/load';
import {
  ILC2021, ILC2021_SPLITS, buildIlc2021Split, ilc2021Crops, ilc2021Scenes, ilc2021LinkedImages, parseCropsLines, readIlc2021Crops, readIlc2021Scenes, readIlc2021Split,
  type Ilc2021PhotoCounts, type Ilc2021Split,
} from '../../src/data/ilc2021';
import { KAGGLE, kagglePartOf } from '../../src/data/kaggle';
import { datasetDir } from '../../src/paths';
import { LABELS } from '../../src/labels';
import type { SplitName } from '../../src/data/types';
import { skipOrFail } from '../skip';
import { resolveConfig } from '../../src/config';

const DIR = datasetDir(ILC2021);
const installed = fs.existsSync(path.join(DIR, 'crops.jsonl'));
const missing = installed ? false : `ilc2021 is not installed in ${DIR} (run "facemask prepare --mirror ../shared --only ilc2021")`;
const DATASETS = ['observations', 'chandrikadeb7', KAGGLE, ILC2021];

let report: InspectionReport;
let split: Ilc2021Split;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-ilc2021-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

before(async () => {
  if (!installed) return;
  report = await inspectDatasets({ config: resolveConfig(), datasets: DATASETS, perClass: Infinity, seed: 42 });
  split = report.ilc2021!.split;
});

test('counts match the dataset notes: 3,782 crops (1,880 / 1,440 / 462), 300 scenes, 100 with an incorrect mask', (t) => {
  if (skipOrFail(t, missing)) return;
  const ilc = report.records.filter((r) => r.dataset === ILC2021);
  assert.deepEqual(report.failures.filter((f) => f.dataset === ILC2021), [], 'every file loads');
  const crops = ilc.filter((r) => r.relPath.startsWith('crops/'));
  const scenes = ilc.filter((r) => r.relPath.startsWith('scenes/'));
  assert.equal(crops.length, 3782);
  assert.deepEqual(LABELS.map((l) => crops.filter((r) => r.label === l).length), [1880, 1440, 462]);
  assert.equal(scenes.length, 300);
  assert.equal(scenes.filter((r) => r.faces!.some((f) => f.label === 'incorrect_mask')).length, 100);
  // the notes: 456 of the incorrect crops come from faces >= 24 px in their photo
  assert.equal(readIlc2021Crops().filter((c) => c.label === 'incorrect_mask' && c.facePx >= 24).length, 456);
});

test('labels are mapped: every scene name with_incorrect_mask became incorrect_mask, nothing unknown', (t) => {
  if (skipOrFail(t, missing)) return;
  const annDir = path.join(DIR, 'scenes', 'annotations');
  const raw = new Map<string, number>();
  for (const f of fs.readdirSync(annDir)) for (const m of fs.readFileSync(path.join(annDir, f), 'utf8').matchAll(/<name>\s*([^<]*?)\s*<\/name>/g)) raw.set(m[1], (raw.get(m[1]) ?? 0) + 1);
  assert.deepEqual([...raw.keys()].sort(), ['with_incorrect_mask', 'with_mask', 'without_mask']);
  const faces = readIlc2021Scenes().flatMap((s) => s.faces);
  assert.equal(faces.filter((f) => f.label === 'incorrect_mask').length, raw.get('with_incorrect_mask'));
  assert.ok(faces.every((f) => (LABELS as readonly string[]).includes(f.label)));
});

test('every crop is a labelled face: its box inside the crop, its photo; scenes are photos with their faces', (t) => {
  if (skipOrFail(t, missing)) return;
  const byPath = new Map(report.records.filter((r) => r.dataset === ILC2021).map((r) => [r.path, r]));
  const crops = readIlc2021Crops();
  for (const c of crops) {
    const r = byPath.get(c.file);
    assert.ok(r, `${c.file} loaded`);
    assert.equal(r.photo, c.photo);
    assert.deepEqual(r.faces, [{ box: c.box, label: c.label }]);
    const [x, y, w, h] = c.box;
    assert.ok(x >= 0 && y >= 0 && x + w <= r.width + 0.5 && y + h <= r.height + 0.5, `${c.file}: box inside ${r.width}x${r.height}`);
  }
  for (const s of readIlc2021Scenes()) {
    const r = byPath.get(s.file)!;
    assert.equal(r.photo, s.photo);
    assert.equal(path.basename(s.file, '.jpg'), s.photo);
    for (const f of s.faces) assert.ok(f.box[0] + f.box[2] <= r.width && f.box[1] + f.box[3] <= r.height);
  }
});

test('the split: whole groups, a photo\'s crops and scene on one side, 60/20/20 by photo, about 90 incorrect faces in validation and in test', (t) => {
  if (skipOrFail(t, missing)) return;
  const sideOfGroup = new Map<string, SplitName>();
  for (const [p, e] of Object.entries(split.photos)) {
    const s = sideOfGroup.get(e.group);
    assert.ok(!s || s === e.split, `group ${e.group} spans ${s} and ${e.split} (photo ${p})`);
    sideOfGroup.set(e.group, e.split);
  }
  // every crop and scene of a photo on its photo's side, through the readers training uses
  const sideOf = new Map<string, SplitName>();
  for (const side of ILC2021_SPLITS) {
    for (const c of ilc2021Crops(side, { split })) {
      assert.ok(!sideOf.has(c.photo) || sideOf.get(c.photo) === side, `photo ${c.photo} on two sides`);
      sideOf.set(c.photo, side);
    }
    for (const s of ilc2021Scenes(side, { split })) {
      assert.ok(!sideOf.has(s.photo) || sideOf.get(s.photo) === side, `scene ${s.photo} not on its crops' side`);
      sideOf.set(s.photo, side);
    }
  }
  const excluded = Object.keys(split.excluded).length;
  assert.equal(ILC2021_SPLITS.reduce((a, s) => a + ilc2021Crops(s, { split }).length, 0) + readIlc2021Crops().filter((c) => split.excluded[c.photo]).length, 3782);
  const photos = Object.keys(split.photos).length;
  assert.equal(photos + excluded, 1565, '1,564 photos with crops and one scene without');
  for (const s of ILC2021_SPLITS) {
    const share = split.counts[s].photos / photos;
    assert.ok(Math.abs(share - { train: 0.6, val: 0.2, test: 0.2 }[s]) < 0.02, `${s}: ${(100 * share).toFixed(1)} % of the photos`);
  }
  const incorrect = (s: SplitName) => ilc2021Crops(s, { split }).filter((c) => c.label === 'incorrect_mask').length;
  for (const s of ['val', 'test'] as const) {
    assert.equal(incorrect(s), split.counts[s].incorrect_mask);
    assert.ok(Math.abs(incorrect(s) - 0.2 * 462) <= 5, `${s}: ${incorrect(s)} incorrectly worn faces (about 92 wanted)`);
    const withIncorrect = ilc2021Scenes(s, { split }).filter((x) => x.faces.some((f) => f.label === 'incorrect_mask')).length;
    assert.ok(Math.abs(withIncorrect - 20) <= 3, `${s}: ${withIncorrect} scenes with an incorrect mask (about 20 wanted)`);
  }
});

test('no leak: no ilc2021 photo shares a group with a Kaggle dev test photo, and groups shared with other datasets keep their side', (t) => {
  if (skipOrFail(t, missing)) return;
  const ilc = report.ilc2021!;
  const photoSet = new Set([...Object.keys(split.photos), ...Object.keys(split.excluded)]);
  const others = new Map(report.records.filter((r) => r.dataset !== ILC2021).map((r) => [r.sha256, r]));
  const kaggleTestPhotos: string[] = [];
  for (const members of ilc.grouping.members.values()) {
    const photos = members.filter((m) => photoSet.has(m));
    if (!photos.length) continue;
    for (const m of members.filter((x) => !photoSet.has(x))) {
      const r = others.get(m)!;
      for (const p of photos) {
        assert.ok(split.links.some((l) => l.photo === p && l.sha256 === m), `link ${p} ↔ ${r.dataset}/${r.relPath} recorded`);
        if (r.dataset === KAGGLE && kagglePartOf(r.relPath) === 'test') kaggleTestPhotos.push(p);
        // a shared group takes the other image's side (or the photo is excluded)
        const side = r.dataset === KAGGLE ? { fit: 'train', validation: 'val', test: undefined }[kagglePartOf(r.relPath)] : report.split!.images[r.sha256].split;
        if (split.photos[p]) assert.equal(split.photos[p].split, side, `${p} grouped with ${r.dataset}/${r.relPath}`);
      }
    }
  }
  // 150 copies of the Kaggle set were removed upstream; the groups confirm none of the test photos is left
  assert.deepEqual(kaggleTestPhotos, []);
  for (const p of kaggleTestPhotos) assert.match(split.excluded[p], /Kaggle dev test photo/);
  assert.ok(split.checkedAgainst.includes(KAGGLE));
  // what training must leave out when it validates or measures on ilc2021: the linked images of those sides
  const linked = ilc2021LinkedImages(['val', 'test'], split);
  for (const l of split.links) if (split.photos[l.photo] && split.photos[l.photo].split !== 'train') assert.ok(linked.has(l.sha256));
});

test('the split file: same seed same bytes whatever the input order, another seed another split; read back from dataset/splits.json', (t) => {
  if (skipOrFail(t, missing)) return;
  const bytes = serialiseSplitFile(report.split!);
  const opts = { seed: 42, grouping: report.groupingOptions, datasets: DATASETS };
  const again = inspectIlc2021([...report.records].reverse(), report.fingerprints, report.split!, opts);
  assert.equal(serialiseSplitFile({ ...report.split!, ilc2021: again.split }), bytes, 'rebuilt from reversed input: same bytes');
  const other = inspectIlc2021(report.records, report.fingerprints, report.split!, { ...opts, seed: 7 });
  assert.notDeepEqual(other.split.photos, split.photos);
  const file = path.join(tmp, 'splits.json');
  writeSplitFile(file, report.split!);
  assert.equal(fs.readFileSync(file, 'utf8'), bytes);
  assert.deepEqual(readIlc2021Split(file), split);
  assert.deepEqual(readSplitFile(file).ilc2021, split);
  // training, tuning and the test measurement read the same file
  assert.deepEqual(ilc2021Crops('test', { split: readIlc2021Split(file) }).map((c) => c.file), ilc2021Crops('test', { split }).map((c) => c.file));
  // what is wrong is said, with what to do
  assert.throws(() => readIlc2021Split(path.join(tmp, 'none.json')), /no split file .* run "facemask inspect"/);
  const without = path.join(tmp, 'without.json');
  writeSplitFile(without, { ...report.split!, ilc2021: undefined });
  assert.throws(() => readIlc2021Split(without), /has no ilc2021 split: run "facemask inspect" with ilc2021 installed/);
  assert.throws(() => ilc2021Crops('tune' as SplitName, { split }), /unknown split "tune"/);
});

test('bad files of a copy are reported with their reason, the good ones load', async (t) => {
  if (skipOrFail(t, missing)) return;
  // a throw-away copy of a few installed files (never committed), with broken pieces
  const root = path.join(tmp, 'datasets');
  const dir = path.join(root, ILC2021);
  const lines = fs.readFileSync(path.join(DIR, 'crops.jsonl'), 'utf8').trim().split('\n').slice(0, 3);
  const first = JSON.parse(lines[0]);
  const scene = readIlc2021Scenes()[0];
  fs.mkdirSync(path.join(dir, 'crops'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'scenes', 'images'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'scenes', 'annotations'), { recursive: true });
  for (const l of lines) fs.copyFileSync(path.join(DIR, JSON.parse(l).file), path.join(dir, JSON.parse(l).file));
  fs.copyFileSync(path.join(DIR, first.file), path.join(dir, 'crops', 'unlisted.jpg'));
  fs.copyFileSync(scene.file, path.join(dir, 'scenes', 'images', path.basename(scene.file)));
  fs.copyFileSync(path.join(DIR, 'scenes', 'annotations', `${scene.photo}.xml`), path.join(dir, 'scenes', 'annotations', `${scene.photo}.xml`));
  fs.writeFileSync(path.join(dir, 'scenes', 'annotations', 'lonely.xml'), '<annotation/>');
  const broken = { ...JSON.parse(lines[1]), label: 'mask_on_forehead' };
  const outside = { ...JSON.parse(lines[2]), box: [0, 0, 5000, 10] };
  const gone = { ...first, file: 'crops/gone.jpg' };
  fs.writeFileSync(path.join(dir, 'crops.jsonl'), [lines[0], JSON.stringify(broken), JSON.stringify(outside), JSON.stringify(gone), 'not json'].join('\n') + '\n');
  const d = await loadDatasets([ILC2021], { config: resolveConfig(), datasetRoot: root, cacheFile: null, perClass: Infinity });
  const reasons = d.failures.map((f) => `${f.relPath}: ${f.reason}`);
  assert.deepEqual(d.records.map((r) => r.relPath).sort(), [first.file, `scenes/images/${scene.photo}.jpg`].sort());
  const expect = [
    new RegExp(`^${broken.file}: crops.jsonl:2: unknown label "mask_on_forehead"`),
    new RegExp(`^${outside.file}: face box \\[0, 0, 5000, 10\\] leaves the \\d+x\\d+ image`),
    /^crops\/unlisted.jpg: not listed in crops.jsonl/,
    /^crops.jsonl: crops.jsonl:5: not a JSON line/,
    /^crops.jsonl: lists crops\/gone.jpg .*which is missing/,
    /^scenes\/annotations\/lonely.xml: annotation without an image/,
  ];
  for (const re of expect) assert.ok(reasons.some((r) => re.test(r)), `expected ${re} among:\n${reasons.join('\n')}`);
  assert.equal(d.failures.length, expect.length);
});

// ---- the rules, on made-up photos (no data needed) --------------------------------------------

function madeUp(n: number): Ilc2021PhotoCounts[] {
  return Array.from({ length: n }, (_, i) => ({
    photo: `p${String(i).padStart(4, '0')}`,
    crops: { with_mask: 1 + (i % 3), without_mask: i % 2, ...(i % 4 === 0 ? { incorrect_mask: 1 + (i % 8 === 0 ? 1 : 0) } : {}) },
    scene: i % 5 === 0,
    sceneIncorrect: i % 20 === 0,
  }));
}

test('buildIlc2021Split: whole groups, pins kept, excluded photos out, strata close to their targets, order does not matter', () => {
  const photos = madeUp(1000);
  const groupOf = new Map(photos.map((p, i) => [p.photo, `g${Math.floor(i / 3)}`])); // groups of three photos
  const pins = new Map([['g1', { split: 'test' as const, reason: 'shares a Kaggle validation photo' }], ['g2', { exclude: 'grouped with Kaggle dev test photo x' }]]);
  const a = buildIlc2021Split(photos, groupOf, { seed: 5, pins });
  const b = buildIlc2021Split([...photos].reverse(), new Map([...groupOf].reverse()), { seed: 5, pins: new Map([...pins].reverse()) });
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.notDeepEqual(buildIlc2021Split(photos, groupOf, { seed: 6, pins }).photos, a.photos);
  for (const p of ['p0003', 'p0004', 'p0005']) assert.equal(a.photos[p].split, 'test');
  for (const p of ['p0006', 'p0007', 'p0008']) {
    assert.equal(a.photos[p], undefined);
    assert.match(a.excluded[p], /Kaggle dev test/);
  }
  const side = new Map<string, string>();
  for (const e of Object.values(a.photos)) {
    assert.ok(!side.has(e.group) || side.get(e.group) === e.split);
    side.set(e.group, e.split);
  }
  const total = (k: 'incorrect_mask' | 'with_mask') => ILC2021_SPLITS.reduce((x, s) => x + (a.counts[s][k] ?? 0), 0);
  for (const s of ['val', 'test'] as const) {
    assert.ok(Math.abs((a.counts[s].incorrect_mask ?? 0) - 0.2 * total('incorrect_mask')) <= 3, `${s} incorrect ${a.counts[s].incorrect_mask} of ${total('incorrect_mask')}`);
    assert.ok(Math.abs((a.counts[s].with_mask ?? 0) - 0.2 * total('with_mask')) <= 4);
  }
  assert.throws(() => buildIlc2021Split(photos, groupOf, { seed: 1, ratios: { train: 0.6, val: 0.2, test: 0.3 } }), /sum to 1/);
  assert.throws(() => buildIlc2021Split([...photos, photos[0]], groupOf, { seed: 1 }), /given twice/);
});

test('parseCropsLines: each bad line is named with its reason, good lines kept', () => {
  const good = { file: 'crops/a_0.jpg', label: 'with_incorrect_mask', box: [1, 2, 30, 40], photo: 'a', face_px: 30, padded: false };
  const text = [
    JSON.stringify(good),
    JSON.stringify({ ...good, file: 'crops/a_1.jpg', box: [1, 2, 0, 40] }),
    JSON.stringify({ ...good, file: '../x.jpg' }),
    JSON.stringify({ ...good, file: 'crops/a_2.jpg', photo: 'a/b' }),
    JSON.stringify({ ...good, file: 'crops/a_3.jpg', padded: 'yes' }),
    JSON.stringify(good),
    '{',
  ].join('\n');
  const { lines, errors } = parseCropsLines(text);
  assert.deepEqual(lines, [{ file: 'crops/a_0.jpg', label: 'incorrect_mask', box: [1, 2, 30, 40], photo: 'a', facePx: 30, padded: false }]);
  assert.deepEqual(errors.map((e) => e.line), [2, 3, 4, 5, 6, 7]);
  assert.match(errors[0].reason, /crops.jsonl:2: "box" must be/);
  assert.match(errors[1].reason, /"file" must be crops\/<name>/);
  assert.match(errors[2].reason, /"photo" must be a photo id/);
  assert.match(errors[3].reason, /"padded" must be true or false/);
  assert.match(errors[4].reason, /listed twice \(first on line 1\)/);
  assert.match(errors[5].reason, /not a JSON line/);
});

test('ilc2021 is split only by its own rule: the generic split refuses it', async () => {
  await assert.rejects(splitFor(['chandrikadeb7', ILC2021], 1, { config: resolveConfig(), cacheDir: tmp }), /ilc2021 has its own fixed split by photo.*ilc2021Crops/);
});
