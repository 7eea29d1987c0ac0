/**
 * The field's measure with the shipped model (src/evaluation/field-run.ts) on a few Kaggle test
 * photos: the mAP a tool computes from `facemask detect --all-boxes` lines is the measurement's, to
 * the last digit; the second measure is what the shipped pipeline itself keeps (`measurePipeline`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { resolveConfig } from '../../src/config';
import { projectPaths } from '../../src/paths';
import { sceneSet } from '../../src/data/scenes';
import { createFaceMaskDetector } from '../../src/detection/create';
import { measurePipeline } from '../../src/evaluation/scenes';
import { measureFieldScenes } from '../../src/evaluation/field-run';
import { fieldMeasure, type ScoredBox } from '../../src/evaluation/voc';
import { skipOrFail } from '../skip';

const ROOT = projectPaths().root;
const missing = fs.existsSync(path.join(projectPaths().dataset, 'kaggle-face-mask-dev', 'annotations')) ? false : 'the Kaggle dev set is not installed (run "facemask prepare --mirror ../shared")';

test('--all-boxes lines give the measured mAP exactly; the second measure is the shipped pipeline\'s', async (t) => {
  if (skipOrFail(t, missing)) return;
  const cfg = resolveConfig();
  const run = await measureFieldScenes(cfg, { sets: ['kaggle-test'], limit: 5, quiet: true });
  const [set] = run.sets;
  assert.equal(set.photos, 5);
  assert.equal(run.provenance.detector.floor, cfg.faces.scoreFloor);
  assert.ok(set.field.boxes > 0 && Number.isFinite(set.field.mAP));
  assert.ok(set.field.agnostic.ap >= 0 && set.field.agnostic.ap <= 1);
  // a tool's mAP from the JSON lines
  const scenes = sceneSet('kaggle-test', { limit: 5 });
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'facemask.js'), 'detect', '--all-boxes', ...scenes.map((s) => s.file)], { encoding: 'utf8', env: { ...process.env, FACEMASK_BACKEND: 'wasm' }, timeout: 180_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; boxes: ScoredBox[] });
  const fromLines = fieldMeasure(lines.map((l, i) => ({ faces: scenes[i].faces, boxes: l.boxes })), { floor: 0.05 });
  assert.equal(fromLines.mAP, set.field.mAP);
  assert.equal(fromLines.agnostic.ap, set.field.agnostic.ap);
  // the kept boxes at the shipped setting, from the same scores, are what the shipped pipeline keeps
  const shipped = await createFaceMaskDetector(cfg);
  try {
    const direct = await measurePipeline(shipped, scenes, { quiet: true, rules: cfg.faces });
    assert.deepEqual([set.kept.all, set.kept.perClass, set.kept.falseDetections], [direct.all, direct.perClass, direct.falseDetections]);
  } finally {
    shipped.dispose();
  }
});
