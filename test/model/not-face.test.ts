/**
 * The one not_face rejection rule (`toClassification`), used by `MaskClassifier.classify` (so by
 * `facemask detect` and `video`) and by the scene measurement (`summariseSetting`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toClassification, checkRejectAt, NEVER_REJECT, loadClassifier } from '../../src/model/classifier';
import { resolveConfig } from '../../src/config';
import { summariseSetting, type ScoredScenes } from '../../src/evaluation/scenes';
import type { ModelClass } from '../../src/labels';
import { projectPaths } from '../../src/paths';
import { decodeImage, cropResize } from '../../src/util/images';
import { kaggleScenes } from '../../src/detection/evaluate';

const FOUR: ModelClass[] = ['with_mask', 'without_mask', 'incorrect_mask', 'not_face'];

test('rule: not_face on top is always dropped; otherwise dropped exactly when p(not_face) >= rejectAt', () => {
  // not_face is the top class: dropped even when rejection by probability is off
  assert.equal(toClassification([0.2, 0.1, 0.1, 0.6], FOUR, NEVER_REJECT), null);
  assert.equal(toClassification([0.26, 0.24, 0.22, 0.28], FOUR, 0.3), null, 'top class, below rejectAt');
  // a face label on top, not_face at 0.35: dropped at 0.3, kept at 0.4 and at NEVER_REJECT
  const p = [0.45, 0.15, 0.05, 0.35];
  assert.equal(toClassification(p, FOUR, 0.3), null);
  assert.equal(toClassification(p, FOUR, 0.35), null, 'the boundary is inclusive');
  const kept = toClassification(p, FOUR, 0.4);
  assert.deepEqual(kept, { label: 'with_mask', score: 0.45, scores: { with_mask: 0.45, without_mask: 0.15, incorrect_mask: 0.05 } });
  assert.deepEqual(toClassification(p, FOUR), kept, 'default: no rejection by probability');
  // labelled by the best emitted class
  assert.equal(toClassification([0.1, 0.2, 0.5, 0.2], FOUR, 0.3)?.label, 'incorrect_mask');
});

test('rule: a trusted box (the detector is sure of it) is never dropped and gets its best emitted class', () => {
  assert.equal(toClassification([0.2, 0.1, 0.1, 0.6], FOUR, 0.3, true)?.label, 'with_mask', 'not_face on top, trusted: best face class');
  assert.equal(toClassification([0.05, 0.25, 0.05, 0.65], FOUR, 0, true)?.label, 'without_mask');
  assert.equal(toClassification([0.2, 0.1, 0.1, 0.6], FOUR, 0.3, false), null, 'the same box untrusted is dropped');
  const c = toClassification([0.45, 0.15, 0.05, 0.35], FOUR, 0.3, true);
  assert.deepEqual(c, { label: 'with_mask', score: 0.45, scores: { with_mask: 0.45, without_mask: 0.15, incorrect_mask: 0.05 } });
});

test('rule: a model without not_face never rejects, whatever rejectAt', () => {
  const two: ModelClass[] = ['with_mask', 'without_mask'];
  assert.deepEqual(toClassification([0.3, 0.7], two, 0), { label: 'without_mask', score: 0.7, scores: { with_mask: 0.3, without_mask: 0.7 } });
  assert.equal(toClassification([0.9, 0.1, 0.0], ['with_mask', 'without_mask', 'incorrect_mask'], 0)?.label, 'with_mask');
});

test('rejectAt is validated (classifier option and config)', () => {
  assert.equal(checkRejectAt(0.3), 0.3);
  assert.equal(checkRejectAt(NEVER_REJECT), NEVER_REJECT);
  assert.throws(() => checkRejectAt(1.5), /must be in \[0, 1\], got 1.5/);
  assert.throws(() => checkRejectAt(-0.1), /must be in \[0, 1\]/);
  assert.throws(() => checkRejectAt(NaN), /must be in \[0, 1\]/);
  assert.equal(resolveConfig().detect.notFace.rejectAt, 0.2);
  assert.equal(resolveConfig().detect.notFace.trustAbove, 0.9);
  assert.throws(() => resolveConfig({ detect: { notFace: { trustAbove: 1.5 } } }), /detect\.notFace\.trustAbove/);
  assert.throws(() => resolveConfig({ detect: { notFace: { rejectAt: 2 } } }), /detect\.notFace\.rejectAt/);
  assert.throws(() => resolveConfig({ detect: { ssdMobilenet: { notFaceConfidence: 0 } } }), /detect\.ssdMobilenet\.notFaceConfidence/);
  assert.throws(() => resolveConfig({ detect: { blazeface: { notFaceConfidence: 1 } } }), /detect\.blazeface\.notFaceConfidence/);
});

test('the measurement (summariseSetting) applies the same rule as the classifier', () => {
  const scene = kaggleScenes('test')[0];
  const box = scene.faces[0].box;
  const probs = [
    [0.45, 0.15, 0.05, 0.35], // dropped at 0.3 (p(not_face) >= 0.3), kept at 1.01
    [0.26, 0.24, 0.22, 0.28], // not_face on top: dropped always
    [0.1, 0.7, 0.1, 0.1], // kept, without_mask
  ].map((p) => Float32Array.from(p));
  const s: ScoredScenes = {
    detector: 'ssd-mobilenet',
    part: 'test',
    classes: FOUR,
    scenes: [{ scene: { ...scene, faces: [] }, detections: probs.map(() => ({ box, score: 0.5 })), probs, ms: 1 }],
  };
  // with no annotated faces every kept box is a false detection: count the kept boxes
  assert.equal(summariseSetting(s, { threshold: 0.2, rejectAt: 0.3 }).falseDetections, 1);
  assert.equal(summariseSetting(s, { threshold: 0.2, rejectAt: NEVER_REJECT }).falseDetections, 2);
  assert.equal(summariseSetting(s, { threshold: 0.6, rejectAt: NEVER_REJECT }).falseDetections, 0);
  // trusting boxes scored >= 0.5 keeps all three (even not_face on top), trusting >= 0.6 changes nothing
  assert.equal(summariseSetting(s, { threshold: 0.2, rejectAt: 0.3, trustAbove: 0.5 }).falseDetections, 3);
  assert.equal(summariseSetting(s, { threshold: 0.2, rejectAt: 0.3, trustAbove: 0.6 }).falseDetections, 1);
});

test('the shipped default model: classify drops exactly the boxes the rule drops, at the configured rejectAt', async () => {
  const clf = await loadClassifier(projectPaths().defaultModel);
  try {
    assert.ok(clf.classes.includes('not_face'), `the default model has not_face (${clf.classes.join(', ')})`);
    assert.equal(clf.rejectAt, resolveConfig().detect.notFace.rejectAt);
    // annotated faces of one test photo, plus background patches that are not faces
    const scene = kaggleScenes('test').find((s) => s.index === 201)!;
    const img = await decodeImage(scene.file);
    const boxes: [number, number, number, number][] = [...scene.faces.map((f) => f.box), [0, 0, 60, 60], [img.width - 80, img.height - 80, 80, 80], [img.width / 2, 0, 50, 40]];
    const crops = await Promise.all(boxes.map((b) => cropResize(img, b, clf.inputSize)));
    const probs = await clf.probabilities(crops);
    const got = await clf.classify(crops);
    assert.deepEqual(got.map((c) => c?.label ?? null), probs.map((p) => toClassification(p, clf.classes, clf.rejectAt)?.label ?? null));
    const nf = clf.classes.indexOf('not_face');
    for (let i = 0; i < probs.length; i++) if (probs[i][nf] >= clf.rejectAt) assert.equal(got[i], null, `box ${i}: p(not_face) ${probs[i][nf]}`);
    assert.ok(got.some((c) => c === null), 'some background patch is rejected');
    assert.ok(got.some((c) => c !== null), 'some annotated face is kept');
    clf.rejectAt = 0; // p(not_face) >= 0 always: every box is dropped
    assert.deepEqual(await clf.classify(crops), crops.map(() => null));
    // ... except the boxes the detector is sure of (face score >= trustAbove)
    clf.trustAbove = 0.9;
    const scores = boxes.map((_, i) => (i === 0 ? 0.95 : 0.5));
    const trusted = await clf.classify(crops, scores);
    assert.notEqual(trusted[0], null, 'the trusted box is kept');
    assert.deepEqual(trusted.slice(1), crops.slice(1).map(() => null));
    clf.rejectAt = NEVER_REJECT;
    const lenient = await clf.classify(crops);
    assert.deepEqual(lenient.map((c) => c === null), probs.map((p) => p.indexOf(Math.max(...p)) === nf));
  } finally {
    clf.dispose();
  }
  await assert.rejects(loadClassifier(projectPaths().defaultModel, { rejectNotFace: 3 }), /not_face rejection threshold must be in \[0, 1\]/);
});
