/**
 * Offline analysis on the cached raw detections of `bench/detect.ts` (run that first): does a second
 * detector confirming the first one's boxes cut false detections while keeping masked faces?
 * Fused score = geometric mean of the primary's score and the best verifier score overlapping it
 * (IoU >= agreeIou; 0 when none). Prints a threshold sweep per pair on the given part.
 *
 *   npx tsx bench/detect-fusion.ts tune
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../src/paths';
import { resolveConfig } from '../src/config';
import { summariseDetections, summaryRow, type SceneResult } from '../src/detection/evaluate';
import { fuseDetections } from '../src/detection/consensus';

const part = process.argv[2] ?? 'tune';
const load = (k: string): SceneResult[] | undefined => {
  const f = path.join(projectPaths().cache, 'detection', `${k}-${part}.json`);
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : undefined;
};
const rules = resolveConfig().faces;
const keys = ['ssd-mobilenet', 'res10', 'tiny-416', 'tiny-608', 'ssd-tiled-2'];
for (const a of keys)
  for (const b of keys) {
    if (a === b) continue;
    const A = load(a);
    const B = load(b);
    if (!A || !B) continue;
    for (const agreeIou of [0.3, 0.4]) {
      const fused: SceneResult[] = A.map((r, i) => ({ scene: r.scene, ms: r.ms + B[i].ms, detections: fuseDetections(r.detections, B[i].detections, agreeIou) }));
      let best: string | undefined;
      let bestRecall = 0;
      for (let t = 0.05; t < 0.96; t += 0.025) {
        const s = summariseDetections(`${a}+${b}`, fused, rules, t);
        const rec = s.perClass.with_mask.found / s.perClass.with_mask.faces;
        if (s.falsePerImage <= 0.1 && rec > bestRecall) {
          bestRecall = rec;
          const row = summaryRow(s, part);
          best = `t=${t.toFixed(3)} masked ${row['masked found %']}% unmasked ${row['unmasked found %']}% incorrect ${row['incorrect found %']}% false/img ${row['false / image']}`;
        }
      }
      console.log(`${a} confirmed by ${b} (agree IoU ${agreeIou}): ${best ?? 'nothing within 0.1 false/image'}`);
    }
  }
