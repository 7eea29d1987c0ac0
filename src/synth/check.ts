/**
 * The placement check: landmarks are found again on the generated images and compared with the
 * outline the mask was drawn with. In `correct` mode the re-found nose (30–35) and mouth (48–67)
 * points should fall under the mask and the eyes (36–47) stay uncovered; in `nose` mode the nose
 * should stay uncovered; in `chin` mode nose and mouth.
 */
import * as path from 'node:path';
import { decodeImage } from '../util/images';
import type { Box } from '../result';
import { EYE_POINTS, MOUTH_POINTS, NOSE_POINTS, checkFace, pointInPolygon, type Pt, type WearMode } from './geometry';
import { isConfuserMode } from './confusers';
import { findLandmarkedFaces, landmarksInBox, type FaceApi } from './landmarks';
import type { SynthManifestEntry } from './synth';

export interface PlacementResult {
  file: string;
  mode: WearMode;
  style: string;
  /** Plausible landmarks were found again on the generated image (they pass `checkFace`'s geometric sanity check). */
  refound: boolean;
  /** Where they come from: the detector's face (IoU >= 0.3 with where the face was), the landmark net on the known box when the detector missed the masked face or gave implausible landmarks, or none. */
  via: 'detector' | 'box' | 'none';
  /** Shares of re-found points under the mask. */
  noseCovered: number;
  mouthCovered: number;
  eyesCovered: number;
  /** The image passes the check for its mode. */
  pass: boolean;
  /** The landmarks found again (the generated image's pixels). */
  landmarks: Pt[];
}

function iou(a: Box, b: Box): number {
  const x0 = Math.max(a[0], b[0]), y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]), y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const i = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return i / (a[2] * a[3] + b[2] * b[3] - i);
}

/** Distance from a point to a polygon's boundary. */
export function distanceToPolygon(p: Pt, poly: Pt[]): number {
  let best = Infinity;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[j], b = poly[i];
    const dx = b[0] - a[0], dy = b[1] - a[1];
    const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy || 1)));
    best = Math.min(best, Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy));
  }
  return best;
}

/** Does an image pass for its mode, given the shares of covered points? */
export function passes(mode: WearMode, nose: number, mouth: number, eyes: number): boolean {
  if (eyes > 0) return false;
  if (mode === 'correct') return nose === 1 && mouth === 1;
  if (mode === 'nose') return nose === 0 && mouth === 1;
  return nose === 0 && mouth === 0;
}

/**
 * Check generated masked images (confuser images are skipped). `outlines` come from `synthesise(..., { keepOutlines: true })`.
 * Landmarks are found again by the detector + landmark net (minimum score `minScore`); when the
 * detector misses the masked face (or its landmarks are implausible), by the landmark net on the
 * face's known box (counted apart: `via`). Landmarks that fail the geometric sanity check
 * (`checkFace`: e.g. all 68 points collapsed onto the mask) count as not found again. A covered point may lie up to `tolerance` face-box widths outside the outline
 * (landmark noise on a masked face); an uncovered one (eyes; the nose in `nose` and `chin` mode,
 * the mouth in `chin` mode) must lie strictly outside.
 */
export async function placementCheck(faceapi: FaceApi, outputDir: string, manifest: SynthManifestEntry[], outlines: Map<string, Pt[]>, { minScore = 0.3, tolerance = 0.03 } = {}): Promise<PlacementResult[]> {
  const out: PlacementResult[] = [];
  for (const e of manifest) {
    if (isConfuserMode(e.mode)) continue; // no mask to check: a confuser's own rules are tested on its pixels (test/synth/confusers.test.ts)
    const outline = outlines.get(e.file);
    if (!outline) throw new Error(`no outline for ${e.file}`);
    const img = await decodeImage(path.join(outputDir, e.file));
    // the face box in the generated image's pixels
    const expect: Box = [e.box[0] - e.crop[0], e.box[1] - e.crop[1], e.box[2], e.box[3]];
    const faces = await findLandmarkedFaces(faceapi, img, { minScore, minFaceSize: 0, maxRoll: 180, maxYaw: 90 });
    const best = faces.map((f) => ({ f, o: iou(f.box, expect) })).sort((a, b) => b.o - a.o)[0];
    // Landmarks on a masked face can collapse into a cluster on the mask; those are not "found again".
    const plausible = (l: Pt[], b: Box) => checkFace(l, b, { minFaceSize: 0, maxRoll: 60, maxYaw: 60 }).ok;
    let via: PlacementResult['via'] = 'none';
    let lm: Pt[] = [];
    if (best && best.o >= 0.3 && plausible(best.f.landmarks, best.f.box)) {
      via = 'detector';
      lm = best.f.landmarks;
    } else {
      const l = await landmarksInBox(faceapi, img, expect);
      lm = l;
      if (plausible(l, expect)) via = 'box';
    }
    const refound = via !== 'none';
    // "under the mask": inside the outline, or within `tolerance` face widths of it (landmark noise)
    const tol = tolerance * e.box[2];
    const under = (p: Pt) => pointInPolygon(p, outline) || distanceToPolygon(p, outline) <= tol;
    const share = (idx: number[], f: (p: Pt) => boolean) => idx.filter((i) => f(lm[i])).length / idx.length;
    const strict = (p: Pt) => pointInPolygon(p, outline);
    // covering needs the tolerant test; staying uncovered (eyes, the nose in `nose`/`chin` mode) the strict one
    const nose = share(NOSE_POINTS, e.mode === 'correct' ? under : strict);
    const mouth = share(MOUTH_POINTS, e.mode === 'chin' ? strict : under);
    const eyes = share(EYE_POINTS, strict);
    out.push({ file: e.file, mode: e.mode, style: e.style, refound, via, noseCovered: nose, mouthCovered: mouth, eyesCovered: eyes, pass: refound && passes(e.mode, nose, mouth, eyes), landmarks: lm });
  }
  return out;
}

/**
 * Pass rates per mode: over the images where plausible landmarks were found again (`passRate`,
 * the check's figure) and over all generated images, counting those without plausible
 * landmarks as failures (`passRateAll`).
 */
export function summarisePlacement(rs: PlacementResult[]): { mode: WearMode; images: number; refound: number; viaDetector: number; passed: number; passRate: number; passRateAll: number }[] {
  const modes = [...new Set(rs.map((r) => r.mode))];
  return modes.map((mode) => {
    const m = rs.filter((r) => r.mode === mode);
    const refound = m.filter((r) => r.refound).length;
    const passed = m.filter((r) => r.pass).length;
    return { mode, images: m.length, refound, viaDetector: m.filter((r) => r.via === 'detector').length, passed, passRate: passed / Math.max(1, refound), passRateAll: passed / Math.max(1, m.length) };
  });
}
