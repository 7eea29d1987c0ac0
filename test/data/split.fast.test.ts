/** The group-aware split and the split file, on synthetic records (fast, no datasets needed). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSplit, writeSplitFile, readSplitFile, recordsForSplit, serialiseSplitFile, splitCounts, MissingSplitError, SPLITS, foldsByGroup } from '../../src/data/split';
import { groupImages, findNearPairs, linkDistance, DEFAULT_GROUPING } from '../../src/data/duplicates';
import { hammingHex, hashesFromGrid } from '../../src/data/fingerprint';
import type { ImageRecord } from '../../src/data/types';
import type { Label } from '../../src/labels';
import { resolveConfig } from '../../src/config';

const hex = (i: number) => i.toString(16).padStart(64, '0');

/** n records; groups of 1–4 consecutive records; label mix 60/40. */
function synthetic(n: number): { records: ImageRecord[]; groups: Map<string, string> } {
  const records: ImageRecord[] = [];
  const groups = new Map<string, string>();
  let g = 0;
  let left = 0;
  for (let i = 0; i < n; i++) {
    if (left === 0) {
      g++;
      left = 1 + (g % 4);
    }
    left--;
    const label: Label = i % 5 < 3 ? 'with_mask' : 'without_mask';
    const sha = hex(i * 7919 + 1);
    records.push({ dataset: i % 2 ? 'observations' : 'chandrikadeb7', relPath: `${label}/${i}.jpg`, path: `/x/${i}.jpg`, label, width: 10, height: 10, format: 'jpeg', bytes: 1, sha256: sha });
    groups.set(sha, `g${g}`);
  }
  return { records, groups };
}

test('no group is on two sides of the split; class proportions within 2 points', () => {
  const { records, groups } = synthetic(3000);
  const split = buildSplit(records, groups, { config: resolveConfig(), seed: 42, ratios: { train: 0.7, val: 0.1, test: 0.2 } });
  const sideOf = new Map<string, string>();
  for (const e of Object.values(split.images)) {
    const s = sideOf.get(e.group);
    if (s) assert.equal(s, e.split, `group ${e.group} spans ${s} and ${e.split}`);
    sideOf.set(e.group, e.split);
  }
  const c = splitCounts(split);
  const total = records.length;
  const allWith = records.filter((r) => r.label === 'with_mask').length / total;
  for (const s of SPLITS) {
    const n = (c[s].with_mask ?? 0) + (c[s].without_mask ?? 0);
    assert.ok(Math.abs((c[s].with_mask ?? 0) / n - allWith) <= 0.02, `${s}: ${(c[s].with_mask ?? 0) / n} vs ${allWith}`);
  }
  assert.ok(Math.abs((c.train.with_mask! + c.train.without_mask!) / total - 0.7) < 0.02);
  assert.ok(Math.abs((c.test.with_mask! + c.test.without_mask!) / total - 0.2) < 0.02);
});

test('same seed → same bytes; another seed → another split', () => {
  const { records, groups } = synthetic(500);
  const a = serialiseSplitFile(buildSplit(records, groups, { config: resolveConfig(), seed: 7 }));
  const b = serialiseSplitFile(buildSplit([...records].reverse(), new Map([...groups].reverse()), { config: resolveConfig(), seed: 7 }));
  assert.equal(a, b, 'input order must not matter');
  const c = serialiseSplitFile(buildSplit(records, groups, { config: resolveConfig(), seed: 8 }));
  assert.notEqual(a, c);
  JSON.parse(a); // valid JSON
});

test('files with identical bytes are one entry with copies; two labels for one image is an error', () => {
  const { records, groups } = synthetic(20);
  const dup = { ...records[0], dataset: 'observations', relPath: 'with_mask/copy.jpg' };
  const split = buildSplit([...records, dup], groups, { config: resolveConfig(), seed: 1 });
  assert.equal(Object.keys(split.images).length, 20);
  assert.deepEqual(split.images[records[0].sha256].copies, ['observations/with_mask/copy.jpg']);
  const bad = { ...records[0], label: 'without_mask' as Label, relPath: 'without_mask/x.jpg' };
  assert.throws(() => buildSplit([...records, bad], groups, { config: resolveConfig(), seed: 1 }), /two labels/);
});

test('writeSplitFile / readSplitFile / recordsForSplit round trip; a missing file says to run facemask inspect', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-split-'));
  try {
    const { records, groups } = synthetic(100);
    const split = buildSplit(records, groups, { config: resolveConfig(), seed: 3 });
    const file = path.join(dir, 'splits.json');
    writeSplitFile(file, split);
    const bytes = fs.readFileSync(file, 'utf8');
    writeSplitFile(file, buildSplit(records, groups, { config: resolveConfig(), seed: 3 }));
    assert.equal(fs.readFileSync(file, 'utf8'), bytes, 'deterministic bytes');
    const back = readSplitFile(file);
    assert.deepEqual(back.images, split.images);
    const train = recordsForSplit(back, 'train', '/data');
    assert.ok(train.length > 50);
    assert.ok(train.every((r) => r.split === 'train' && r.path === path.join('/data', r.dataset, r.relPath)));
    const n = SPLITS.map((s) => recordsForSplit(back, s).length).reduce((x, y) => x + y, 0);
    assert.equal(n, 100);
    assert.throws(() => readSplitFile(path.join(dir, 'none.json')), (e: Error) => e instanceof MissingSplitError && /run "facemask inspect"/.test(e.message));
    fs.writeFileSync(path.join(dir, 'bad.json'), '{');
    assert.throws(() => readSplitFile(path.join(dir, 'bad.json')), /not valid JSON.*facemask inspect/);
    assert.throws(() => recordsForSplit(back, 'tune' as never), /unknown split/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('dHash: bits from a grid; Hamming distance', () => {
  const grid = new Uint8Array(9 * 16);
  for (let r = 0; r < 16; r++) for (let c = 0; c < 9; c++) grid[r * 9 + c] = c * 10; // increasing left→right: all bits 1
  assert.deepEqual(hashesFromGrid(grid), { whole: 'ffffffffffffffff', upper: 'ffffffffffffffff' });
  for (let r = 8; r < 16; r++) for (let c = 0; c < 9; c++) grid[r * 9 + c] = 90 - c * 10; // lower half decreasing
  const h = hashesFromGrid(grid);
  assert.equal(h.upper, 'ffffffffffffffff', 'the upper hash ignores the lower half');
  assert.notEqual(h.whole, h.upper);
  assert.equal(hammingHex('0000000000000000', 'ffffffffffffffff'), 64);
  assert.equal(hammingHex('0000000000000001', '8000000000000000'), 2);
});

test('chain guard: a chain of weak links does not make a giant group', () => {
  // 31 hashes, the i-th with its lowest 2i bits set: each 2 bits from the next, the ends 60 apart
  const fps = new Map<string, { grid: string; whole: string; upper: string }>();
  const shas: string[] = [];
  for (let i = 0; i <= 30; i++) {
    const h = ((1n << BigInt(2 * i)) - 1n).toString(16).padStart(16, '0');
    const sha = hex(i + 1);
    shas.push(sha);
    fps.set(sha, { grid: '', whole: h, upper: h });
  }
  const pairs = findNearPairs(shas, fps, { hash: 'whole' });
  const free = groupImages(shas, pairs, { hash: 'whole', maxGroupSize: 1e9 });
  assert.equal(free.largest.size, 31, 'without the guard the chain is one group');
  const guarded = groupImages(shas, pairs, { hash: 'whole', maxGroupSize: 8, strictDistance: 1 });
  assert.ok(guarded.largest.size <= 8, `largest ${guarded.largest.size}`);
  assert.ok(guarded.refused.length > 0);
  // every accepted pair is within the threshold, and each refused pair really ended apart
  for (const p of guarded.refused) assert.notEqual(guarded.groupOf.get(p.a), guarded.groupOf.get(p.b));
  // strict links still merge past the cap
  const strict = groupImages(shas, pairs, { hash: 'whole', maxGroupSize: 8, strictDistance: 2 });
  assert.equal(strict.largest.size, 31);
});

test('linkDistance: upper-half links pay for whole-image distance beyond the limit; named pairs use their own threshold', () => {
  const o = DEFAULT_GROUPING;
  assert.equal(linkDistance({ a: '', b: '', whole: 20, upper: 0 }, o), 8);
  assert.equal(linkDistance({ a: '', b: '', whole: 12, upper: 3 }, o), 3);
  assert.equal(linkDistance({ a: '', b: '', whole: 3, upper: 30 }, o), 3);
  assert.ok(linkDistance({ a: '', b: '', whole: 9, upper: 7 }, o) > o.maxDistance);
  assert.ok(linkDistance({ a: '', b: '', whole: 9, upper: 7, named: true }, o) <= o.maxDistance);
  assert.ok(linkDistance({ a: '', b: '', whole: 30, upper: 25, named: true }, o) > o.maxDistance);
});

test('folds never split a photo and are the same for the same photos', () => {
  const groups = Array.from({ length: 200 }, (_, i) => `p${i % 37}`);
  const f = foldsByGroup(groups, 5);
  const byGroup = new Map<string, Set<number>>();
  groups.forEach((g, i) => byGroup.set(g, (byGroup.get(g) ?? new Set()).add(f[i])));
  for (const s of byGroup.values()) assert.equal(s.size, 1);
  assert.deepEqual(new Set(f), new Set([0, 1, 2, 3, 4]));
  assert.deepEqual(foldsByGroup([...groups].reverse(), 5), [...f].reverse());
  assert.throws(() => foldsByGroup(groups, 1), /folds must be a whole number >= 2/);
});
