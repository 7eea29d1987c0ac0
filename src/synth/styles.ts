/**
 * Mask styles, drawn by the project itself: each style is rasterised procedurally into an RGBA
 * canvas in template space (see `geometry.ts` TEMPLATE), which the mesh warp then places on a face.
 *
 * Styles by name: `surgical` (blue, white or green at random), `surgical-blue`, `surgical-white`,
 * `surgical-green` (pleats, ear loops, nose wire), `n95` (moulded cup, rim, optional valve, straps),
 * `kn95` (folded, centre seam, welded border, ear loops), `cloth` (any colour, a pattern: plain,
 * stripes, dots, checks, zigzag), `black` (plain black cloth). A resolved style has a concrete name
 * such as `cloth-dots-#3c78a0` that re-creates it exactly (`resolveStyle` accepts it back).
 */
import { TEMPLATE, templateOutline, type Pt } from './geometry';
import { choice, type Rng } from './rng';

export type Rgb = [number, number, number];

export const STYLE_NAMES = ['surgical', 'surgical-blue', 'surgical-white', 'surgical-green', 'n95', 'kn95', 'cloth', 'black'] as const;
export type StyleName = (typeof STYLE_NAMES)[number];
/** The styles drawn when none is asked for ("at random"). */
export const DEFAULT_STYLES: StyleName[] = ['surgical', 'n95', 'kn95', 'cloth', 'black'];

export const PATTERNS = ['plain', 'stripes', 'dots', 'checks', 'zigzag'] as const;
export type Pattern = (typeof PATTERNS)[number];
export type MaskKind = 'surgical' | 'n95' | 'kn95' | 'cloth' | 'black';

export interface MaskStyle {
  /** Concrete name: re-creates this exact style through `resolveStyle`. */
  name: string;
  kind: MaskKind;
  color: Rgb;
  /** Second colour for patterns, loops and seams. */
  accent: Rgb;
  pattern: Pattern;
  /** n95 only: an exhalation valve. */
  valve: boolean;
  /** Ear loops (surgical, kn95, cloth, black) or head straps (n95). */
  loops: 'ear' | 'strap';
}

const SURGICAL: Record<string, Rgb> = { blue: [112, 170, 214], white: [236, 238, 240], green: [128, 196, 170] };
const N95: Rgb[] = [[238, 236, 230], [220, 222, 224], [236, 230, 205]];
const KN95: Rgb[] = [[240, 240, 242], [40, 40, 44], [200, 205, 212]];

const hex = (c: Rgb) => '#' + c.map((x) => x.toString(16).padStart(2, '0')).join('');
const parseHex = (s: string): Rgb | null => {
  const m = /^#?([0-9a-f]{6})$/i.exec(s);
  if (!m) return null;
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
};

/** A saturated-enough random colour from HSV (cloth). */
function randomColour(rng: Rng): Rgb {
  const h = rng() * 360, s = 0.35 + 0.55 * rng(), v = 0.35 + 0.6 * rng();
  const c = v * s, x = c * (1 - Math.abs(((h / 60) % 2) - 1)), m = v - c;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [r, g, b].map((t) => Math.round((t + m) * 255)) as Rgb;
}

function contrast(c: Rgb, rng: Rng): Rgb {
  const lum = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
  const base = lum > 128 ? 40 + rng() * 60 : 190 + rng() * 60;
  const tint = randomColour(rng);
  return [0, 1, 2].map((i) => Math.round(0.6 * base + 0.4 * tint[i])) as Rgb;
}

/**
 * A concrete style from a name (one of STYLE_NAMES, or a concrete name like `cloth-dots-#3c78a0`
 * or `surgical-green`). Random parts are drawn from `rng`. Throws on an unknown name.
 */
export function resolveStyle(name: string, rng: Rng): MaskStyle {
  const parts = name.toLowerCase().split('-');
  const kind = parts[0] as MaskKind;
  const mk = (s: Omit<MaskStyle, 'name'>, n: string): MaskStyle => ({ name: n, ...s });
  switch (kind) {
    case 'surgical': {
      const col = parts[1] ?? choice(rng, Object.keys(SURGICAL));
      if (!SURGICAL[col]) throw new Error(`unknown surgical colour "${col}" (valid: ${Object.keys(SURGICAL).join(', ')})`);
      return mk({ kind, color: SURGICAL[col], accent: [250, 250, 250], pattern: 'plain', valve: false, loops: 'ear' }, `surgical-${col}`);
    }
    case 'n95': {
      const i = parts[1] !== undefined ? Number(parts[1]) : Math.floor(rng() * N95.length);
      const valve = parts[2] !== undefined ? parts[2] === 'valve' : rng() < 0.4;
      if (!N95[i]) throw new Error(`unknown n95 variant "${name}"`);
      return mk({ kind, color: N95[i], accent: [60, 90, 150], pattern: 'plain', valve, loops: 'strap' }, `n95-${i}-${valve ? 'valve' : 'plain'}`);
    }
    case 'kn95': {
      const i = parts[1] !== undefined ? Number(parts[1]) : Math.floor(rng() * KN95.length);
      if (!KN95[i]) throw new Error(`unknown kn95 variant "${name}"`);
      return mk({ kind, color: KN95[i], accent: i === 1 ? [30, 30, 32] : [245, 245, 245], pattern: 'plain', valve: false, loops: 'ear' }, `kn95-${i}`);
    }
    case 'cloth': {
      const pattern = (parts[1] ?? choice(rng, PATTERNS)) as Pattern;
      if (!PATTERNS.includes(pattern)) throw new Error(`unknown cloth pattern "${parts[1]}" (valid: ${PATTERNS.join(', ')})`);
      const color = parts[2] ? parseHex(parts[2]) : randomColour(rng);
      if (!color) throw new Error(`bad cloth colour "${parts[2]}" (want #rrggbb)`);
      const accent = parts[3] ? parseHex(parts[3]) : contrast(color, rng);
      if (!accent) throw new Error(`bad cloth accent colour "${parts[3]}" (want #rrggbb)`);
      return mk({ kind, color, accent, pattern, valve: false, loops: 'ear' }, `cloth-${pattern}-${hex(color)}-${hex(accent)}`);
    }
    case 'black':
      return mk({ kind, color: [26, 26, 29], accent: [20, 20, 22], pattern: 'plain', valve: false, loops: 'ear' }, 'black');
    default:
      throw new Error(`unknown mask style "${name}" (valid: ${STYLE_NAMES.join(', ')}, or a concrete name such as cloth-dots-#3c78a0)`);
  }
}

/** An RGBA canvas with premultiplied alpha, floats in [0, 255] (colour) and [0, 1] (alpha). */
export interface RgbaCanvas {
  width: number;
  height: number;
  /** width*height*4: r, g, b premultiplied by a, then a. */
  data: Float32Array;
  /** Template units → canvas pixels: px = (t + margin) * scale. */
  scale: number;
  margin: number;
}

/** Template outline per kind (all share the anchors; n95 is rounder). */
export function styleOutline(kind: MaskKind): Pt[] {
  if (kind !== 'n95') return templateOutline();
  // A moulded cup: rounder top corners and bottom.
  const o: Pt[] = [];
  const A = TEMPLATE.anchors;
  const pts: Pt[] = [A.T, [192, 34], A.R1, [258, 110], A.R2, [214, 190], A.C, [42, 190], A.L2, [-2, 110], A.L1, [64, 34]];
  // Catmull-Rom through the control points (closed) for a smooth rim.
  const n = pts.length;
  for (let i = 0; i < n; i++) {
    const p0 = pts[(i - 1 + n) % n], p1 = pts[i], p2 = pts[(i + 1) % n], p3 = pts[(i + 2) % n];
    for (let k = 0; k < 6; k++) {
      const t = k / 6, t2 = t * t, t3 = t2 * t;
      const f = (a: number, b: number, c: number, d: number) => 0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3);
      o.push([f(p0[0], p1[0], p2[0], p3[0]), f(p0[1], p1[1], p2[1], p3[1])]);
    }
  }
  return o;
}

/** Interval [x0, x1] of the polygon on horizontal line y (convex-ish polygons), or null. */
function rowSpan(poly: Pt[], y: number): [number, number] | null {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > y) !== (yj > y)) {
      const x = xi + ((y - yi) * (xj - xi)) / (yj - yi);
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Deterministic value noise in [0, 1) from integer coordinates. */
function hashNoise(x: number, y: number, seed: number): number {
  let h = Math.imul(x | 0, 374761393) ^ Math.imul(y | 0, 668265263) ^ Math.imul(seed | 0, 2147483647);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

const smooth = (e0: number, e1: number, x: number) => {
  const t = Math.max(0, Math.min(1, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/** Where a pixel lies: template coordinates, its pixel, the style's noise seed, distances to the mask's edges. */
interface TexelAt {
  tx: number;
  ty: number;
  px: number;
  py: number;
  seed: number;
  dTop: number;
  dBot: number;
  dSide: number;
  dEdge: number;
}

/** A style's surface at one pixel: how lit it is (`shade`) and how much accent colour (`mix`). */
function texture(style: MaskStyle, at: TexelAt): { shade: number; mix: number } {
  const { tx, ty, px, py, seed, dTop, dBot, dSide, dEdge } = at;
  let shade = 1 - 0.18 * ((tx - 128) / 128) ** 2; // the mask curves away at the sides
  let mix = 0; // share of accent colour
  const n = hashNoise(px, py, seed);
  switch (style.kind) {
    case 'surgical': {
      // three pleats: a dark fold line with a lit band above it
      for (const fy of [62, 100, 138]) {
        const d = ty - fy;
        if (d > -7 && d < 0) shade *= 1 + 0.08 * (1 + d / 7);
        if (d >= 0 && d < 3) shade *= 0.78 + 0.07 * d;
      }
      if (dTop < 7) shade *= 1.04; // nose wire band
      if (dTop > 5.5 && dTop < 7) shade *= 0.85;
      if (dSide < 6 || dBot < 5) shade *= 0.93; // bound edges
      shade *= 0.97 + 0.06 * n; // non-woven fibre
      break;
    }
    case 'n95': {
      shade *= 1 - 0.22 * ((ty - 100) / 110) ** 2; // cup curvature
      if (dEdge < 5) shade *= 0.9; // rim
      shade *= 0.95 + 0.1 * hashNoise(px >> 1, py >> 1, seed);
      if (style.valve) {
        const d = Math.hypot(tx - 78, ty - 122);
        if (d < 20) { mix = 1; shade *= d > 17 ? 0.7 : 0.9 + 0.1 * Math.cos(d); }
      }
      break;
    }
    case 'kn95': {
      const ds = Math.abs(tx - 128);
      if (ds < 1.5) shade *= 0.7; // centre seam
      shade *= tx < 128 ? 0.97 : 1.02; // the two folded panels
      if (dEdge < 6) { shade *= 0.92; if (dEdge > 1.5 && dEdge < 4.5 && Math.floor((tx + ty) / 5) % 2 === 0) shade *= 0.85; } // welded border
      shade *= 0.97 + 0.05 * n;
      break;
    }
    case 'cloth':
    case 'black': {
      const ds = Math.abs(tx - 128);
      if (ds < 1.2) shade *= 0.8; // centre seam
      if (dEdge < 4) shade *= 0.88; // hem
      shade *= 0.94 + 0.08 * ((px + py) % 3 === 0 ? n : 0.5); // weave
      switch (style.pattern) {
        case 'stripes': mix = smooth(0.45, 0.55, ((tx + ty) / 24) % 1) * (1 - smooth(0.9, 1, ((tx + ty) / 24) % 1)); break;
        case 'dots': { const gx = ((tx % 20) + 20) % 20 - 10, gy = ((ty + (Math.floor(tx / 20) % 2) * 10) % 20 + 20) % 20 - 10; mix = 1 - smooth(3.5, 4.5, Math.hypot(gx, gy)); break; }
        case 'checks': { const a = Math.floor(tx / 16) % 2, c = Math.floor(ty / 16) % 2; mix = 0.35 * a + 0.35 * c; break; }
        case 'zigzag': { const z = Math.abs(((tx / 12) % 2) - 1) * 8; mix = ((ty + z) % 18 + 18) % 18 < 5 ? 1 : 0; break; }
        default: break;
      }
      break;
    }
  }
  return { shade, mix };
}

/** Per pixel column of the outline: where it enters (top) and leaves (bottom), in template units. */
function columnSpans(poly: readonly (readonly [number, number])[], width: number, scale: number, margin: number): { colTop: Float32Array; colBot: Float32Array } {
  const colTop = new Float32Array(width), colBot = new Float32Array(width);
  for (let px = 0; px < width; px++) {
    const tx = (px + 0.5) / scale - margin;
    let lo = Infinity, hi = -Infinity;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const [xi, yi] = poly[i], [xj, yj] = poly[j];
      if ((xi > tx) !== (xj > tx)) {
        const y = yi + ((tx - xi) * (yj - yi)) / (xj - xi);
        lo = Math.min(lo, y);
        hi = Math.max(hi, y);
      }
    }
    colTop[px] = lo;
    colBot[px] = hi;
  }
  return { colTop, colBot };
}

/**
 * Rasterise a style into template space. `scale` pixels per template unit (2 suits faces up to
 * about 500 px wide). Pure and deterministic: the same style gives the same canvas.
 */
export function renderStyle(style: MaskStyle, scale = 2, margin = 8): RgbaCanvas {
  const W = TEMPLATE.width, H = TEMPLATE.height;
  const width = Math.ceil((W + 2 * margin) * scale), height = Math.ceil((H + 2 * margin) * scale);
  const data = new Float32Array(width * height * 4);
  const poly = styleOutline(style.kind);
  const seed = style.color[0] * 65536 + style.color[1] * 256 + style.color[2];
  const { colTop, colBot } = columnSpans(poly, width, scale, margin);
  const [cr, cg, cb] = style.color, [ar, ag, ab] = style.accent;
  for (let py = 0; py < height; py++) {
    const ty = (py + 0.5) / scale - margin;
    const span = rowSpan(poly, ty);
    if (!span) continue;
    for (let px = 0; px < width; px++) {
      const tx = (px + 0.5) / scale - margin;
      // horizontal anti-aliasing: coverage of this pixel by the span
      const x0 = tx - 0.5 / scale, x1 = tx + 0.5 / scale;
      const cov = Math.max(0, Math.min(x1, span[1]) - Math.max(x0, span[0])) * scale;
      if (cov <= 0) continue;
      const dTop = ty - colTop[px], dBot = colBot[px] - ty, dSide = Math.min(tx - span[0], span[1] - tx);
      const dEdge = Math.min(dTop, dBot, dSide);
      let r = cr, g = cg, b = cb;
      const { shade, mix } = texture(style, { tx, ty, px, py, seed, dTop, dBot, dSide, dEdge });
      r = (r * (1 - mix) + ar * mix) * shade;
      g = (g * (1 - mix) + ag * mix) * shade;
      b = (b * (1 - mix) + ab * mix) * shade;
      const a = Math.min(1, cov) * smooth(-0.5, 0.5, dTop * scale) * smooth(-0.5, 0.5, dBot * scale);
      const k = (py * width + px) * 4;
      data[k] = Math.min(255, r) * a;
      data[k + 1] = Math.min(255, g) * a;
      data[k + 2] = Math.min(255, b) * a;
      data[k + 3] = a;
    }
  }
  return { width, height, data, scale, margin };
}

/** Loop colour per style (ear loops, straps). */
export function loopColour(style: MaskStyle): Rgb {
  if (style.kind === 'surgical') return [244, 244, 244];
  if (style.kind === 'n95') return style.accent;
  if (style.kind === 'cloth') return style.color.map((c) => Math.round(c * 0.85)) as Rgb;
  return style.accent;
}
