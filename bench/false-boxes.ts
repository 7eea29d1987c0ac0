/**
 * What the "false detections" on the Kaggle test photos are: every box the shipped pipeline keeps
 * that overlaps no annotated face (IoU < 0.3), cut with its surroundings (2x the box) into a picture
 * with the photo number, the best IoU with any annotation and the box size — so a person can see
 * which are not faces and which are faces the annotators did not mark.
 *
 *   npx tsx bench/false-boxes.ts [--model DIR] [--out docs/images/test-false-boxes.png]
 *
 * Prints the count and writes the picture; not a test. --quick looks at the first 10 test photos and
 * draws into a temporary folder unless --out says where.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
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
import { fromRoot, runBench } from './lib';

runBench(
  {
    name: 'false-boxes',
    summary: 'every box the shipped pipeline keeps on the Kaggle test photos that overlaps no annotated face, drawn with its surroundings into one picture',
    flags: {
      model: { type: 'string', value: 'DIR', help: 'the model (default: models/default)' },
      out: { type: 'string', value: 'PNG', help: 'the picture (default: docs/images/test-false-boxes.png; with --quick a temporary file)' },
    },
    quick: 'the first 10 test photos, the picture in a temporary folder',
    method: 'a kept box is false when its best IoU with every annotated face (any size) is below faces.matchIou (0.3)',
  },
  async ({ flags, quick }) => {
    await initBackend({ quiet: true });
    const cfg = resolveConfig();
    const out = flags.out ?? (quick ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-false-boxes-')), 'test-false-boxes.png') : path.join(projectPaths().root, 'docs', 'images', 'test-false-boxes.png'));
    const p = await createFaceMaskDetector(cfg, { model: flags.model, cacheDir: projectPaths().measureCache });
    const items = [];
    const scenes = kaggleScenes('test', { limit: quick ? 10 : undefined });
    const perPhoto: Record<number, number> = {};
    for (const sc of scenes) {
      const img = await decodeImage(sc.file);
      for (const f of (await p.detect(img)).faces) {
        const best = Math.max(0, ...sc.faces.map((a) => iou(a.box, f.box)));
        if (best >= cfg.faces.matchIou) continue;
        const around: Box = [f.box[0] - f.box[2] / 2, f.box[1] - f.box[3] / 2, f.box[2] * 2, f.box[3] * 2];
        items.push({ image: await cropResize(img, around, 128), caption: `photo ${sc.photo} IoU ${best.toFixed(2)} ${Math.round(Math.min(f.box[2], f.box[3]))} px` });
        perPhoto[sc.photo] = (perPhoto[sc.photo] ?? 0) + 1;
      }
    }
    console.log(`${p.describe()}\n${items.length} kept boxes on the ${scenes.length} test photos overlap no annotated face (IoU < ${cfg.faces.matchIou})`);
    await imageGrid(items, { columns: 8, cellSize: 128, fontSize: 10, title: `boxes counted as false detections on the Kaggle test photos (${items.length}; each cut at twice its size)` }).save(out);
    console.log(`picture: ${fromRoot(out)}`);
    const figures = { pipeline: p.describe(), photos: scenes.length, falseBoxes: items.length, perPhoto, picture: fromRoot(out) };
    p.dispose();
    return figures;
  },
);
