import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as g from '../../src/synth/geometry';
import { makeFace, boxOf } from './handmade';

const CHECK = { minFaceSize: 48, maxRoll: 40, maxYaw: 45 };
const inside = (lm: g.Landmarks, idx: number[], poly: g.Pt[]) => idx.filter((i) => g.pointInPolygon(lm[i], poly));
const outlineFor = (lm: g.Landmarks, mode: g.WearMode) => g.faceOutline(g.meshWarp(g.faceAnchors(lm, mode)));
const POSES = [{}, { roll: 20 }, { roll: -30 }, { yaw: 20 }, { yaw: -25 }, { roll: 15, yaw: 20 }, { scale: 40 }, { scale: 300, centre: [600, 500] as g.Pt }];

test('correct mode covers every nose and mouth point, never an eye point', () => {
  for (const pose of POSES) {
    const lm = makeFace(pose);
    const poly = outlineFor(lm, 'correct');
    assert.deepEqual(inside(lm, g.NOSE_POINTS, poly), g.NOSE_POINTS, `nose, pose ${JSON.stringify(pose)}`);
    assert.deepEqual(inside(lm, g.MOUTH_POINTS, poly), g.MOUTH_POINTS, `mouth, pose ${JSON.stringify(pose)}`);
    assert.deepEqual(inside(lm, g.EYE_POINTS, poly), [], `eyes, pose ${JSON.stringify(pose)}`);
  }
});

test('nose mode leaves the nose uncovered and covers the mouth; chin mode leaves both uncovered', () => {
  for (const pose of POSES) {
    const lm = makeFace(pose);
    const nose = outlineFor(lm, 'nose');
    assert.deepEqual(inside(lm, g.NOSE_POINTS, nose), [], `nose mode, pose ${JSON.stringify(pose)}`);
    assert.deepEqual(inside(lm, g.MOUTH_POINTS, nose), g.MOUTH_POINTS, `nose mode mouth, pose ${JSON.stringify(pose)}`);
    const chin = outlineFor(lm, 'chin');
    assert.deepEqual(inside(lm, [...g.NOSE_POINTS, ...g.MOUTH_POINTS], chin), [], `chin mode, pose ${JSON.stringify(pose)}`);
    // the mask is still on the face: the chin point is under it
    assert.ok(g.pointInPolygon(lm[8], chin), 'chin mode covers the chin');
    for (const m of g.MODES) assert.deepEqual(inside(lm, g.EYE_POINTS, outlineFor(lm, m)), [], `${m} never covers the eyes`);
  }
});

test('the outline rotates with roll and the roll estimate follows', () => {
  const c: g.Pt = [200, 160];
  const base = makeFace({ centre: c });
  for (const roll of [-35, -10, 12, 30]) {
    const lm = makeFace({ centre: c, roll });
    assert.ok(Math.abs(g.estimateRoll(lm) - roll) < 1e-6, `roll ${roll}`);
    const r = (roll * Math.PI) / 180;
    const rot = (p: g.Pt): g.Pt => [c[0] + (p[0] - c[0]) * Math.cos(r) - (p[1] - c[1]) * Math.sin(r), c[1] + (p[0] - c[0]) * Math.sin(r) + (p[1] - c[1]) * Math.cos(r)];
    for (const mode of g.MODES) {
      const a = outlineFor(lm, mode), b = outlineFor(base, mode).map(rot);
      a.forEach((p, i) => assert.ok(g.norm(g.sub(p, b[i])) < 1e-6, `${mode} point ${i} off by ${g.norm(g.sub(p, b[i]))}`));
    }
  }
});

test('yaw: the estimate has the sign of the turn and the mask moves with the nose', () => {
  assert.ok(Math.abs(g.estimateYaw(makeFace())) < 1e-6);
  const right = makeFace({ yaw: 25 }), left = makeFace({ yaw: -25 });
  assert.ok(g.estimateYaw(right) > 15 && g.estimateYaw(left) < -15);
  // the near side of the mask shrinks: the top point moves toward the far jaw side
  const a = g.faceAnchors(right, 'correct');
  assert.ok(g.norm(g.sub(a.R1, a.T)) < g.norm(g.sub(a.T, a.L1)));
});

test('the mesh places the template anchors exactly and inverts', () => {
  const lm = makeFace({ roll: 10, yaw: 15 });
  const a = g.faceAnchors(lm, 'correct');
  const w = g.meshWarp(a);
  for (const k of [...g.ANCHOR_ORDER, 'M'] as const) {
    const p = g.warpPoint(w, g.TEMPLATE.anchors[k]);
    assert.ok(g.norm(g.sub(p, a[k])) < 1e-9, k);
  }
  for (const t of [[10, 10], [128, 50], [250, 190], [-5, 100]] as g.Pt[]) {
    const back = g.unwarpPoint(w, g.warpPoint(w, t));
    assert.ok(g.norm(g.sub(back, t)) < 1e-9, `round trip ${t}`);
  }
});

test('checkFace skips faces by reason', () => {
  const ok = makeFace();
  assert.equal(g.checkFace(ok, boxOf(ok), CHECK).ok, true);
  const small = makeFace({ scale: 15 });
  assert.equal(g.checkFace(small, boxOf(small), CHECK).reason, 'too_small');
  const rolled = makeFace({ roll: 60 });
  assert.equal(g.checkFace(rolled, boxOf(rolled), CHECK).reason, 'turned');
  const profile = makeFace({ yaw: 70 });
  assert.equal(g.checkFace(profile, boxOf(profile), CHECK).reason, 'turned');
  // implausible: mouth above the nose (points swapped), squashed eyes, landmarks far from the box
  const swapped = ok.map((p) => [...p] as g.Pt);
  for (const i of g.MOUTH_POINTS) swapped[i] = [ok[i][0], ok[i][1] - 90];
  assert.equal(g.checkFace(swapped, boxOf(ok), CHECK).reason, 'implausible');
  const narrow = ok.map((p, i) => (g.EYE_POINTS.includes(i) ? ([200 + (p[0] - 200) * 0.2, p[1]] as g.Pt) : p));
  assert.equal(g.checkFace(narrow, boxOf(ok), CHECK).reason, 'implausible');
  const [x, y, w, h] = boxOf(ok);
  assert.equal(g.checkFace(ok, [x + 3 * w, y, w, h], CHECK).reason, 'implausible');
  assert.equal(g.checkFace(ok.slice(0, 60), boxOf(ok), CHECK).reason, 'implausible');
});
