/**
 * `facemask serve` under abuse: 10,000 downloads of the model cut off mid-way, then 1,000 requests at
 * once, against a real server process on 127.0.0.1. Prints the server's open files and resident
 * memory at the start, after each phase and after a short rest, and that it still serves the model
 * whole — the figures the fault suite's 600-download test checks in small.
 *
 *   npx tsx bench/serve.ts [--cuts 10000] [--concurrent 1000]
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { projectPaths } from '../src/paths';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const CUTS = arg('cuts', 10_000);
const CONCURRENT = arg('concurrent', 1000);

/** Open files and resident size (MB) of a process, from /proc. */
function usage(pid: number): { files: number; rssMb: number } {
  const files = fs.readdirSync(`/proc/${pid}/fd`).length;
  const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { files, rssMb: Math.round(Number(rss) / 102.4) / 10 };
}

/** One download cut off after its first bytes. */
function cutDownload(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.write(`GET /model/model.onnx HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    s.once('data', () => s.destroy());
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });
}

async function main(): Promise<void> {
  const bin = path.join(projectPaths().root, 'bin', 'facemask.js');
  const server = spawn(process.execPath, [bin, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
  });
  const port = Number(new URL(url).port);
  const pid = server.pid!;
  const size = fs.statSync(path.join(projectPaths().defaultModel, 'model.onnx')).size;
  const whole = async () => (await (await fetch(new URL('/model/model.onnx', url))).arrayBuffer()).byteLength === size;
  await whole(); // warm: the first response streams the file once
  const rows: Record<string, string | number | boolean>[] = [];
  const row = (phase: string, extra: Record<string, string | number | boolean> = {}) => rows.push({ phase, ...usage(pid), ...extra });
  row('start');
  let t = performance.now();
  for (let done = 0; done < CUTS; done += 100) await Promise.all(Array.from({ length: Math.min(100, CUTS - done) }, () => cutDownload(port)));
  row(`${CUTS} cut downloads`, { seconds: +((performance.now() - t) / 1000).toFixed(1), servesWhole: await whole() });
  t = performance.now();
  const codes = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => fetch(new URL(i % 2 ? '/setup.json' : '/model/manifest.json', url)).then(async (r) => (await r.arrayBuffer(), r.status), () => 0)));
  row(`${CONCURRENT} concurrent requests`, { seconds: +((performance.now() - t) / 1000).toFixed(1), ok: codes.filter((c) => c === 200).length });
  await new Promise((r) => setTimeout(r, 2000));
  row('after 2 s', { servesWhole: await whole() });
  server.kill('SIGINT');
  console.table(rows);
  const [start, end] = [rows[0], rows[rows.length - 1]];
  console.log(JSON.stringify({ bench: 'serve', cuts: CUTS, concurrent: CONCURRENT, rows, filesBack: end.files === start.files, rssRatio: +((end.rssMb as number) / (start.rssMb as number)).toFixed(3) }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
