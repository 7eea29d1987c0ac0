import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { synthGroups, synthSplits, excludeSynthSources, separateConfusers, singletonGroup } from '../../src/synth/groups';
import type { SynthManifestEntry } from '../../src/synth/synth';
import { buildSplit } from '../../src/data/split';
import { groupImages } from '../../src/data/duplicates';
import type { ImageRecord } from '../../src/data/types';
import type { Label } from '../../src/labels';
import { resolveConfig } from '../../src/config';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
function rec(name: string, label: Label): ImageRecord {
  return { dataset: 'd', relPath: `${label}/${name}`, path: `/x/${name}`, label, width: 10, height: 10, format: 'jpeg', bytes: 1, sha256: sha(name) };
}
function entry(source: string, k: number, label: 'with_mask' | 'incorrect_mask' = 'with_mask'): SynthManifestEntry {
  return { file: `${label}/${source}_${k}.jpg`, sha256: sha(`${source}#${k}`), label, source, sourceSha256: sha(source), face: 0, copy: k, box: [0, 0, 1, 1], crop: [0, 0, 1, 1], style: 'black', mode: label === 'with_mask' ? 'correct' : 'nose', seed: 42, roll: 0, yaw: 0 };
}

// 60 unmasked photos (10 of them near-duplicate pairs), 60 masked photos; 30 unmasked ones are synthesis sources
const without = Array.from({ length: 60 }, (_, i) => rec(`w${i}`, 'without_mask'));
const withMask = Array.from({ length: 60 }, (_, i) => rec(`m${i}`, 'with_mask'));
const pairs = Array.from({ length: 5 }, (_, i) => ({ a: sha(`w${2 * i}`), b: sha(`w${2 * i + 1}`), whole: 1, upper: 1 }));
const manifest = without.slice(0, 30).flatMap((r, i) => [entry(r.relPath.split('/')[1], 0), entry(r.relPath.split('/')[1], 1, i % 2 ? 'incorrect_mask' : 'with_mask')]);

test('generated images take the group of their source photo', () => {
  const grouping = groupImages([...without, ...withMask].map((r) => r.sha256), pairs);
  const g = synthGroups(manifest, grouping.groupOf);
  for (const e of manifest) assert.equal(g.get(e.sha256), grouping.groupOf.get(e.sourceSha256));
  // w1 is a near-duplicate of w0: images made from w1 are in w0's group
  assert.equal(g.get(sha('w1#0')), grouping.groupOf.get(sha('w0')));
  // a source outside the grouped data gets the singleton id the data stage would give it
  const stray = entry('elsewhere', 0);
  assert.equal(synthGroups([stray], grouping.groupOf).get(stray.sha256), singletonGroup(sha('elsewhere')));
  // several manifests at once
  assert.equal(synthGroups([manifest.slice(0, 4), [stray]], grouping.groupOf).size, 5);
});

test('the split never separates a generated image from its source', () => {
  for (const seed of [1, 2, 3]) {
    const grouping = groupImages([...without, ...withMask].map((r) => r.sha256), pairs);
    const synthRecords = manifest.map((e) => ({ ...rec(`${e.source}#${e.copy}`, e.label), relPath: e.file }));
    const groups = new Map([...grouping.groupOf, ...synthGroups(manifest, grouping.groupOf)]);
    const split = buildSplit([...without, ...withMask, ...synthRecords], groups, { config: resolveConfig(), seed });
    let checked = 0;
    for (const e of manifest) {
      const a = split.images[e.sha256], b = split.images[e.sourceSha256];
      assert.equal(a.group, b.group);
      assert.equal(a.split, b.split, `seed ${seed}: ${e.file} in ${a.split}, its source in ${b.split}`);
      checked++;
    }
    assert.equal(checked, 60);
    // the same answer from the split file alone
    const fromFile = synthSplits(manifest, split);
    for (const e of manifest) assert.equal(fromFile.get(e.sha256)!.split, split.images[e.sourceSha256].split);
    // and the split really uses all three parts
    assert.equal(new Set(Object.values(split.images).map((x) => x.split)).size, 3);
  }
  // without synthGroups the generated images would be singletons and land on other sides
  const grouping = groupImages([...without, ...withMask].map((r) => r.sha256), pairs);
  const synthRecords = manifest.map((e) => ({ ...rec(`${e.source}#${e.copy}`, e.label), relPath: e.file }));
  const naive = buildSplit([...without, ...withMask, ...synthRecords], grouping.groupOf, { config: resolveConfig(), seed: 1 });
  assert.ok(manifest.some((e) => naive.images[e.sha256].split !== naive.images[e.sourceSha256].split), 'the rule matters');
  // a source missing from the split file: training material only
  const split = buildSplit([...without, ...withMask], new Map(), { config: resolveConfig(), seed: 1 });
  assert.equal(synthSplits([entry('elsewhere', 0)], split).get(sha('elsewhere#0'))!.split, 'train');
});

test('synthesis sources leave the without_mask data unless allowed', () => {
  const records = [...without, ...withMask, rec('w0-masked-copy', 'with_mask')];
  const { kept, excluded } = excludeSynthSources(records, manifest);
  assert.equal(excluded.length, 30);
  assert.ok(excluded.every((r) => r.label === 'without_mask'));
  assert.equal(kept.length, records.length - 30);
  assert.ok(!kept.some((r) => manifest.some((e) => e.sourceSha256 === r.sha256)));
  // a with_mask record is never removed, even if (oddly) used as a source
  const odd = excludeSynthSources(withMask, [entry('m0', 0)]);
  assert.equal(odd.kept.length, 60);
  const allowed = excludeSynthSources(records, manifest, { allowSources: true });
  assert.equal(allowed.kept.length, records.length);
  assert.equal(allowed.excluded.length, 0);
});

test('synthetic confusers keep their source, but never one that is also a mask source', () => {
  const confuser = (source: string, k: number): SynthManifestEntry => ({ ...entry(source, k), file: `without_mask/${source}_${k}.jpg`, sha256: sha(`${source}#c${k}`), label: 'without_mask', mode: 'scarf', style: 'scarf-plain-#102030' });
  // w0–w29 made masks (manifest); confusers drawn on w25–w34: w25–w29 clash with masks
  const drawn = without.slice(25, 35).map((r) => confuser(r.relPath.split('/')[1], 0));
  const s = separateConfusers([...manifest, ...drawn]);
  assert.equal(s.masks.length, manifest.length);
  assert.deepEqual(s.dropped.map((e) => e.source), ['w25', 'w26', 'w27', 'w28', 'w29']);
  assert.deepEqual(s.confusers.map((e) => e.source), ['w30', 'w31', 'w32', 'w33', 'w34']);
  // only mask sources leave without_mask: the kept confusers' sources stay as plain unmasked photos
  const { kept } = excludeSynthSources(without, s.masks);
  for (const e of s.confusers) assert.ok(kept.some((r) => r.sha256 === e.sourceSha256), `${e.source} kept`);
  for (const e of s.masks) assert.ok(!kept.some((r) => r.sha256 === e.sourceSha256), `${e.source} excluded`);
});
