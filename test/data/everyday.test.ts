/**
 * everyday-unmasked installed (`facemask prepare --mirror ../shared`): its 64 photos load as
 * without_mask, and the split `facemask inspect` writes with it keeps every image the recorded
 * dataset/splits.json already has on its side — ilc2021's photos included — with img11 and its
 * mirror image on one side.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { inspectDatasets, defaultInspectDatasets } from '../../src/data/inspect';
import { readSplitFile, serialiseSplitFile } from '../../src/data/split';
import { serialiseIlc2021Split } from '../../src/data/ilc2021';
import { EVERYDAY_UNMASKED } from '../../src/data/everyday';
import { datasetDir, projectPaths } from '../../src/paths';
import { resolveConfig } from '../../src/config';
import { skipOrFail } from '../skip';

const missing = !fs.existsSync(datasetDir(EVERYDAY_UNMASKED)) ? 'everyday-unmasked is not installed (run "facemask prepare --mirror ../shared")' : !fs.existsSync(projectPaths().splits) ? 'no dataset/splits.json (run "facemask inspect")' : false;

test('inspect with everyday-unmasked: its photos split by group, nothing recorded moves', async (t) => {
  if (skipOrFail(t, missing)) return;
  assert.ok(defaultInspectDatasets().includes(EVERYDAY_UNMASKED), 'inspected by default once installed');
  const recorded = readSplitFile();
  const r = await inspectDatasets({ config: resolveConfig(), datasets: defaultInspectDatasets(), seed: recorded.seed, perClass: Infinity });
  const everyday = r.records.filter((x) => x.dataset === EVERYDAY_UNMASKED);
  assert.equal(everyday.length, 64);
  assert.ok(everyday.every((x) => x.label === 'without_mask'));
  const split = r.split!;
  for (const [sha, e] of Object.entries(recorded.images)) if (e.dataset !== EVERYDAY_UNMASKED) assert.deepEqual(split.images[sha], e, `${e.dataset}/${e.path} keeps its entry`);
  if (recorded.ilc2021) assert.equal(serialiseIlc2021Split(split.ilc2021!), serialiseIlc2021Split(recorded.ilc2021), "ilc2021's split is unchanged");
  const side = (p: string) => Object.values(split.images).find((e) => e.dataset === EVERYDAY_UNMASKED && e.path === p);
  assert.equal(side('images/img11.jpg')!.split, side('images/img11_reflection.jpg')!.split);
  assert.equal(side('images/img11.jpg')!.group, side('images/img11_reflection.jpg')!.group);
  const placed = Object.values(split.images).filter((e) => e.dataset === EVERYDAY_UNMASKED);
  assert.equal(placed.length + Object.keys(split.excluded ?? {}).length, 64);
  for (const s of ['train', 'val', 'test'] as const) assert.ok(placed.some((e) => e.split === s), `some photos on ${s}`);
  JSON.parse(serialiseSplitFile(split));
});
