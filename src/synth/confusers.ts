/**
 * Synthetic confusers: things near a face that are not a mask (docs/contracts.md "What counts as a
 * mask"), drawn on a face from its 68 landmarks like the masks are, so that training sees unmasked
 * faces with a scarf round the neck, a turtleneck, a hand or a cup at the mouth, or a beard — the
 * faces the confuser test set (`dataset/confusers.tsv`) shows the model calling `with_mask`.
 *
 * Every kind keeps to the policy's line between a confuser and a face covering: nothing is drawn
 * over the nose (`noseFree`), and the kinds that the policy says leave the mouth free (scarf,
 * collar, beard) keep off the lips; a hand or an object may cover part of the mouth, as real ones do.
 *
 * Shapes live in the face's own frame (`faceFrame`: x along the eyes, y down the face, in units of
 * the eye-to-chin height, origin between the eyes), so roll and scale follow the landmarks. Each
 * shape is a coverage map (1 inside, softened by a 1-px blur), filled with a procedural texture and
 * composited over the image; the input is not modified. All draws come from the caller's stream.
 *
 * Over 300 lines: five kinds, each a shape and a texture of its own, with the painting and the
 * policy's keep-out regions they share.
 */
import type { RgbImage } from '../util/images';
import { faceFrame, level, dot, sub, mean, LM, range, type Landmarks, type Pt, type FaceFrame } from './geometry';
import { choice, type Rng } from './rng';

export const CONFUSER_MODES = ['scarf', 'collar', 'hand', 'object', 'beard'] as const;
export type ConfuserMode = (typeof CONFUSER_MODES)[number];
export const isConfuserMode = (m: string): m is ConfuserMode => (CONFUSER_MODES as readonly string[]).includes(m);

type Rgb = [number, number, number];

/** A drawn confuser: the image, the covered region (coverage 0–1 per pixel) and a name that says what was drawn. */
export interface DrawnConfuser {
  image: RgbImage;
  coverage: Float32Array;
  name: string;
}

/** The face in its own frame: coordinates of a pixel and of the landmarks in eye-to-chin units. */
interface FaceSpace {
  f: FaceFrame;
  /** Eye-to-chin height in pixels. */
  scale: number;
  to(p: Pt): Pt;
  lm: Pt[];
  /** The jaw's lower contour (points 2–14), left to right: shapes follow it. */
  jaw: Pt[];
  /** Nose and eye points: nothing is drawn near them. */
  noseEyes: Pt[];
  /** The outer lip contour (48–59). */
  lips: Pt[];
}

function faceSpace(lm: Landmarks): FaceSpace {
  const f = faceFrame(lm);
  const scale = Math.max(1e-6, level(f, lm[8]));
  const to = (p: Pt): Pt => [dot(sub(p, f.E), f.u) / scale, dot(sub(p, f.E), f.v) / scale];
  const q = lm.map(to);
  return {
    f, scale, to, lm: q,
    jaw: q.slice(2, 15).sort((a, b) => a[0] - b[0]),
    noseEyes: [...range(LM.noseBridge), ...range(LM.noseLower), ...range(LM.eyeLeft), ...range(LM.eyeRight)].map((i) => q[i]),
    lips: q.slice(48, 60),
  };
}

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
const smooth = (e0: number, e1: number, x: number) => {
  const t = clamp01((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
};

/** The jaw's lower contour (points 2–14) as y at x, in face units; beyond its ends the contour's end slope continues. */
function jawY(S: FaceSpace, x: number): number {
  const pts = S.jaw;
  if (x <= pts[0][0]) return pts[0][1] + (pts[0][0] - x) * 1.5;
  if (x >= pts[pts.length - 1][0]) return pts[pts.length - 1][1] + (x - pts[pts.length - 1][0]) * 1.5;
  for (let i = 0; i + 1 < pts.length; i++) {
    const [ax, ay] = pts[i], [bx, by] = pts[i + 1];
    if (x >= ax && x <= bx) return bx === ax ? ay : ay + ((by - ay) * (x - ax)) / (bx - ax);
  }
  return pts[pts.length - 1][1];
}

/** Deterministic value noise in [0, 1] on a lattice of period 1, seeded. */
function valueNoise(seed: number): (x: number, y: number) => number {
  const h = (i: number, j: number) => {
    let n = (i * 374761393 + j * 668265263 + seed * 982451653) | 0;
    n = Math.imul(n ^ (n >>> 13), 1274126177);
    return ((n ^ (n >>> 16)) >>> 0) / 4294967295;
  };
  return (x, y) => {
    const i = Math.floor(x), j = Math.floor(y), fx = x - i, fy = y - j;
    const sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
    const a = h(i, j), b = h(i + 1, j), c = h(i, j + 1), d = h(i + 1, j + 1);
    return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
  };
}

function hsv(h: number, s: number, v: number): Rgb {
  const c = v * s, x = c * (1 - Math.abs(((h / 60) % 2) - 1)), m = v - c;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [r, g, b].map((t) => Math.round((t + m) * 255)) as Rgb;
}
const randomColour = (rng: Rng, sMin = 0.2, vMin = 0.2): Rgb => hsv(rng() * 360, sMin + (0.9 - sMin) * rng(), vMin + (0.95 - vMin) * rng());
const hex = (c: Rgb) => '#' + c.map((x) => x.toString(16).padStart(2, '0')).join('');

/** The median colour of the face's skin: pixels between the nose and the cheeks, below the eyes. */
export function skinColour(img: RgbImage, lm: Landmarks): Rgb {
  const spots: Pt[] = [mean([lm[2], lm[31]]), mean([lm[14], lm[35]]), mean([lm[3], lm[48]]), mean([lm[13], lm[54]]), lm[29]];
  const r: number[] = [], g: number[] = [], b: number[] = [];
  const rad = Math.max(1, Math.round(0.03 * Math.hypot(lm[16][0] - lm[0][0], lm[16][1] - lm[0][1])));
  for (const [cx, cy] of spots) {
    for (let y = Math.round(cy) - rad; y <= Math.round(cy) + rad; y++) {
      for (let x = Math.round(cx) - rad; x <= Math.round(cx) + rad; x++) {
        if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
        const k = 3 * (y * img.width + x);
        r.push(img.data[k]); g.push(img.data[k + 1]); b.push(img.data[k + 2]);
      }
    }
  }
  const med = (a: number[]) => (a.length ? a.sort((p, q) => p - q)[a.length >> 1] : 160);
  return [med(r), med(g), med(b)];
}

/** How near (face units) to a nose or eye landmark a pixel is kept clear. */
const NOSE_EYES_MARGIN = 0.05;

/**
 * Where a confuser may never draw: the nose (bridge and base, with a margin) and the eyes. A
 * pixel's face coordinates `q` are inside when within `margin` (face units) of those landmarks.
 */
function noseOrEyes(S: FaceSpace, q: Pt, margin = NOSE_EYES_MARGIN): boolean {
  for (const p of S.noseEyes) if (Math.hypot(q[0] - p[0], q[1] - p[1]) < margin) return true;
  return false;
}

/** An axis-aligned box in face units round `pts`, widened by `pad`: a point outside it is farther than `pad` from them all. */
function boxAround(pts: readonly Pt[], pad: number): (q: Pt) => boolean {
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs) - pad, x1 = Math.max(...xs) + pad, y0 = Math.min(...ys) - pad, y1 = Math.max(...ys) + pad;
  return (q) => q[0] >= x0 && q[0] <= x1 && q[1] >= y0 && q[1] <= y1;
}

/** Is `q` on the lips or within `margin` of the outer lip contour (face units)? */
function onLips(S: FaceSpace, q: Pt, margin: number): boolean {
  const outer = S.lips;
  let inside = false;
  for (let i = 0, j = outer.length - 1; i < outer.length; j = i++) {
    const [xi, yi] = outer[i], [xj, yj] = outer[j];
    if (yi > q[1] !== yj > q[1] && q[0] < ((xj - xi) * (q[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  if (inside) return true;
  for (const p of outer) if (Math.hypot(q[0] - p[0], q[1] - p[1]) < margin) return true;
  return false;
}

/** A shape: coverage (0–1) and colour of one pixel given its face coordinates. */
type Shader = (q: Pt) => { a: number; c: Rgb } | null;

/** Paint `shader` over a copy of `img`, softening the coverage with a 1-px box blur; pixels in `keep` are never touched. */
function paint(img: RgbImage, S: FaceSpace, shader: Shader, keep: (q: Pt) => boolean): { image: RgbImage; coverage: Float32Array } {
  const { width: W, height: H } = img;
  const a = new Float32Array(W * H);
  const col = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const q = S.to([x + 0.5, y + 0.5]);
      if (keep(q)) continue;
      const s = shader(q);
      if (!s || s.a <= 0) continue;
      const k = y * W + x;
      a[k] = s.a;
      col[3 * k] = s.c[0]; col[3 * k + 1] = s.c[1]; col[3 * k + 2] = s.c[2];
    }
  }
  // soften the coverage's edge (colour stays the shape's own where it has one)
  const soft = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let s = 0, n = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx, yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
        s += a[yy * W + xx]; n++;
      }
      soft[y * W + x] = a[y * W + x] > 0 ? Math.min(a[y * W + x], s / n + 0.5 * a[y * W + x]) : 0;
    }
  }
  const out = new Uint8Array(img.data);
  for (let k = 0; k < W * H; k++) {
    const t = clamp01(soft[k]);
    if (t <= 0) continue;
    for (let c = 0; c < 3; c++) out[3 * k + c] = Math.round(col[3 * k + c] * t + img.data[3 * k + c] * (1 - t));
  }
  return { image: { width: W, height: H, data: out }, coverage: soft };
}

const shade = (c: Rgb, k: number): Rgb => c.map((v) => Math.max(0, Math.min(255, Math.round(v * k)))) as Rgb;
const mix = (a: Rgb, b: Rgb, t: number): Rgb => a.map((v, i) => Math.round(v + (b[i] - v) * t)) as Rgb;

/** Cloth: a base colour, a pattern, folds that run along `along` (a function of the pixel), and weave noise. */
function cloth(rng: Rng, seed: number): { name: string; at: (q: Pt, along: number) => Rgb } {
  const base = randomColour(rng);
  const accent = randomColour(rng);
  const pattern = choice(rng, ['plain', 'plain', 'stripes', 'checks', 'knit'] as const);
  const period = 0.05 + 0.07 * rng();
  const foldFreq = 18 + 20 * rng();
  const noise = valueNoise(seed);
  return {
    name: `${pattern}-${hex(base)}`,
    at(q, along) {
      let c = base;
      if (pattern === 'stripes' && Math.floor((q[0] + q[1]) / period) % 2 === 0) c = accent;
      if (pattern === 'checks' && (Math.floor(q[0] / period) + Math.floor(q[1] / period)) % 2 === 0) c = mix(base, accent, 0.6);
      const weave = pattern === 'knit' ? 0.85 + 0.3 * noise(q[0] * 60, q[1] * 25) : 0.94 + 0.12 * noise(q[0] * 80, q[1] * 80);
      const fold = 0.8 + 0.2 * Math.sin(along * foldFreq + 2 * noise(q[0] * 3, q[1] * 3));
      return shade(c, weave * fold);
    },
  };
}

/** Scarf, shawl or dupatta round the neck, from just below the lower lip down over the shoulders. */
function scarf(S: FaceSpace, rng: Rng, seed: number): { shader: Shader; name: string } {
  const lipBottom = S.lm[57][1], chin = S.lm[8][1];
  // top edge: follows the jaw, offset from part way up the chin (never above a quarter of the way from the lower lip) to down the neck
  const offset = -0.4 * (chin - lipBottom) + (0.4 * (chin - lipBottom) + 0.12) * rng();
  const minTop = lipBottom + 0.25 * (chin - lipBottom);
  const wave = 0.02 + 0.03 * rng(), waveFreq = 6 + 8 * rng(), phase = 6.28 * rng();
  const spread = 1.3 + 0.6 * rng();
  const halfJaw = Math.abs(S.lm[16][0] - S.lm[0][0]) / 2;
  const cx = (S.lm[0][0] + S.lm[16][0]) / 2;
  const c = cloth(rng, seed);
  const shader: Shader = (q) => {
    const dx = (q[0] - cx) / halfJaw;
    if (Math.abs(dx) > spread + Math.max(0, q[1] - chin) * 1.2) return null;
    const top = Math.max(minTop, Math.min(jawY(S, Math.max(S.lm[2][0], Math.min(S.lm[14][0], q[0]))), chin + 0.4) + offset + wave * Math.sin(waveFreq * q[0] + phase) + 0.08 * dx * dx);
    if (q[1] < top) return null;
    return { a: 1, c: c.at(q, q[1] - top) };
  };
  return { shader, name: `scarf-${c.name}` };
}

/** A turtleneck or a high collar: a band round the neck up to the jaw, ribbed, then the shoulders. */
function collar(S: FaceSpace, rng: Rng, seed: number): { shader: Shader; name: string } {
  const chin = S.lm[8][1], lipBottom = S.lm[57][1];
  const halfJaw = Math.abs(S.lm[16][0] - S.lm[0][0]) / 2;
  const cx = (S.lm[0][0] + S.lm[16][0]) / 2;
  const neck = (0.5 + 0.25 * rng()) * halfJaw;
  const top = chin - 0.3 * (chin - lipBottom) + 0.15 * rng();
  const raised = rng() < 0.35; // a coat collar: flaps rising along the jaw's sides
  const base = rng() < 0.5 ? randomColour(rng, 0, 0.1) : choice(rng, [[30, 30, 34], [235, 235, 230], [60, 70, 100], [110, 80, 60]] as Rgb[]);
  const ribs = 50 + 60 * rng();
  const noise = valueNoise(seed);
  const shader: Shader = (q) => {
    const dx = q[0] - cx;
    const below = q[1] - top;
    const halfWidth = below < 0.25 ? neck : neck + (below - 0.25) * 2.5;
    let inside = q[1] >= top && Math.abs(dx) <= halfWidth;
    if (raised && !inside) {
      // flaps: from the neck's sides up to the level of the mouth corners, outside the jaw
      const side = Math.abs(dx);
      const flapTop = (S.lm[48][1] + S.lm[54][1]) / 2;
      inside = q[1] >= flapTop && side >= Math.abs(jawYx(S, q[1])) - 0.02 && side <= neck + 0.35 + (q[1] - flapTop) * 0.3;
    }
    if (!inside) return null;
    const rib = 0.85 + 0.15 * Math.sin(dx * ribs) + 0.05 * noise(q[0] * 40, q[1] * 40);
    const fold = q[1] < top + 0.05 ? 0.8 : 1;
    return { a: 1, c: shade(base, rib * fold) };
  };
  return { shader, name: `collar-${raised ? 'raised' : 'turtleneck'}-${hex(base)}` };
}

/** Half the jaw's width at height y (face units), from the jaw points 0–16. */
function jawYx(S: FaceSpace, y: number): number {
  let best = 0;
  for (const side of [[0, 1, 2, 3, 4, 5, 6, 7, 8], [16, 15, 14, 13, 12, 11, 10, 9, 8]]) {
    for (let k = 0; k + 1 < side.length; k++) {
      const a = S.lm[side[k]], b = S.lm[side[k + 1]];
      if ((a[1] - y) * (b[1] - y) <= 0 && a[1] !== b[1]) {
        const x = a[0] + ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]);
        best = Math.max(best, Math.abs(x - (S.lm[0][0] + S.lm[16][0]) / 2));
      }
    }
  }
  return best;
}

/** A capsule (segment with round ends) test: distance from q to segment a–b within r. */
function inCapsule(q: Pt, a: Pt, b: Pt, r: number): { inside: boolean; t: number; d: number } {
  const ab = sub(b, a), aq = sub(q, a);
  const t = clamp01(dot(aq, ab) / (dot(ab, ab) || 1));
  const d = Math.hypot(q[0] - (a[0] + ab[0] * t), q[1] - (a[1] + ab[1] * t));
  return { inside: d <= r, t, d };
}

/** A hand over or at the mouth: a palm with four fingers and a thumb, the wrist going down out of the picture, in the face's own skin colour. */
function hand(S: FaceSpace, rng: Rng, skin: Rgb): { shader: Shader; name: string } {
  const mouth = mean(S.lips);
  const mouthW = Math.abs(S.lm[54][0] - S.lm[48][0]);
  const pc: Pt = [mouth[0] + (rng() - 0.5) * 0.6 * mouthW, mouth[1] + (0.05 + 0.15 * rng()) * mouthW];
  const palmR = (0.55 + 0.35 * rng()) * mouthW;
  // fingers point up-left, up-right or sideways (angle from +x, y down)
  const dir = choice(rng, [-0.6, -1.2, -1.9, -2.5, 0, Math.PI] as const) + (rng() - 0.5) * 0.4;
  const u: Pt = [Math.cos(dir), Math.sin(dir)], n: Pt = [-u[1], u[0]];
  const fingerR = 0.16 * palmR + 0.05 * mouthW;
  const fingerLen = (1.1 + 0.5 * rng()) * palmR;
  const fingers: [Pt, Pt][] = [];
  for (let i = 0; i < 4; i++) {
    const off = (i - 1.5) * 2.05 * fingerR;
    const a: Pt = [pc[0] + u[0] * 0.4 * palmR + n[0] * off, pc[1] + u[1] * 0.4 * palmR + n[1] * off];
    const len = fingerLen * (i === 0 || i === 3 ? 0.8 : 1);
    fingers.push([a, [a[0] + u[0] * len, a[1] + u[1] * len]]);
  }
  const thumbDir = dir + (rng() < 0.5 ? 1.3 : -1.3);
  const thumb: [Pt, Pt] = [pc, [pc[0] + Math.cos(thumbDir) * 1.3 * palmR, pc[1] + Math.sin(thumbDir) * 1.3 * palmR]];
  const wrist: [Pt, Pt] = [pc, [pc[0] - u[0] * 0.5 + (rng() - 0.5) * 0.3, pc[1] + 2.5]];
  const tone = shade(skin, 0.88 + 0.22 * rng());
  // every part lies within its radius of its own points: outside this box no part is hit
  const near = boxAround([pc, ...fingers.flat(), ...thumb, ...wrist], Math.max(palmR, fingerR * 1.15));
  const shader: Shader = (q) => {
    if (!near(q)) return null;
    // the parts q is inside: how many, the least of their d / r, and whether all are near their edge
    let hits = 0, edge = Infinity, nearEdges = true;
    const part = (inside: boolean, d: number, r: number) => {
      if (!inside) return;
      hits++;
      edge = Math.min(edge, d / r);
      nearEdges &&= d / r > 0.7;
    };
    const dp = Math.hypot(q[0] - pc[0], q[1] - pc[1]);
    part(dp <= palmR, dp, palmR);
    for (const [a, b] of fingers) { const c = inCapsule(q, a, b, fingerR); part(c.inside, c.d, fingerR); }
    { const c = inCapsule(q, thumb[0], thumb[1], fingerR * 1.15); part(c.inside, c.d, fingerR * 1.15); }
    { const c = inCapsule(q, wrist[0], wrist[1], palmR * 0.8); part(c.inside, c.d, palmR * 0.8); }
    if (!hits) return null;
    // edges of each part darker (rounded skin), a darker line where fingers meet
    const k = 1.05 - 0.25 * edge * edge - (hits > 1 && nearEdges ? 0.15 : 0);
    return { a: 1, c: shade(tone, k) };
  };
  return { shader, name: `hand-${Math.round((dir * 180) / Math.PI)}deg` };
}

/** Something held at the mouth: a cup, a bottle or a microphone, coming up from below. */
function object(S: FaceSpace, rng: Rng): { shader: Shader; name: string } {
  const mouth = mean(S.lips);
  const mouthW = Math.abs(S.lm[54][0] - S.lm[48][0]);
  const kind = choice(rng, ['cup', 'bottle', 'mic'] as const);
  const colour = kind === 'mic' ? (choice(rng, [[40, 40, 44], [90, 90, 96], [20, 20, 20]] as Rgb[])) : randomColour(rng, 0, 0.15);
  const cx = mouth[0] + (rng() - 0.5) * 0.8 * mouthW;
  const tilt = (rng() - 0.5) * 0.5;
  if (kind === 'mic') {
    const head: Pt = [cx, mouth[1] + (0.2 + 0.3 * rng()) * mouthW];
    const r = (0.35 + 0.25 * rng()) * mouthW;
    const handleEnd: Pt = [head[0] + Math.sin(tilt) * 3, head[1] + Math.cos(tilt) * 3];
    const noise = valueNoise(Math.floor(rng() * 1e6));
    const shader: Shader = (q) => {
      const d = Math.hypot(q[0] - head[0], q[1] - head[1]);
      if (d <= r) return { a: 1, c: shade([120, 120, 126], 0.6 + 0.4 * (1 - d / r) + 0.3 * (noise(q[0] * 150, q[1] * 150) - 0.5)) };
      const h = inCapsule(q, head, handleEnd, 0.35 * r);
      if (h.inside) return { a: 1, c: shade(colour, 0.7 + 0.5 * (1 - h.d / (0.35 * r))) };
      return null;
    };
    return { shader, name: `object-mic-${hex(colour)}` };
  }
  const halfW = (kind === 'cup' ? 0.45 + 0.35 * rng() : 0.25 + 0.15 * rng()) * mouthW;
  const topY = mouth[1] - (kind === 'cup' ? 0.1 + 0.4 * rng() : 0.2 * rng()) * mouthW;
  const rimH = 0.25 * halfW;
  const shader: Shader = (q) => {
    const x = q[0] - (cx + tilt * (q[1] - topY));
    const w = kind === 'bottle' ? (q[1] - topY < 0.8 * mouthW ? halfW : halfW * 2) : halfW;
    if (Math.abs(x) > w) return null;
    const ellipse = (x / w) ** 2 + ((q[1] - topY) / rimH) ** 2;
    if (q[1] < topY && ellipse > 1) return null;
    const cyl = 0.6 + 0.5 * Math.cos((x / w) * 1.4);
    const rim = ellipse <= 1 ? 1.15 : 1;
    return { a: kind === 'bottle' ? 0.85 : 1, c: shade(colour, cyl * rim) };
  };
  return { shader, name: `object-${kind}-${hex(colour)}` };
}

/** A beard: full, a goatee, stubble or a moustache, in hair colours, with strands; the lips stay free. */
function beard(S: FaceSpace, rng: Rng, seed: number): { shader: Shader; name: string } {
  const style = choice(rng, ['full', 'full', 'goatee', 'stubble', 'moustache'] as const);
  const hair = choice(rng, [[25, 20, 18], [45, 32, 24], [70, 50, 35], [110, 75, 45], [140, 135, 130], [60, 58, 56]] as Rgb[]);
  const noseBase = S.lm[33][1], mouthTop = S.lm[51][1], lipBottom = S.lm[57][1];
  const cx = (S.lm[0][0] + S.lm[16][0]) / 2;
  const halfJaw = Math.abs(S.lm[16][0] - S.lm[0][0]) / 2;
  const cheekTop = (S.lm[29][1] + noseBase) / 2 + 0.05 * rng();
  const noise = valueNoise(seed), strands = valueNoise(seed + 1);
  const density = style === 'stubble' ? 0.35 + 0.2 * rng() : 0.75 + 0.2 * rng();
  const shader: Shader = (q) => {
    const dx = q[0] - cx;
    const jaw = jawY(S, q[0]) + 0.03;
    if (q[1] > jaw) return null;
    const moustache = q[1] > noseBase + 0.01 && q[1] < mouthTop + 0.01 && Math.abs(dx) < 0.75 * Math.abs(S.lm[54][0] - S.lm[48][0]);
    let inside = false;
    if (style === 'moustache') inside = moustache;
    else if (style === 'goatee') inside = moustache || (q[1] > lipBottom && Math.abs(dx) < 0.35 * halfJaw);
    else inside = moustache || q[1] > cheekTop + Math.max(0, 1 - Math.abs(dx) / (0.8 * halfJaw)) * (mouthTop - cheekTop);
    if (!inside) return null;
    const fade = smooth(0, 0.06, jaw - q[1]) * (style === 'full' || style === 'stubble' ? smooth(cheekTop, cheekTop + 0.08, q[1]) : 1);
    const s = strands(q[0] * 120, q[1] * 30);
    const a = density * fade * (0.6 + 0.4 * noise(q[0] * 25, q[1] * 25)) * (style === 'stubble' ? 0.5 + s : 0.75 + 0.5 * s);
    return { a: Math.min(1, a), c: shade(hair, 0.8 + 0.5 * s) };
  };
  return { shader, name: `beard-${style}-${hex(hair)}` };
}

/**
 * Draw confuser `mode` on a face with 68 landmarks (image pixels), from the stream `rng`. The nose
 * and eyes are never drawn over; scarf, collar and beard keep off the lips too.
 */
export function drawConfuser(img: RgbImage, lm: Landmarks, mode: ConfuserMode, rng: Rng): DrawnConfuser {
  const S = faceSpace(lm);
  const seed = Math.floor(rng() * 2 ** 31);
  const mouthFree = mode === 'scarf' || mode === 'collar' || mode === 'beard';
  const lipMargin = 0.015 + (mode === 'beard' ? 0.005 : 0.03);
  // the boxes only skip the exact tests where they cannot hold (most of the picture): the same pixels
  const nearNoseEyes = boxAround(S.noseEyes, NOSE_EYES_MARGIN), nearLips = boxAround(S.lips, lipMargin);
  const keep = (q: Pt) => (nearNoseEyes(q) && noseOrEyes(S, q)) || (mouthFree && nearLips(q) && onLips(S, q, lipMargin));
  const made =
    mode === 'scarf' ? scarf(S, rng, seed)
    : mode === 'collar' ? collar(S, rng, seed)
    : mode === 'hand' ? hand(S, rng, skinColour(img, lm))
    : mode === 'object' ? object(S, rng)
    : beard(S, rng, seed);
  const { image, coverage } = paint(img, S, made.shader, keep);
  return { image, coverage, name: made.name };
}
