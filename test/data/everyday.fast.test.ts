/**
 * everyday-unmasked (src/data/everyday.ts) and how it joins the split (src/data/split.ts
 * `extendSplit`): its layout, its mirrored pairs linked through the mirrored fingerprint, and a
 * dataset split later never moving an image already recorded (nor one split elsewhere, ilc2021's).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { EVERYDAY_UNMASKED, everydayEntries, reflectionPairs } from '../../src/data/everyday';
import { buildSplit, extendSplit, extendWithLater, firstSplit, serialiseSplitFile, readSplitFile, writeSplitFile, splitCounts, LATER_SPLIT_DATASETS, SPLITS } from '../../src/data/split';
import { findLinks, groupImages, linkDistance, DEFAULT_GROUPING } from '../../src/data/duplicates';
import { fingerprintFromGrid, mirroredHashes, GRID_W, GRID_H, type Fingerprint } from '../../src/data/fingerprint';
import { loadDatasets } from '../../src/data/load';
import { resolveConfig } from '../../src/config';
import type { ImageRecord } from '../../src/data/types';
import type { Label } from '../../src/labels';

const hex = (i: number) => i.toString(16).padStart(64, '0');
const rec = (dataset: string, relPath: string, sha: string, label: Label = 'without_mask'): ImageRecord => ({ dataset, relPath, path: `/x/${relPath}`, label, width: 10, height: 10, format: 'jpeg', bytes: 1, sha256: sha });

/** A random-looking grid, seeded. */
function grid(seed: number): Uint8Array {
  const g = new Uint8Array(GRID_W * GRID_H);
  let x = seed * 2654435761;
  for (let i = 0; i < g.length; i++) g[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return g;
}
const flip = (g: Uint8Array) => Uint8Array.from(g, (_, i) => g[Math.floor(i / GRID_W) * GRID_W + (GRID_W - 1 - (i % GRID_W))]);

test('layout: every image under images/ is without_mask; anything else is reported', () => {
  const r = everydayEntries(['SHA256SUMS', 'images/img1.jpg', 'images/img11_reflection.jpg', 'stray.jpg', 'images/sub/x.jpg']);
  assert.deepEqual(r.entries, [{ relPath: 'images/img1.jpg', label: 'without_mask' }, { relPath: 'images/img11_reflection.jpg', label: 'without_mask' }]);
  assert.deepEqual(r.failures.map((f) => f.relPath), ['stray.jpg', 'images/sub/x.jpg']);
  assert.match(r.failures[0].reason, /outside images\//);
});

test('loading an installed copy: its photos as without_mask records', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-everyday-'));
  try {
    fs.mkdirSync(path.join(root, EVERYDAY_UNMASKED, 'images'), { recursive: true });
    for (const n of ['img1.jpg', 'img1_reflection.jpg']) await sharp({ create: { width: 24, height: 16, channels: 3, background: '#808080' } }).jpeg().toFile(path.join(root, EVERYDAY_UNMASKED, 'images', n));
    fs.writeFileSync(path.join(root, EVERYDAY_UNMASKED, 'notes.txt'), 'x');
    const d = await loadDatasets([EVERYDAY_UNMASKED], { config: resolveConfig(), datasetRoot: root, cacheFile: null, perClass: Infinity });
    assert.deepEqual(d.records.map((r) => [r.relPath, r.label]), [['images/img1.jpg', 'without_mask'], ['images/img1_reflection.jpg', 'without_mask']]);
    assert.deepEqual(d.failures.map((f) => f.relPath), ['notes.txt']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a photo and its reflection: paired by name, linked through the mirrored fingerprint (not the plain one)', () => {
  const g = grid(1);
  const fps = new Map<string, Fingerprint>([[hex(1), fingerprintFromGrid(g)], [hex(2), fingerprintFromGrid(flip(g))], [hex(3), fingerprintFromGrid(grid(2))], [hex(4), fingerprintFromGrid(grid(3))]]);
  assert.deepEqual(mirroredHashes(fps.get(hex(2))!.grid), { whole: fps.get(hex(1))!.whole, upper: fps.get(hex(1))!.upper });
  const records = [rec(EVERYDAY_UNMASKED, 'images/img11.jpg', hex(1)), rec(EVERYDAY_UNMASKED, 'images/img11_reflection.jpg', hex(2)), rec(EVERYDAY_UNMASKED, 'images/img12.jpg', hex(3)), rec(EVERYDAY_UNMASKED, 'images/img12_reflection.jpg', hex(4))];
  assert.deepEqual(reflectionPairs(records).map(([a, b]) => [a.relPath, b.relPath]), [['images/img11.jpg', 'images/img11_reflection.jpg'], ['images/img12.jpg', 'images/img12_reflection.jpg']]);
  const pairs = findLinks(records, fps);
  const p11 = pairs.find((p) => p.a === hex(1) && p.b === hex(2))!;
  assert.deepEqual([p11.whole, p11.upper, p11.mirrored, linkDistance(p11)], [0, 0, true, 0]);
  const p12 = pairs.find((p) => p.a === hex(3) && p.b === hex(4))!;
  assert.ok(linkDistance(p12) > DEFAULT_GROUPING.maxDistance, 'a name alone does not link two different photos');
  const g2 = groupImages(records.map((r) => r.sha256), pairs);
  assert.equal(g2.groupOf.get(hex(1)), g2.groupOf.get(hex(2)));
  assert.notEqual(g2.groupOf.get(hex(3)), g2.groupOf.get(hex(4)));
});

/** 300 first-split images in groups of 1–3, and 60 later ones (pairs share a group). */
function scene() {
  const first: ImageRecord[] = [];
  const groups = new Map<string, string>();
  for (let i = 0; i < 300; i++) {
    first.push(rec(i % 2 ? 'observations' : 'chandrikadeb7', `${i % 3 ? 'with_mask' : 'without_mask'}/${i}.jpg`, hex(1000 + i), i % 3 ? 'with_mask' : 'without_mask'));
    groups.set(hex(1000 + i), `g${Math.floor(i / 3)}`);
  }
  const later: ImageRecord[] = [];
  for (let i = 0; i < 60; i++) {
    later.push(rec(EVERYDAY_UNMASKED, `images/img${i}.jpg`, hex(5000 + i)));
    groups.set(hex(5000 + i), `n${Math.floor(i / 2)}`);
  }
  return { first, later, groups };
}

test('a dataset split later: nothing recorded moves; it follows what it is grouped with, else splits 70/10/20 by group', () => {
  const { first, later, groups } = scene();
  const ratios = { train: 0.7, val: 0.1, test: 0.2 };
  const base = buildSplit(first, groups, { config: resolveConfig(), seed: 42, ratios });
  // later image 0 shares a group with recorded image 0; image 2 with recorded images on two sides; 4 with an ilc2021 photo on test
  const side0 = base.images[hex(1000)].split;
  const [onOther] = Object.entries(base.images).find(([, e]) => e.split !== side0)!;
  const [onSame] = Object.entries(base.images).find(([k, e]) => e.split === side0 && k !== hex(1000))!;
  const g = new Map(groups);
  g.set(hex(5000), groups.get(hex(1000))!);
  g.set(hex(5001), 'other');
  g.set(hex(5002), 'mixed');
  g.set(onOther, 'mixed');
  g.set(onSame, 'mixed');
  g.set(hex(5004), 'ilc');
  g.set('ilc-photo-sha', 'ilc');
  const out = extendSplit(base, later, g, { seed: 42, ratios, pinned: new Map([['ilc-photo-sha', 'test' as const]]) });
  for (const [sha, e] of Object.entries(base.images)) assert.deepEqual(out.images[sha], e, `recorded ${e.path} unchanged`);
  assert.equal(out.images[hex(5000)].split, base.images[hex(1000)].split);
  assert.equal(out.images[hex(5000)].group, base.images[hex(1000)].group, 'it joins the recorded group');
  assert.equal(out.images[hex(5002)], undefined);
  assert.match(out.excluded![hex(5002)].reason, /two sides/);
  assert.equal(out.images[hex(5004)].split, 'test', 'follows the side of an image split elsewhere');
  // the rest: pairs together, about 70/10/20
  const added = later.filter((r) => out.images[r.sha256]);
  for (let i = 6; i < 60; i += 2) assert.equal(out.images[hex(5000 + i)].split, out.images[hex(5001 + i)].split, `pair ${i}`);
  const n = (s: string) => added.filter((r) => out.images[r.sha256].split === s).length;
  assert.ok(Math.abs(n('train') / added.length - 0.7) < 0.08 && Math.abs(n('test') / added.length - 0.2) < 0.08, `${n('train')}/${n('val')}/${n('test')}`);
  assert.deepEqual(out.datasets, ['chandrikadeb7', EVERYDAY_UNMASKED, 'observations']);
  assert.deepEqual(out.counts, splitCounts(out));
  assert.ok(SPLITS.every((s) => out.counts![s].without_mask! >= base.counts![s].without_mask!));
});

test('later datasets through the split file: same inputs, same bytes; the first split is the one without them', () => {
  const { first, later } = scene();
  const fps = new Map<string, Fingerprint>([...first, ...later].map((r, i) => [r.sha256, fingerprintFromGrid(grid(10 + i))]));
  const params = { config: resolveConfig(), seed: 42, ratios: { train: 0.7, val: 0.1, test: 0.2 }, grouping: DEFAULT_GROUPING };
  assert.ok(LATER_SPLIT_DATASETS.includes(EVERYDAY_UNMASKED));
  const alone = firstSplit(first, fps, params);
  const withLater = firstSplit([...first, ...later], fps, params);
  assert.equal(serialiseSplitFile(withLater), serialiseSplitFile(alone), 'the later dataset does not take part in the first split');
  const a = extendWithLater(withLater, [...first, ...later], fps, params);
  const b = extendWithLater(firstSplit([...later, ...first].reverse(), fps, params), [...later, ...first].reverse(), fps, params);
  assert.equal(serialiseSplitFile(a), serialiseSplitFile(b));
  assert.equal(Object.keys(a.images).length, 360);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-split-later-'));
  try {
    const file = path.join(dir, 'splits.json');
    writeSplitFile(file, { ...a, excluded: { [hex(9)]: { dataset: EVERYDAY_UNMASKED, path: 'images/x.jpg', reason: 'r' } } });
    assert.deepEqual(readSplitFile(file).excluded, { [hex(9)]: { dataset: EVERYDAY_UNMASKED, path: 'images/x.jpg', reason: 'r' } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
