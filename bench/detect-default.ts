/**
 * The shipped detection path, end to end, on the Kaggle dev set's **test** photos (200–299): the
 * pipeline built exactly as `facemask detect` builds it (`createFaceMaskDetector`: the model's tuned
 * setting unless flags say otherwise), run on every photo, measured by the contracts' rule
 * (src/evaluation/scenes.ts). Prints masked / unmasked / incorrect recall, false detections per
 * image, end to end (found and labelled right), and the boxes the policy dropped.
 *
 *   npx tsx bench/detect-default.ts [--model DIR] [--detector NAME] [--threshold T] [--not-face P|off] [--trust-above S|off] [--photos 219,204] [--jsonl]
 *
 * `--jsonl` also prints each photo's `facemask detect` JSON line. FACEMASK_SMALL=1 measures the
 * first 10 photos. Prints figures; not a test.
 */
import * as path from 'node:path';
import { resolveConfig } from '../src/config';
import { initBackend } from '../src/backend/tf';
import { kaggleScenes } from '../src/data/kaggle';
import { createFaceMaskDetector } from '../src/detection/create';
import type { SettingsRequest } from '../src/detection/registry';
import { summariseDetections, summaryRow, type SceneResult } from '../src/evaluation/scenes';
import { toJsonLine } from '../src/result';
import { decodeImage } from '../src/util/images';
import { projectPaths } from '../src/paths';
import { tableText } from '../src/charts/index';

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

const level = (v: string | undefined) => (v === undefined ? undefined : v === 'off' ? null : Number(v));

async function main() {
  const args = process.argv.slice(2);
  const jsonl = args.includes('--jsonl');
  if (jsonl) args.splice(args.indexOf('--jsonl'), 1);
  const cfg = resolveConfig();
  const modelDir = flag(args, '--model') ?? projectPaths().defaultModel;
  const request: SettingsRequest = {};
  const d = flag(args, '--detector');
  if (d) request.detector = d;
  const t = flag(args, '--threshold');
  if (t) request.threshold = Number(t);
  const nf = level(flag(args, '--not-face'));
  if (nf !== undefined) request.rejectAt = nf;
  const ta = level(flag(args, '--trust-above'));
  if (ta !== undefined) request.trustAbove = ta;
  const photos = flag(args, '--photos')?.split(',').map(Number);
  if (args.length) throw new Error(`unknown arguments: ${args.join(' ')}`);
  await initBackend();
  const pipeline = await createFaceMaskDetector(cfg, { ...request, model: modelDir });
  const scenes = photos ? kaggleScenes('test').filter((s) => photos.includes(s.photo)) : kaggleScenes('test', { limit: cfg.small ? 10 : undefined });
  console.log(`model ${path.relative(projectPaths().root, modelDir) || modelDir}; ${pipeline.describe()}; Kaggle test photos ${scenes[0].photo}–${scenes[scenes.length - 1].photo} (${scenes.length})`);
  const results: SceneResult[] = [];
  let raw = 0;
  const t0 = Date.now();
  for (const [i, sc] of scenes.entries()) {
    const img = await decodeImage(sc.file);
    raw += (await pipeline.score(img)).detections.length; // the boxes before the policy (the same call detect makes)
    const r = await pipeline.detect(img, sc.file);
    if (jsonl) console.log(toJsonLine(r));
    results.push({ scene: sc, detections: r.faces.map((f) => ({ box: f.box, score: f.faceScore, label: f.label })), ms: r.ms.detect + r.ms.classify });
    if (i % 25 === 24) process.stderr.write(`${i + 1}/${scenes.length} ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  const kept = results.reduce((a, r) => a + r.detections.length, 0);
  const row = summaryRow(summariseDetections(results, cfg.faces), { setting: `${pipeline.settings.detector}@${pipeline.settings.threshold}`, 'not_face >=': pipeline.settings.policy.rejectAt ?? 'off', 'trusted >=': pipeline.settings.policy.trustAbove ?? 'off' });
  console.log(tableText([row] as never));
  console.log(`detector boxes ${raw}, kept by the policy ${kept} (dropped ${raw - kept}); ms / image = detect + classify of \`detect\`, median`);
  console.log(JSON.stringify(row));
  pipeline.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
