/**
 * Memory over a long video: a generated 640x480 clip of 10,000 frames (a window panning across a
 * photo with three faces, back and forth) through the shipped video pipeline, resident memory (RSS)
 * sampled every 1,000 frames. Flat memory means nothing accumulates per frame: the ONNX sessions
 * are created once per pipeline, tensors and frames are released.
 *
 *   npx tsx bench/video-memory.ts [--frames 10000] [--detector NAME] [--detect-every N] [--sample-every 1000]
 *
 * Prints the RSS every --sample-every frames and the ratio RSS(last) / RSS(first sample) (the aim:
 * within 5 %).
 * A variant worth keeping beside the default goes under a tag, e.g.
 * `MALLOC_ARENA_MAX=2 npx tsx bench/video-memory.ts --tag arena2` (the environment is recorded).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../src/config';
import { initBackend, tf } from '../src/backend/tf';
import { createFaceMaskDetector } from '../src/detection/create';
import { processVideo } from '../src/detection/video';
import { makeClip, demoPhoto } from '../src/detection/clips';
import { runBench } from './lib';

runBench(
  {
    name: 'video-memory',
    summary: 'resident memory over a long generated 640x480 clip through the shipped video pipeline, sampled every N frames',
    flags: {
      frames: { type: 'integer', value: 'N', default: 10_000, min: 1, help: 'frames in the generated clip' },
      detector: { type: 'string', value: 'NAME', help: "the detector (default: the video default)" },
      'detect-every': { type: 'integer', value: 'N', min: 1, help: 'run the detector every N frames (default: the config\'s)' },
      'sample-every': { type: 'integer', value: 'N', default: 1000, min: 1, help: 'frames between memory samples' },
    },
    quick: '300 frames, a sample every 100',
    method: 'RSS, heap and tfjs tensors sampled after every --sample-every frames; the ratio is RSS at the last sample over RSS at the first',
  },
  async ({ flags, quick }) => {
    const frames = quick ? 300 : flags.frames;
    const every = quick ? 100 : flags['sample-every'];
    const cfg = resolveConfig();
    await initBackend();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-mem-'));
    const clip = path.join(dir, 'long.mp4');
    const t0 = Date.now();
    makeClip(demoPhoto(1), clip, { frames, scaleTo: 720 });
    console.log(`clip: ${frames} frames 640x480 made in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const pipeline = await createFaceMaskDetector(cfg, { use: 'video', detector: flags.detector });
    const detectEvery = flags['detect-every'] ?? cfg.video.detectEvery;
    const samples: { frame: number; rssMB: number; heapMB: number; tensors: number }[] = [];
    const mb = (x: number) => +(x / 2 ** 20).toFixed(1);
    const r = await processVideo({
      ...cfg.video,
      input: clip,
      pipeline,
      detectEvery,
      onFrame: (f) => {
        if ((f.index + 1) % every === 0) {
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
    const ratio = first && last && last !== first ? last.rssMB / first.rssMB : null;
    if (ratio !== null) console.log(`RSS at ${last.frame} / RSS at ${first.frame}: ${ratio.toFixed(3)} (aim: within 1.05)`);
    fs.rmSync(dir, { recursive: true, force: true });
    return { frames: r.framesRead, fps: +r.fps.toFixed(2), detector: pipeline.settings.detector, detectEvery, sampleEvery: every, samples, rssLastOverFirst: ratio === null ? null : +ratio.toFixed(4), aim: 1.05 };
  },
);
