/**
 * Recipes and their overrides (src/training/presets.ts), the pure part: the small-face and
 * everyday-unmasked fields, and the street-like views' values checked with the valid form.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getRecipe, parseOverride, recipeDatasets } from '../../src/training/presets';

const rw = (o: Record<string, unknown> = {}) => getRecipe('realworld', o);

test('the realworld recipe: faces from 12 px, no everyday-unmasked faces unless asked', () => {
  const r = rw();
  assert.equal(r.data.kind, 'realworld');
  if (r.data.kind !== 'realworld') return;
  assert.equal(r.data.minFace, 12);
  assert.equal(r.data.everydayCopies, 0);
  assert.ok(!recipeDatasets(r).includes('everyday-unmasked'));
  assert.ok(recipeDatasets(rw({ 'data.everydayCopies': 2 })).includes('everyday-unmasked'));
});

test('data.minFace and data.everydayCopies: whole numbers in range, refused otherwise with the valid form', () => {
  const r = rw({ 'data.minFace': 6, 'data.everydayCopies': 3 });
  assert.ok(r.data.kind === 'realworld' && r.data.minFace === 6 && r.data.everydayCopies === 3);
  assert.throws(() => rw({ 'data.minFace': 0 }), /data\.minFace.*whole number of pixels from 1/);
  assert.throws(() => rw({ 'data.minFace': 7.5 }), /data\.minFace/);
  assert.throws(() => rw({ 'data.everydayCopies': -1 }), /data\.everydayCopies.*from 0 to 100/);
  assert.throws(() => rw({ 'data.everydayCopies': 'two' }), /data\.everydayCopies" is a number/);
});

test('views.real.*: the small-face degradation and the other view values are overridable and checked', () => {
  const [k, v] = parseOverride('views.real.smallSide=[8,24]');
  const r = rw({ [k]: v, 'views.real.small': 0.5 });
  assert.deepEqual(r.views.real?.smallSide, [8, 24]);
  assert.equal(r.views.real?.small, 0.5);
  assert.throws(() => rw({ 'views.real.smallSide': [24, 8] }), /views\.real\.smallSide.*\[low, high\]/);
  assert.throws(() => rw({ 'views.real.smallSide': [1, 8] }), /views\.real\.smallSide/);
  assert.throws(() => rw({ 'views.real.smallSide': [8, 12.5] }), /views\.real\.smallSide/);
  assert.throws(() => rw({ 'views.real.small': 1.5 }), /views\.real\.small" must be a probability/);
  assert.throws(() => rw({ 'views.real.jpegQuality': [0, 60] }), /views\.real\.jpegQuality/);
  assert.throws(() => rw({ 'views.real.flip': 1 }), /views\.real\.flip" is a boolean/);
  // a recipe without street-like views has nothing to check
  assert.equal(rw({ 'views.real': null }).views.real, null);
});

test('data.hard: null, or a list and a number of copies', () => {
  const r = rw({ 'data.hard': { list: 'docs/results/small-faces/hard-train.json', copies: 2 } });
  assert.ok(r.data.kind === 'realworld' && r.data.hard?.copies === 2);
  assert.throws(() => rw({ 'data.hard': { list: '', copies: 2 } }), /data\.hard" must be null or \{ "list"/);
  assert.throws(() => rw({ 'data.hard': { list: 'x.json', copies: 0 } }), /data\.hard/);
  assert.throws(() => rw({ 'data.hard': 'x.json' }), /data\.hard/);
});

test('cropContext: with the box rule and realworld data, a checked { below, scale }', () => {
  assert.deepEqual(rw({ cropContext: { below: 24, scale: 1.3 } }).cropContext, { below: 24, scale: 1.3 });
  assert.throws(() => rw({ cropContext: { below: 24, scale: 0.9 } }), /cropContext" must be \{ below, scale \}/);
  assert.throws(() => rw({ cropContext: { below: 24, scale: 1.3 }, crop: 'aligned' }), /cropContext" goes with crop=box/);
  assert.throws(() => getRecipe('original', { cropContext: { below: 24, scale: 1.3 } }), /goes with crop=box and the realworld data/);
});
