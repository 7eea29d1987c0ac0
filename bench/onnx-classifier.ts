/**
 * The classifier on tfjs (the project's backend, normally wasm) vs its ONNX export on
 * onnxruntime-node, in the same run: ms per face for batches of 1, 8 and 32 real face crops
 * (Kaggle test photos, annotated boxes >= 24 px), the ratio, and the time to export. Each timing
 * includes packing the crops into the input tensor and reading the probabilities back. tfjs and
 * ORT (settings `ORT_SETTINGS`) alternate round by round and the median round
 * counts, so load from other processes hits all alike. Besides wall time, the process' CPU time
 * per face (all threads) is printed: on a shared machine it is the figure that says what an idle
 * core would do. Target: <= 5 ms per face in batches on ORT.
 *
 *   FACEMASK_BACKEND=wasm node --import tsx bench/onnx-classifier.ts [MODEL_DIR] [--faces 64] [--runs 3]
 */
import * as ort from 'onnxruntime-node';
import { initBackend, tf } from '../src/backend/tf';
import { loadClassifier, stackPixels, type TfjsClassifier } from '../src/model/classifier';
import { exportMaskClassifierOnnx } from '../src/model/onnx/export';
import { kaggleScenes } from '../src/data/kaggle';
import { cropResize, decodeImage, type RgbImage } from '../src/util/images';
import { projectPaths } from '../src/paths';
import { resolveConfig } from '../src/config';
import { fromRoot, machineLine, median, runBench } from './lib';

/** Batch sizes measured. */
const BATCHES = [1, 8, 32];
/** The target for ORT, ms per face in batches (8 and 32). */
const TARGET_MS = 5;
/**
 * ORT session settings compared: 2 intra-op threads (the setting the project uses), the same
 * without spin-waiting (idle threads yield the core, which matters when the cores are shared), 1 thread.
 */
const ORT_SETTINGS: [string, ort.InferenceSession.SessionOptions][] = [
  ['ORT 2t', { intraOpNumThreads: 2 }],
  ['ORT 2t nospin', { intraOpNumThreads: 2, extra: { session: { intra_op: { allow_spinning: '0' } } } }],
  ['ORT 1t', { intraOpNumThreads: 1 }],
];

async function faceCrops(n: number, size: number): Promise<RgbImage[]> {
  const minSize = resolveConfig().faces.minSize;
  const out: RgbImage[] = [];
  for (const s of kaggleScenes('test')) {
    const faces = s.faces.filter((f) => Math.min(f.box[2], f.box[3]) >= minSize);
    if (!faces.length) continue;
    const img = await decodeImage(s.file);
    for (const f of faces) if (out.length < n) out.push(await cropResize(img, f.box, size));
    if (out.length >= n) break;
  }
  return out;
}

/** Wall and CPU (all threads of the process) ms of `f`. */
async function timed(f: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const c = process.cpuUsage();
  const t = performance.now();
  await f();
  const u = process.cpuUsage(c);
  return { wall: performance.now() - t, cpu: (u.user + u.system) / 1000 };
}

/** All crops through tfjs in batches of `b`. */
async function runTfjs(clf: TfjsClassifier, crops: RgbImage[], b: number): Promise<void> {
  for (let i = 0; i < crops.length; i += b) {
    const x = stackPixels(crops.slice(i, i + b), clf.inputSize);
    const p = clf.predictPixels(x);
    await p.data();
    tf.dispose([x, p]);
  }
}

/** All crops through ORT in batches of `b`. */
async function runOrt(session: ort.InferenceSession, crops: RgbImage[], b: number, size: number): Promise<void> {
  for (let i = 0; i < crops.length; i += b) {
    const chunk = crops.slice(i, i + b);
    const x = new Float32Array(chunk.length * size * size * 3);
    chunk.forEach((c, k) => x.set(c.data, k * size * size * 3));
    const out = await session.run({ pixels: new ort.Tensor('float32', x, [chunk.length, size, size, 3]) });
    if (out.probabilities.dims[0] !== chunk.length) throw new Error('ORT returned the wrong batch size');
  }
}

runBench(
  {
    name: 'onnx-classifier',
    summary: 'the classifier on tfjs against its ONNX export on onnxruntime-node: ms per face (wall and CPU) in batches of 1, 8 and 32 real face crops, and the export time',
    flags: { faces: { type: 'integer', value: 'N', default: 64, min: 1, help: 'real face crops (Kaggle test photos, annotated boxes >= 24 px)' } },
    positionals: { name: 'MODEL_DIR', help: 'the classifier (default: models/default)', max: 1 },
    runs: 3,
    quick: '8 faces, 1 run',
    method: 'per batch size, one warm-up, then tfjs and each ORT setting take turns run by run; ms per face is the median run over the faces (wall, and CPU time of all threads); export: median of --runs',
  },
  async ({ flags, positionals, runs: rounds, quick }) => {
    const dir = positionals[0] ?? projectPaths().defaultModel;
    const nFaces = quick ? 8 : flags.faces;
    const backend = await initBackend({ quiet: true });
    const clf = await loadClassifier(dir);
    const crops = await faceCrops(nFaces, clf.inputSize);

    const exportMs: number[] = [];
    let bytes = new Uint8Array();
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      bytes = exportMaskClassifierOnnx(clf);
      exportMs.push(performance.now() - t);
    }
    const engines: [string, (b: number) => Promise<void>][] = [['tfjs', (b) => runTfjs(clf, crops, b)]];
    const sessions: ort.InferenceSession[] = [];
    for (const [name, opts] of ORT_SETTINGS) {
      const session = await ort.InferenceSession.create(bytes, opts);
      sessions.push(session);
      engines.push([name, (b) => runOrt(session, crops, b, clf.inputSize)]);
    }

    console.log(`${machineLine()}; tfjs ${tf.version.tfjs} on ${backend}, onnxruntime-node ${ort.env.versions.common}`);
    console.log(`model: ${dir} (${clf.classes.join(', ')}); ${crops.length} real face crops at ${clf.inputSize}; median of ${rounds} alternating run(s)`);
    console.log(`export: ${median(exportMs).toFixed(0)} ms (median of ${rounds}), ${(bytes.length / 1e6).toFixed(2)} MB`);
    console.log(`ms per face, wall (CPU): ${engines.map(([n]) => n.padStart(15)).join('')}   tfjs/ORT 2t wall (CPU)`);
    const ortBatched: { wall: number; cpu: number }[][] = [];
    const batches: Record<string, unknown>[] = [];
    for (const b of BATCHES) {
      const warm = crops.slice(0, b);
      await runTfjs(clf, warm, b); // warm-up: kernels and buffers for this shape
      for (const s of sessions) await runOrt(s, warm, b, clf.inputSize);
      const times = engines.map(() => [] as { wall: number; cpu: number }[]);
      for (let r = 0; r < rounds; r++) for (const [k, [, run]] of engines.entries()) times[k].push(await timed(() => run(b)));
      const per = times.map((ts) => ({ wall: median(ts.map((t) => t.wall)) / crops.length, cpu: median(ts.map((t) => t.cpu)) / crops.length }));
      if (b > 1) ortBatched.push(per.slice(1));
      const cell = (p: { wall: number; cpu: number }) => `${p.wall.toFixed(1)} (${p.cpu.toFixed(1)})`.padStart(15);
      console.log(`batch ${String(b).padStart(2)}                 ${per.map(cell).join('')}   ${(per[0].wall / per[1].wall).toFixed(2)} (${(per[0].cpu / per[1].cpu).toFixed(2)})`);
      const r2 = (x: number) => +x.toFixed(3);
      batches.push({ batch: b, msPerFace: Object.fromEntries(engines.map(([n], k) => [n, { wall: r2(per[k].wall), cpu: r2(per[k].cpu) }])), tfjsOverOrt2t: { wall: r2(per[0].wall / per[1].wall), cpu: r2(per[0].cpu / per[1].cpu) } });
    }
    const targets: Record<string, unknown> = {};
    for (const [k, [name]] of ORT_SETTINGS.entries()) {
      const wall = Math.max(...ortBatched.map((p) => p[k].wall));
      const cpu = Math.max(...ortBatched.map((p) => p[k].cpu));
      const verdict = (v: number) => `${v <= TARGET_MS ? 'met' : 'not met'} (worst ${v.toFixed(1)})`;
      console.log(`target <= ${TARGET_MS} ms/face in batches, ${name.padEnd(13)}: wall ${verdict(wall)}, CPU ${verdict(cpu)}`);
      targets[name] = { worstWall: +wall.toFixed(3), worstCpu: +cpu.toFixed(3), wallMet: wall <= TARGET_MS, cpuMet: cpu <= TARGET_MS };
    }
    for (const s of sessions) await s.release();
    clf.dispose();
    return { model: fromRoot(dir), classes: clf.classes, faces: crops.length, inputSize: clf.inputSize, backend, tfjs: tf.version.tfjs, onnxruntime: ort.env.versions.common, exportMs: +median(exportMs).toFixed(1), onnxMB: +(bytes.length / 1e6).toFixed(3), batches, targetMsPerFace: TARGET_MS, targets };
  },
);
