/**
 * The field's score rule measured against others: a box's score for a class is its face score x that
 * class's probability (src/evaluation/voc.ts). Two families aimed at what holds the mean down
 * (incorrect_mask, small faces ranked among large ones):
 *
 * - **exponents**: face score^a x probability^b x min(1, side/24)^c (a size prior), a small grid chosen
 *   on the pooled validation scenes, its gain over the rule with a paired bootstrap over photos;
 * - **learnt rescoring**: per class, a logistic regression on the box's log-odds face score, log
 *   probability, and (by variant) log size, its square, their products and the not_face probability,
 *   fitted on validation boxes (label: the box overlaps a face of that class at IoU >= 0.5) and scored
 *   out of fold (5 folds by photo), so the fit never scores its own photos;
 * - **not_face's weight**: face score^a x (1 − p(not_face))^d x p(class | a face), with d for boxes under
 *   a size gate (1 above it: the rule), aimed at small real faces the classifier calls not_face although
 *   the detector is sure of them (the diagnosis below counts them).
 *
 * The diagnosis, per size band on validation: faces, those a box overlaps at IoU >= 0.5, and of those
 * whose best box's argmax is their class or not_face; beside it, what the shipped model's recipe learnt
 * not_face from — its detector's boxes on the Kaggle fitting photos that overlap no annotated face,
 * against the annotated faces there, by band.
 *
 * Boxes and probabilities are the one-stage bench's records of the shipped photo setting (cached in
 * .cache/onestage/). `--test` then scores the test scenes once with each family's validation choice.
 *
 *   FACEMASK_BACKEND=wasm npx tsx bench/score-rule.ts [--test]
 */
import { resolveConfig } from '../src/config';
import { initBackend } from '../src/backend/tf';
import { boxLabels, sceneRecords, shippedPhotoSetting, type RecordSet } from '../src/training/onestage-data';
import { sceneSet, TEST_SCENE_SETS, validationScenes } from '../src/data/scenes';
import { pairedMapGain, quickMap, vocOf } from '../src/training/onestage';
import { FIELD_BANDS, fieldMeasure, shorterSide, type VocImage } from '../src/evaluation/voc';
import { iou } from '../src/detection/geometry';
import { mineScenes } from '../src/detection/mine-scenes';
import { kaggleScenes } from '../src/data/kaggle';
import { manifestNotFace } from '../src/training/presets';
import { readManifest } from '../src/model/manifest-files';
import { projectPaths } from '../src/paths';
import type { Config } from '../src/config';
import type { Box } from '../src/result';
import { LABELS, type Label } from '../src/labels';
import { runBench } from './lib';

const FOLDS = 5;
const lg = (x: number) => Math.log(Math.max(1e-6, x));

/** One box as the rules see it. */
interface BoxView {
  box: Box;
  side: number;
  face: number;
  p: Float32Array;
}
type Features = (b: BoxView, k: number, nf: number) => number[];
const logOdds = (x: number) => lg(x) - lg(1 - x);
const VARIANTS: Record<string, Features> = {
  'face, class': (b, k) => [logOdds(b.face), lg(b.p[k])],
  '+ size': (b, k) => [logOdds(b.face), lg(b.p[k]), Math.log(b.side), Math.log(b.side) ** 2],
  '+ size, products': (b, k) => [logOdds(b.face), lg(b.p[k]), Math.log(b.side), Math.log(b.side) ** 2, lg(b.p[k]) * Math.log(b.side), logOdds(b.face) * Math.log(b.side)],
  '+ size, not_face': (b, k, nf) => [logOdds(b.face), lg(b.p[k]), Math.log(b.side), Math.log(b.side) ** 2, lg(b.p[nf])],
};
const RIDGES = [0.01, 1, 10];

/** Ridge logistic regression by Newton steps on standardised features; weights in the raw features' units (bias first). */
function fitLogistic(X: readonly number[][], y: readonly number[], ridge: number, steps = 25): number[] {
  const d = X[0].length;
  const mu = Array.from({ length: d }, (_, j) => X.reduce((a, x) => a + x[j], 0) / X.length);
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(X.reduce((a, x) => a + (x[j] - mu[j]) ** 2, 0) / X.length) || 1);
  const Z = X.map((x) => [1, ...x.map((v, j) => (v - mu[j]) / sd[j])]);
  const n = d + 1;
  const w = new Array<number>(n).fill(0);
  for (let s = 0; s < steps; s++) {
    const M = Array.from({ length: n }, (_, a) => new Array<number>(n + 1).fill(0).map((_, b) => (a === b && a > 0 ? ridge : 0)));
    for (let a = 1; a < n; a++) M[a][n] = ridge * w[a];
    Z.forEach((z, i) => {
      const p = 1 / (1 + Math.exp(-z.reduce((t, v, j) => t + v * w[j], 0)));
      for (let a = 0; a < n; a++) {
        M[a][n] += (p - y[i]) * z[a];
        for (let b = 0; b < n; b++) M[a][b] += p * (1 - p) * z[a] * z[b];
      }
    });
    for (let c = 0; c < n; c++) {
      for (let r = 0; r < n; r++) {
        if (r === c) continue;
        const f = M[r][c] / M[c][c];
        for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
      }
    }
    for (let a = 0; a < n; a++) w[a] -= M[a][n] / M[a][a];
  }
  const out = [w[0] - w.slice(1).reduce((t, v, j) => t + (v * mu[j]) / sd[j], 0), ...w.slice(1).map((v, j) => v / sd[j])];
  return out;
}
const predict = (w: readonly number[], x: readonly number[]) => 1 / (1 + Math.exp(-x.reduce((t, v, j) => t + v * w[j + 1], w[0])));

/** A photo's boxes (the records hold those down to the floor, as the field's measure takes them). */
const views = (set: RecordSet, i: number): BoxView[] => {
  const p = set.photos[i];
  return p.boxes.map((box, j) => ({ box, side: Math.max(1, shorterSide(box)), face: p.faceScores[j], p: p.shipped[j] }));
};

/** The photos scored by a rule: each box's score for each class (its face score folded in, so 1 here). */
function scored(set: RecordSet, photos: readonly number[], rule: (b: BoxView) => Record<string, number>): VocImage[] {
  return photos.map((i) => ({ faces: set.photos[i].faces, boxes: views(set, i).map((v) => ({ box: v.box, faceScore: 1, scores: rule(v) })) }));
}
/** The photos as the field's measure scores them (src/evaluation/voc.ts): the shipped rule. */
const shippedRule = (set: RecordSet, photos: readonly number[]) => vocOf(photos.map((i) => set.photos[i]), photos.map((i) => set.photos[i].shipped), set.classes);

const exponentRule = (set: RecordSet, a: number, b: number, c: number) => (v: BoxView) =>
  Object.fromEntries(set.classes.map((cl, k) => [cl, v.face ** a * v.p[k] ** b * Math.min(1, v.side / 24) ** c]));

/** Face score^a x (1 − p(not_face))^d x p(class) / (1 − p(not_face)), d for boxes under `gate` px, 1 from it (d 1: the exponent rule's b 1). */
const notFaceRule = (set: RecordSet, a: number, d: number, gate: number) => {
  const nf = set.classes.indexOf('not_face');
  return (v: BoxView) => {
    const keep = Math.max(1e-6, 1 - v.p[nf]);
    const w = v.face ** a * keep ** (v.side < gate ? d : 1);
    return Object.fromEntries(set.classes.map((cl, k) => [cl, (w * v.p[k]) / keep]));
  };
};

const bandOf = (side: number) => FIELD_BANDS.find((b) => side >= b.lo && side < b.hi)!.name;

/** Per size band: faces, those a box overlaps at IoU >= 0.5, and the best such box's argmax (the face's class, or not_face). */
function diagnosis(set: RecordSet) {
  const rows = FIELD_BANDS.map((b) => ({ band: b.name, faces: 0, found: 0, right: 0, notFace: 0 }));
  for (const p of set.photos) {
    for (const f of p.faces) {
      const row = rows.find((r) => r.band === bandOf(shorterSide(f.box)))!;
      row.faces++;
      let best = 0.5;
      let at = -1;
      p.boxes.forEach((b, j) => {
        const v = iou(b, f.box);
        if (v >= best) [best, at] = [v, j];
      });
      if (at < 0) continue;
      row.found++;
      const pr = p.shipped[at];
      const top = set.classes[pr.indexOf(Math.max(...pr))];
      if (top === f.label) row.right++;
      else if (top === 'not_face') row.notFace++;
    }
  }
  return rows;
}

/** The shipped recipe's not_face boxes on the Kaggle fitting photos (its detector, cached) and the annotated faces there, by band. */
async function minedNotFace(config: Config, limit: number | undefined) {
  const spec = manifestNotFace(readManifest(projectPaths().defaultModel));
  if (!spec) return null;
  const scenes = kaggleScenes('fit', { limit });
  const rows = FIELD_BANDS.map((b) => ({ band: b.name, notFace: 0, annotated: 0 }));
  const row = (side: number) => rows.find((r) => r.band === bandOf(side))!;
  for (const { scene, boxes } of await mineScenes(scenes, spec, config.detect, Infinity)) {
    for (const m of boxes) if (m.label === 'not_face') row(shorterSide(m.box)).notFace++;
    for (const f of scene.faces) row(shorterSide(f.box)).annotated++;
  }
  return { detector: spec.detector, minScore: spec.minScore, photos: scenes.length, byBand: rows };
}

/** Per-class weights fitted on `photos`. */
function fitRescoring(set: RecordSet, photos: readonly number[], feat: Features, ridge: number): Record<Label, number[]> {
  const nf = set.classes.indexOf('not_face');
  return Object.fromEntries(
    LABELS.map((l) => {
      const k = set.classes.indexOf(l);
      const X: number[][] = [];
      const y: number[] = [];
      for (const i of photos) {
        const labels = boxLabels(set.photos[i].boxes, set.photos[i].faces);
        views(set, i).forEach((v, j) => (X.push(feat(v, k, nf)), y.push(labels[j] === l ? 1 : 0)));
      }
      return [l, fitLogistic(X, y, ridge)];
    }),
  ) as Record<Label, number[]>;
}
const rescoringRule = (set: RecordSet, w: Record<Label, number[]>, feat: Features) => {
  const nf = set.classes.indexOf('not_face');
  return (v: BoxView) => Object.fromEntries(LABELS.map((l) => [l, predict(w[l], feat(v, set.classes.indexOf(l), nf))]));
};

/** Out-of-fold scores of the learnt rescoring on every validation photo. */
function outOfFold(set: RecordSet, feat: Features, ridge: number): VocImage[] {
  const all = set.photos.map((_, i) => i);
  const out: VocImage[] = new Array(all.length);
  for (let f = 0; f < FOLDS; f++) {
    const held = all.filter((i) => i % FOLDS === f);
    const w = fitRescoring(set, all.filter((i) => i % FOLDS !== f), feat, ridge);
    scored(set, held, rescoringRule(set, w, feat)).forEach((im, t) => (out[held[t]] = im));
  }
  return out;
}

const measure = (images: readonly VocImage[]) => {
  const f = fieldMeasure(images, { floor: 0, bands: [] });
  return { mAP: +f.mAP.toFixed(4), ap: Object.fromEntries(LABELS.map((l) => [l, +f.perClass[l].ap.toFixed(4)])) };
};
const gain = (a: readonly VocImage[], b: readonly VocImage[]) => {
  const g = pairedMapGain(a, b, 0, 500);
  return { value: +g.value.toFixed(4), low: +g.low.toFixed(4), high: +g.high.toFixed(4) };
};

runBench(
  {
    name: 'score-rule',
    summary: "the field's score rule (face score x class probability) against exponents with a size prior, not_face's weight by size and a learnt per-class rescoring, by pooled validation mAP@0.5 over every face; the test scenes once with --test",
    flags: { test: { type: 'boolean', help: "score the test scenes with each family's validation choice (once every choice is made)" } },
    quick: 'the first 10 photos of each validation set, one variant',
    method: 'records of the shipped photo setting (the one-stage bench cache); exponents and not_face\'s weight chosen on pooled validation; the rescoring fitted on validation and scored out of fold (5 folds by photo); gains with a paired bootstrap over photos (500 resamples)',
  },
  async ({ flags, quick }) => {
    await initBackend();
    const config = resolveConfig();
    const floor = config.faces.scoreFloor;
    const setting = shippedPhotoSetting();
    const limit = quick ? 10 : undefined;
    const val = await sceneRecords(config, validationScenes({ limit }), { setting });
    const all = val.photos.map((_, i) => i);
    const shipped = shippedRule(val, all);
    console.log(`validation: ${val.photos.length} photos; the shipped rule ${quickMap(shipped, 0).toFixed(4)}`);

    const exponents = [];
    for (const a of [0, 0.5, 1, 2, 3]) for (const b of [0.5, 1, 2]) for (const c of [0, 0.5, 1]) {
      const im = scored(val, all, exponentRule(val, a, b, c));
      exponents.push({ a, b, c, ...measure(im), gain: gain(shipped, im) });
    }
    const bestExp = exponents.reduce((x, y) => (y.mAP > x.mAP ? y : x));
    console.log(`exponents: best a ${bestExp.a}, b ${bestExp.b}, c ${bestExp.c}: ${bestExp.mAP} (gain ${JSON.stringify(bestExp.gain)})`);

    const diagnosed = diagnosis(val);
    for (const d of diagnosed) console.log(`faces ${d.band} px: ${d.faces}, found ${d.found}, called right ${d.right}, called not_face ${d.notFace}`);
    const mined = await minedNotFace(config, limit);
    for (const r of mined?.byBand ?? []) console.log(`Kaggle fitting photos, ${r.band} px: ${r.annotated} annotated faces, ${r.notFace} not_face boxes mined`);

    const notFace = [];
    for (const gate of [24, 48, Infinity]) for (const a of [1, 2]) for (const d of [0, 0.25, 0.5]) {
      const im = scored(val, all, notFaceRule(val, a, d, gate));
      notFace.push({ a, d, gate: Number.isFinite(gate) ? gate : null, ...measure(im), gain: gain(shipped, im) });
    }
    const bestNf = notFace.reduce((x, y) => (y.mAP > x.mAP ? y : x));
    console.log(`not_face's weight: best a ${bestNf.a}, d ${bestNf.d} under ${bestNf.gate ?? 'any'} px: ${bestNf.mAP} (gain ${JSON.stringify(bestNf.gain)})`);

    const rescoring = [];
    for (const [name, feat] of Object.entries(quick ? Object.fromEntries(Object.entries(VARIANTS).slice(0, 1)) : VARIANTS)) {
      for (const ridge of quick ? [1] : RIDGES) {
        const im = outOfFold(val, feat, ridge);
        const r = { variant: name, ridge, ...measure(im), gain: gain(shipped, im) };
        console.log(`rescoring ${name}, ridge ${ridge}: out of fold ${r.mAP} (gain ${r.gain.value} [${r.gain.low}, ${r.gain.high}])`);
        rescoring.push(r);
      }
    }
    const bestRe = rescoring.reduce((x, y) => (y.mAP > x.mAP ? y : x));

    const test: Record<string, Record<'shipped' | 'exponents' | 'rescoring' | 'notFace', ReturnType<typeof measure>>> = {};
    if (flags.test) {
      const w = fitRescoring(val, all, VARIANTS[bestRe.variant], bestRe.ridge);
      for (const t of TEST_SCENE_SETS) {
        const set = await sceneRecords(config, sceneSet(t, { limit }), { setting });
        const ix = set.photos.map((_, i) => i);
        test[t] = {
          shipped: measure(shippedRule(set, ix)),
          exponents: measure(scored(set, ix, exponentRule(set, bestExp.a, bestExp.b, bestExp.c))),
          rescoring: measure(scored(set, ix, rescoringRule(set, w, VARIANTS[bestRe.variant]))),
          notFace: measure(scored(set, ix, notFaceRule(set, bestNf.a, bestNf.d, bestNf.gate ?? Infinity))),
        };
        console.log(`${t}: shipped ${test[t].shipped.mAP} | exponents ${test[t].exponents.mAP} | rescoring ${test[t].rescoring.mAP} | not_face's weight ${test[t].notFace.mAP}`);
      }
    }
    return { floor, validation: { photos: val.photos.length, shipped: measure(shipped), diagnosis: { faces: diagnosed, minedNotFace: mined }, exponents, notFace, rescoring, chosen: { exponents: bestExp, notFace: bestNf, rescoring: bestRe } }, ...(flags.test ? { test } : {}) };
  },
);
