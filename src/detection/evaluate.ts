/**
 * Measuring detectors on annotated scene photos (the Kaggle dev set) with the conventions' rule:
 * faces count when the shorter side of the annotated box is >= `faces.minSize` (24 px); a face is
 * found when some detection overlaps it at IoU >= `faces.matchIou` (0.3); a false detection
 * overlaps no annotation of any size at IoU >= 0.3.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnnotatedFace, KaggleSplit } from '../data/types';
import { parseVocXml } from '../data/voc';
import { kagglePhotoNumber, KAGGLE } from '../data/load';
import { datasetDir } from '../paths';
import type { Label } from '../labels';
import { LABELS } from '../labels';
import type { Box } from '../result';
import type { FaceDetection, FaceDetector } from './types';
import { iou } from './geometry';
import { decodeImage } from '../util/images';
import type { RgbImage } from '../util/images';

/** One annotated scene photo. */
export interface Scene {
  file: string;
  /** Photo number (0–299). */
  index: number;
  faces: AnnotatedFace[];
}

/**
 * The annotated photos of one part of the Kaggle dev set (`tune` = 0–199, `test` = 200–299), sorted
 * by number. Annotations are read with the data stage's VOC reader (`src/data/voc.ts`).
 */
export function kaggleScenes(part: KaggleSplit, dir = datasetDir(KAGGLE)): Scene[] {
  const annDir = path.join(dir, 'annotations');
  const imgDir = path.join(dir, 'images');
  if (!fs.existsSync(annDir)) throw new Error(`Kaggle dev set not installed: ${annDir} missing (run "facemask prepare")`);
  const out: Scene[] = [];
  for (const f of fs.readdirSync(annDir)) {
    const n = kagglePhotoNumber(f.replace(/\.xml$/, '.jpg'));
    if (n === null || !f.endsWith('.xml')) continue;
    if ((n < 200 ? 'tune' : 'test') !== part || n > 299) continue;
    const ann = parseVocXml(fs.readFileSync(path.join(annDir, f), 'utf8'));
    const img = path.join(imgDir, f.replace(/\.xml$/, '.jpg'));
    out.push({ file: img, index: n, faces: ann.faces });
  }
  return out.sort((a, b) => a.index - b.index);
}

export interface MatchRules {
  /** default: 24 */
  minSize: number;
  /** default: 0.3 */
  matchIou: number;
}

export interface SceneMatch {
  /** For each annotated face: the index of the detection that matches it best (IoU >= matchIou), or -1. */
  faceHit: number[];
  /** Whether each face counts (shorter side >= minSize). */
  faceCounts: boolean[];
  /** Detections overlapping no annotation at IoU >= matchIou. */
  falseDetections: number;
}

/** Match detections to annotations (pure). */
export function matchScene(dets: { box: Box }[], faces: { box: Box }[], rules: MatchRules): SceneMatch {
  const faceHit = faces.map((f) => {
    let best = -1;
    let bestIou = rules.matchIou;
    dets.forEach((d, i) => {
      const v = iou(d.box, f.box);
      if (v >= bestIou) {
        best = i;
        bestIou = v;
      }
    });
    return best;
  });
  const falseDetections = dets.filter((d) => faces.every((f) => iou(d.box, f.box) < rules.matchIou)).length;
  return { faceHit, faceCounts: faces.map((f) => Math.min(f.box[2], f.box[3]) >= rules.minSize), falseDetections };
}

export interface ClassCount {
  faces: number;
  found: number;
  /** Found and labelled right (only when labels were given). */
  right: number;
}

export interface DetectionSummary {
  detector: string;
  images: number;
  perClass: Record<Label, ClassCount>;
  /** All counted faces. */
  all: ClassCount;
  falseDetections: number;
  falsePerImage: number;
  /** Median milliseconds per image for detection. */
  msPerImage: number;
}

export interface SceneResult {
  scene: Scene;
  detections: (FaceDetection & { label?: Label })[];
  ms: number;
}

/** Aggregate per-scene results into recall per class, false detections per image and speed. */
export function summariseDetections(detector: string, results: SceneResult[], rules: MatchRules, minScore = 0): DetectionSummary {
  const blank = (): ClassCount => ({ faces: 0, found: 0, right: 0 });
  const perClass = Object.fromEntries(LABELS.map((l) => [l, blank()])) as Record<Label, ClassCount>;
  const all = blank();
  let falseDetections = 0;
  for (const r of results) {
    const dets = r.detections.filter((d) => d.score >= minScore);
    const m = matchScene(dets, r.scene.faces, rules);
    falseDetections += m.falseDetections;
    r.scene.faces.forEach((f, i) => {
      if (!m.faceCounts[i]) return;
      const hit = m.faceHit[i];
      const right = hit >= 0 && dets[hit].label === f.label ? 1 : 0;
      for (const c of [perClass[f.label], all]) {
        c.faces++;
        if (hit >= 0) c.found++;
        c.right += right;
      }
    });
  }
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    detector,
    images: results.length,
    perClass,
    all,
    falseDetections,
    falsePerImage: results.length ? falseDetections / results.length : 0,
    msPerImage: ms.length ? ms[Math.floor(ms.length / 2)] : NaN,
  };
}

/**
 * Run a detector over scenes. `label` (optional) classifies the detections of one image so that
 * end-to-end accuracy can be counted. Images are decoded outside the timed part.
 */
export async function runDetectorOnScenes(
  detector: FaceDetector,
  scenes: Scene[],
  opts: { label?: (img: RgbImage, dets: FaceDetection[]) => Promise<(Label | undefined)[]>; onImage?: (i: number) => void } = {},
): Promise<SceneResult[]> {
  const out: SceneResult[] = [];
  for (let i = 0; i < scenes.length; i++) {
    const img = await decodeImage(scenes[i].file);
    const t0 = performance.now();
    const dets = await detector.detectFaces(img);
    const ms = performance.now() - t0;
    const labels = opts.label ? await opts.label(img, dets) : [];
    out.push({ scene: scenes[i], detections: dets.map((d, k) => ({ ...d, label: labels[k] })), ms });
    opts.onImage?.(i);
  }
  return out;
}

/** Flat table rows of a summary (for showTable / printing). */
export function summaryRow(s: DetectionSummary, part: string) {
  const pct = (c: ClassCount) => (c.faces ? +((100 * c.found) / c.faces).toFixed(1) : NaN);
  const e2e = (c: ClassCount) => (c.faces ? +((100 * c.right) / c.faces).toFixed(1) : NaN);
  return {
    detector: s.detector,
    part,
    images: s.images,
    'masked found %': pct(s.perClass.with_mask),
    'unmasked found %': pct(s.perClass.without_mask),
    'incorrect found %': pct(s.perClass.incorrect_mask),
    'all found %': pct(s.all),
    'false / image': +s.falsePerImage.toFixed(3),
    'end-to-end right %': e2e(s.all),
    'ms / image': +s.msPerImage.toFixed(1),
    faces: `${s.perClass.with_mask.faces}/${s.perClass.without_mask.faces}/${s.perClass.incorrect_mask.faces}`,
  };
}
