/**
 * Synthetic masks: where the time goes and how many images per second `synth` makes.
 *
 *   FACEMASK_BACKEND=wasm npx tsx bench/synth.ts [N_PHOTOS=40]
 *
 * Prints: decode, face + landmark detection per photo (face-api SSD MobileNetV1 + 68-point net),
 * style rasterisation per style, the mesh warp + shading + compositing per face (TypeScript,
 * bilinear sampling), the same warp through opencv-wasm's `warpPerspective` for comparison (one
 * homography, least-squares through the six anchors; no mesh), JPEG encoding, and the end-to-end
 * rate of `synthesise` (one image per face, three modes).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadFaceApi } from '../src/backend/faceapi';
import { decodeImage, encodeImage } from '../src/util/images';
import { resolveConfig } from '../src/config';
import {
  findLandmarkedFaces, placeMask, renderStyle, resolveStyle, rngFor, synthesise, cropAround, cropImage,
  demoPhotos, unmaskedPhotos, stageInputs, formatSummary, faceAnchors, TEMPLATE, ANCHOR_ORDER, type Landmarks,
} from '../src/synth/index';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => { const t = performance.now(); const r = await f(); return [r, performance.now() - t]; };

async function main() {
  const n = Number(process.argv[2] ?? 40);
  const cfg = resolveConfig().synth;
  const faceapi = await loadFaceApi(['ssdMobilenetv1', 'faceLandmark68Net']);
  const files = [...demoPhotos(6), ...unmaskedPhotos(n)];
  const t = { decode: [] as number[], detect: [] as number[], detectSmall: [] as number[], place: [] as number[], cv: [] as number[], encode: [] as number[], render: [] as number[] };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- opencv-wasm has no ESM entry; loaded only for this comparison
  const cv = require('opencv-wasm').cv;
  const styles = ['surgical', 'n95', 'kn95', 'cloth', 'black'].map((s, i) => resolveStyle(s, rngFor(1, i)));
  for (const s of styles) t.render.push((await ms(() => renderStyle(s)))[1]);
  const canvases = styles.map((s) => renderStyle(s));
  let faces = 0;
  for (const f of files) {
    const [img, td] = await ms(() => decodeImage(f));
    t.decode.push(td);
    const [found, tf] = await ms(() => findLandmarkedFaces(faceapi, img, cfg));
    (img.width > 400 ? t.detect : t.detectSmall).push(tf);
    for (const face of found.filter((x) => x.ok)) {
      const crop = cropAround(face.box, img.width, img.height, cfg.cropMargin);
      const sub = cropImage(img, crop);
      const lm: Landmarks = face.landmarks.map((p) => [p[0] - crop[0], p[1] - crop[1]]);
      const k = faces++ % styles.length;
      const [placed, tp] = await ms(() => placeMask(sub, lm, 'correct', styles[k], canvases[k]));
      t.place.push(tp);
      // opencv-wasm: homography from the six template anchors to the face's, warpPerspective of the canvas
      const [, tc] = await ms(() => {
        const a = faceAnchors(lm, 'correct');
        const c = canvases[k];
        const toCanvas = (p: number[]) => [(p[0] + c.margin) * c.scale, (p[1] + c.margin) * c.scale];
        const srcPts = cv.matFromArray(6, 1, cv.CV_32FC2, ANCHOR_ORDER.flatMap((key) => toCanvas(TEMPLATE.anchors[key])));
        const dstPts = cv.matFromArray(6, 1, cv.CV_32FC2, ANCHOR_ORDER.flatMap((key) => a[key]));
        const H = cv.findHomography(srcPts, dstPts);
        const rgba = new Uint8Array(c.width * c.height * 4);
        for (let i = 0; i < rgba.length; i++) rgba[i] = Math.min(255, Math.round(i % 4 === 3 ? c.data[i] * 255 : c.data[i]));
        const srcMat = cv.matFromArray(c.height, c.width, cv.CV_8UC4, rgba);
        const dst = new cv.Mat();
        cv.warpPerspective(srcMat, dst, H, new cv.Size(sub.width, sub.height), cv.INTER_LINEAR, cv.BORDER_CONSTANT, new cv.Scalar(0, 0, 0, 0));
        [srcPts, dstPts, H, srcMat, dst].forEach((m) => m.delete());
      });
      t.cv.push(tc);
      t.encode.push((await ms(() => encodeImage(placed.image, 'jpeg', cfg.jpegQuality)))[1]);
    }
  }
  const row = (name: string, xs: number[]) => console.log(`${name.padEnd(52)} median ${median(xs).toFixed(1).padStart(7)} ms   (n=${xs.length})`);
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0].model}), load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  row('decode (sharp)', t.decode);
  row('faces + landmarks, demo photos (1920 px)', t.detect);
  row('faces + landmarks, chandrikadeb7 photos (small)', t.detectSmall);
  row('rasterise a style (544x432 RGBA, once per style)', t.render);
  row('place: mesh warp + shading + loops (TypeScript)', t.place);
  row('opencv-wasm warpPerspective only (+ conversion)', t.cv);
  row('encode JPEG', t.encode);
  // end to end
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  try {
    const inputs = stageInputs(path.join(tmp, 'in'), { demo: demoPhotos(6), chandrikadeb7: unmaskedPhotos(n) });
    const s = await synthesise(inputs, { output: path.join(tmp, 'out'), modes: ['correct', 'nose', 'chin'], perFace: 1, faceapi, quiet: true });
    console.log(formatSummary(s));
    console.log(`end to end: ${(s.generated / s.seconds).toFixed(2)} generated images/s, ${(s.inputs / s.seconds).toFixed(2)} input photos/s`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
