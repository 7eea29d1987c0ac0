/**
 * The page's camera at each detection size: `facemask serve`'s page in Debian's headless Chromium,
 * its fake camera at 30 fps fed from a clip, the camera's frames detected at each `--sides` longer
 * side (`?side=N`). For each clip and side: the page's frame rate (distinct camera frames that got a
 * fresh detection, a second, over --seconds after a 3 s warm-up; the sizes take turns for --runs
 * rounds, since the machine's load drifts, and the median round counts), the camera frames seen, the faces
 * drawn per answer and — on the still clip — the share of answers whose faces and labels are those
 * `facemask detect` gives on the frame at full size with the video setting (faces paired by IoU >= 0.5).
 * The tutorial's loop in native OpenCV (bench/native.ts) runs on the same frames in the same run.
 * Clips: a Kaggle dev photo held still (640x428, masked faces: the browser test's camera) and
 * the first 10 s of the real clip (640x360, a performer moving, cuts to an audience) when installed.
 * The camera's default size (`CAMERA_SIDE`, src/web/page/pipeline.ts) is chosen from these figures.
 *
 *   npx tsx bench/page.ts [--sides 640,480,320,240] [--seconds 10] [--runs 3]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { projectPaths } from '../src/paths';
import { readManifest } from '../src/model/manifest-files';
import { realClip } from '../src/detection/clips';
import { iou } from '../src/detection/geometry';
import { startServer } from '../src/web/server';
import type { FaceResult } from '../src/result';
import { machineLine, runBench } from './lib';
import { nativeLoop } from './native';

const P = projectPaths();
const STILL = path.join(P.dataset, 'kaggle-face-mask-dev/images/maksssksksss219.jpg');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, FACEMASK_BACKEND: 'wasm' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `facemask detect` at the page's camera setting (the model's detector at its video setting), full size. */
function cliFaces(file: string): FaceResult[] {
  const d = readManifest(P.defaultModel).detection;
  const own = d?.detector === 'yunet' || d?.detector === 'yunet-n' ? d.detector : 'yunet';
  const t = d?.settings[own];
  const level = (x: number | null) => (x === null ? 'off' : String(x));
  const video = t ? ['--upscale', '1', '--threshold', String(t.threshold), '--not-face', level(t.rejectAt), '--trust-above', level(t.trustAbove)] : [];
  return (JSON.parse(run(process.execPath, [path.join(P.root, 'bin', 'facemask.js'), 'detect', '--detector', own, ...video, file])) as { faces: FaceResult[] }).faces;
}

/** The same faces with the same labels (each wanted face paired with the face it overlaps most, IoU >= 0.5). */
function sameLabels(got: FaceResult[], want: FaceResult[]): boolean {
  if (got.length !== want.length) return false;
  return want.every((w) => {
    const g = [...got].sort((a, b) => iou(b.box, w.box) - iou(a.box, w.box))[0];
    return iou(g.box, w.box) >= 0.5 && g.label === w.label;
  });
}

interface Row {
  clip: string;
  side: number;
  fps: number;
  cameraFps: number;
  facesPerAnswer: number;
  /** Share of sampled answers with the CLI's faces and labels (still clip only). */
  asCli: number | null;
  detectMs: string;
  /** Each round's fps (the row is the median round's). */
  fpsRuns?: number[];
}

/** The page on one fake camera clip at each side, the sides taking turns for `runs` rounds (the machine's load drifts); per side, the round with the median fps. */
async function measureClip(name: string, clip: string, sides: number[], seconds: number, want: FaceResult[] | null, runs: number): Promise<Row[]> {
  const server = await startServer({ port: 0 });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...ARGS, `--use-file-for-fake-video-capture=${clip}`] });
  const rows: Row[] = [];
  try {
    for (let round = 0; round < runs; round++) for (const side of sides) {
      const page = await browser.newPage();
      await page.goto(`${server.url}?side=${side}&engine=wasm`);
      await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 120_000 });
      await page.click('#camera-start');
      await page.waitForFunction(() => Number(document.getElementById('camera-view')!.dataset.frames ?? 0) >= 3, null, { timeout: 120_000 });
      await page.waitForTimeout(3000);
      const counts = () => page.evaluate(() => ({ frames: Number(document.getElementById('camera-view')!.dataset.frames), seen: Number(document.getElementById('camera-view')!.dataset.seen), t: performance.now() }));
      const a = await counts();
      const samples: FaceResult[][] = [];
      while ((await counts()).t - a.t < seconds * 1000) {
        samples.push((JSON.parse((await page.locator('#camera-view').getAttribute('data-result'))!) as { faces: FaceResult[] }).faces);
        await page.waitForTimeout(250);
      }
      const b = await counts();
      const secs = (b.t - a.t) / 1000;
      const text = await page.locator('#fps').innerText();
      rows.push({
        clip: name,
        side,
        fps: +((b.frames - a.frames) / secs).toFixed(1),
        cameraFps: +((b.seen - a.seen) / secs).toFixed(1),
        facesPerAnswer: +(samples.reduce((s, f) => s + f.length, 0) / samples.length).toFixed(2),
        asCli: want ? +(samples.filter((f) => sameLabels(f, want)).length / samples.length).toFixed(3) : null,
        detectMs: /detect (\d+) ms/.exec(text)?.[1] ?? '?',
      });
      console.log(`${name} side ${side}: ${JSON.stringify(rows.at(-1))} — ${text}`);
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return sides.map((side) => {
    const mine = rows.filter((r) => r.side === side).sort((a, b) => a.fps - b.fps);
    return { ...mine[Math.floor(mine.length / 2)], fpsRuns: rows.filter((r) => r.side === side).map((r) => r.fps) };
  });
}

runBench(
  {
    name: 'page',
    summary: "the page's camera fps at each detection size on the 30 fps fake camera, headless Chromium (wasm), beside native OpenCV",
    flags: {
      sides: { type: 'list', default: ['640', '480', '320', '240'], value: 'N,N', help: "the camera's detection sizes (longer side, px)" },
      seconds: { type: 'integer', default: 10, value: 'S', help: 'seconds measured per size' },
    },
    runs: 3,
    quick: 'sizes 320 and 640, 3 s each, 1 round',
    method: 'fps: answers (distinct camera frames with a fresh detection) per second over --seconds after a 3 s warm-up, the sizes taking turns for --runs rounds, the median round per size; asCli: share of answers sampled every 250 ms with the faces and labels of facemask detect on the full-size frame (video setting); native: the tutorial loop in OpenCV on 5 s of the same clip, median of 3 runs',
  },
  async ({ flags, quick, runs }) => {
    const sides = quick ? [320, 640] : flags.sides.map(Number);
    const seconds = quick ? 3 : flags.seconds;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-page-'));
    console.log(machineLine());
    const clips: { name: string; file: string; want: FaceResult[] | null }[] = [];
    const still = path.join(dir, 'still.y4m');
    run('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-i', STILL, '-vf', 'scale=640:428', '-r', '30', '-frames:v', '150', '-pix_fmt', 'yuv420p', still]);
    const frame = path.join(dir, 'still.png');
    run('ffmpeg', ['-v', 'error', '-y', '-i', still, '-frames:v', '1', frame]);
    clips.push({ name: 'still (640x428)', file: still, want: cliFaces(frame) });
    const real = realClip();
    if (real) {
      const file = path.join(dir, 'real.y4m');
      run('ffmpeg', ['-v', 'error', '-y', '-i', real, '-t', '10', '-an', '-r', '30', '-pix_fmt', 'yuv420p', file]);
      clips.push({ name: 'real (640x360)', file, want: null });
    } else console.log('the real clip is not installed: the still clip only');
    const rows: Row[] = [];
    const natives: Record<string, number | null> = {};
    for (const c of clips) {
      rows.push(...(await measureClip(c.name, c.file, sides, seconds, c.want, runs)));
      const n = nativeLoop(c.file, 3, dir).native;
      natives[c.name] = n ? +n.loopFps.toFixed(1) : null;
    }
    const out = rows.map((r) => ({ ...r, overNative: natives[r.clip] ? +(r.fps / natives[r.clip]!).toFixed(2) : null }));
    console.log(`\n${'clip'.padEnd(26)} ${'side'.padStart(5)} ${'fps'.padStart(6)} ${'camera'.padStart(7)} ${'/native'.padStart(8)} ${'faces'.padStart(6)} ${'as CLI'.padStart(7)} detect ms  (fps of each round)`);
    for (const r of out) console.log(`${r.clip.padEnd(26)} ${String(r.side).padStart(5)} ${r.fps.toFixed(1).padStart(6)} ${r.cameraFps.toFixed(1).padStart(7)} ${(r.overNative?.toFixed(2) ?? '-').padStart(8)} ${r.facesPerAnswer.toFixed(2).padStart(6)} ${(r.asCli === null ? '-' : `${(r.asCli * 100).toFixed(0)} %`).padStart(7)} ${r.detectMs}  (${r.fpsRuns?.join(', ')})`);
    console.log(`native loop: ${Object.entries(natives).map(([k, v]) => `${k} ${v ?? '-'} fps`).join('; ')}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`);
    fs.rmSync(dir, { recursive: true, force: true });
    return { rows: out, native: natives, loadEnd: os.loadavg().map((x) => +x.toFixed(2)) };
  },
);
