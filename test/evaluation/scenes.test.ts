/**
 * The scene measurement (src/evaluation/scenes.ts): trying a setting over what a pipeline saw at a
 * low threshold gives exactly what the pipeline itself keeps at that setting (one policy function,
 * and a threshold applied after greedy NMS equals running at it); the counting rule on hand-made
 * scenes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config';
import { initBackend } from '../../src/backend/tf';
import { kaggleScenes } from '../../src/data/kaggle';
import { createFaceMaskDetector, loadShippedClassifier } from '../../src/detection/create';
import { applySetting, runPipelineOnScenes, scoreScenes, summariseDetections } from '../../src/evaluation/scenes';

test('a setting applied to low-threshold scores equals the pipeline run at that setting', async () => {
  await initBackend({ quiet: true });
  const cfg = resolveConfig();
  const classifier = await loadShippedClassifier(cfg);
  const scenes = kaggleScenes('test').filter((s) => [204, 219, 231].includes(s.photo));
  const low = await createFaceMaskDetector(cfg, { classifier, detector: 'blazeface', threshold: 0.2 });
  const setting = { threshold: 0.4, rejectAt: 0.3, trustAbove: 0.9 };
  const at = await createFaceMaskDetector(cfg, { classifier, detector: 'blazeface', ...setting });
  try {
    const swept = applySetting(await scoreScenes(low, scenes, { quiet: true }), setting);
    const direct = await runPipelineOnScenes(at, scenes, { quiet: true });
    const strip = (rs: typeof swept) => rs.map((r) => r.detections.map((d) => [d.box.map((v) => +v.toFixed(3)), +d.score.toFixed(5), d.label]));
    assert.deepEqual(strip(swept), strip(direct));
    assert.ok(swept.some((r) => r.detections.length > 0));
    assert.throws(() => applySetting({ detector: 'x', low: 0.2, classes: [], scenes: [] }, { ...setting, threshold: 0.1 }), /below the 0.2 the boxes were found at/);
  } finally {
    low.dispose();
    at.dispose();
    classifier.dispose();
  }
});

test('counting: faces >= minSize count, a hit is IoU >= matchIou, false boxes overlap no face, right = found with its label', () => {
  const scene = { file: 'x.jpg', photo: 0, faces: [
    { file: 'x.jpg', box: [0, 0, 30, 30] as [number, number, number, number], label: 'with_mask' as const },
    { file: 'x.jpg', box: [100, 0, 30, 30] as [number, number, number, number], label: 'without_mask' as const },
    { file: 'x.jpg', box: [200, 0, 10, 10] as [number, number, number, number], label: 'with_mask' as const }, // too small to count
  ] };
  const s = summariseDetections([{ scene, ms: 5, detections: [
    { box: [1, 1, 30, 30], score: 0.9, label: 'with_mask' },
    { box: [100, 0, 30, 30], score: 0.9, label: 'with_mask' }, // found, wrong label
    { box: [200, 0, 10, 10], score: 0.9, label: 'with_mask' }, // a small face: not false, not counted
    { box: [300, 300, 30, 30], score: 0.9, label: 'with_mask' }, // false
  ] }], { minSize: 24, matchIou: 0.3 });
  assert.deepEqual([s.all.faces, s.all.found, s.all.right, s.falseDetections], [2, 2, 1, 1]);
  assert.equal(s.maskedRecall, 1);
  assert.equal(s.endToEnd, 0.5);
  assert.ok(Number.isNaN(s.incorrectRecall), 'no incorrectly worn face to find');
});

test('AP@0.5: perfect boxes give 1; a confident false box lowers it; small faces are ignored in the counted variant', async () => {
  const { detectionAP, recallBySize } = await import('../../src/evaluation/scenes');
  const face = (x: number, side: number, label: 'with_mask' | 'without_mask') => ({ file: 'x.jpg', box: [x, 0, side, side] as [number, number, number, number], label });
  const scene = { file: 'x.jpg', photo: 0, faces: [face(0, 40, 'with_mask'), face(100, 40, 'without_mask'), face(200, 10, 'with_mask')] };
  const det = (x: number, side: number, label: 'with_mask' | 'without_mask', score: number) => ({ box: [x, 0, side, side] as [number, number, number, number], score, label, classScore: 1 });
  const perfect = detectionAP([{ scene, ms: 1, detections: [det(0, 40, 'with_mask', 0.9), det(100, 40, 'without_mask', 0.8), det(200, 10, 'with_mask', 0.7)] }]);
  assert.deepEqual([perfect.perClass.with_mask, perfect.perClass.without_mask, perfect.mAP], [1, 1, 1]);
  // a false with_mask box scored above the true ones: with_mask AP drops to (1/2 * 2/3 + ...) < 1
  const noisy = detectionAP([{ scene, ms: 1, detections: [det(400, 40, 'with_mask', 0.95), det(0, 40, 'with_mask', 0.9), det(200, 10, 'with_mask', 0.7)] }]);
  assert.ok(noisy.perClass.with_mask < 1 && noisy.perClass.with_mask > 0.5, `${noisy.perClass.with_mask}`);
  assert.equal(noisy.perClass.without_mask, 0, 'its face was not found');
  // the small face missed: it costs recall over all faces, nothing over the counted ones
  const missSmall = [{ scene, ms: 1, detections: [det(0, 40, 'with_mask', 0.9), det(100, 40, 'without_mask', 0.8)] }];
  assert.equal(detectionAP(missSmall).perClass.with_mask, 0.5);
  assert.equal(detectionAP(missSmall, 24).perClass.with_mask, 1);
  const bands = recallBySize(missSmall, { minSize: 24, matchIou: 0.3 });
  assert.deepEqual(bands.filter((b) => b.faces).map((b) => [b.band, b.found, b.faces]), [['< 16', 0, 1], ['32–64', 2, 2]]);
});
