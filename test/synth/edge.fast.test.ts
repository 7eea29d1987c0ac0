/**
 * The lowered modes' top edge (`edge`, issue 14): it moves down the face as `edge` grows, stays
 * within its range, and keeps what each mode promises for every style's outline and every pose
 * the synthesis accepts — `nose`: the nose free, the mouth covered; `chin`: nose and mouth free.
 * Without an `edge` the anchors are exactly the fixed ones they always were.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as g from '../../src/synth/geometry';
import { styleOutline, type MaskKind } from '../../src/synth/styles';
import { makeFace } from './handmade';

const KINDS: MaskKind[] = ['surgical', 'n95', 'kn95', 'cloth', 'black'];
const EDGES = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1];
// the poses synthesis accepts (config synth: |roll| <= 40, |yaw| <= 45), at both ends and between
const POSES: { roll?: number; yaw?: number; scale?: number }[] = [{}, { roll: 38 }, { roll: -38 }, { yaw: 42 }, { yaw: -42 }, { roll: 25, yaw: 30 }, { roll: -25, yaw: -30 }, { scale: 40 }];
const inside = (lm: g.Landmarks, idx: number[], poly: g.Pt[]) => idx.filter((i) => g.pointInPolygon(lm[i], poly));

test('nose: the nose stays free and the mouth as covered as at the fixed position, at every edge, pose and style; chin: both free', () => {
  for (const pose of POSES) {
    const lm = makeFace(pose);
    for (const kind of KINDS) {
      // the mouth as the fixed position covers it (all of it up to yaw 30; at 42 the hand-made
      // face's far mouth corner passes the jaw line, whatever the edge)
      const fixedMouth = inside(lm, g.MOUTH_POINTS, g.faceOutline(g.meshWarp(g.faceAnchors(lm, 'nose')), styleOutline(kind)));
      if (Math.abs(pose.yaw ?? 0) <= 30) assert.deepEqual(fixedMouth, g.MOUTH_POINTS);
      for (const edge of EDGES) {
        const where = `edge ${edge}, ${kind}, pose ${JSON.stringify(pose)}`;
        const nose = g.faceOutline(g.meshWarp(g.faceAnchors(lm, 'nose', edge)), styleOutline(kind));
        assert.deepEqual(inside(lm, g.NOSE_POINTS, nose), [], `nose mode covers the nose: ${where}`);
        const covered = inside(lm, g.MOUTH_POINTS, nose);
        assert.deepEqual(fixedMouth.filter((i) => !covered.includes(i)), [], `the edge uncovers mouth points: ${where}`);
        const chin = g.faceOutline(g.meshWarp(g.faceAnchors(lm, 'chin', edge)), styleOutline(kind));
        assert.deepEqual(inside(lm, [...g.NOSE_POINTS, ...g.MOUTH_POINTS], chin), [], `chin mode covers nose or mouth: ${where}`);
        for (const poly of [nose, chin]) assert.deepEqual(inside(lm, g.EYE_POINTS, poly), [], `eyes covered: ${where}`);
      }
    }
    for (const edge of EDGES) {
      // the mesh never folds: the anchor ring turns one way around its centre
      for (const mode of ['nose', 'chin'] as const) assert.equal(g.meshFold(g.faceAnchors(lm, mode, edge)), null, `${mode} mesh folds at edge ${edge}, pose ${JSON.stringify(pose)}`);
    }
  }
});

test('the edge moves down the face with `edge`, from just under the nose to the upper lip (nose) and from under the lip onto the chin (chin)', () => {
  for (const pose of POSES) {
    const lm = makeFace(pose);
    const f = g.faceFrame(lm);
    for (const mode of ['nose', 'chin'] as const) {
      const below = EDGES.map((e) => g.edgeBelowNoseTip(lm, g.faceAnchors(lm, mode, e)));
      for (let i = 1; i < below.length; i++) assert.ok(below[i] > below[i - 1], `${mode}: edge ${EDGES[i]} not lower than ${EDGES[i - 1]} (${JSON.stringify(pose)})`);
      // the ends are the documented points of the face
      const [lo, hi] = g.EDGE_RANGE[mode];
      const [from, to] = mode === 'nose' ? [33, 51] : [57, null];
      const top0 = g.faceAnchors(lm, mode, 0).T, top1 = g.faceAnchors(lm, mode, 1).T;
      if (to !== null) {
        assert.ok(g.norm(g.sub(top0, g.lerp(lm[from], lm[to], lo))) < 1e-9);
        assert.ok(g.norm(g.sub(top1, g.lerp(lm[from], lm[to], hi))) < 1e-9);
      }
      // nose: always below every nose point and above the lower lip; chin: below the lower lip, above the chin's lowest point
      const lev = (p: g.Pt) => g.level(f, p);
      const noseLowest = Math.max(...g.NOSE_POINTS.map((i) => lev(lm[i])));
      if (mode === 'nose') assert.ok(lev(top0) > noseLowest && lev(top1) < lev(lm[57]), `nose range (${JSON.stringify(pose)})`);
      else assert.ok(lev(top0) > lev(lm[57]) && lev(top1) < lev(lm[8]), `chin range (${JSON.stringify(pose)})`);
    }
    // the two ranges follow one another down the face: nose ends above where chin begins
    assert.ok(g.edgeBelowNoseTip(lm, g.faceAnchors(lm, 'nose', 1)) < g.edgeBelowNoseTip(lm, g.faceAnchors(lm, 'chin', 0)));
  }
  assert.throws(() => g.faceAnchors(makeFace(), 'nose', 1.5), /edge must be in \[0, 1\]/);
  assert.throws(() => g.faceAnchors(makeFace(), 'chin', Number.NaN), /edge must be in \[0, 1\]/);
});

test('without an edge the anchors are the fixed ones (the existing modes are unchanged)', () => {
  const lm = makeFace({ roll: 12, yaw: -20 });
  const G = g.MODE_GEOMETRY;
  assert.deepEqual(g.faceAnchors(lm, 'nose').T, g.lerp(lm[33], lm[51], G.noseTopFraction));
  // the fixed positions lie inside the ranges the edge spans
  assert.ok(G.noseTopFraction >= g.EDGE_RANGE.nose[0] && G.noseTopFraction <= g.EDGE_RANGE.nose[1]);
  assert.ok(G.chinTopFraction >= g.EDGE_RANGE.chin[0] && G.chinTopFraction <= g.EDGE_RANGE.chin[1]);
  // correct mode ignores an edge
  assert.deepEqual(g.faceAnchors(lm, 'correct', 0.9), g.faceAnchors(lm, 'correct'));
});
