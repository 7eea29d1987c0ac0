/**
 * Detector benchmark on the Kaggle dev set (CONVENTIONS.md matching rule).
 *
 *   npx tsx bench/detect.ts tune [--detectors a,b] [--limit N] # sweep thresholds per detector, choose each one's
 *                                                  # threshold: best masked recall with <= 0.1 false/image
 *   npx tsx bench/detect.ts test [--detectors a,b] [--model DIR]
 *                                                  # recall / false detections / end to end on the
 *                                                  # test part, at the threshold chosen on the tune
 *                                                  # part (recomputed here) and at 0.5; end to end
 *                                                  # with --model (default models/original)
 * `consensus` (primary confirmed by verifier, config `detect.consensus`) is computed from the two
 * cached runs exactly as the detector does it (fuse, then NMS; a threshold commutes with greedy NMS).
 *
 * Each detector variant runs once per part at a low threshold; raw detections are cached in
 * `.cache/detection/` so the sweep is cheap (greedy NMS then a threshold = a threshold then NMS).
 * Prints figures only; nothing here is a test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig, type DeepPartial, type Config } from '../src/config';
import { createDetector } from '../src/detection';
import { kaggleScenes, runDetectorOnScenes, summariseDetections, summaryRow, type SceneResult } from '../src/detection/evaluate';
import { projectPaths } from '../src/paths';
import { initBackend } from '../src/backend/tf';
import { nonMaxSuppression } from '../src/detection/geometry';
import { fuseDetections } from '../src/detection/consensus';
import { loadClassifier } from '../src/model/classifier';
import type { FaceClassifier } from '../src/model/types';
import { cropResize, decodeImage } from '../src/util/images';
import { tableText } from '../src/charts';

interface Variant {
  key: string;
  detector: string;
  /** Threshold for the raw run (low); swept afterwards. */
  low: number;
  config: DeepPartial<Config['detect']>;
}

export const VARIANTS: Variant[] = [
  { key: 'res10', detector: 'res10', low: 0.05, config: {} },
  { key: 'ssd-mobilenet', detector: 'ssd-mobilenet', low: 0.05, config: {} },
  { key: 'blazeface', detector: 'blazeface', low: 0.05, config: {} },
  { key: 'tiny-416', detector: 'tiny', low: 0.05, config: { tiny: { inputSize: 416 } as never } },
  { key: 'tiny-608', detector: 'tiny', low: 0.05, config: { tiny: { inputSize: 608 } as never } },
  { key: 'ssd-tiled-2', detector: 'ssd-tiled', low: 0.05, config: { ssdTiled: { grid: 2 } as never } },
];

/** Thresholds tried: 0.05, 0.075, …, 0.95. */
const SWEEP = Array.from({ length: 37 }, (_, i) => +(0.05 + 0.025 * i).toFixed(3));
export const MAX_FALSE_PER_IMAGE = 0.1;

async function rawRun(v: Variant, part: 'tune' | 'test', limit?: number): Promise<SceneResult[]> {
  const dir = path.join(projectPaths().cache, 'detection');
  const full = path.join(dir, `${v.key}-${part}.json`);
  const cacheFile = limit ? path.join(dir, `${v.key}-${part}-first${limit}.json`) : full;
  for (const f of limit ? [full, cacheFile] : [full]) {
    if (fs.existsSync(f)) {
      const cached = JSON.parse(fs.readFileSync(f, 'utf8')) as SceneResult[];
      process.stderr.write(`${v.key}/${part}: cached raw detections (${f})\n`);
      return limit ? cached.slice(0, limit) : cached;
    }
  }
  const cfg = resolveConfig({ detect: { ...v.config, minConfidence: v.low } }).detect;
  const det = await createDetector(v.detector, cfg);
  const scenes = kaggleScenes(part).slice(0, limit);
  const t0 = Date.now();
  const res = await runDetectorOnScenes(det, scenes, { onImage: (i) => (i % 25 === 24 ? process.stderr.write(`${v.key}/${part}: ${i + 1}/${scenes.length} ${((Date.now() - t0) / 1000).toFixed(0)}s\n`) : undefined) });
  det.dispose();
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  fs.writeFileSync(cacheFile, JSON.stringify(res));
  return res;
}

/** A variant computed from two cached runs: the consensus detector (see src/detection/consensus.ts). */
function consensusRun(primary: SceneResult[], verifier: SceneResult[], agreeIou: number, nmsIou: number): SceneResult[] {
  return primary.map((r, i) => ({
    scene: r.scene,
    ms: r.ms + verifier[i].ms,
    detections: nonMaxSuppression(fuseDetections(r.detections, verifier[i].detections, agreeIou), nmsIou),
  }));
}

function sweep(key: string, res: SceneResult[], low: number, print: boolean) {
  const rules = resolveConfig().faces;
  let best: { t: number; recall: number } | undefined;
  for (const t of SWEEP.filter((t) => t >= low)) {
    const s = summariseDetections(key, res, rules, t);
    const row = summaryRow(s, 'tune');
    if (print) console.log(`t=${t.toFixed(2)}  masked ${row['masked found %']}%  unmasked ${row['unmasked found %']}%  incorrect ${row['incorrect found %']}%  false/img ${row['false / image']}  ms ${row['ms / image']}`);
    if (s.falsePerImage <= MAX_FALSE_PER_IMAGE && (!best || s.perClass.with_mask.found / s.perClass.with_mask.faces > best.recall)) {
      best = { t, recall: s.perClass.with_mask.found / s.perClass.with_mask.faces };
    }
  }
  return best;
}

/** Label the detections >= t of each scene with the classifier (end to end). */
async function labelScenes(res: SceneResult[], t: number, classifier: FaceClassifier): Promise<SceneResult[]> {
  const out: SceneResult[] = [];
  for (const r of res) {
    const dets = r.detections.filter((d) => d.score >= t);
    const img = await decodeImage(r.scene.file);
    const faces = await classifier.classify(await Promise.all(dets.map((d) => cropResize(img, d.box, classifier.inputSize))));
    // a rejected box (not_face) is dropped, as in detect
    out.push({ ...r, detections: dets.flatMap((d, k) => (faces[k] ? [{ ...d, label: faces[k]!.label }] : [])) });
  }
  return out;
}

async function main() {
  const [part = 'tune', ...rest] = process.argv.slice(2);
  if (part !== 'tune' && part !== 'test') throw new Error('usage: bench/detect.ts tune|test [--detectors a,b] [--model DIR]');
  const i = rest.indexOf('--detectors');
  const only = i >= 0 ? rest[i + 1].split(',') : undefined;
  const mi = rest.indexOf('--model');
  const li = rest.indexOf('--limit');
  const limit = li >= 0 ? Number(rest[li + 1]) : undefined;
  if (limit !== undefined) console.log(`(first ${limit} photos of each part only)`);
  await initBackend();
  const cfg = resolveConfig();
  const rules = cfg.faces;
  const variants = VARIANTS.filter((v) => !only || only.includes(v.key));
  const runs = new Map<string, { tune: SceneResult[]; test?: SceneResult[]; low: number }>();
  for (const v of variants) {
    runs.set(v.key, { tune: await rawRun(v, 'tune', limit), test: part === 'test' ? await rawRun(v, 'test', limit) : undefined, low: v.low });
  }
  const c = cfg.detect.consensus;
  const primaryKey = c.primary;
  const verifierKey = c.verifier === 'tiny' ? `tiny-${cfg.detect.tiny.inputSize}` : c.verifier;
  const p = runs.get(primaryKey);
  const q = runs.get(verifierKey);
  if (p && q) {
    runs.set('consensus', {
      tune: consensusRun(p.tune, q.tune, c.agreeIou, cfg.detect.nmsIou),
      test: p.test && q.test ? consensusRun(p.test, q.test, c.agreeIou, cfg.detect.nmsIou) : undefined,
      low: 0.05,
    });
  }
  let classifier: FaceClassifier | undefined;
  if (part === 'test') {
    try {
      // the detector table is end to end with the two-class tutorial model (no not_face rejection)
      classifier = await loadClassifier(mi >= 0 ? rest[mi + 1] : path.join(projectPaths().models, 'original'));
    } catch (e) {
      console.error(`no end-to-end figures: ${(e as Error).message}`);
    }
  }
  const table: ReturnType<typeof summaryRow>[] = [];
  for (const [key, r] of runs) {
    if (part === 'tune') console.log(`\n## ${key} — tune part, threshold sweep`);
    const best = sweep(key, r.tune, r.low, part === 'tune');
    if (part === 'tune') {
      console.log(best ? `chosen threshold for ${key}: ${best.t} (masked recall ${(100 * best.recall).toFixed(1)}% within ${MAX_FALSE_PER_IMAGE} false/image)` : `${key}: no threshold within ${MAX_FALSE_PER_IMAGE} false/image`);
      if (best) {
        const row: Partial<ReturnType<typeof summaryRow>> = summaryRow(summariseDetections(key, r.tune, rules, best.t), 'tune');
        delete row['end-to-end right %']; // no classifier in the tune sweep
        table.push({ ...row, threshold: best.t } as never);
      }
      continue;
    }
    for (const t of best ? [best.t, 0.5] : [0.5]) {
      const res = classifier ? await labelScenes(r.test!, t, classifier) : r.test!;
      table.push({ ...summaryRow(summariseDetections(key, res, rules, t), 'test'), threshold: t, chosen: t === best?.t ? 'tuned' : 'conventional 0.5' } as never);
    }
  }
  console.log(`\n## ${part} part — ${part === 'tune' ? 'each detector at its chosen threshold' : 'at the threshold chosen on the tune part, and at 0.5'}`);
  console.log(tableText(table as never));
  console.log(JSON.stringify(table));
  classifier?.dispose();
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
