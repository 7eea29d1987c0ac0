/**
 * The field's measure (docs/contracts.md "Boxes and faces"), pure: PASCAL VOC average precision at
 * IoU 0.5 with all-point interpolation, per class and their mean (mAP), over every annotated face.
 *
 * **Detections.** Every box the detector gives down to a floor (config `faces.scoreFloor`, 0.05; the
 * detector gives at most `detect.maxFaces` a photo), taken before the box policy, yields one detection
 * per class: its score for a class is the box's
 * face (detector) score x that class's probability as the classifier gives it — over all the
 * model's classes, so a `not_face` probability already lowers the others. A model without a class
 * (a two-class model and `incorrect_mask`) gives that class no detection.
 *
 * **Matching** (the VOC development kit's rule): one class at a time, detections of every image in
 * descending score; a detection goes to the annotated face of its class it overlaps most; at IoU
 * >= 0.5 it is a true positive when that face is not taken yet, a false positive when it is (a
 * duplicate box); below 0.5 it is a false positive. AP is the area under the precision–recall curve
 * made non-increasing from the right; a class without faces has no AP (NaN) and stays out of the mean.
 *
 * **Size bands** (shorter side of the box, px: < 12, 12–24, 24–48, >= 48) as COCO does areas: a band's
 * AP counts its faces only — faces of other bands are ignored like VOC's "difficult" faces (a
 * detection whose best face is one of them is neither right nor wrong) — and an unmatched detection
 * belongs to the band of its own size, so it counts against that band only.
 *
 * Beside it, the detector's own AP: each box once with its face score alone, every face one class —
 * what the classifier can at best keep; the gap to the mAP is what classifying costs.
 */
import { LABELS, type Label } from '../labels';
import type { Box } from '../result';
import { iou } from '../detection/geometry';

/** A box the detector gave, with its face score and the classifier's probability of every class. */
export interface ScoredBox {
  box: Box;
  faceScore: number;
  /** The model's classes (internal ones such as not_face too): its (calibrated) probabilities. */
  scores: Readonly<Record<string, number>>;
}

/** One image: its annotated faces (every size) and every box scored on it. */
export interface VocImage {
  faces: readonly { box: Box; label: Label }[];
  boxes: readonly ScoredBox[];
}

/** A face-size band: shorter side of the box in [lo, hi) px. */
export interface SizeBand {
  name: string;
  lo: number;
  hi: number;
}

/** The field's bands (docs/contracts.md "Boxes and faces"). */
export const FIELD_BANDS: readonly SizeBand[] = [
  { name: '< 12', lo: 0, hi: 12 },
  { name: '12–24', lo: 12, hi: 24 },
  { name: '24–48', lo: 24, hi: 48 },
  { name: '>= 48', lo: 48, hi: Infinity },
];

export const shorterSide = (b: Box): number => Math.min(b[2], b[3]);
const inBand = (b: Box, band: SizeBand) => shorterSide(b) >= band.lo && shorterSide(b) < band.hi;

/** One point of a precision–recall curve: after every detection down to `score`. */
export interface PrPoint {
  score: number;
  recall: number;
  precision: number;
}

/** AP of one class (or of the detector alone) with its curve. */
export interface ApCurve {
  /** NaN when there is no face to find. */
  ap: number;
  /** Faces found down to the floor / faces (NaN without faces). */
  recall: number;
  faces: number;
  /** Detections that counted (true or false positives; ignored ones left out). */
  detections: number;
  truePositives: number;
  /** One point per counted detection, best score first. */
  points: PrPoint[];
}

/** One class's (or the detector's) matching input for one image. */
interface MatchImage {
  faces: readonly { box: Box; ignore: boolean }[];
  dets: readonly { box: Box; score: number; ignore: boolean }[];
}

/** Area under the precision–recall points, precision made non-increasing from the right (all-point interpolation). */
export function allPointAp(points: readonly PrPoint[]): number {
  const prec = points.map((p) => p.precision);
  for (let i = prec.length - 2; i >= 0; i--) prec[i] = Math.max(prec[i], prec[i + 1]);
  let ap = 0;
  let prev = 0;
  points.forEach((p, i) => {
    ap += (p.recall - prev) * prec[i];
    prev = p.recall;
  });
  return ap;
}

/** Match detections to faces by the VOC rule (see the module comment) and build the curve. */
function matchAndScore(images: readonly MatchImage[], iouAt: number): ApCurve {
  const order: { img: number; det: number; score: number }[] = [];
  images.forEach((im, i) => im.dets.forEach((d, j) => order.push({ img: i, det: j, score: d.score })));
  order.sort((a, b) => b.score - a.score); // stable: ties keep image and box order
  const taken = images.map((im) => im.faces.map(() => false));
  const faces = images.reduce((n, im) => n + im.faces.filter((f) => !f.ignore).length, 0);
  const points: PrPoint[] = [];
  let tp = 0;
  for (const o of order) {
    const im = images[o.img];
    const d = im.dets[o.det];
    let best = -1;
    let bestIou = -1;
    im.faces.forEach((f, k) => {
      const v = iou(d.box, f.box);
      if (v > bestIou) [best, bestIou] = [k, v];
    });
    const hit = best >= 0 && bestIou >= iouAt;
    if (hit && im.faces[best].ignore) continue; // on an ignored face: neither right nor wrong
    if (!hit && d.ignore) continue; // an unmatched box outside the band
    const right = hit && !taken[o.img][best];
    if (right) taken[o.img][best] = true;
    tp += +right;
    points.push({ score: o.score, recall: faces ? tp / faces : NaN, precision: tp / (points.length + 1) });
  }
  return { ap: faces ? allPointAp(points) : NaN, recall: faces ? tp / faces : NaN, faces, detections: points.length, truePositives: tp, points };
}

/** The detections of one class: one per box scored at least `floor`, score = face score x p(class). */
export function classDetections(boxes: readonly ScoredBox[], label: Label, floor: number): { box: Box; score: number }[] {
  return boxes.filter((b) => b.faceScore >= floor && label in b.scores).map((b) => ({ box: b.box, score: b.faceScore * b.scores[label] }));
}

/** AP@iou of one class over images; `band`: only that band's faces count (see the module comment). */
export function classAp(images: readonly VocImage[], label: Label, opts: { floor: number; iou?: number; band?: SizeBand }): ApCurve {
  const ignore = (b: Box) => (opts.band ? !inBand(b, opts.band) : false);
  const input = images.map((im) => ({
    faces: im.faces.filter((f) => f.label === label).map((f) => ({ box: f.box, ignore: ignore(f.box) })),
    dets: classDetections(im.boxes, label, opts.floor).map((d) => ({ ...d, ignore: ignore(d.box) })),
  }));
  return matchAndScore(input, opts.iou ?? 0.5);
}

/** The detector's AP: every box once with its face score, every face one class. */
export function agnosticAp(images: readonly VocImage[], opts: { floor: number; iou?: number; band?: SizeBand }): ApCurve {
  const ignore = (b: Box) => (opts.band ? !inBand(b, opts.band) : false);
  const input = images.map((im) => ({
    faces: im.faces.map((f) => ({ box: f.box, ignore: ignore(f.box) })),
    dets: im.boxes.filter((b) => b.faceScore >= opts.floor).map((b) => ({ box: b.box, score: b.faceScore, ignore: ignore(b.box) })),
  }));
  return matchAndScore(input, opts.iou ?? 0.5);
}

/** The mean of the APs that exist (classes with faces); NaN when none does. */
export function meanAp(aps: readonly number[]): number {
  const present = aps.filter((x) => Number.isFinite(x));
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : NaN;
}

/** One band's numbers (curves left out). */
export interface BandResult {
  band: string;
  faces: number;
  perClass: Record<Label, { ap: number; recall: number; faces: number }>;
  mAP: number;
  agnostic: { ap: number; recall: number };
}

/** The field's measure over a set of images. */
export interface FieldResult {
  iou: number;
  floor: number;
  faces: number;
  /** Boxes scored at least the floor. */
  boxes: number;
  perClass: Record<Label, ApCurve>;
  /** Mean AP over the classes with faces. */
  mAP: number;
  /** The detector alone (face score, one class). */
  agnostic: ApCurve;
  bands: BandResult[];
}

/** Per-class AP, mAP, the detector's AP and every band, at IoU `iou` (0.5) down to `floor`. */
export function fieldMeasure(images: readonly VocImage[], opts: { floor: number; iou?: number; bands?: readonly SizeBand[] }): FieldResult {
  const at = { floor: opts.floor, iou: opts.iou ?? 0.5 };
  const perClass = Object.fromEntries(LABELS.map((l) => [l, classAp(images, l, at)])) as Record<Label, ApCurve>;
  const bands = (opts.bands ?? FIELD_BANDS).map((band): BandResult => {
    const cls = Object.fromEntries(LABELS.map((l) => [l, classAp(images, l, { ...at, band })])) as Record<Label, ApCurve>;
    const ag = agnosticAp(images, { ...at, band });
    return {
      band: band.name,
      faces: ag.faces,
      perClass: Object.fromEntries(LABELS.map((l) => [l, { ap: cls[l].ap, recall: cls[l].recall, faces: cls[l].faces }])) as BandResult['perClass'],
      mAP: meanAp(LABELS.map((l) => cls[l].ap)),
      agnostic: { ap: ag.ap, recall: ag.recall },
    };
  });
  const agnostic = agnosticAp(images, at);
  return {
    iou: at.iou,
    floor: at.floor,
    faces: agnostic.faces,
    boxes: images.reduce((n, im) => n + im.boxes.filter((b) => b.faceScore >= at.floor).length, 0),
    perClass,
    mAP: meanAp(LABELS.map((l) => perClass[l].ap)),
    agnostic,
    bands,
  };
}

/** A box and its probability row (the model's class order) as a scored box. */
export function scoredBox(box: Box, faceScore: number, probabilities: ArrayLike<number>, classes: readonly string[]): ScoredBox {
  if (probabilities.length !== classes.length) throw new Error(`scoredBox: ${probabilities.length} probabilities for ${classes.length} classes`);
  return { box, faceScore, scores: Object.fromEntries(classes.map((c, k) => [c, probabilities[k]])) };
}

/**
 * A curve thinned for charts and summaries: the points where recall rises (the curve's corners)
 * and the last one, at most about `max` of them evenly spread.
 */
export function thinCurve(points: readonly PrPoint[], max = 150): PrPoint[] {
  const corners = points.filter((p, i) => i === 0 || i === points.length - 1 || p.recall > points[i - 1].recall);
  if (corners.length <= max) return corners;
  const step = corners.length / max;
  const out: PrPoint[] = [];
  for (let i = 0; i < max; i++) out.push(corners[Math.floor(i * step)]);
  out.push(corners[corners.length - 1]);
  return out;
}
