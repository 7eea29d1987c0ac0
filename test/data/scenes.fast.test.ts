/**
 * The scene sets (src/data/scenes.ts) on small hand-made copies of the two datasets' layouts: the
 * validation scenes are the Kaggle validation photos and ilc2021's validation side together, with
 * the datasets' label names mapped to the project's, and never a test or fitting photo.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SCENE_SETS, describeSceneSet, sceneSet, validationScenes } from '../../src/data/scenes';
import type { Ilc2021Split } from '../../src/data/ilc2021';

let dir: string;
let kaggleDir: string;
let ilcDir: string;

/** A VOC annotation with one face per [name, xmin, ymin, xmax, ymax]. */
const voc = (faces: [string, number, number, number, number][]) =>
  `<annotation><size><width>400</width><height>300</height><depth>3</depth></size>${faces.map(([n, a, b, c, d]) => `<object><name>${n}</name><bndbox><xmin>${a}</xmin><ymin>${b}</ymin><xmax>${c}</xmax><ymax>${d}</ymax></bndbox></object>`).join('')}</annotation>`;

function write(file: string, text: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

const split: Ilc2021Split = {
  version: 1,
  seed: 42,
  ratios: { train: 0.6, val: 0.2, test: 0.2 },
  checkedAgainst: [],
  counts: { train: { photos: 1, scenes: 1, scenesIncorrect: 0 }, val: { photos: 2, scenes: 2, scenesIncorrect: 1 }, test: { photos: 1, scenes: 1, scenesIncorrect: 0 } },
  excluded: {},
  links: [],
  photos: { a: { group: 'a', split: 'train' }, b: { group: 'b', split: 'val' }, c: { group: 'c', split: 'val' }, d: { group: 'd', split: 'test' } },
};

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-scenes-'));
  kaggleDir = path.join(dir, 'kaggle');
  ilcDir = path.join(dir, 'ilc2021');
  for (const [n, faces] of [[10, [['with_mask', 0, 0, 30, 30]]], [146, [['with_mask', 0, 0, 30, 30]]], [160, [['mask_weared_incorrect', 10, 10, 50, 60]]], [199, [['without_mask', 0, 0, 8, 8]]], [200, [['with_mask', 0, 0, 30, 30]]]] as [number, [string, number, number, number, number][]][]) {
    write(path.join(kaggleDir, 'annotations', `maksssksksss${n}.xml`), voc(faces));
  }
  for (const [p, name] of [['a', 'with_mask'], ['b', 'with_incorrect_mask'], ['c', 'without_mask'], ['d', 'with_mask']]) write(path.join(ilcDir, 'scenes', 'annotations', `${p}.xml`), voc([[name, 5, 5, 45, 45]]));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('validation scenes: Kaggle photos 160–199 and ilc2021 validation scenes, labels mapped, no fitting or test photo', () => {
  const v = validationScenes({ kaggleDir, ilc2021: { dir: ilcDir, split } });
  assert.deepEqual(v.map((s) => `${s.dataset}:${s.photo}`), ['kaggle-face-mask-dev:160', 'kaggle-face-mask-dev:199', 'ilc2021:b', 'ilc2021:c']);
  assert.deepEqual(v.map((s) => s.faces.map((f) => f.label)), [['incorrect_mask'], ['without_mask'], ['incorrect_mask'], ['without_mask']]);
  assert.deepEqual(v[0].faces[0].box, [10, 10, 40, 50], 'VOC corners become [x, y, w, h]');
  assert.ok(v.every((s) => s.faces.every((f) => f.file === s.file)));
  assert.equal(path.basename(v[0].file), 'maksssksksss160.jpg');
  assert.equal(path.basename(v[2].file), 'b.jpg');
  // small-data mode: the first N of each part and side
  assert.deepEqual(validationScenes({ kaggleDir, ilc2021: { dir: ilcDir, split }, limit: 1 }).map((s) => s.photo), ['160', 'b']);
});

test('the test sets hold only test photos; every set has a description', () => {
  assert.deepEqual(sceneSet('kaggle-test', { kaggleDir }).map((s) => s.photo), ['200']);
  assert.deepEqual(sceneSet('ilc2021-test', { ilc2021: { dir: ilcDir, split } }).map((s) => s.photo), ['d']);
  assert.match(describeSceneSet('kaggle-test'), /200–299/);
  for (const s of SCENE_SETS) assert.ok(describeSceneSet(s).length > 0);
  assert.throws(() => sceneSet('kaggle-fit' as never), /unknown scene set "kaggle-fit"/);
});
