/**
 * Placement geometry for synthetic masks: pure functions from 68 facial landmarks (iBUG/dlib
 * order, as face-api returns them) to the mask's anchor points, its outline and the warp that
 * carries a mask drawn in "template space" onto the face.
 *
 * Landmark groups: jaw 0–16, brows 17–26, nose bridge 27–30, lower nose 31–35, eyes 36–41 (image
 * left) and 42–47 (image right), lips 48–67 (outer 48–59, inner 60–67).
 *
 * Anchors follow MaskTheFace (see docs/ANCHORS.md): the top of the mask sits on the nose bridge
 * (`T`); two side-top points where a line parallel to the eyes, one nose-bridge length below
 * them, meets the jaw (`L1`, `R1`); two side-bottom points where the line through the lowest
 * lower-lip point meets the jaw (`L2`, `R2`); the chin point where the face's axis (nose bridge
 * through the mouth centre) meets the jaw (`C`). The wearing modes move these down the face:
 * `nose` puts the top edge below the nostrils, `chin` below the lower lip.
 *
 * The warp is a six-triangle mesh: a centre point `M` and the six anchors, fanned around `M`.
 * Each sector (M, anchor_i, anchor_i+1) maps affinely from template to face space, so the six
 * anchors land exactly on the face (a homography through six points is only a least-squares
 * fit) and the mask bends along the jaw when the head turns (yaw) or tilts (roll). Points outside
 * the hexagon use the affine map of the sector they fall in, so the map is defined everywhere
 * and continuous.
 *
 * Long (~410 lines): the whole landmark geometry of a placement (anchors, face frame, modes, mesh,
 * checks) is one coherent set of pure functions that call each other.
 */

export type Pt = [number, number];
export type Landmarks = Pt[];

/** Wearing modes and the label each produces (docs/contracts.md labels). */
export const MODES = ['correct', 'nose', 'chin'] as const;
export type WearMode = (typeof MODES)[number];
export const MODE_LABEL: Record<WearMode, 'with_mask' | 'incorrect_mask'> = {
  correct: 'with_mask',
  nose: 'incorrect_mask',
  chin: 'incorrect_mask',
};

/** Landmark index ranges (inclusive start, exclusive end). */
export const LM = {
  jaw: [0, 17],
  noseBridge: [27, 31],
  noseLower: [31, 36],
  eyeLeft: [36, 42],
  eyeRight: [42, 48],
  lips: [48, 68],
} as const;

export const range = (r: readonly [number, number]): number[] => Array.from({ length: r[1] - r[0] }, (_, i) => r[0] + i);
/** Nose points a correctly worn mask must cover: the nose tip and nostrils (30–35). */
export const NOSE_POINTS = [30, 31, 32, 33, 34, 35];
export const MOUTH_POINTS = range(LM.lips);
export const EYE_POINTS = [...range(LM.eyeLeft), ...range(LM.eyeRight)];

/** Template space: the mask is drawn in a 256 x 200 frame with these anchor positions. */
export const TEMPLATE = {
  width: 256,
  height: 200,
  anchors: {
    T: [128, 0] as Pt,
    R1: [256, 64] as Pt,
    R2: [236, 150] as Pt,
    C: [128, 200] as Pt,
    L2: [20, 150] as Pt,
    L1: [0, 64] as Pt,
    M: [128, 100] as Pt,
  },
};

/** The anchors in fan order around M (clockwise on screen). */
export const ANCHOR_ORDER = ['T', 'R1', 'R2', 'C', 'L2', 'L1'] as const;
export type AnchorName = (typeof ANCHOR_ORDER)[number] | 'M';
export type Anchors = Record<AnchorName, Pt>;

// ---- small vector helpers ----
export const add = (a: Pt, b: Pt): Pt => [a[0] + b[0], a[1] + b[1]];
export const sub = (a: Pt, b: Pt): Pt => [a[0] - b[0], a[1] - b[1]];
export const mul = (a: Pt, k: number): Pt => [a[0] * k, a[1] * k];
export const dot = (a: Pt, b: Pt): number => a[0] * b[0] + a[1] * b[1];
export const cross = (a: Pt, b: Pt): number => a[0] * b[1] - a[1] * b[0];
export const norm = (a: Pt): number => Math.hypot(a[0], a[1]);
export const lerp = (a: Pt, b: Pt, t: number): Pt => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
export function mean(pts: Pt[]): Pt {
  let x = 0, y = 0;
  for (const p of pts) { x += p[0]; y += p[1]; }
  return [x / pts.length, y / pts.length];
}
const pick = (lm: Landmarks, idx: number[]): Pt[] => idx.map((i) => lm[i]);
const deg = (r: number) => (r * 180) / Math.PI;

/** The face frame: eye midpoint `E`, unit vector `u` along the eyes (image left → right), `v` down the face. */
export interface FaceFrame {
  E: Pt;
  u: Pt;
  v: Pt;
  eyeLeft: Pt;
  eyeRight: Pt;
  /** Length of the nose bridge, |27 → 30|. */
  noseLen: number;
}

export function faceFrame(lm: Landmarks): FaceFrame {
  const eyeLeft = mean(pick(lm, range(LM.eyeLeft)));
  const eyeRight = mean(pick(lm, range(LM.eyeRight)));
  const d = sub(eyeRight, eyeLeft);
  const n = norm(d) || 1;
  const u: Pt = [d[0] / n, d[1] / n];
  const v: Pt = [-u[1], u[0]];
  return { E: mean([eyeLeft, eyeRight]), u, v, eyeLeft, eyeRight, noseLen: norm(sub(lm[30], lm[27])) };
}

/** Signed distance of `p` below the eye line, along the face's vertical axis. */
export const level = (f: FaceFrame, p: Pt): number => dot(sub(p, f.E), f.v);

/** Roll in degrees: the angle of the eye line (positive = the image-right eye lower, clockwise on screen). */
export function estimateRoll(lm: Landmarks): number {
  const f = faceFrame(lm);
  return deg(Math.atan2(f.u[1], f.u[0]));
}

/**
 * The jaw contour point at a given level (eye-parallel line meeting the jaw), on one side:
 * `left` walks 0→8, `right` walks 16→8. When the line misses the jaw (above point 0/16 or below
 * the chin), the nearest end is extended along the jaw's last segment. Returns the point and
 * whether it was a real intersection.
 */
export function jawAtLevel(lm: Landmarks, f: FaceFrame, lev: number, side: 'left' | 'right'): { p: Pt; hit: boolean } {
  const idx = side === 'left' ? [0, 1, 2, 3, 4, 5, 6, 7, 8] : [16, 15, 14, 13, 12, 11, 10, 9, 8];
  for (let k = 0; k + 1 < idx.length; k++) {
    const a = lm[idx[k]], b = lm[idx[k + 1]];
    const la = level(f, a), lb = level(f, b);
    if ((la - lev) * (lb - lev) <= 0 && la !== lb) return { p: lerp(a, b, (lev - la) / (lb - la)), hit: true };
  }
  // Missed: extend the end segment nearest in level.
  const first = [lm[idx[0]], lm[idx[1]]], last = [lm[idx[idx.length - 1]], lm[idx[idx.length - 2]]];
  const useTop = Math.abs(level(f, first[0]) - lev) < Math.abs(level(f, last[0]) - lev);
  const [a, b] = useTop ? first : last;
  const la = level(f, a), lb = level(f, b);
  if (Math.abs(la - lb) < 1e-9) return { p: add(a, mul(f.v, lev - la)), hit: false };
  return { p: lerp(a, b, (lev - la) / (lb - la)), hit: false };
}

/** Intersection of the ray `o + t d` (t > 0) with the jaw polyline between points from..to. */
function rayJaw(lm: Landmarks, o: Pt, d: Pt, from = 3, to = 13): Pt | null {
  let best: Pt | null = null, bestT = Infinity;
  for (let i = from; i < to; i++) {
    const a = lm[i], b = lm[i + 1];
    const e = sub(b, a);
    const den = cross(d, e);
    if (Math.abs(den) < 1e-12) continue;
    const ao = sub(a, o);
    const t = cross(ao, e) / den;
    const s = cross(ao, d) / den;
    if (t > 0 && s >= -1e-9 && s <= 1 + 1e-9 && t < bestT) { bestT = t; best = add(o, mul(d, t)); }
  }
  return best;
}

/** Yaw in degrees from the nose tip's position between the two jaw sides at its level (positive = nose toward image right). */
export function estimateYaw(lm: Landmarks): number {
  const f = faceFrame(lm);
  const lev = level(f, lm[30]);
  const l = jawAtLevel(lm, f, lev, 'left').p, r = jawAtLevel(lm, f, lev, 'right').p;
  const dl = dot(sub(lm[30], l), f.u), dr = dot(sub(r, lm[30]), f.u);
  if (dl + dr <= 0) return NaN;
  const ratio = Math.max(-1, Math.min(1, (dl - dr) / (dl + dr)));
  return deg(Math.asin(ratio));
}

/** How far (in nose-bridge lengths) each mode moves the edges; named so the numbers have a reason. */
export const MODE_GEOMETRY = {
  /** correct: top on the nose bridge, this fraction of the way from 27 to 30 (MaskTheFace: the middle). */
  correctBridgeFraction: 0.25,
  /** correct: side-top points this many nose lengths below the eye line (MaskTheFace: 1; a little
   * higher keeps the nostril wings under the mask when the head turns). */
  correctSideTop: 0.8,
  /** nose: top edge this fraction of the way from the nose base (33) to the upper lip (51). */
  noseTopFraction: 0.3,
  /** chin: top edge this fraction of the way from the lowest lower-lip point (57) to the chin. */
  chinTopFraction: 0.35,
  /** Side-top points this many nose lengths below the top point's level in the lowered modes. */
  sideDrop: 0.25,
  /** How far a lowered mask hangs below the chin, in nose lengths. */
  belowChin: { nose: 0.35, chin: 1.0 },
};

/**
 * Where a lowered mask's top edge may sit, as the ends of a segment on the face (`edge` = 0 at the
 * first end, 1 at the second). Street photos show masks pulled just under the nose most often,
 * then under the mouth, then onto the chin; the two lowered modes span those positions:
 * - `nose`: from just under the nostrils (a twentieth of the way from the nose base, 33, to the top
 *   of the upper lip, 51) to three tenths of the way (the fixed position); lower, the corners of the
 *   mouth start to show on real faces (3 of 52 measured faces at 0.35), which the nose mode promises
 *   to cover — masks pulled further down are the `chin` mode's;
 * - `chin`: from just under the lower lip (a twentieth of the way from its lowest point, 57, to the
 *   chin) to half way (the mask on the chin; lower, the mesh of a face turned 45° and tilted 40°
 *   starts to fold).
 * Without an `edge`, the modes keep their fixed positions (`MODE_GEOMETRY`), as before.
 */
export const EDGE_RANGE: Record<'nose' | 'chin', readonly [number, number]> = { nose: [0.05, 0.3], chin: [0.05, 0.5] };

/** The fraction along the mode's segment for `edge` in [0, 1] (refused outside). */
export function edgeFraction(mode: 'nose' | 'chin', edge: number): number {
  if (!(edge >= 0 && edge <= 1)) throw new Error(`edge must be in [0, 1] (got ${edge})`);
  const [a, b] = EDGE_RANGE[mode];
  return a + (b - a) * edge;
}

/** How far the top edge (`T`) sits below the nose tip (30), along the face's axis, in nose-bridge lengths. */
export function edgeBelowNoseTip(lm: Landmarks, anchors: Anchors & { frame: FaceFrame }): number {
  const f = anchors.frame;
  return (level(f, anchors.T) - level(f, lm[30])) / (f.noseLen || 1);
}

/**
 * The seven mesh points (six anchors + centre) on the face for a wearing mode. `edge` (0–1, the
 * lowered modes only) places the top edge within `EDGE_RANGE`; without it the mode's fixed
 * position is used.
 */
export function faceAnchors(lm: Landmarks, mode: WearMode = 'correct', edge?: number): Anchors & { frame: FaceFrame } {
  const f = faceFrame(lm);
  const G = MODE_GEOMETRY;
  const mouth = mean(pick(lm, MOUTH_POINTS));
  const lipBottom = lm[57];
  // Face axis: from the nose bridge through the mouth centre to the jaw (the chin point).
  const bridgeMid = lerp(lm[27], lm[30], G.correctBridgeFraction);
  const axisDir = sub(mouth, bridgeMid);
  const chin = rayJaw(lm, bridgeMid, axisDir) ?? lm[8];
  let T: Pt, sideTopLev: number, sideBotLev: number, C: Pt;
  let L2: Pt | undefined, R2: Pt | undefined;
  if (mode === 'correct') {
    T = bridgeMid;
    sideTopLev = level(f, f.E) + G.correctSideTop * f.noseLen;
    sideBotLev = Math.max(...pick(lm, [55, 56, 57, 58, 59]).map((p) => level(f, p)));
    C = chin;
  } else if (mode === 'nose') {
    T = lerp(lm[33], lm[51], edge === undefined ? G.noseTopFraction : edgeFraction('nose', edge));
    sideTopLev = level(f, T) + G.sideDrop * f.noseLen;
    sideBotLev = Math.max(...pick(lm, [55, 56, 57, 58, 59]).map((p) => level(f, p))) + G.sideDrop * f.noseLen;
    C = add(chin, mul(f.v, G.belowChin.nose * f.noseLen));
  } else {
    T = lerp(lipBottom, chin, edge === undefined ? G.chinTopFraction : edgeFraction('chin', edge));
    sideTopLev = level(f, T) + G.sideDrop * f.noseLen;
    C = add(chin, mul(f.v, G.belowChin.chin * f.noseLen));
    sideBotLev = NaN;
  }
  const L1 = jawAtLevel(lm, f, sideTopLev, 'left').p;
  const R1 = jawAtLevel(lm, f, sideTopLev, 'right').p;
  if (mode === 'chin') {
    // Below the chin the jaw has ended: the sides hang straight down from the side-top points.
    const drop = mul(f.v, 0.7 * (level(f, C) - level(f, T)));
    L2 = add(lerp(L1, C, 0.1), drop);
    R2 = add(lerp(R1, C, 0.1), drop);
  } else {
    L2 = jawAtLevel(lm, f, sideBotLev, 'left').p;
    R2 = jawAtLevel(lm, f, sideBotLev, 'right').p;
  }
  const M = lerp(T, C, 0.5);
  return { T, R1, R2, C, L2, L1, M, frame: f };
}

// ---- the mesh warp ----

/** A 2x3 affine map [a, b, c, d, e, f]: x' = a x + b y + c, y' = d x + e y + f. */
export type Affine = [number, number, number, number, number, number];

/** The affine map taking triangle (p0, p1, p2) to (q0, q1, q2); null when degenerate. */
export function affineFromTriangles(p: [Pt, Pt, Pt], q: [Pt, Pt, Pt]): Affine | null {
  const [x0, y0] = p[0], [x1, y1] = p[1], [x2, y2] = p[2];
  const det = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
  if (Math.abs(det) < 1e-12) return null;
  const solve = (v0: number, v1: number, v2: number): [number, number, number] => {
    const a = ((v1 - v0) * (y2 - y0) - (v2 - v0) * (y1 - y0)) / det;
    const b = ((x1 - x0) * (v2 - v0) - (x2 - x0) * (v1 - v0)) / det;
    return [a, b, v0 - a * x0 - b * y0];
  };
  const [a, b, c] = solve(q[0][0], q[1][0], q[2][0]);
  const [d, e, f] = solve(q[0][1], q[1][1], q[2][1]);
  return [a, b, c, d, e, f];
}

export const applyAffine = (m: Affine, p: Pt): Pt => [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];

/** A fan mesh: centre plus ring, with one affine map per sector in each direction. */
export interface MeshWarp {
  /** Ring points and centre in template space and in face space. */
  src: { ring: Pt[]; centre: Pt };
  dst: { ring: Pt[]; centre: Pt };
  forward: Affine[];
  inverse: Affine[];
}

/** Which sector of a fan (centre, ring[i], ring[i+1]) the point falls in, by angle around the centre. */
export function sectorOf(centre: Pt, ring: Pt[], p: Pt): number {
  const d = sub(p, centre);
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const a = sub(ring[i], centre), b = sub(ring[(i + 1) % n], centre);
    // p is in the wedge from a to b (the ring turns one way consistently; see checkFace).
    const s = Math.sign(cross(a, b)) || 1;
    if (s * cross(a, d) >= 0 && s * cross(d, b) >= 0) return i;
  }
  // Numerically on a boundary: nearest ring direction.
  let best = 0, bestCos = -Infinity;
  const dn = norm(d) || 1;
  for (let i = 0; i < n; i++) {
    const a = sub(ring[i], centre);
    const c = dot(a, d) / ((norm(a) || 1) * dn);
    if (c > bestCos) { bestCos = c; best = i; }
  }
  return best;
}

/** The mesh taking template anchors to face anchors. Throws when a sector is degenerate. */
export function meshWarp(face: Anchors, template: Anchors = TEMPLATE.anchors): MeshWarp {
  const ringS = ANCHOR_ORDER.map((k) => template[k]);
  const ringD = ANCHOR_ORDER.map((k) => face[k]);
  const forward: Affine[] = [], inverse: Affine[] = [];
  for (let i = 0; i < ringS.length; i++) {
    const j = (i + 1) % ringS.length;
    const f = affineFromTriangles([template.M, ringS[i], ringS[j]], [face.M, ringD[i], ringD[j]]);
    const b = affineFromTriangles([face.M, ringD[i], ringD[j]], [template.M, ringS[i], ringS[j]]);
    if (!f || !b) throw new Error(`degenerate mesh sector ${ANCHOR_ORDER[i]}-${ANCHOR_ORDER[j]}`);
    forward.push(f);
    inverse.push(b);
  }
  return { src: { ring: ringS, centre: template.M }, dst: { ring: ringD, centre: face.M }, forward, inverse };
}

/** Template point → face point. */
export function warpPoint(w: MeshWarp, p: Pt): Pt {
  return applyAffine(w.forward[sectorOf(w.src.centre, w.src.ring, p)], p);
}

/** Face point → template point. */
export function unwarpPoint(w: MeshWarp, p: Pt): Pt {
  return applyAffine(w.inverse[sectorOf(w.dst.centre, w.dst.ring, p)], p);
}

/** How far (template units, of 256 across) the outline's sides reach past the jaw anchors. */
export const OUTLINE_SPREAD = 6;

/**
 * The default mask outline in template space: top edge T–R1 and T–L1, sides along the jaw
 * (R1–R2, L2–L1), a rounded bottom through the chin point.
 */
export function templateOutline(samples = 8): Pt[] {
  const A = TEMPLATE.anchors;
  // The sides reach OUTLINE_SPREAD template units beyond the jaw anchors, as a mask pulled by its
  // loops does (it spans the cheeks up to the jaw contour and a little past it).
  const s = OUTLINE_SPREAD;
  const out: Pt[] = [A.T, [A.R1[0] + s, A.R1[1]], [A.R2[0] + s, A.R2[1]]];
  // bottom: quadratic curves R2 → C and C → L2 bulging outward (toward the jaw's curve)
  const quad = (a: Pt, ctrl: Pt, b: Pt) => {
    for (let i = 1; i <= samples; i++) {
      const t = i / samples;
      out.push(add(add(mul(a, (1 - t) * (1 - t)), mul(ctrl, 2 * t * (1 - t))), mul(b, t * t)));
    }
  };
  const r2: Pt = [A.R2[0] + s, A.R2[1]], l2: Pt = [A.L2[0] - s, A.L2[1]];
  quad(r2, [226 + s, 196], A.C);
  quad(A.C, [30 - s, 196], l2);
  out.push([A.L1[0] - s, A.L1[1]]);
  return out;
}

/** The mask outline on the face (face-space polygon) for template outline `outline`. */
export function faceOutline(w: MeshWarp, outline: Pt[] = templateOutline()): Pt[] {
  return outline.map((p) => warpPoint(w, p));
}

/** Even-odd point-in-polygon test. */
export function pointInPolygon(p: Pt, poly: Pt[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export type SkipReason = 'too_small' | 'turned' | 'implausible';

export interface FaceCheckOptions {
  /** Shorter side of the face box must be at least this (px). */
  minFaceSize: number;
  /** Largest |roll| in degrees. */
  maxRoll: number;
  /** Largest |yaw| in degrees. */
  maxYaw: number;
  /** Also check the lowered modes' mesh across their edge range (when the edge varies). default: false */
  edgeRange?: boolean;
}

/** Does the anchor ring fail to turn one way around its centre (a folded mesh)? Names the first bad anchor. */
export function meshFold(a: Anchors): AnchorName | null {
  const ring = ANCHOR_ORDER.map((k) => a[k]);
  for (let i = 0; i < ring.length; i++) {
    const c = cross(sub(ring[i], a.M), sub(ring[(i + 1) % ring.length], a.M));
    if (!(c > 0)) return ANCHOR_ORDER[i];
  }
  return null;
}

export interface FaceCheck {
  ok: boolean;
  reason?: SkipReason;
  detail?: string;
  roll: number;
  yaw: number;
}

/**
 * Is this face usable for placing a mask? Too small (box), too turned (roll or yaw), or
 * implausible landmarks: the geometric sanity check is that the face reads top to bottom as eyes
 * → nose bridge → nose base → upper lip → lower lip → chin along its own axis, with the eye
 * distance a plausible share of the jaw width, the nose bridge a plausible share of the face
 * height, landmarks near the box, and every mode's anchor ring turning one way around its centre
 * (so the mesh does not fold).
 */
export function checkFace(lm: Landmarks, box: [number, number, number, number], o: FaceCheckOptions): FaceCheck {
  const bad = (reason: SkipReason, detail: string, roll = NaN, yaw = NaN): FaceCheck => ({ ok: false, reason, detail, roll, yaw });
  if (lm.length !== 68 || lm.some((p) => !Number.isFinite(p[0]) || !Number.isFinite(p[1]))) return bad('implausible', 'not 68 finite points');
  if (Math.min(box[2], box[3]) < o.minFaceSize) return bad('too_small', `box ${Math.round(box[2])}x${Math.round(box[3])} < ${o.minFaceSize}px`);
  const roll = estimateRoll(lm);
  const yaw = estimateYaw(lm);
  if (Math.abs(roll) > o.maxRoll) return bad('turned', `roll ${roll.toFixed(0)}°`, roll, yaw);
  if (!Number.isFinite(yaw)) return bad('implausible', 'nose outside the jaw', roll, yaw);
  if (Math.abs(yaw) > o.maxYaw) return bad('turned', `yaw ${yaw.toFixed(0)}°`, roll, yaw);
  const f = faceFrame(lm);
  const L = (i: number) => level(f, lm[i]);
  const order: [string, number][] = [['nose tip', L(30)], ['nose base', L(33)], ['upper lip', L(51)], ['lower lip', L(57)], ['chin', L(8)]];
  for (let i = 0; i + 1 < order.length; i++) {
    if (!(order[i][1] < order[i + 1][1])) return bad('implausible', `${order[i][0]} not above ${order[i + 1][0]}`, roll, yaw);
  }
  if (!(L(30) > 0)) return bad('implausible', 'nose tip not below the eyes', roll, yaw);
  const eyeDist = norm(sub(f.eyeRight, f.eyeLeft));
  const jawWidth = dot(sub(lm[16], lm[0]), f.u);
  const r1 = eyeDist / jawWidth;
  if (!(r1 > 0.25 && r1 < 0.75)) return bad('implausible', `eye distance / jaw width = ${r1.toFixed(2)}`, roll, yaw);
  const r2 = f.noseLen / L(8);
  if (!(r2 > 0.15 && r2 < 0.6)) return bad('implausible', `nose bridge / face height = ${r2.toFixed(2)}`, roll, yaw);
  const [bx, by, bw, bh] = box;
  const outside = lm.filter((p) => p[0] < bx - 0.3 * bw || p[0] > bx + 1.3 * bw || p[1] < by - 0.3 * bh || p[1] > by + 1.3 * bh).length;
  if (outside > 0) return bad('implausible', `${outside} landmarks far outside the face box`, roll, yaw);
  for (const mode of MODES) {
    const fold = meshFold(faceAnchors(lm, mode));
    if (fold) return bad('implausible', `mesh folds in ${mode} mode (${fold})`, roll, yaw);
  }
  if (o.edgeRange) {
    for (const mode of ['nose', 'chin'] as const) {
      for (const edge of [0, 0.5, 1]) {
        const fold = meshFold(faceAnchors(lm, mode, edge));
        if (fold) return bad('implausible', `mesh folds in ${mode} mode at edge ${edge} (${fold})`, roll, yaw);
      }
    }
  }
  return { ok: true, roll, yaw };
}
