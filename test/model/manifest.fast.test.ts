/** The manifest (src/model/manifest.ts): the shipped models are valid and carry what the conventions ask of them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../../src/paths';
import { validateManifest, type ModelManifest } from '../../src/model/manifest';

const read = (name: string) => JSON.parse(fs.readFileSync(path.join(projectPaths().models, name, 'manifest.json'), 'utf8')) as ModelManifest;

test('the shipped model carries its measured test numbers (evaluate --record), its integrity record and a valid manifest', () => {
  const m = read('default');
  validateManifest(m, 'models/default/manifest.json');
  const keys = Object.keys(m.test);
  assert.ok(keys.length > 0, 'models/default has test numbers');
  for (const set of ['real', 'ilc2021-test']) {
    assert.equal(typeof m.test[`${set}_macroF1`], 'number', `${set}_macroF1`);
    assert.ok((m.test[`${set}_n`] as number) > 0, `${set}_n`);
  }
  assert.ok(m.integrity, 'sealed');
});

test('a manifest naming a file outside its folder, or the retired rich features, is refused with the reason', () => {
  const m = read('original');
  assert.throws(() => validateManifest({ ...m, onnx: { ...m.onnx!, file: '../x.onnx' } }), /"onnx\.file" must name a file in the model's own folder/);
  assert.throws(() => validateManifest({ ...m, head: { ...m.head!, modelJson: '/etc/passwd' } }), /"head\.modelJson" must name a file/);
  assert.throws(() => validateManifest({ ...m, features: { kind: 'rich', columns: [[0, 1]] } } as ModelManifest), /no longer supported/);
});
