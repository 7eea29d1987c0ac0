/** Notebook 04's view of the committed tuning summary (src/notebook/tune.ts), on the summary committed for models/default. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tuneSummaries, tuneCandidateRows, tuneChoiceRows, tuneDrawing } from '../../src/notebook/tune';
import { projectPaths } from '../../src/paths';

const manifest = JSON.parse(fs.readFileSync(path.join(projectPaths().defaultModel, 'manifest.json'), 'utf8'));

test('the shipped model has one tuning summary of the current form; it is what the manifest holds', () => {
  const all = tuneSummaries();
  assert.ok(all.every((s) => s.photo && s.video), 'summaries of the earlier form are left out');
  const s = all.find((x) => x.config.model === 'models/default');
  assert.ok(s, 'docs/results/tune-default.json');
  assert.equal(s.photo.setting.threshold, manifest.detection.photo.threshold);
  assert.deepEqual(s.photo.setting.scales, manifest.detection.photo.scales);
  assert.equal(s.video.detector, manifest.detection.detector);
  assert.equal(s.video.setting.threshold, manifest.detection.settings[s.video.detector].threshold);
});

test('rows: every candidate once, one marked for photos and one for video; both choices with their test sets', () => {
  const s = tuneSummaries().find((x) => x.config.model === 'models/default')!;
  const rows = tuneCandidateRows(s);
  assert.equal(rows.length, s.candidates.length);
  assert.equal(rows.filter((r) => r.choice.includes('photos')).length, 1);
  assert.equal(rows.filter((r) => r.choice.includes('video')).length, 1);
  const best = Math.max(...s.candidates.map((c) => c.mAP));
  assert.ok(rows.find((r) => r.choice.includes('photos'))!['validation mAP@0.5'] >= +best.toFixed(3) - 0.0025, 'the photo choice is the best or within the tie margin');
  const choices = tuneChoiceRows(s);
  assert.deepEqual(choices.map((c) => c.use), ['photo', 'video']);
  for (const c of choices) assert.ok('kaggle-test mAP@0.5' in c && 'ilc2021-test F1' in c);
  assert.ok(tuneDrawing(s));
});
