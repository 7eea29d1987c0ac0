/**
 * Decoding the real datasets: jimp (pure JavaScript, named in the design) against sharp (libvips).
 * Prints images/second for each on the same files in the same run, the ratio, and the files each
 * could not decode. The two take turns run by run, so load from other processes hits both alike.
 *
 *   npx tsx bench/decode.ts [--files 300] [--runs 3]
 *
 * Default: 300 files, every 10th of observations + chandrikadeb7, a mix of JPEG, PNG and WebP.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Jimp } from 'jimp';
import sharp from 'sharp';
import { datasetDir } from '../src/paths';
import { machineLine, median, runBench } from './lib';

function files(n: number): string[] {
  const all: string[] = [];
  for (const ds of ['observations', 'chandrikadeb7']) {
    for (const label of ['with_mask', 'without_mask']) {
      const d = path.join(datasetDir(ds), label);
      if (!fs.existsSync(d)) throw new Error(`${d} missing: run "npx facemask prepare" first`);
      for (const f of fs.readdirSync(d).sort()) all.push(path.join(d, f));
    }
  }
  const step = Math.max(1, Math.floor(all.length / n));
  return all.filter((_, i) => i % step === 0).slice(0, n);
}

/** One pass over the list: seconds, pixels and the files that failed. */
async function pass(list: string[], decode: (f: string) => Promise<number>) {
  let px = 0;
  const failed: string[] = [];
  const t0 = performance.now();
  for (const f of list) {
    try {
      px += await decode(f);
    } catch {
      failed.push(path.basename(f));
    }
  }
  return { seconds: (performance.now() - t0) / 1000, px, failed };
}

const DECODERS: [string, (f: string) => Promise<number>][] = [
  [
    'jimp',
    async (f) => {
      const img = await Jimp.read(f);
      return img.bitmap.width * img.bitmap.height;
    },
  ],
  [
    'sharp',
    async (f) => {
      const { info } = await sharp(f).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return info.width * info.height;
    },
  ],
];

runBench(
  {
    name: 'decode',
    summary: 'decoding real dataset files to RGB, one at a time: jimp (pure JavaScript) against sharp (libvips)',
    flags: { files: { type: 'integer', value: 'N', default: 300, min: 1, help: 'files, evenly spaced through observations + chandrikadeb7' } },
    runs: 3,
    quick: '20 files, 1 run',
    method: 'images/s and Mpx/s: median over --runs passes over the same files, jimp and sharp taking turns pass by pass',
  },
  async ({ flags, runs, quick }) => {
    const list = files(quick ? 20 : flags.files);
    console.log(`${machineLine()}; ${list.length} files, decode to RGB, one at a time, median of ${runs} run(s)`);
    sharp.concurrency(1);
    const passes = new Map<string, Awaited<ReturnType<typeof pass>>[]>(DECODERS.map(([n]) => [n, []]));
    for (let r = 0; r < runs; r++) for (const [name, decode] of DECODERS) passes.get(name)!.push(await pass(list, decode));
    const out: Record<string, { imagesPerSecond: number; mpxPerSecond: number; decoded: number; failed: string[]; runs: number[] }> = {};
    for (const [name] of DECODERS) {
      const ps = passes.get(name)!;
      const ok = list.length - ps[0].failed.length;
      const rate = median(ps.map((p) => ok / p.seconds));
      const mpx = median(ps.map((p) => p.px / 1e6 / p.seconds));
      const failed = ps[0].failed;
      console.log(`${name.padEnd(6)} ${ok} decoded: ${rate.toFixed(1)} images/s (${mpx.toFixed(1)} Mpx/s); failed: ${failed.length}${failed.length ? ' e.g. ' + failed.slice(0, 3).join(', ') : ''}`);
      out[name] = { imagesPerSecond: +rate.toFixed(2), mpxPerSecond: +mpx.toFixed(2), decoded: ok, failed, runs: ps.map((p) => +(ok / p.seconds).toFixed(2)) };
    }
    const ratio = out.sharp.imagesPerSecond / out.jimp.imagesPerSecond;
    console.log(`sharp / jimp speed ratio: ${ratio.toFixed(1)}x`);
    return { files: list.length, decoders: out, sharpOverJimp: +ratio.toFixed(2) };
  },
);
