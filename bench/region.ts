/**
 * The nose-and-mouth region model joined to a whole-face classifier (src/model/region.ts), measured as
 * every approach of docs/experiments/small-faces.md is (src/evaluation/approach.ts, the detection fixed
 * at the reference setting): one measurement per mix in --mixes, in one process, each face's two sets
 * of probabilities computed once and kept in memory, so later mixes cost only detection and landmarks.
 * A face without usable landmarks keeps the face model's probabilities. Each mix's pooled validation
 * mAP gain over the face model alone (the same harness, weight 0) carries a paired bootstrap 95 %
 * interval over photos (src/training/onestage.ts `pairedMapGain`). Writes one approach record per
 * mix (docs/results/small-faces/<ID>-<kind>-<weight>.json, a row of the table each) and, as this
 * script's own file, the mixes' summary and the one with the best pooled validation mAP.
 *
 *   npx tsx bench/region.ts runs/train/region-128/model --photo --id region --mixes average:0,average:0.5,redistribute:1
 */
import { resolveConfig } from '../src/config';
import { initBackend } from '../src/backend/tf';
import { createEngine } from '../src/backend/onnx';
import { PIPELINE_ENGINE, createFaceMaskDetector } from '../src/detection/create';
import type { SettingsRequest } from '../src/detection/registry';
import type { Config } from '../src/config';
import { sceneSet, VALIDATION_SCENE_SETS } from '../src/data/scenes';
import { scoreScenes } from '../src/evaluation/scenes';
import { vocImages } from '../src/evaluation/field';
import type { VocImage } from '../src/evaluation/voc';
import { pairedMapGain } from '../src/training/onestage';
import { loadFaceClassifier } from '../src/model/load';
import { readManifest } from '../src/model/manifest-files';
import { usableLandmarks, type Landmarks } from '../src/model/crop';
import { mixRegion, parseRegionMix, regionMixName, type RegionMix } from '../src/model/region';
import { APPROACH_VALIDATION_SETS, measureApproach, referenceRequest, type ApproachMeasurement } from '../src/evaluation/approach';
import type { LoadedClassifier } from '../src/model/types';
import type { Box } from '../src/result';
import type { RgbImage } from '../src/util/images';
import { BenchUsageError, fromRoot, idResultFile, runBench, writeBenchResult } from './lib';


runBench(
  {
    name: 'region',
    summary: 'the nose-and-mouth region model mixed into a whole-face classifier, each mix measured as bench/approach.ts measures (validation only)',
    flags: {
      id: { type: 'string', value: 'ID', help: 'the approach id: records docs/results/small-faces/<ID>-<kind>-<weight>.json' },
      mixes: { type: 'list', value: 'MIX,MIX', default: ['average:0', 'average:0.5', 'redistribute:0.5', 'redistribute:1'], help: 'the mixes (src/model/region.ts): average:W or redistribute:W, W the region model\'s weight' },
      face: { type: 'string', value: 'DIR', default: 'models/default', help: 'the whole-face classifier' },
      approach: { type: 'string', value: 'TEXT', default: 'the nose-and-mouth region model', help: 'what the region model is, in words (each record adds its mix)' },
      train: { type: 'string', value: 'CMD', help: 'the commands that made the region model (recorded)' },
      order: { type: 'integer', value: 'N', default: 40, help: "the first mix's row in the table (the next ones follow)" },
      'setting-from': { type: 'string', value: 'DIR', default: 'models/default', help: 'the model whose tuned detection setting every mix runs at' },
      detector: { type: 'string', value: 'NAME', default: 'yunet-n', help: 'the detector (its setting from --setting-from)' },
      photo: { type: 'boolean', help: "--setting-from's photo setting (two scales) instead of its one-scale setting" },
    },
    positionals: { name: 'REGION_DIR', help: 'the region model (an aligned-crop model whose template is the region)', max: 1 },
    quick: 'the first 3 photos of each scene set; small-data face sets',
    method: "each mix: pipeline at --setting-from's tuned setting (boxes scored down to faces.scoreFloor), the field's mAP@0.5 pooled over the validation scenes; ilc2021-val crops, confusers, everyday-val as bench/approach.ts; the network's probabilities (argmax, no calibration)",
    writesTo: 'docs/results/small-faces/<ID>.json (the summary) and <ID>-<kind>-<weight>.json per mix',
    resultFile: (f) => idResultFile('small-faces', f.id),
  },
  async ({ flags, positionals, quick, write }) => {
    const dir = positionals[0];
    if (!dir) throw new BenchUsageError('REGION_DIR is needed (the region model)');
    const mixes = flags.mixes.map((s) => {
      try {
        return parseRegionMix(s);
      } catch (e) {
        throw new BenchUsageError((e as Error).message);
      }
    });
    await initBackend({ quiet: true });
    const config = resolveConfig();
    const setting = referenceRequest(readManifest(flags['setting-from']), flags.detector, flags['setting-from'], flags.photo ? 'photo' : 'video');
    const engine = await createEngine(PIPELINE_ENGINE);
    const face = await loadFaceClassifier(flags.face, 'onnx', async () => engine, { calibrated: false });
    const region = await loadFaceClassifier(dir, 'onnx', async () => engine, { calibrated: false });
    if (region.crop?.kind !== 'aligned') throw new BenchUsageError(`${dir}: the region model must cut aligned crops (its manifest's crop is ${JSON.stringify(region.crop ?? { kind: 'box' })})`);
    if (face.classes.join() !== region.classes.join()) throw new BenchUsageError(`the models' classes differ ([${face.classes.join(', ')}] and [${region.classes.join(', ')}])`);
    const pairs = pairedProbabilities(face, region);
    const rows: { mix: string; record: string; figures: ApproachMeasurement; gain: ReturnType<typeof pairedMapGain> }[] = [];
    const floor = config.faces.scoreFloor;
    const limit = quick ? 3 : undefined;
    try {
      // the face model alone through the same harness: what each mix's pooled mAP gain is measured against
      const alone = await pooledImages(config, mixed(face, region, pairs, { kind: 'average', weight: 0 }), setting, limit);
      for (const [i, mix] of mixes.entries()) {
        const name = regionMixName(mix);
        const id = `${flags.id}-${mix.kind}-${String(mix.weight).replace('.', '')}`;
        const m = await measureApproach({
          config, classifier: mixed(face, region, pairs, mix), setting, settingFrom: fromRoot(flags['setting-from']), calibrated: false,
          scenes: VALIDATION_SCENE_SETS, faceSets: APPROACH_VALIDATION_SETS, limit, quiet: true,
        });
        const gain = pairedMapGain(alone, await pooledImages(config, mixed(face, region, pairs, mix), setting, limit), floor);
        console.log(`${name}: ${summaryLine(m)}; pooled mAP gain over ${flags.face} ${gain.value.toFixed(3)} [${gain.low.toFixed(3)}, ${gain.high.toFixed(3)}]`);
        const record = { order: flags.order + i, id, approach: `${flags.approach}, mixed with ${flags.face} (${describeMix(mix)})`, train: flags.train ?? null, shipped: false, model: fromRoot(dir), regionMix: mix, faceModel: fromRoot(flags.face), pooledGainOverFace: gain, ...m };
        if (write) writeBenchResult('region', record, {}, idResultFile('small-faces', id));
        rows.push({ mix: name, record: id, figures: m, gain });
      }
    } finally {
      face.dispose();
      region.dispose();
    }
    const summary = rows.map((r) => ({ mix: r.mix, record: r.record, ...headline(r.figures), pooledGainOverFace: r.gain }));
    const best = summary.reduce((a, b) => (b.pooledMap > a.pooledMap ? b : a));
    return { id: flags.id, region: fromRoot(dir), face: fromRoot(flags.face), mixes: summary, bestOnValidation: best.mix };
  },
);

/** Every validation scene photo (the sets pooled) as the field's measure takes it, scored by `classifier` at the reference setting down to the floor. */
async function pooledImages(config: Config, classifier: LoadedClassifier, setting: Required<SettingsRequest>, limit: number | undefined): Promise<VocImage[]> {
  const floor = config.faces.scoreFloor;
  const pipeline = await createFaceMaskDetector(config, { classifier, ...setting, threshold: floor });
  try {
    const all: VocImage[] = [];
    for (const name of VALIDATION_SCENE_SETS) all.push(...vocImages(await scoreScenes(pipeline, sceneSet(name, { limit }), { quiet: true }), floor));
    return all;
  } finally {
    pipeline.dispose();
  }
}

function describeMix(m: RegionMix): string {
  return m.kind === 'average' ? `probabilities averaged, region weight ${m.weight}` : `with_mask + incorrect_mask mass redistributed, region weight ${m.weight}`;
}

/** A cheap, exact-enough key of an image: its size and an FNV-1a hash of its bytes (kept per buffer). */
const imageKeys = new WeakMap<Uint8Array, string>();
function imageKey(img: RgbImage): string {
  let k = imageKeys.get(img.data);
  if (k === undefined) {
    let h = 0x811c9dc5;
    for (let i = 0; i < img.data.length; i++) h = Math.imul(h ^ img.data[i], 0x01000193);
    k = `${img.width}x${img.height}:${(h >>> 0).toString(16)}`;
    imageKeys.set(img.data, k);
  }
  return k;
}

type Pair = { face: Float32Array; region: Float32Array | null };
type PairFn = (img: RgbImage, boxes: readonly Box[], lms?: readonly (Landmarks | undefined)[]) => Promise<Pair[]>;

/** Both models' probabilities of each box (the region model's only for a face with usable landmarks), each computed once per image, box and landmarks. */
function pairedProbabilities(face: LoadedClassifier, region: LoadedClassifier): PairFn {
  const memo = new Map<string, Pair>();
  return async (img, boxes, lms) => {
    const base = imageKey(img);
    const keys = boxes.map((b, i) => `${base}|${b.map((x) => x.toFixed(2)).join(',')}|${usableLandmarks(lms?.[i]) ? lms![i]!.map((p) => `${p[0].toFixed(2)},${p[1].toFixed(2)}`).join(';') : '-'}`);
    const todo = keys.map((k, i) => (memo.has(k) ? -1 : i)).filter((i) => i >= 0);
    if (todo.length) {
      const tb = todo.map((i) => boxes[i]);
      const tl = todo.map((i) => lms?.[i]);
      const pf = await face.probabilitiesOfBoxes(img, tb, tl);
      const withLm = todo.map((i, j) => j).filter((j) => usableLandmarks(tl[j]));
      const pr = withLm.length ? await region.probabilitiesOfBoxes(img, withLm.map((j) => tb[j]), withLm.map((j) => tl[j])) : [];
      const regionOf = new Map(withLm.map((j, n) => [j, pr[n]]));
      todo.forEach((i, j) => memo.set(keys[i], { face: pf[j], region: regionOf.get(j) ?? null }));
    }
    return keys.map((k) => memo.get(k)!);
  };
}

/** The face model with the region model mixed in by `mix` (src/model/region.ts); cuts aligned crops, so measurements supply landmarks. */
function mixed(face: LoadedClassifier, region: LoadedClassifier, pairs: PairFn, mix: RegionMix): LoadedClassifier {
  return Object.assign(Object.create(face) as LoadedClassifier, {
    crop: region.crop,
    probabilities: (images: RgbImage[]) => face.probabilities(images),
    probabilitiesOfBoxes: async (img: RgbImage, boxes: readonly Box[], lms?: readonly (Landmarks | undefined)[]) => (await pairs(img, boxes, lms)).map((p) => mixRegion(p.face, p.region, face.classes, mix)),
    dispose: () => undefined,
  });
}

function headline(m: ApproachMeasurement) {
  const p = m.field.pooled.field;
  const set = (n: string) => m.sets.find((s) => s.name === n);
  const inc = set('ilc2021-val')?.report.rows.find((r) => r.class === 'incorrect_mask');
  const conf = set('confusers')?.kinds?.find((k) => k.kind === 'all');
  const ev = set('everyday-val')?.everyday;
  return {
    pooledMap: p.mAP,
    ap: { with_mask: p.perClass.with_mask.ap, without_mask: p.perClass.without_mask.ap, incorrect_mask: p.perClass.incorrect_mask.ap },
    ilcValIncorrect: { recall: inc?.recall ?? NaN, precision: inc?.precision ?? NaN },
    confusersWithout: conf ? (conf.called.without_mask ?? 0) / conf.faces : NaN,
    everydayWithout: ev?.withoutShare ?? NaN,
  };
}

function summaryLine(m: ApproachMeasurement): string {
  const h = headline(m);
  const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');
  return `pooled mAP ${f3(h.pooledMap)} (with ${f3(h.ap.with_mask)}, without ${f3(h.ap.without_mask)}, incorrect ${f3(h.ap.incorrect_mask)}); ilc-val incorrect R ${f3(h.ilcValIncorrect.recall)} P ${f3(h.ilcValIncorrect.precision)}; confusers without ${f3(h.confusersWithout)}; everyday without ${f3(h.everydayWithout)}`;
}
