/**
 * Decoding the real datasets: jimp (pure JavaScript, named in the design) against sharp (libvips).
 * Prints images/second for each on the same files in the same run, the ratio, and the files each
 * could not decode. Run: `npx tsx bench/decode.ts [N]` (default 300 files: every 10th of
 * observations + chandrikadeb7, a mix of JPEG, PNG and WebP).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Jimp } from 'jimp';
import sharp from 'sharp';
import { datasetDir } from '../src/paths';

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

async function time(name: string, list: string[], decode: (f: string) => Promise<number>) {
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
  const s = (performance.now() - t0) / 1000;
  const ok = list.length - failed.length;
  console.log(`${name.padEnd(6)} ${ok} decoded in ${s.toFixed(2)} s = ${(ok / s).toFixed(1)} images/s (${(px / 1e6 / s).toFixed(1)} Mpx/s); failed: ${failed.length}${failed.length ? ' e.g. ' + failed.slice(0, 3).join(', ') : ''}`);
  return ok / s;
}

(async () => {
  const n = Number(process.argv[2] ?? 300);
  const list = files(n);
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}; ${list.length} files, decode to RGB, one at a time`);
  sharp.concurrency(1);
  const js = await time('jimp', list, async (f) => {
    const img = await Jimp.read(f);
    return img.bitmap.width * img.bitmap.height;
  });
  const sh = await time('sharp', list, async (f) => {
    const { info } = await sharp(f).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return info.width * info.height;
  });
  console.log(`sharp / jimp speed ratio: ${(sh / js).toFixed(1)}x`);
})();
