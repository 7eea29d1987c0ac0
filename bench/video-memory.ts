/**
 * Memory over a long video: a generated 640x480 clip of 10,000 frames (a window panning across a
 * photo with three faces, back and forth) through the shipped video pipeline, resident memory (RSS)
 * sampled every 1,000 frames. Flat memory means nothing accumulates per frame: the ONNX sessions
 * are created once per pipeline, tensors and frames are released.
 *
 *   npx tsx bench/video-memory.ts [--frames 10000] [--detector NAME] [--detect-every N]
 *
 * Prints the RSS per thousand frames and the ratio RSS(last) / RSS(1,000) (the aim: within 5 %).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../src/config';
import { initBackend, tf } from '../src/backend/tf';
import { createFaceMaskDetector } from '../src/detection/create';
import { processVideo } from '../src/detection/video';
import { makeClip, demoPhoto } from '../src/detection/clips';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const frames = Number(flag('--frames') ?? 10_000);
  const cfg = resolveConfig();
  await initBackend();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-mem-'));
  const clip = path.join(dir, 'long.mp4');
  const t0 = Date.now();
  makeClip(demoPhoto(1), clip, { frames, scaleTo: 720 });
  console.log(`clip: ${frames} frames 640x480 made in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const pipeline = await createFaceMaskDetector(cfg, { use: 'video', detector: flag('--detector') });
  const detectEvery = Number(flag('--detect-every') ?? cfg.video.detectEvery);
  const samples: { frame: number; rssMB: number; heapMB: number; tensors: number }[] = [];
  const mb = (x: number) => +(x / 2 ** 20).toFixed(1);
  const r = await processVideo({
    ...cfg.video,
    input: clip,
    pipeline,
    detectEvery,
    onFrame: (f) => {
      if ((f.index + 1) % 1000 === 0) {
        const m = process.memoryUsage();
        samples.push({ frame: f.index + 1, rssMB: mb(m.rss), heapMB: mb(m.heapUsed), tensors: tf.memory().numTensors });
        process.stderr.write(`${f.index + 1} frames: RSS ${mb(m.rss)} MB\n`);
      }
    },
  });
  pipeline.dispose();
  console.log(`${r.framesRead} frames, ${pipeline.settings.detector} every ${detectEvery}: ${r.fps.toFixed(1)} fps; ${os.cpus().length} cores, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('frame    RSS MB   heap MB   tensors');
  for (const s of samples) console.log(`${String(s.frame).padStart(6)} ${String(s.rssMB).padStart(8)} ${String(s.heapMB).padStart(9)} ${String(s.tensors).padStart(9)}`);
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first && last && last !== first) console.log(`RSS at ${last.frame} / RSS at ${first.frame}: ${(last.rssMB / first.rssMB).toFixed(3)} (aim: within 1.05)`);
  console.log(JSON.stringify({ frames: r.framesRead, fps: r.fps, detector: pipeline.settings.detector, detectEvery, samples }));
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
