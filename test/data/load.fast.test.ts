/** Loading: every odd case of issue 3 has a fixture, loads or is reported with its reason. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDatasets, naturalCompare } from '../../src/data/load';
import { kagglePart, kagglePartOf, kagglePhotoNumber, KAGGLE_PARTS, KAGGLE_EXCLUDED, kaggleUsable, faceCounts } from '../../src/data/kaggle';
import { parseVocXml, AnnotationError } from '../../src/data/voc';
import { decodeImage } from '../../src/util/images';
import { resolveConfig } from '../../src/config';

const ROOT = path.join(__dirname, '..', 'fixtures', 'data', 'datasets');
const opts = { datasetRoot: ROOT, cacheFile: null, perClass: Infinity };

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

test('odd cases: each file is loaded or reported with its reason, never a crash', async () => {
  const d = await loadDatasets(['odd'], { ...opts, config: resolveConfig() });
  const loaded = new Map(d.records.map((r) => [r.relPath, r]));
  const failed = new Map(d.failures.map((f) => [f.relPath, f.reason]));
  for (const name of ['plain.jpg', 'UPPER.JPG', 'other.jpeg', 'image.webp', 'photo.jpg_1088Wx1632H', 'naïve ümlaut 写真 with spaces.jpg', 'alpha.png']) {
    assert.ok(loaded.has(`with_mask/${name}`), `with_mask/${name} should load (failures: ${JSON.stringify([...failed])})`);
    assert.equal(loaded.get(`with_mask/${name}`)!.label, 'with_mask');
  }
  for (const name of ['grey.png', 'cmyk.jpg', 'exif-rotated.jpg']) assert.ok(loaded.has(`without_mask/${name}`), `without_mask/${name} should load`);
  assert.equal(loaded.get('with_mask/image.webp')!.format, 'webp');
  assert.equal(loaded.get('with_mask/photo.jpg_1088Wx1632H')!.format, 'jpeg');
  assert.equal(loaded.get('with_mask/alpha.png')!.hasAlpha, true);
  assert.equal(loaded.get('without_mask/grey.png')!.space, 'b-w');
  assert.equal(loaded.get('without_mask/cmyk.jpg')!.space, 'cmyk');
  const rot = loaded.get('without_mask/exif-rotated.jpg')!;
  assert.equal(rot.orientation, 6);
  assert.deepEqual([rot.width, rot.height], [32, 64], 'width/height are after EXIF rotation');

  const expected: [string, RegExp][] = [
    ['without_mask/empty.jpg', /empty file/],
    ['without_mask/corrupt.jpg', /corrupt jpeg/],
    ['without_mask/truncated.png', /corrupt png/],
    ['without_mask/huge.png', /too large: 60000x60000/],
    ['without_mask/notes.txt', /not an image/],
    ['stray.jpg', /not inside a label folder/],
  ];
  for (const [f, re] of expected) {
    assert.ok(failed.has(f), `${f} should be reported`);
    assert.match(failed.get(f)!, re);
    assert.ok(!failed.get(f)!.includes('\n'), 'reasons are one line');
  }
  // every file on disk is accounted for, exactly once
  const all = filesUnder(path.join(ROOT, 'odd')).map((p) => path.relative(path.join(ROOT, 'odd'), p).split(path.sep).join('/'));
  assert.equal(d.records.length + d.failures.length, all.length);
  for (const f of all) assert.ok(loaded.has(f) !== failed.has(f), `${f}: loaded or reported, not both`);
});

test('loaded records decode with decodeImage (what training uses) at the recorded size', async () => {
  const d = await loadDatasets(['odd'], { ...opts, config: resolveConfig() });
  for (const r of d.records) {
    const img = await decodeImage(r.path);
    assert.deepEqual([img.width, img.height], [r.width, r.height], r.relPath);
    assert.match(r.sha256, /^[0-9a-f]{64}$/);
    assert.equal(r.bytes, fs.statSync(r.path).size);
  }
});

test('the pixel limit refuses an image before decoding', async () => {
  const d = await loadDatasets(['odd'], { config: resolveConfig(), ...opts, maxPixels: 1000 });
  const plain = d.failures.find((f) => f.relPath === 'with_mask/plain.jpg');
  assert.ok(plain);
  assert.match(plain.reason, /too large: 48x48 = 2304 pixels \(limit 1000\)/);
});

test('Kaggle-style set: VOC boxes to [x, y, w, h], label names mapped, odd pairs reported', async () => {
  const d = await loadDatasets(['kaggle-face-mask-dev'], { ...opts, config: resolveConfig() });
  const byName = new Map(d.records.map((r) => [path.basename(r.relPath), r]));
  assert.deepEqual([...byName.keys()].sort(), ['maksssksksss250.jpg', 'maksssksksss3.jpg']);
  assert.deepEqual(byName.get('maksssksksss3.jpg')!.faces, [
    { box: [10, 12, 20, 28], label: 'with_mask' },
    { box: [40, 5, 30, 25], label: 'incorrect_mask' },
  ]);
  assert.equal(byName.get('maksssksksss3.jpg')!.label, undefined);
  const reasons = Object.fromEntries(d.failures.map((f) => [f.relPath, f.reason]));
  assert.match(reasons['images/maksssksksss7.jpg'], /no annotation/);
  assert.match(reasons['annotations/maksssksksss8.xml'], /annotation without an image/);
  assert.match(reasons['images/maksssksksss9.jpg'], /annotation size 100x60 differs/);
  assert.equal(kagglePartOf(byName.get('maksssksksss3.jpg')!.relPath), 'fit');
  assert.equal(kagglePartOf(byName.get('maksssksksss250.jpg')!.relPath), 'test');
});

test('the Kaggle partition: three contiguous parts covering 0–299; anything else refused', () => {
  const [fit, val, test] = [KAGGLE_PARTS.fit, KAGGLE_PARTS.validation, KAGGLE_PARTS.test];
  assert.deepEqual([fit[0], fit[1] + 1 === val[0], val[1] + 1 === test[0], test[1]], [0, true, true, 299]);
  for (const [n, part] of [[fit[0], 'fit'], [fit[1], 'fit'], [val[0], 'validation'], [val[1], 'validation'], [test[0], 'test'], [test[1], 'test']] as const) assert.equal(kagglePart(n), part);
  assert.equal(kagglePartOf(`images/maksssksksss${val[0]}.jpg`), 'validation');
  assert.throws(() => kagglePartOf('images/maksssksksss300.jpg'), /not a Kaggle dev photo/);
  assert.throws(() => kagglePartOf('images/other.jpg'), /not a Kaggle dev photo/);
  assert.equal(kagglePhotoNumber('images/maksssksksss42.jpg'), 42);
  for (const n of KAGGLE_EXCLUDED.keys()) assert.equal(kaggleUsable(n), false);
  assert.equal(faceCounts([0, 0, 24, 30], 24), true);
  assert.equal(faceCounts([0, 0, 30, 23], 24), false, 'the shorter side decides');
});

test('parseVocXml refuses unknown labels and empty boxes with the object named', () => {
  const doc = (name: string, box: string) => `<annotation><size><width>10</width><height>10</height></size><object><name>${name}</name><bndbox>${box}</bndbox></object></annotation>`;
  const ok = parseVocXml(doc('mask_weared_incorrect', '<xmin>1</xmin><ymin>2</ymin><xmax>5</xmax><ymax>9</ymax>'));
  assert.deepEqual(ok.faces, [{ box: [1, 2, 4, 7], label: 'incorrect_mask' }]);
  assert.throws(() => parseVocXml(doc('hat', '<xmin>1</xmin><ymin>2</ymin><xmax>5</xmax><ymax>9</ymax>')), (e: Error) => e instanceof AnnotationError && /object> #0: unknown label "hat"/.test(e.message));
  assert.throws(() => parseVocXml(doc('with_mask', '<xmin>5</xmin><ymin>2</ymin><xmax>5</xmax><ymax>9</ymax>')), /empty box/);
  assert.throws(() => parseVocXml('<annotation></annotation>'), /no <size>/);
});

test('the fingerprint cache gives the same records and fingerprints', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-cache-'));
  try {
    const cacheFile = path.join(dir, 'fp.json');
    const a = await loadDatasets(['odd'], { config: resolveConfig(), ...opts, cacheFile });
    const b = await loadDatasets(['odd'], { config: resolveConfig(), ...opts, cacheFile });
    assert.equal(a.stats.cached, 0);
    assert.equal(b.stats.cached, b.records.length);
    assert.deepEqual(b.records, a.records);
    assert.deepEqual([...b.fingerprints], [...a.fingerprints]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('naturalCompare orders numbers by value', () => {
  assert.deepEqual(['10.jpg', '2.jpg', '1.jpg', '1-with-mask.jpg'].sort(naturalCompare), ['1-with-mask.jpg', '1.jpg', '2.jpg', '10.jpg']);
});
