/**
 * Hand-made 68-point landmark sets: a frontal face built from typical proportions (unit = half
 * the jaw width, origin between the eyes, y down), with a depth per point so that yaw can be
 * simulated by turning the head in 3D, then roll, scale and translation in the image plane.
 */
import type { Landmarks, Pt } from '../../src/synth/geometry';

type P3 = [number, number, number];

export function frontalFace3d(): P3[] {
  const p: P3[] = [];
  for (let i = 0; i <= 16; i++) {
    const t = (Math.PI * i) / 16;
    p.push([-Math.cos(t), 0.05 + 1.5 * Math.sin(t), -0.5 * Math.abs(Math.cos(t))]);
  }
  for (let i = 0; i < 5; i++) p.push([-0.8 + 0.16 * i, -0.35 - 0.05 * Math.sin((Math.PI * i) / 4), 0.1]);
  for (let i = 0; i < 5; i++) p.push([0.16 + 0.16 * i, -0.35 - 0.05 * Math.sin((Math.PI * (4 - i)) / 4), 0.1]);
  for (let i = 0; i < 4; i++) p.push([0, 0.15 * i, 0.2 + 0.1 * i]); // bridge 27–30, nose tip 30 at depth 0.5
  ([[-0.2, 0.58], [-0.1, 0.61], [0, 0.63], [0.1, 0.61], [0.2, 0.58]] as Pt[]).forEach(([x, y]) => p.push([x, y, 0.3]));
  const eye = (cx: number) => {
    const e: P3[] = [];
    for (let k = 0; k < 6; k++) {
      const a = Math.PI + (2 * Math.PI * k) / 6;
      e.push([cx + 0.15 * Math.cos(a), 0.06 * Math.sin(a), 0.05]);
    }
    return e;
  };
  p.push(...eye(-0.35), ...eye(0.35));
  const outer: Pt[] = [[-0.35, 0.95], [-0.22, 0.86], [-0.08, 0.83], [0, 0.85], [0.08, 0.83], [0.22, 0.86], [0.35, 0.95], [0.22, 1.05], [0.1, 1.09], [0, 1.1], [-0.1, 1.09], [-0.22, 1.05]];
  const inner: Pt[] = [[-0.3, 0.95], [-0.1, 0.92], [0, 0.92], [0.1, 0.92], [0.3, 0.95], [0.1, 0.98], [0, 0.98], [-0.1, 0.98]];
  for (const [x, y] of [...outer, ...inner]) p.push([x, y, 0.25 - 0.3 * x * x]);
  if (p.length !== 68) throw new Error(`hand-made face has ${p.length} points`);
  return p;
}

export interface Pose {
  /** Degrees, positive = clockwise on screen. */
  roll?: number;
  /** Degrees, turning the head (positive = nose toward image right). */
  yaw?: number;
  scale?: number;
  centre?: Pt;
}

export function makeFace(pose: Pose = {}): Landmarks {
  const { roll = 0, yaw = 0, scale = 100, centre = [200, 160] } = pose;
  const ry = (yaw * Math.PI) / 180, rr = (roll * Math.PI) / 180;
  return frontalFace3d().map(([x, y, z]) => {
    const xr = x * Math.cos(ry) + z * Math.sin(ry);
    const px = xr * Math.cos(rr) - y * Math.sin(rr);
    const py = xr * Math.sin(rr) + y * Math.cos(rr);
    return [centre[0] + scale * px, centre[1] + scale * py] as Pt;
  });
}

/** The face box a detector would give for a hand-made face (brows to chin, jaw to jaw). */
export function boxOf(lm: Landmarks): [number, number, number, number] {
  const xs = lm.map((p) => p[0]), ys = lm.map((p) => p[1]);
  const x0 = Math.min(...xs), y0 = Math.min(...ys);
  return [x0, y0, Math.max(...xs) - x0, Math.max(...ys) - y0];
}
