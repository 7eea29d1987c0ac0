/**
 * What the "false detections" on the Kaggle test photos are: every box the shipped pipeline keeps
 * that overlaps no annotated face (IoU < 0.3), cut with its surroundings (2x the box) into a picture
 * with the photo number, the best IoU with any annotation and the box size — so a person can see
 * which are not faces and which are faces the annotators did not mark.
 *
 *   npx tsx bench/false-boxes.ts [--model DIR] [--out docs/images/test-false-boxes.png]
 *
 * Prints the count and writes the picture; not a test.
 */
import * as path from 'node:path';
import { resolveConfig } from '../src/config';
import { initBackend } from '../src/backend/tf';
import { createFaceMaskDetector } from '../src/detection/create';
import { kaggleScenes } from '../src/data/kaggle';
import { decodeImage, cropResize } from '../src/util/images';
import { iou } from '../src/detection/geometry';
import { imageGrid } from '../src/charts/index';
import { projectPaths } from '../src/paths';
import type { Box } from '../src/result';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  await initBackend({ quiet: true });
  const cfg = resolveConfig();
  const out = flag('--out') ?? path.join(projectPaths().root, 'docs', 'images', 'test-false-boxes.png');
  const p = await createFaceMaskDetector(cfg, { model: flag('--model'), cacheDir: projectPaths().measureCache });
  const items = [];
  for (const sc of kaggleScenes('test')) {
    const img = await decodeImage(sc.file);
    for (const f of (await p.detect(img)).faces) {
      const best = Math.max(0, ...sc.faces.map((a) => iou(a.box, f.box)));
      if (best >= cfg.faces.matchIou) continue;
      const around: Box = [f.box[0] - f.box[2] / 2, f.box[1] - f.box[3] / 2, f.box[2] * 2, f.box[3] * 2];
      items.push({ image: await cropResize(img, around, 128), caption: `photo ${sc.photo} IoU ${best.toFixed(2)} ${Math.round(Math.min(f.box[2], f.box[3]))} px` });
    }
  }
  console.log(`${p.describe()}\n${items.length} kept boxes on the 100 test photos overlap no annotated face (IoU < ${cfg.faces.matchIou})`);
  await imageGrid(items, { columns: 8, cellSize: 128, fontSize: 10, title: `boxes counted as false detections on the Kaggle test photos (${items.length}; each cut at twice its size)` }).save(out);
  console.log(`picture: ${path.relative(projectPaths().root, out)}`);
  p.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
