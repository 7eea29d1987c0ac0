import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as g from '../../src/synth/geometry';
import { CONFUSER_MODES, drawConfuser, skinColour, type ConfuserMode } from '../../src/synth/confusers';
import { mulberry32 } from '../../src/synth/rng';
import type { RgbImage } from '../../src/util/images';
import { makeFace } from './handmade';

const W = 320, H = 320;
/** A face-coloured image with a gentle gradient, so any drawing shows. */
function faceImage(): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const k = 3 * (y * W + x);
    data[k] = 200 - (y >> 4); data[k + 1] = 160 - (x >> 5); data[k + 2] = 130;
  }
  return { data, width: W, height: H };
}
const px = (img: RgbImage, p: g.Pt) => { const k = 3 * (Math.round(p[1]) * img.width + Math.round(p[0])); return [...img.data.subarray(k, k + 3)]; };
/** Covered pixels in the face's frame: across (from the eye midpoint along the eyes) and down (below the eye line), in eye-to-chin units. */
function covered(lm: g.Landmarks, coverage: Float32Array): { across: number; down: number }[] {
  const f = g.faceFrame(lm), s = g.level(f, lm[8]);
  const out: { across: number; down: number }[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    if (coverage[y * W + x] <= 0.05) continue;
    const d = g.sub([x + 0.5, y + 0.5], f.E);
    out.push({ across: g.dot(d, f.u) / s, down: g.dot(d, f.v) / s });
  }
  return out;
}

for (const roll of [0, 20]) {
  test(`every confuser leaves nose and eyes alone; scarf, collar and beard the lips too (roll ${roll}°)`, () => {
    const lm = makeFace({ scale: 70, centre: [160, 120], roll });
    const img = faceImage();
    const before = new Uint8Array(img.data);
    const keptAlways = [...g.NOSE_POINTS, 27, 28, 29, ...g.EYE_POINTS];
    for (const mode of CONFUSER_MODES) {
      for (let seed = 1; seed <= 4; seed++) {
        const d = drawConfuser(img, lm, mode, mulberry32(seed));
        assert.deepEqual(img.data, before, 'the input is not modified');
        const changed = d.image.data.some((v, i) => v !== before[i]);
        assert.ok(changed, `${mode} seed ${seed} drew nothing`);
        for (const i of keptAlways) assert.deepEqual(px(d.image, lm[i]), px(img, lm[i]), `${mode} seed ${seed} drew over landmark ${i}`);
        if (mode === 'scarf' || mode === 'collar' || mode === 'beard') {
          for (const i of g.range([48, 60])) assert.deepEqual(px(d.image, lm[i]), px(img, lm[i]), `${mode} seed ${seed} drew over the lips (${i})`);
        }
        assert.match(d.name, new RegExp(`^${mode}-`));
      }
    }
  });
}

test('where each confuser sits: a scarf below the lower lip, a collar too or beside the jaw, a hand or an object at the mouth, a beard below the nose', () => {
  const lm = makeFace({ scale: 70, centre: [160, 120] });
  const f = g.faceFrame(lm), s = g.level(f, lm[8]);
  const down = (p: g.Pt) => g.level(f, p) / s;
  const lipBottom = down(lm[57]), mouth = down(g.mean(lm.slice(48, 60))), noseTip = down(lm[30]);
  const mouthHalf = g.norm(g.sub(lm[54], lm[48])) / 2 / s;
  const img = faceImage();
  const at = (mode: ConfuserMode, seed: number) => covered(lm, drawConfuser(img, lm, mode, mulberry32(seed)).coverage);
  for (let seed = 1; seed <= 5; seed++) {
    const scarf = at('scarf', seed);
    assert.ok(scarf.length > 0 && Math.min(...scarf.map((p) => p.down)) > lipBottom, `scarf seed ${seed} reaches above the lower lip`);
    const collar = at('collar', seed).filter((p) => p.down <= lipBottom);
    assert.ok(collar.every((p) => Math.abs(p.across) > 1.5 * mouthHalf), `collar seed ${seed}: above the lower lip only beside the jaw`);
    for (const mode of ['hand', 'object'] as const) {
      assert.ok(at(mode, seed).some((p) => Math.abs(p.down - mouth) < 0.12 && Math.abs(p.across) < 2 * mouthHalf), `${mode} seed ${seed}: nothing at the mouth`);
    }
    const beard = at('beard', seed);
    assert.ok(beard.length > 0 && Math.min(...beard.map((p) => p.down)) > noseTip, `beard seed ${seed} above the nose tip`);
  }
});

test('the same stream draws the same confuser, another stream another one', () => {
  const lm = makeFace({ scale: 70, centre: [160, 120] });
  const img = faceImage();
  for (const mode of CONFUSER_MODES) {
    const a = drawConfuser(img, lm, mode, mulberry32(3)), b = drawConfuser(img, lm, mode, mulberry32(3));
    assert.deepEqual(a.image.data, b.image.data);
    assert.equal(a.name, b.name);
    const others = [4, 5, 6, 7].map((k) => drawConfuser(img, lm, mode, mulberry32(k)).image.data);
    assert.ok(others.some((o) => o.some((v, i) => v !== a.image.data[i])), `${mode}: every stream drew the same`);
  }
});

test('a hand takes the colour of the face it is drawn on', () => {
  const lm = makeFace({ scale: 70, centre: [160, 120] });
  const dark = faceImage();
  for (let i = 0; i < dark.data.length; i += 3) { dark.data[i] = 90; dark.data[i + 1] = 60; dark.data[i + 2] = 45; }
  assert.deepEqual(skinColour(dark, lm), [90, 60, 45]);
  const d = drawConfuser(dark, lm, 'hand', mulberry32(2));
  const mouthPx = px(d.image, g.mean(lm.slice(48, 60)));
  // somewhere on the hand: within 40 % of the skin's brightness (shading), never the light test image's colours
  const covered: number[][] = [];
  for (let k = 0; k < W * H; k++) if (d.coverage[k] > 0.99) covered.push([...d.image.data.subarray(3 * k, 3 * k + 3)]);
  assert.ok(covered.length > 100, 'a hand was drawn');
  for (const c of covered.slice(0, 2000)) assert.ok(c[0] <= 90 * 1.4 && c[0] >= 90 * 0.5 && c[0] > c[2], `hand pixel ${c}`);
  assert.ok(mouthPx.length === 3);
});
