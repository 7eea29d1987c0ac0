/**
 * What notebook 02 (synthetic masks) shows, as functions: inputs, the step-by-step figure of one
 * face, the grid of styles × wearing modes, the grid of confusers, tables of counts and of the
 * placement check.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { datasetDir } from '../paths';
import { decodeImage, type RgbImage } from '../util/images';
import type { GridItem } from '../charts';
import type { Box } from '../result';
import { faceAnchors, faceOutline, meshWarp, range, LM, ANCHOR_ORDER, type Pt, type WearMode } from '../synth/geometry';
import { findLandmarkedFaces, type FaceApi, type LandmarkedFace } from '../synth/landmarks';
import { placeMask } from '../synth/place';
import { drawConfuser, type ConfuserMode } from '../synth/confusers';
import { renderStyle, resolveStyle, styleOutline } from '../synth/styles';
import { cropAround, cropImage, type SynthSummary } from '../synth/synth';
import { drawCrosses, drawPoints, drawPolyline, type Colour } from '../synth/draw';
import { rngFor } from '../synth/rng';
import type { PlacementResult } from '../synth/check';
import { resolveConfig } from '../config';

/** face-api's demo photos (real photos, 22 faces in all) shipped in its npm package. */
export function demoPhotos(n = 6): string[] {
  const dir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
  return Array.from({ length: Math.min(6, n) }, (_, i) => path.join(dir, `sample${i + 1}.jpg`));
}

/** `n` unmasked photos of chandrikadeb7, evenly spaced through the sorted folder (deterministic). */
export function unmaskedPhotos(n: number): string[] {
  const dir = path.join(datasetDir('chandrikadeb7'), 'without_mask');
  const all = fs.readdirSync(dir).sort();
  return Array.from({ length: Math.min(n, all.length) }, (_, i) => path.join(dir, all[Math.floor((i * all.length) / n)]));
}

/** Copy photos into `dir/<group>/` so that `synth` sees them as inputs with readable sources. */
export function stageInputs(dir: string, groups: Record<string, string[]>): string[] {
  fs.rmSync(dir, { recursive: true, force: true });
  const out: string[] = [];
  for (const [g, files] of Object.entries(groups)) {
    const d = path.join(dir, g);
    fs.mkdirSync(d, { recursive: true });
    for (const f of files) fs.copyFileSync(f, path.join(d, path.basename(f)));
    out.push(d);
  }
  return out;
}

const shift = (pts: Pt[], c: Box): Pt[] => pts.map((p) => [p[0] - c[0], p[1] - c[1]]);
const GREEN: Colour = [40, 220, 90], YELLOW: Colour = [255, 220, 0], RED: Colour = [240, 40, 40], CYAN: Colour = [0, 200, 255], MAGENTA: Colour = [255, 0, 200];

/** Faces of a photo with their checks, as table rows. */
export function faceRows(file: string, faces: LandmarkedFace[]): Record<string, unknown>[] {
  return faces.map((f, i) => ({
    photo: path.basename(file), face: i, box: f.box.map((x) => Math.round(x)).join(', '), score: +f.score.toFixed(3),
    roll: +f.roll.toFixed(1), yaw: +f.yaw.toFixed(1), used: f.ok, reason: f.reason ?? '', detail: f.detail ?? '',
  }));
}

/**
 * The original's figures for one face, step by step: the face and its box; its 68 landmarks (jaw,
 * nose bridge, lips highlighted); the anchor points and the mask outline; the placed mask.
 */
export async function faceSteps(faceapi: FaceApi, file: string, opts: { style?: string; mode?: WearMode; seed?: number } = {}): Promise<{ items: GridItem[]; faces: LandmarkedFace[] }> {
  const cfg = resolveConfig().synth;
  const img = await decodeImage(file);
  const faces = await findLandmarkedFaces(faceapi, img, cfg);
  const usable = faces.filter((f) => f.ok).sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
  if (!usable.length) throw new Error(`no usable face in ${file}`);
  const face = usable[0];
  const crop = cropAround(face.box, img.width, img.height, 0.3);
  const sub = cropImage(img, crop);
  const lm = shift(face.landmarks, crop);
  const box: Box = [face.box[0] - crop[0], face.box[1] - crop[1], face.box[2], face.box[3]];
  const mode = opts.mode ?? 'correct';
  const style = resolveStyle(opts.style ?? 'surgical-blue', rngFor(opts.seed ?? 42, 'faceSteps'));
  const anchors = faceAnchors(lm, mode);
  const outline = faceOutline(meshWarp(anchors), styleOutline(style.kind));
  const dot = Math.max(1.5, face.box[2] / 90);
  let marks = drawPoints(sub, lm, [255, 255, 255], dot);
  marks = drawPolyline(marks, range(LM.jaw).map((i) => lm[i]), CYAN, dot * 0.8, false);
  marks = drawPoints(marks, range(LM.noseBridge).map((i) => lm[i]), YELLOW, dot * 1.3);
  marks = drawPoints(marks, range(LM.lips).map((i) => lm[i]), RED, dot);
  let geo = drawPolyline(sub, outline, YELLOW, dot);
  geo = drawPolyline(geo, ANCHOR_ORDER.map((k) => anchors[k]), MAGENTA, dot * 0.6);
  geo = drawCrosses(geo, ANCHOR_ORDER.map((k) => anchors[k]), GREEN, dot * 3, dot);
  const placed = placeMask(sub, lm, mode, style, renderStyle(style));
  return {
    faces,
    items: [
      { image: sub, caption: 'face and its box', boxes: [{ box, colour: GREEN, text: `face ${(face.score * 100).toFixed(0)}%` }] },
      { image: marks, caption: '68 landmarks: jaw, bridge, lips' },
      { image: geo, caption: 'anchors (x), mesh, outline' },
      { image: placed.image, caption: `${style.name}, ${mode}` },
    ],
  };
}

/** The first `maxFaces` usable faces of `files`, cut as `facemask synth` cuts them (landmarks in the cut's pixels). */
async function usableFaces(faceapi: FaceApi, files: string[], maxFaces: number): Promise<{ file: string; face: number; image: RgbImage; landmarks: Pt[] }[]> {
  const cfg = resolveConfig().synth;
  const out: { file: string; face: number; image: RgbImage; landmarks: Pt[] }[] = [];
  for (const file of files) {
    const img = await decodeImage(file);
    for (const [fi, face] of (await findLandmarkedFaces(faceapi, img, cfg)).entries()) {
      if (!face.ok) continue;
      if (out.length >= maxFaces) return out;
      const crop = cropAround(face.box, img.width, img.height, cfg.cropMargin);
      out.push({ file, face: fi, image: cropImage(img, crop), landmarks: shift(face.landmarks, crop) });
    }
  }
  return out;
}

/** Every (style, mode) pair on each usable face of `files` (the first `maxFaces` faces), as grid items. */
export async function styleModeGrid(faceapi: FaceApi, files: string[], styles: string[], modes: WearMode[], opts: { seed?: number; maxFaces?: number } = {}): Promise<GridItem[]> {
  const items: GridItem[] = [];
  for (const f of await usableFaces(faceapi, files, opts.maxFaces ?? 4)) {
    for (const s of styles) {
      for (const mode of modes) {
        const style = resolveStyle(s, rngFor(opts.seed ?? 42, f.file, f.face, s));
        items.push({ image: placeMask(f.image, f.landmarks, mode, style, renderStyle(style)).image, caption: `${style.name.replace(/-#.*/, '')} · ${mode}` });
      }
    }
  }
  return items;
}

/** Every confuser mode on each usable face of `files` (the first `maxFaces` faces), as grid items. */
export async function confuserGrid(faceapi: FaceApi, files: string[], modes: ConfuserMode[], opts: { seed?: number; maxFaces?: number } = {}): Promise<GridItem[]> {
  const items: GridItem[] = [];
  for (const f of await usableFaces(faceapi, files, opts.maxFaces ?? 4)) {
    for (const mode of modes) {
      const d = drawConfuser(f.image, f.landmarks, mode, rngFor(opts.seed ?? 42, f.file, f.face, mode, 'confuser'));
      items.push({ image: d.image, caption: d.name.replace(/-#.*/, '') });
    }
  }
  return items;
}

/** The counts of a synth run as table rows. */
export function summaryRows(s: SynthSummary): { what: string; count: number }[] {
  return [
    { what: 'input images', count: s.inputs },
    { what: 'images used (a usable face)', count: s.imagesUsed },
    { what: 'images skipped: no face found', count: s.imagesSkipped.no_face },
    { what: 'images skipped: unreadable', count: s.imagesSkipped.unreadable },
    { what: 'faces found', count: s.faces.found },
    { what: 'faces used', count: s.faces.used },
    { what: 'faces skipped: too small', count: s.faces.skipped.too_small },
    { what: 'faces skipped: too turned', count: s.faces.skipped.turned },
    { what: 'faces skipped: implausible landmarks', count: s.faces.skipped.implausible },
    { what: 'generated: with_mask', count: s.byLabel.with_mask },
    { what: 'generated: incorrect_mask', count: s.byLabel.incorrect_mask },
  ];
}

/** Generated images with their outline (yellow) and the landmarks found again on them (nose red, mouth green, eyes blue). */
export async function checkPictures(outputDir: string, results: PlacementResult[], outlines: Map<string, Pt[]>, n = 8): Promise<GridItem[]> {
  const pick = [...results.filter((r) => r.refound && !r.pass), ...results.filter((r) => !r.refound), ...results.filter((r) => r.pass)].slice(0, n);
  const items: GridItem[] = [];
  for (const r of pick) {
    let img = await decodeImage(path.join(outputDir, r.file));
    const lm = r.landmarks;
    const dot = Math.max(1.2, img.width / 150);
    img = drawPolyline(img, outlines.get(r.file)!, YELLOW, dot * 0.7);
    img = drawPoints(img, [30, 31, 32, 33, 34, 35].map((i) => lm[i]), RED, dot);
    img = drawPoints(img, range(LM.lips).map((i) => lm[i]), GREEN, dot);
    img = drawPoints(img, [...range(LM.eyeLeft), ...range(LM.eyeRight)].map((i) => lm[i]), CYAN, dot);
    items.push({ image: img, caption: `${r.mode} ${r.pass ? 'pass' : r.refound ? 'FAIL' : 'not re-found'} (${r.via})` });
  }
  return items;
}
