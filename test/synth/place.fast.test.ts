import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as g from '../../src/synth/geometry';
import { placeMask } from '../../src/synth/place';
import { renderStyle, resolveStyle, STYLE_NAMES, PATTERNS } from '../../src/synth/styles';
import { mulberry32 } from '../../src/synth/rng';
import type { RgbImage } from '../../src/util/images';
import { makeFace } from './handmade';

const W = 400, H = 400;
function flatImage(left: number, right: number, splitX = W / 2): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.fill(x < splitX ? left : right, 3 * (y * W + x), 3 * (y * W + x) + 3);
  return { data, width: W, height: H };
}
const lum = (img: RgbImage, x: number, y: number) => { const k = 3 * (y * img.width + x); return 0.299 * img.data[k] + 0.587 * img.data[k + 1] + 0.114 * img.data[k + 2]; };

/** Mean brightness of mask pixels (well inside the outline) left and right of the face axis, at least `gap` px from it. */
function maskSides(out: RgbImage, outline: g.Pt[], axisX: number, gap: number): [number, number] {
  const s = [0, 0], n = [0, 0];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    if (Math.abs(x + 0.5 - axisX) < gap || !g.pointInPolygon([x + 0.5, y + 0.5], outline)) continue;
    // stay clear of the outline's edge (anti-aliasing)
    if (!g.pointInPolygon([x - 3, y], outline) || !g.pointInPolygon([x + 3, y], outline) || !g.pointInPolygon([x, y - 3], outline) || !g.pointInPolygon([x, y + 3], outline)) continue;
    const side = x < axisX ? 0 : 1;
    s[side] += lum(out, x, y); n[side]++;
  }
  return [s[0] / n[0], s[1] / n[1]];
}

test('shading: a half-shadowed face gives a half-shadowed mask, an evenly lit face an even one', () => {
  const lm = makeFace({ scale: 100, centre: [200, 130] });
  const style = resolveStyle('surgical-white', mulberry32(1));
  const canvas = renderStyle(style);
  const even = placeMask(flatImage(200, 200), lm, 'correct', style, canvas, { loops: false });
  const [el, er] = maskSides(even.image, even.outline, 200, 40);
  assert.ok(Math.abs(el / er - 1) < 0.06, `even light: left ${el.toFixed(1)} right ${er.toFixed(1)}`);
  assert.ok(el > 180, `evenly lit white mask stays bright (${el.toFixed(1)})`);
  const half = placeMask(flatImage(210, 70), lm, 'correct', style, canvas, { loops: false });
  const [hl, hr] = maskSides(half.image, half.outline, 200, 40);
  // the face is 3x darker on the right; the mask follows (the blur softens the edge, hence the gap)
  assert.ok(hr / hl < 0.45, `half shadow: left ${hl.toFixed(1)} right ${hr.toFixed(1)}`);
  assert.ok(hl > 180, `lit side stays bright (${hl.toFixed(1)})`);
});

test('placement changes pixels only around the mask and leaves the input untouched', () => {
  const lm = makeFace({ scale: 100, centre: [200, 130] });
  const img = flatImage(128, 128);
  const copy = new Uint8Array(img.data);
  const style = resolveStyle('black', mulberry32(1));
  const p = placeMask(img, lm, 'correct', style, renderStyle(style), { loops: false });
  assert.deepEqual(img.data, copy, 'input untouched');
  let inChanged = 0, inTotal = 0, outChanged = 0;
  for (let y = 0; y < H; y += 2) for (let x = 0; x < W; x += 2) {
    const changed = lum(p.image, x, y) !== lum(img, x, y);
    const d = [[-3, 0], [3, 0], [0, -3], [0, 3]].map(([dx, dy]) => g.pointInPolygon([x + 0.5 + dx, y + 0.5 + dy], p.outline));
    if (d.every(Boolean)) { inTotal++; if (changed) inChanged++; }
    else if (!d.some(Boolean) && changed) outChanged++;
  }
  assert.ok(inChanged / inTotal > 0.99, `inside changed ${inChanged}/${inTotal}`);
  assert.equal(outChanged, 0, 'nothing outside the outline changes without loops');
  // the eyes keep their pixels
  for (const i of g.EYE_POINTS) assert.equal(p.image.data[3 * (Math.round(lm[i][1]) * W + Math.round(lm[i][0]))], 128);
});

test('every style resolves, renders opaque inside its outline, and its concrete name re-creates it', () => {
  const rng = mulberry32(3);
  const names = [...STYLE_NAMES, ...PATTERNS.map((p) => `cloth-${p}`), 'cloth-dots-#3c78a0', 'n95-2-valve', 'kn95-1'];
  for (const n of names) {
    const s = resolveStyle(n, rng);
    assert.deepEqual(resolveStyle(s.name, mulberry32(99)), s, `round trip ${n}`);
    const c = renderStyle(s);
    const at = (tx: number, ty: number) => c.data[(Math.floor((ty + c.margin) * c.scale) * c.width + Math.floor((tx + c.margin) * c.scale)) * 4 + 3];
    assert.equal(at(128, 100), 1, `${n} opaque in the middle`);
    assert.equal(at(-6, -6), 0, `${n} transparent outside`);
  }
  assert.throws(() => resolveStyle('gas-mask', rng), /unknown mask style "gas-mask".*surgical/);
  assert.throws(() => resolveStyle('cloth-tartan', rng), /unknown cloth pattern/);
  assert.throws(() => resolveStyle('cloth-plain-#12', rng), /bad cloth colour/);
});
