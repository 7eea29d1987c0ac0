/**
 * Placing a drawn mask on a face: the mesh warp with bilinear sampling (written here in
 * TypeScript; at face-crop sizes it runs in a few milliseconds), shading that follows the face's
 * local brightness, ear loops or straps, and alpha compositing.
 */
import type { RgbImage } from '../util/images';
import {
  faceAnchors, faceOutline, meshWarp, sectorOf, sub, add, mul, norm, dot,
  type Landmarks, type Pt, type WearMode, type Anchors, type MeshWarp,
} from './geometry';
import { loopColour, styleOutline, type MaskStyle, type RgbaCanvas, type Rgb } from './styles';

export interface PlaceOptions {
  /** Box-blur radius of the brightness map, as a share of the eye-to-chin height. default: 0.12 */
  shadeRadius: number;
  /** Shading factor limits (darkest, brightest) relative to the reference brightness. default: [0.15, 1.15] */
  shadeClamp: [number, number];
  /** Percentile of the blurred face brightness under the mask taken as "fully lit". default: 0.9 */
  shadeReference: number;
  /** Draw ear loops / straps. default: true */
  loops: boolean;
}

export const DEFAULT_PLACE: PlaceOptions = { shadeRadius: 0.12, shadeClamp: [0.15, 1.15], shadeReference: 0.9, loops: true };

export interface Placement {
  image: RgbImage;
  anchors: Anchors;
  /** The mask outline on the face (image pixels). */
  outline: Pt[];
  warp: MeshWarp;
  /** Mean shading factor applied under the mask (1 = as drawn). */
  meanShade: number;
}

/** Luminance (0–255) of an RGB image. */
export function luminance(img: RgbImage): Float32Array {
  const n = img.width * img.height, out = new Float32Array(n), d = img.data;
  for (let i = 0; i < n; i++) out[i] = 0.299 * d[3 * i] + 0.587 * d[3 * i + 1] + 0.114 * d[3 * i + 2];
  return out;
}

/** Box blur of a single-channel map within a region [x0, y0, x1, y1) (exclusive), via an integral image. */
export function boxBlurRegion(map: Float32Array, width: number, height: number, region: [number, number, number, number], radius: number): Float32Array {
  const [x0, y0, x1, y1] = region;
  const rw = x1 - x0, rh = y1 - y0;
  // integral over the region expanded by the radius, clipped to the image
  const ex0 = Math.max(0, x0 - radius), ey0 = Math.max(0, y0 - radius);
  const ex1 = Math.min(width, x1 + radius), ey1 = Math.min(height, y1 + radius);
  const iw = ex1 - ex0 + 1, ih = ey1 - ey0 + 1;
  const I = new Float64Array(iw * ih);
  for (let y = 1; y < ih; y++) {
    let row = 0;
    for (let x = 1; x < iw; x++) {
      row += map[(ey0 + y - 1) * width + (ex0 + x - 1)];
      I[y * iw + x] = I[(y - 1) * iw + x] + row;
    }
  }
  const out = new Float32Array(rw * rh);
  for (let y = 0; y < rh; y++) {
    const gy = y0 + y;
    const a0 = Math.max(ey0, gy - radius) - ey0, a1 = Math.min(ey1, gy + radius + 1) - ey0;
    for (let x = 0; x < rw; x++) {
      const gx = x0 + x;
      const b0 = Math.max(ex0, gx - radius) - ex0, b1 = Math.min(ex1, gx + radius + 1) - ex0;
      const s = I[a1 * iw + b1] - I[a0 * iw + b1] - I[a1 * iw + b0] + I[a0 * iw + b0];
      out[y * rw + x] = s / ((a1 - a0) * (b1 - b0));
    }
  }
  return out;
}

/** Blurred luminance of the image inside `region` (only the region and its border are read). */
export function regionBrightness(img: RgbImage, region: [number, number, number, number], radius: number): Float32Array {
  const [x0, y0, x1, y1] = region;
  const ex0 = Math.max(0, x0 - radius), ey0 = Math.max(0, y0 - radius);
  const ex1 = Math.min(img.width, x1 + radius), ey1 = Math.min(img.height, y1 + radius);
  const w = ex1 - ex0, h = ey1 - ey0, lum = new Float32Array(w * h), d = img.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const k = 3 * ((ey0 + y) * img.width + ex0 + x);
      lum[y * w + x] = 0.299 * d[k] + 0.587 * d[k + 1] + 0.114 * d[k + 2];
    }
  }
  return boxBlurRegion(lum, w, h, [x0 - ex0, y0 - ey0, x1 - ex0, y1 - ey0], radius);
}

/** An allocation-free face → template map for the pixel loop (same result as `unwarpPoint`). */
export function fastUnwarp(w: MeshWarp): (x: number, y: number, out: Pt) => void {
  const [cx, cy] = w.dst.centre, n = w.dst.ring.length;
  const ax = w.dst.ring.map((p) => p[0] - cx), ay = w.dst.ring.map((p) => p[1] - cy);
  const sign = ax.map((_, i) => Math.sign(ax[i] * ay[(i + 1) % n] - ay[i] * ax[(i + 1) % n]) || 1);
  return (x, y, out) => {
    const dx = x - cx, dy = y - cy;
    let s = -1;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      if (sign[i] * (ax[i] * dy - ay[i] * dx) >= 0 && sign[i] * (dx * ay[j] - dy * ax[j]) >= 0) { s = i; break; }
    }
    const m = w.inverse[s >= 0 ? s : sectorOf(w.dst.centre, w.dst.ring, [x, y])];
    out[0] = m[0] * x + m[1] * y + m[2];
    out[1] = m[3] * x + m[4] * y + m[5];
  };
}

function sampleBilinear(c: RgbaCanvas, x: number, y: number, out: Float32Array): void {
  const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0;
  out[0] = out[1] = out[2] = out[3] = 0;
  for (let j = 0; j < 2; j++) {
    const yy = y0 + j;
    if (yy < 0 || yy >= c.height) continue;
    const wy = j ? fy : 1 - fy;
    for (let i = 0; i < 2; i++) {
      const xx = x0 + i;
      if (xx < 0 || xx >= c.width) continue;
      const w = wy * (i ? fx : 1 - fx);
      if (w === 0) continue;
      const k = (yy * c.width + xx) * 4;
      out[0] += w * c.data[k];
      out[1] += w * c.data[k + 1];
      out[2] += w * c.data[k + 2];
      out[3] += w * c.data[k + 3];
    }
  }
}

/** Draw an anti-aliased thick segment with a per-pixel shading map lookup. */
function drawSegment(img: RgbImage, a: Pt, b: Pt, width: number, colour: Rgb, shadeAt: (x: number, y: number) => number, skip: (x: number, y: number) => boolean): void {
  const half = width / 2;
  const x0 = Math.max(0, Math.floor(Math.min(a[0], b[0]) - half - 1)), x1 = Math.min(img.width - 1, Math.ceil(Math.max(a[0], b[0]) + half + 1));
  const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - half - 1)), y1 = Math.min(img.height - 1, Math.ceil(Math.max(a[1], b[1]) + half + 1));
  const d = sub(b, a), len2 = dot(d, d) || 1;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const p: Pt = [x + 0.5, y + 0.5];
      const t = Math.max(0, Math.min(1, dot(sub(p, a), d) / len2));
      const dist = norm(sub(p, add(a, mul(d, t))));
      const alpha = Math.max(0, Math.min(1, half + 0.5 - dist)) * 0.9;
      if (alpha <= 0 || skip(x, y)) continue;
      const s = shadeAt(x, y), k = 3 * (y * img.width + x);
      for (let ch = 0; ch < 3; ch++) img.data[k + ch] = Math.round(Math.min(255, colour[ch] * s) * alpha + img.data[k + ch] * (1 - alpha));
    }
  }
}

/**
 * Place `canvas` (the rasterised `style`) on the face with landmarks `lm` in `mode` (`edge`: a
 * lowered mode's top-edge position, see `faceAnchors`). Returns a new image; the input is not
 * modified.
 */
export function placeMask(img: RgbImage, lm: Landmarks, mode: WearMode, style: MaskStyle, canvas: RgbaCanvas, opts: Partial<PlaceOptions> & { edge?: number } = {}): Placement {
  const o = { ...DEFAULT_PLACE, ...opts };
  const anchors = faceAnchors(lm, mode, opts.edge);
  const warp = meshWarp(anchors);
  const outline = faceOutline(warp, styleOutline(style.kind));
  const out: RgbImage = { width: img.width, height: img.height, data: new Uint8Array(img.data) };
  // region covered by the mask (plus loops), clipped
  const xs = outline.map((p) => p[0]), ys = outline.map((p) => p[1]);
  const rx0 = Math.max(0, Math.floor(Math.min(...xs, lm[0][0], lm[16][0])) - 2), rx1 = Math.min(img.width, Math.ceil(Math.max(...xs, lm[0][0], lm[16][0])) + 2);
  const ry0 = Math.max(0, Math.floor(Math.min(...ys, lm[0][1], lm[16][1])) - 2), ry1 = Math.min(img.height, Math.ceil(Math.max(...ys)) + 2);
  if (rx1 <= rx0 || ry1 <= ry0) return { image: out, anchors, outline, warp, meanShade: 1 };
  const rw = rx1 - rx0, rh = ry1 - ry0;
  // Shading: blurred face brightness, relative to a reference percentile under the mask.
  const faceHeight = norm(sub(lm[8], anchors.frame.E));
  const radius = Math.max(1, Math.round(o.shadeRadius * faceHeight));
  const blur = regionBrightness(img, [rx0, ry0, rx1, ry1], radius);
  // Pass 1: warp the canvas into the region (template coordinates per pixel).
  const rgba = new Float32Array(rw * rh * 4);
  const px = new Float32Array(4);
  const under: number[] = [];
  const unwarp = fastUnwarp(warp);
  const t: Pt = [0, 0];
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      unwarp(rx0 + x + 0.5, ry0 + y + 0.5, t);
      sampleBilinear(canvas, (t[0] + canvas.margin) * canvas.scale - 0.5, (t[1] + canvas.margin) * canvas.scale - 0.5, px);
      const k = (y * rw + x) * 4;
      rgba[k] = px[0]; rgba[k + 1] = px[1]; rgba[k + 2] = px[2]; rgba[k + 3] = px[3];
      if (px[3] > 0.5) under.push(blur[y * rw + x]);
    }
  }
  under.sort((a, b) => a - b);
  const ref = under.length ? Math.max(1, under[Math.min(under.length - 1, Math.floor(o.shadeReference * under.length))]) : 255;
  const shadeAt = (x: number, y: number) => {
    const v = blur[(y - ry0) * rw + (x - rx0)] / ref;
    return Math.max(o.shadeClamp[0], Math.min(o.shadeClamp[1], v));
  };
  // Pass 2: composite (premultiplied): out = shade * rgb + (1 - a) * background
  let shadeSum = 0, shadeN = 0;
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      const k = (y * rw + x) * 4, a = rgba[k + 3];
      if (a <= 0) continue;
      const s = shadeAt(rx0 + x, ry0 + y);
      if (a > 0.5) { shadeSum += s; shadeN++; }
      const q = 3 * ((ry0 + y) * img.width + rx0 + x);
      for (let ch = 0; ch < 3; ch++) out.data[q + ch] = Math.round(Math.min(255, rgba[k + ch] * s) + out.data[q + ch] * (1 - a));
    }
  }
  if (o.loops) {
    // Ear loops from the mask's side corners to the ear (jaw ends 0/16 and 2/14); straps for n95
    // run from the corners back over the ear.
    const jawW = norm(sub(lm[16], lm[0]));
    const w = Math.max(1.2, 0.012 * jawW) * (style.loops === 'strap' ? 1.8 : 1);
    const colour = loopColour(style);
    const inMask = (x: number, y: number) => rgba[((y - ry0) * rw + (x - rx0)) * 4 + 3] > 0.5;
    const shade = (x: number, y: number) => (x >= rx0 && x < rx1 && y >= ry0 && y < ry1 ? shadeAt(x, y) : 1);
    const skip = (x: number, y: number) => x >= rx0 && x < rx1 && y >= ry0 && y < ry1 && inMask(x, y);
    const segs: [Pt, Pt][] = [[anchors.L1, lm[0]], [anchors.L2, lm[2]], [anchors.R1, lm[16]], [anchors.R2, lm[14]]];
    for (const [a, b] of segs) drawSegment(out, a, b, w, colour, shade, skip);
  }
  return { image: out, anchors, outline, warp, meanShade: shadeN ? shadeSum / shadeN : 1 };
}
