/**
 * Speed benchmark of video, side by side with native OpenCV, on two clips in one run:
 *   - the synthetic clip: 640x480, three faces (a window panning across face-api's sample1);
 *   - the real clip (src/detection/clips.ts `realClip`): 640x360, 30 fps, 275 frames, a performer
 *     moving and turning, cuts to an audience, every face unmasked.
 * For each clip, video frames per second (frames written / wall time incl. ffmpeg decode and encode,
 * the median of --runs runs) of the shipped video settings and of each lever alone — reusing a
 * track's classification (config `video.reuse`), overlapping the next frames' detection with this
 * frame's work (`video.overlap`), the detector on the main thread instead of its own
 * (`video.detectorThread`), each network's thread count (`video.detectorThreads`,
 * `video.classifierThreads`), the detector on a smaller input, the cheaper member of the composite
 * alone — and how far each draws
 * the labels of classifying every frame (src/detection/agreement.ts: frames whose drawn faces and
 * labels are the reference's). Native OpenCV 4.6 (Debian python3-opencv) runs the tutorial's loop
 * (ResNet-10 SSD on every frame, draw, encode) on the same clip in the same run; the ratios are to it.
 * Also ms per frame for each detector, for classifying the synthetic frame's faces and for the
 * shipped photo pipeline.
 *
 *   npx tsx bench/video.ts [--frames 150] [--runs 3] [--quick] [--levers 'TEXT|TEXT']
 *
 * Prints figures (tables); not a test. Needs the promoted model (models/default). --quick: 30
 * frames of each clip, 1 run, fewer levers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { resolveConfig, type Config } from '../src/config';
import { createFaceMaskDetector, loadShippedClassifier, PIPELINE_ENGINE } from '../src/detection/create';
import { createEngine } from '../src/backend/onnx';
import { processVideo } from '../src/detection/video';
import { drawnFaces, labelAgreement, type DrawnFace } from '../src/detection/agreement';
import { NO_REUSE } from '../src/detection/tracker';
import { initBackend } from '../src/backend/tf';
import { decodeImage } from '../src/util/images';
import { projectPaths } from '../src/paths';
import { makeClip, demoPhoto, realClip } from '../src/detection/clips';
import { loadFaceClassifier } from '../src/model/load';
import { exportModelOnnx } from '../src/model/onnx/export';
import type { LoadedClassifier } from '../src/model/types';
import type { FaceMaskDetector } from '../src/detection/pipeline';
import { machineLine, median, medianOfRuns, runBench } from './lib';
import { nativeLoop, type Native } from './native';



/** One way of running video: what differs from the shipped settings. */
interface Lever {
  name: string;
  /** Config `video` fields changed. */
  video?: Partial<Config['video']>;
  /** The detector's longer input side (config `detect.yunet.maxSide`). */
  maxSide?: number;
  /** The composite's cheaper member alone, as the classifier. */
  member?: boolean;
  /** The classifier's threads (config `video.classifierThreads`), when not the shipped setting's. */
  classifierThreads?: number;
}

const EVERY_FRAME: Lever = { name: 'every frame classified, no overlap (the reference)', video: { reuse: NO_REUSE, overlap: false } };

function levers(quick: boolean): Lever[] {
  const all: Lever[] = [
    EVERY_FRAME,
    { name: 'shipped video settings' },
    { name: 'reuse alone (no overlap)', video: { overlap: false } },
    { name: 'overlap alone (every frame classified)', video: { reuse: NO_REUSE } },
    { name: 'shipped, the detector on the main thread', video: { detectorThread: false } },
    { name: 'shipped, the detector on 2 threads', video: { detectorThreads: 2 } },
    { name: 'shipped, the classifier on 2 threads', classifierThreads: 2 },
    { name: 'shipped, detector input 480 px', maxSide: 480 },
    { name: 'shipped, detector input 320 px', maxSide: 320 },
    { name: 'shipped, the 128 px member alone', member: true },
  ];
  return quick ? all.slice(0, 4) : all;
}

/** The composite's cheaper member (128 px, 4 blocks fine-tuned) with its ONNX export, in a temporary folder. */
async function cheaperMember(cfg: Config, dir: string): Promise<LoadedClassifier> {
  const src = path.join(projectPaths().defaultModel, 'members', 'rw-128-b4');
  const dst = path.join(dir, 'rw-128-b4');
  fs.cpSync(src, dst, { recursive: true, dereference: true });
  await exportModelOnnx(dst);
  return loadFaceClassifier(dst, 'onnx', () => createEngine(PIPELINE_ENGINE));
}

/** The classifiers levers run: the shipped one as video loads it, the same on other thread counts, the cheaper member. */
interface Classifiers {
  shipped: LoadedClassifier;
  onThreads: (threads: number) => Promise<LoadedClassifier>;
  member: () => Promise<LoadedClassifier>;
}

/** The pipeline a lever runs: the shipped one, or its variant (the shipped video setting kept when the classifier changes). */
async function leverPipeline(cfg: Config, lever: Lever, classifiers: Classifiers): Promise<FaceMaskDetector> {
  const c: Config = { ...cfg, video: { ...cfg.video, ...lever.video }, ...(lever.maxSide ? { detect: { ...cfg.detect, yunet: { ...cfg.detect.yunet, maxSide: lever.maxSide } } } : {}) };
  const shipped = classifiers.shipped;
  if (lever.classifierThreads) return createFaceMaskDetector(c, { classifier: await classifiers.onThreads(lever.classifierThreads), use: 'video' });
  if (!lever.member) return createFaceMaskDetector(c, { classifier: shipped, use: 'video' });
  const probe = await createFaceMaskDetector(c, { classifier: shipped, use: 'video' });
  const s = probe.settings;
  probe.dispose();
  return createFaceMaskDetector(c, { classifier: await classifiers.member(), use: 'video', detector: s.detector, threshold: s.threshold, rejectAt: s.policy.rejectAt, trustAbove: s.policy.trustAbove, box: s.box });
}

interface ClipRow {
  clip: string;
  lever: string;
  fps: number;
  fpsRuns: number[];
  frames: number;
  classifiedPerFrame: number;
  reusedPerFrame: number;
  agreement: number;
  framesAgreeing: string;
  facesAgreeing: string;
}

/** Every lever on one clip: median fps over `runs`, and the labels drawn against the reference's. */
async function measureClip(cfg: Config, name: string, clip: string, runs: number, list: Lever[], classifiers: Classifiers, dir: string): Promise<ClipRow[]> {
  const rows: ClipRow[] = [];
  let reference: DrawnFace[][] | undefined;
  // one untimed pass first: the process's first frames (JIT, page faults, ffmpeg start) would fall on the first lever alone
  const warm = await leverPipeline(cfg, list[0], classifiers);
  await processVideo({ ...cfg.video, input: clip, pipeline: warm, maxFrames: 30 });
  warm.dispose();
  for (const lever of list) {
    const pipeline = await leverPipeline(cfg, lever, classifiers);
    const video = { ...cfg.video, ...lever.video };
    let drawn: DrawnFace[][] = [];
    let counts = { frames: 0, classified: 0, reused: 0 };
    const r = await medianOfRuns(runs, async (k) => {
      const frames: DrawnFace[][] = [];
      const out = path.join(dir, `out-${k}.mp4`);
      const v = await processVideo({ ...video, input: clip, output: out, pipeline, onFrame: (f) => frames.push(drawnFaces(f)) });
      drawn = frames;
      counts = { frames: v.framesWritten, classified: v.classified, reused: v.reused };
      return { fps: v.fps };
    });
    pipeline.dispose();
    reference ??= drawn;
    const a = labelAgreement(reference, drawn);
    rows.push({ clip: name, lever: lever.name, fps: +r.median.fps.toFixed(1), fpsRuns: r.runs.map((x) => +x.fps.toFixed(1)), frames: counts.frames, classifiedPerFrame: +(counts.classified / counts.frames).toFixed(2), reusedPerFrame: +(counts.reused / counts.frames).toFixed(2), agreement: +a.share.toFixed(4), framesAgreeing: `${a.framesAgreeing}/${a.frames}`, facesAgreeing: `${a.facesAgreeing}/${a.faces}` });
    process.stderr.write(`${name}: ${lever.name}: ${r.median.fps.toFixed(1)} fps, labels ${(a.share * 100).toFixed(1)} % of frames\n`);
  }
  return rows;
}

/** ms per frame of each detector, of classifying the frame's faces and of the photo pipeline, on one frame. */
async function stageRows(cfg: Config, frame: Awaited<ReturnType<typeof decodeImage>>, classifier: LoadedClassifier, quick: boolean): Promise<Record<string, string | number>[]> {
  const rows: Record<string, string | number>[] = [];
  const timed = async (n: number, fn: () => Promise<unknown>) => {
    await fn();
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await fn();
      ms.push(performance.now() - t);
    }
    return +median(ms).toFixed(1);
  };
  const shipped = await createFaceMaskDetector(cfg, { classifier });
  const kept = (await shipped.detect(frame)).faces.length;
  rows.push({ stage: `photo pipeline: ${shipped.settings.detector}@${shipped.settings.threshold} + classify (shipped)`, 'ms / frame': await timed(15, () => shipped.detect(frame)), faces: kept });
  shipped.dispose();
  for (const name of quick ? ['yunet-n', 'yunet'] : ['yunet-n', 'yunet', 'blazeface', 'ssd-mobilenet', 'res10']) {
    const pipeline = await createFaceMaskDetector(cfg, { classifier, detector: name, use: 'video' });
    const dets = await pipeline.findFaces(frame);
    rows.push({ stage: `detect ${name}`, 'ms / frame': await timed(name === 'res10' ? 5 : 15, () => pipeline.findFaces(frame)), faces: dets.length });
    if (name === 'yunet-n') {
      const ms = await timed(15, () => pipeline.classifyBoxes(frame, dets));
      rows.push({ stage: `classify ${dets.length} faces (crop + networks, ${classifier.runtime})`, 'ms / frame': ms, faces: dets.length });
      rows.push({ stage: `classify: per face (${classifier.runtime})`, 'ms / frame': +(ms / Math.max(1, dets.length)).toFixed(1), faces: 1 });
    }
    pipeline.dispose();
  }
  return rows;
}

runBench(
  {
    name: 'video',
    summary: 'video fps of the shipped settings and of each lever on a synthetic 640x480 clip and the real clip, the labels against classifying every frame, native OpenCV side by side; ms per frame per detector and for classifying',
    flags: {
      frames: { type: 'integer', value: 'N', default: 150, min: 1, help: 'frames in the generated (synthetic) clip' },
      levers: { type: 'string', value: 'A|B', help: 'only the levers whose name contains one of these texts (the reference always runs)' },
    },
    runs: 3,
    quick: '30 frames of each clip, 1 run, fewer levers and detectors',
    method: 'fps: frames written / wall time incl. ffmpeg decode and encode, median of --runs runs per lever and clip, one pipeline per lever over the runs; agreement: frames whose drawn faces (paired by IoU >= 0.5) carry the labels of the reference run (every frame classified, no overlap); native: the tutorial loop in OpenCV on the same clip, median of --runs runs; ms / frame: median of 15 calls after a warm-up call (res10: 5)',
  },
  async ({ flags, runs, quick }) => {
    await initBackend();
    const cfg = resolveConfig();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-bench-'));
    const synthetic = path.join(dir, 'three-faces.mp4');
    makeClip(demoPhoto(1), synthetic, { frames: quick ? 30 : flags.frames, scaleTo: 720 });
    const real = realClip();
    if (!real) console.error('the real clip is not installed (dataset/videos/ or ../shared/videos/): measured on the synthetic clip only');
    const realCut = real && quick ? path.join(dir, 'real-30.mp4') : real;
    if (real && realCut !== real) spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', real, '-frames:v', '30', '-an', '-c:v', 'libx264', '-preset', 'ultrafast', realCut!]);
    const classifier = await loadShippedClassifier(cfg, undefined, 'video');
    let member: Promise<LoadedClassifier> | undefined;
    const threaded = new Map<number, Promise<LoadedClassifier>>();
    const classifiers: Classifiers = {
      shipped: classifier,
      member: () => (member ??= cheaperMember(cfg, dir)),
      onThreads: (threads) => threaded.get(threads) ?? (threaded.set(threads, loadShippedClassifier({ ...cfg, video: { ...cfg.video, classifierThreads: threads } }, undefined, 'video')), threaded.get(threads)!),
    };
    const clips: [string, string][] = [['synthetic 640x480', synthetic], ...(realCut ? [['real 640x360', realCut] as [string, string]] : [])];
    const list = levers(quick).filter((l, k) => k === 0 || !flags.levers || flags.levers.split('|').some((t) => l.name.includes(t)));
    const fpsRows: ClipRow[] = [];
    const natives: Record<string, Native | null> = {};
    let nativeError: string | null = null;
    for (const [name, clip] of clips) {
      fpsRows.push(...(await measureClip(cfg, name, clip, runs, list, classifiers, dir)));
      const n = nativeLoop(clip, runs, dir);
      natives[name] = n.native;
      nativeError ??= n.error;
    }
    const firstPng = path.join(dir, 'frame.png');
    spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', synthetic, '-frames:v', '1', firstPng]);
    const rows = await stageRows(cfg, await decodeImage(firstPng), classifier, quick);
    if (member) (await member).dispose();
    for (const c of threaded.values()) (await c).dispose();
    classifier.dispose();
    const ratioed = fpsRows.map((r) => ({ ...r, overNative: natives[r.clip] ? +(r.fps / natives[r.clip]!.loopFps).toFixed(2) : null }));
    console.log(`\n${machineLine()}`);
    for (const r of rows) console.log(`${String(r.stage).padEnd(56)} ${String(r['ms / frame']).padStart(8)} ms/frame  (${r.faces} faces)`);
    for (const [name] of clips) {
      const nat = natives[name];
      console.log(`\n${name}${nat ? `: native OpenCV ${nat.opencv} tutorial loop ${nat.loopFps.toFixed(1)} fps (runs ${nat.loopFpsRuns.map((x) => x.toFixed(1)).join(', ')}), ResNet-10 SSD ${nat.detectMs.toFixed(1)} ms/frame` : ''}`);
      console.log(`${'lever'.padEnd(50)} ${'fps'.padStart(6)} ${'/native'.padStart(8)} ${'labels'.padStart(8)}  classified/reused per frame`);
      for (const r of ratioed.filter((x) => x.clip === name)) console.log(`${r.lever.padEnd(50)} ${String(r.fps).padStart(6)} ${String(r.overNative ?? '-').padStart(8)} ${`${(r.agreement * 100).toFixed(1)} %`.padStart(8)}  ${r.classifiedPerFrame}/${r.reusedPerFrame}  (runs ${r.fpsRuns.join(', ')})`);
    }
    const target = ratioed.find((r) => r.clip === clips[0][0] && r.lever === 'shipped video settings');
    if (target) console.log(`\ntargets (synthetic 640x480, 3 faces, shipped settings): ${target.fps} fps (>= 30), ${target.overNative ?? '-'}x the native loop (>= 1.25); labels as every frame classified on ${(target.agreement * 100).toFixed(1)} % of frames (>= 99 %)`);
    fs.rmSync(dir, { recursive: true, force: true });
    return { frames: quick ? 30 : flags.frames, video: cfg.video, rows, fpsRows: ratioed, native: natives, nativeError };
  },
);
