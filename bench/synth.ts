/**
 * Synthetic masks: where the time goes and how many images per second `synth` makes.
 *
 *   FACEMASK_BACKEND=wasm npx tsx bench/synth.ts [--photos 40] [--runs 3]
 *
 * Prints: decode, face + landmark detection per photo (face-api SSD MobileNetV1 + 68-point net),
 * style rasterisation per style, the mesh warp + shading + compositing per face (TypeScript,
 * bilinear sampling), the same warp through opencv-wasm's `warpPerspective` for comparison (one
 * homography, least-squares through the six anchors; no mesh), JPEG encoding, and the end-to-end
 * rate of `synthesise` (one image per face, three modes). Per-step times are medians over the photos
 * or faces; the end-to-end rate is the median of --runs runs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadFaceApi } from '../src/backend/faceapi';
import { decodeImage, encodeImage } from '../src/util/images';
import { resolveConfig } from '../src/config';
import {
  findLandmarkedFaces, placeMask, renderStyle, resolveStyle, rngFor, synthesise, cropAround, cropImage,
  formatSummary, faceAnchors, TEMPLATE, ANCHOR_ORDER, type Landmarks,
} from '../src/synth/index';
import { demoPhotos, unmaskedPhotos, stageInputs } from '../src/notebook/synth';
import { machineLine, median, medianOfRuns, runBench, timeIt } from './lib';

const ms = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  const r = await timeIt(f);
  return [r.value, r.ms];
};

runBench(
  {
    name: 'synth',
    summary: 'synthetic masks: where the time goes (decode, faces + landmarks, rasterise, place, encode; opencv-wasm warp for comparison) and the end-to-end rate of synthesise',
    flags: { photos: { type: 'integer', value: 'N', default: 40, min: 1, help: "unmasked chandrikadeb7 photos, besides face-api's 6 demo photos" } },
    runs: 3,
    quick: '2 demo photos and 2 unmasked photos, 1 run',
    method: 'per-step ms: median over the photos (or faces, or styles); end to end: median of --runs runs of synthesise on the same inputs',
  },
  async ({ flags, runs, quick }) => {
    const n = quick ? 2 : flags.photos;
    const demo = quick ? 2 : 6;
    const cfg = resolveConfig().synth;
    const faceapi = await loadFaceApi(['ssdMobilenetv1', 'faceLandmark68Net']);
    const files = [...demoPhotos(demo), ...unmaskedPhotos(n)];
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
    const steps: Record<string, { label: string; msMedian: number | null; n: number }> = {};
    const row = (key: string, name: string, xs: number[]) => {
      const m = xs.length ? median(xs) : null;
      console.log(`${name.padEnd(52)} median ${(m === null ? 'n/a' : m.toFixed(1)).padStart(7)} ms   (n=${xs.length})`);
      steps[key] = { label: name, msMedian: m === null ? null : +m.toFixed(2), n: xs.length };
    };
    console.log(machineLine());
    row('decode', 'decode (sharp)', t.decode);
    row('detectDemo', 'faces + landmarks, demo photos (1920 px)', t.detect);
    row('detectSmall', 'faces + landmarks, chandrikadeb7 photos (small)', t.detectSmall);
    row('render', 'rasterise a style (544x432 RGBA, once per style)', t.render);
    row('place', 'place: mesh warp + shading + loops (TypeScript)', t.place);
    row('opencvWarp', 'opencv-wasm warpPerspective only (+ conversion)', t.cv);
    row('encode', 'encode JPEG', t.encode);
    // end to end, --runs times on the same inputs
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
    try {
      const inputs = stageInputs(path.join(tmp, 'in'), { demo: demoPhotos(demo), chandrikadeb7: unmaskedPhotos(n) });
      let last = '';
      const e2e = await medianOfRuns(runs, async (r) => {
        const s = await synthesise(inputs, { config: resolveConfig(), output: path.join(tmp, `out-${r}`), modes: ['correct', 'nose', 'chin'], perFace: 1, faceapi, quiet: true });
        last = formatSummary(s);
        return { generatedPerSecond: s.generated / s.seconds, inputsPerSecond: s.inputs / s.seconds, seconds: s.seconds, generated: s.generated, inputs: s.inputs };
      });
      console.log(last);
      console.log(`end to end: ${e2e.median.generatedPerSecond.toFixed(2)} generated images/s, ${e2e.median.inputsPerSecond.toFixed(2)} input photos/s (median of ${runs} run(s))`);
      return { photos: { demo, unmasked: n }, faces, steps, endToEnd: { generatedPerSecond: +e2e.median.generatedPerSecond.toFixed(3), inputsPerSecond: +e2e.median.inputsPerSecond.toFixed(3), runs: e2e.runs } };
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
);
