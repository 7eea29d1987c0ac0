/**
 * The installed datasets (CI installs them first): every file loaded or reported, the known
 * near-duplicate pairs grouped, the split group-aware and stratified, same seed → same bytes.
 * Uses the fingerprint cache in `.cache/` (about 25 s on a cold cache on 2 cores, a few s after).
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspectDatasets, type InspectionReport } from '../../src/data/inspect';
import { serialiseSplitFile, buildSplit, splitFor, recordsForSplit, SPLITS } from '../../src/data/split';
import { kagglePartOf, kaggleScenes, KAGGLE } from '../../src/data/kaggle';
import { datasetDir } from '../../src/paths';
import type { ImageRecord } from '../../src/data/types';
import { resolveConfig } from '../../src/config';

let report: InspectionReport;
const DATASETS = ['observations', 'chandrikadeb7', KAGGLE];

before(async () => {
  report = await inspectDatasets({ config: resolveConfig(), datasets: DATASETS, perClass: Infinity, seed: 42 });
});

function filesOnDisk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesOnDisk(dir, r));
    else if (e.name !== 'SHA256SUMS') out.push(r);
  }
  return out;
}

test('every file of the three datasets is loaded or reported', () => {
  for (const ds of DATASETS) {
    const onDisk = filesOnDisk(datasetDir(ds)).filter((f) => !(ds === KAGGLE && f.startsWith('annotations/')));
    const loaded = new Set(report.records.filter((r) => r.dataset === ds).map((r) => r.relPath));
    const failed = new Set(report.failures.filter((f) => f.dataset === ds).map((f) => f.relPath));
    for (const f of onDisk) assert.ok(loaded.has(f) || failed.has(f), `${ds}/${f} neither loaded nor reported`);
    assert.equal(loaded.size + [...failed].filter((f) => !f.startsWith('annotations/')).length, onDisk.length, ds);
  }
  const n = (ds: string, label?: string) => report.records.filter((r) => r.dataset === ds && (!label || r.label === label)).length;
  assert.equal(n('observations', 'with_mask') + n('observations', 'without_mask'), 690 + 686 - report.failures.filter((f) => f.dataset === 'observations').length);
  assert.equal(n(KAGGLE), 300);
});

test('Kaggle dev set: 1,499 faces with the documented labels, 160 fit / 40 validation / 100 test photos', () => {
  const k = report.records.filter((r) => r.dataset === KAGGLE);
  const faces = k.flatMap((r) => r.faces ?? []);
  assert.equal(faces.length, 1499);
  const count = (l: string) => faces.filter((f) => f.label === l).length;
  assert.deepEqual([count('with_mask'), count('without_mask'), count('incorrect_mask')], [1168, 292, 39]);
  const parts = (p: string) => k.filter((r) => kagglePartOf(r.relPath) === p).length;
  assert.deepEqual([parts('fit'), parts('validation'), parts('test')], [160, 40, 100]);
  // the scenes the measurements use: the excluded copy of a test photo (146 = 219) is left out of fit
  assert.equal(kaggleScenes('fit').length, 159);
  assert.equal(kaggleScenes(['validation', 'test']).length, 140);
  for (const r of k) for (const f of r.faces!) assert.ok(f.box[0] >= 0 && f.box[1] >= 0 && f.box[0] + f.box[2] <= r.width && f.box[1] + f.box[3] <= r.height);
});

test('observations same-photo pairs and cross-dataset pairs are grouped (issue 3 thresholds)', () => {
  assert.ok(report.sameNumber!.grouped >= 290, `same-number pairs grouped: ${report.sameNumber!.grouped}`);
  const cross = report.pairCounts.find((p) => p.datasets[0] !== p.datasets[1])!;
  assert.ok(cross.grouped >= 1300, `cross-dataset file pairs grouped: ${cross.grouped}`);
  assert.ok(report.grouping.largest.size <= 12, `largest group ${report.grouping.largest.size}`);
});

test('known pairs are grouped and known different people are not', () => {
  const rec = (ds: string, rel: string): ImageRecord => {
    const r = report.records.find((x) => x.dataset === ds && x.relPath === rel);
    assert.ok(r, `${ds}/${rel} not loaded`);
    return r;
  };
  const g = (r: ImageRecord) => report.grouping.groupOf.get(r.sha256);
  // checked by eye (notebook 01 shows them): the same photo with a pasted mask
  for (const n of [39, 40, 79, 243, 332, 351]) assert.equal(g(rec('observations', `without_mask/${n}.jpg`)), g(rec('observations', `with_mask/${n}-with-mask.jpg`)), `observations ${n}`);
  for (const n of [97, 100, 119, 171, 242]) assert.equal(g(rec('chandrikadeb7', `without_mask/${n}.jpg`)), g(rec('observations', `with_mask/${n}-with-mask.jpg`)), `cross ${n}`);
  // checked by eye: same number, different people
  for (const n of [0, 2, 4, 6, 10, 16, 17]) assert.notEqual(g(rec('observations', `without_mask/${n}.jpg`)), g(rec('observations', `with_mask/${n}-with-mask.jpg`)), `observations ${n} are different people`);
});

test('no group spans two splits; class proportions per split within 2 points of the whole', () => {
  const split = report.split!;
  const side = new Map<string, string>();
  for (const e of Object.values(split.images)) {
    if (side.has(e.group)) assert.equal(side.get(e.group), e.split, `group ${e.group}`);
    side.set(e.group, e.split);
  }
  // every member of a group (by the grouping) is in the file under that group
  for (const [sha, gid] of report.grouping.groupOf) assert.equal(split.images[sha].group, gid);
  const all = Object.values(split.images);
  const share = (es: typeof all) => es.filter((e) => e.label === 'with_mask').length / es.length;
  for (const s of SPLITS) {
    const es = all.filter((e) => e.split === s);
    assert.ok(Math.abs(share(es) - share(all)) <= 0.02, `${s}: ${share(es)} vs ${share(all)}`);
  }
});

test('the same seed gives the same split file; a subset mix (observations alone) works too', async () => {
  const labelled = report.records.filter((r) => r.label);
  const a = serialiseSplitFile(buildSplit(labelled, report.grouping.groupOf, { config: resolveConfig(), seed: 42, grouping: report.groupingOptions }));
  assert.equal(a, serialiseSplitFile(report.split!));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-splitfor-'));
  try {
    const s1 = await splitFor(['observations'], 1, { config: resolveConfig(), cacheDir: dir, perClass: Infinity });
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1);
    const bytes = fs.readFileSync(path.join(dir, files[0]), 'utf8');
    const again = await splitFor(['observations'], 1, { config: resolveConfig(), cacheDir: dir, perClass: Infinity, rebuild: true });
    assert.equal(fs.readFileSync(path.join(dir, files[0]), 'utf8'), bytes, 'rebuilt with the same seed: same bytes');
    assert.deepEqual(again.datasets, ['observations']);
    const train = recordsForSplit(s1, 'train');
    assert.ok(train.every((r) => r.dataset === 'observations' && fs.existsSync(r.path)));
    const s2 = await splitFor(['observations'], 2, { config: resolveConfig(), cacheDir: dir, perClass: Infinity });
    assert.notDeepEqual(recordsForSplit(s2, 'test').map((r) => r.sha256), recordsForSplit(s1, 'test').map((r) => r.sha256));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
