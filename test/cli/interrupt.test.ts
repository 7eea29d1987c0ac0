/**
 * Ctrl-C keeps the work (src/util/interrupt.ts, docs/contracts.md "Interruption"): real processes,
 * each the leader of its own process group, sent SIGINT to the whole group as a terminal does — so
 * ffmpeg children get it too. `video` finalises its file, `detect` keeps the lines of the inputs it
 * finished, and a run folder is removed unless finished; every interrupted verb exits 130.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ctrlC, startGroup, testVideo, waitFor } from './helpers';
import { projectPaths } from '../../src/paths';

const P = projectPaths();
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-interrupt-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Frames ffprobe counts by decoding the file (0 when it does not play). */
function framesIn(file: string): number {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : 0;
}

test('video: Ctrl-C to the process group finalises the file (it plays, every frame written so far) and writes the summary of what was seen, exit 130', async () => {
  const clip = testVideo(path.join(tmp, 'long.mp4'), { seconds: 60 });
  const out = path.join(tmp, 'annotated.mp4');
  const summary = path.join(tmp, 'seen.json');
  const p = startGroup(['video', clip, '--output', out, '--summary', summary]);
  await waitFor(() => /frame \d+\/1500/.test(p.err()), 60_000, 'the first frames');
  ctrlC(p);
  assert.equal(await p.exited, 130, p.err());
  const m = /interrupted after (\d+) frames; .*annotated\.mp4 is finalised and plays/.exec(p.err());
  assert.ok(m, p.err());
  assert.ok(Number(m[1]) > 0 && Number(m[1]) < 1500);
  assert.equal(framesIn(out), Number(m[1]), 'the frames read are the frames in the file');
  const seen = JSON.parse(fs.readFileSync(summary, 'utf8')) as { kind: string; frames: number; complete: boolean };
  assert.deepEqual([seen.kind, seen.frames, seen.complete], ['video-summary', Number(m[1]), false], 'the summary of what was seen until Ctrl-C');
  assert.deepEqual(fs.readdirSync(tmp).filter((e) => e.includes('.tmp-')), [], 'no temporary file left');
});

test('detect: Ctrl-C keeps the lines of the inputs done, in order, says how many, exit 130', async () => {
  const photos = path.join(tmp, 'many');
  fs.mkdirSync(photos);
  const src = path.join(P.fixtures, 'synth', 'two-faces.jpg');
  for (let i = 0; i < 400; i++) fs.copyFileSync(src, path.join(photos, `p${String(i).padStart(3, '0')}.jpg`));
  const jsonl = path.join(tmp, 'faces.jsonl');
  const p = startGroup(['detect', photos, '--jsonl', jsonl]);
  const partial = `${jsonl}.partial`;
  await waitFor(() => fs.existsSync(partial) && fs.readFileSync(partial, 'utf8').split('\n').length > 5, 60_000, 'the first lines');
  ctrlC(p);
  assert.equal(await p.exited, 130, p.err());
  const m = /interrupted after (\d+) of 400 inputs; their lines are in .*faces\.jsonl/.exec(p.err());
  assert.ok(m, p.err());
  assert.ok(!fs.existsSync(partial), 'renamed to the final name');
  const lines = fs.readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string; faces: unknown[] });
  assert.equal(lines.length, Number(m[1]));
  assert.ok(lines.length < 400);
  lines.forEach((l, i) => assert.equal(path.basename(l.file), `p${String(i).padStart(3, '0')}.jpg`, 'in input order'));
});

test('train, tune, calibrate, ensemble and cv: Ctrl-C removes the half-made run folder, exit 130', async () => {
  const stamp = (verb: string) => `sigint-${verb}-${process.pid}`;
  const cases: { args: string[]; dir: string }[] = [
    { args: ['train', '--seed', '7', '--name', stamp('train')], dir: path.join(P.runsTrain, stamp('train')) },
    // one candidate: the same Ctrl-C path (tune makes its folder once every candidate is measured), without
    // the whole grid's detections first (about 50 CPU-s on a fresh clone, whose measurement cache is empty)
    { args: ['tune', '--detectors', 'yunet-n', '--upscales', '1', '--name', stamp('tune')], dir: path.join(P.runsTune, stamp('tune')) },
    { args: ['calibrate', '--name', stamp('calibrate')], dir: path.join(P.runsCalibrate, stamp('calibrate')) },
    { args: ['ensemble', path.join(P.models, 'default', 'members', 'rw-bands'), path.join(P.models, 'default', 'members', 'rw-128-b4'), '--name', stamp('ensemble')], dir: path.join(P.runsTrain, stamp('ensemble')) },
    { args: ['cv', '--name', stamp('cv')], dir: path.join(P.runs, 'cv', stamp('cv')) },
  ];
  await Promise.all(
    cases.map(async (c) => {
      const p = startGroup(c.args, { env: { ...process.env, FACEMASK_BACKEND: 'wasm', FACEMASK_SMALL: '1' } });
      await waitFor(() => fs.existsSync(c.dir) || p.child.exitCode !== null, 120_000, `${c.args[0]}'s run folder`);
      assert.ok(fs.existsSync(c.dir), `${c.args[0]} ended before making its run folder: ${p.err()}`);
      ctrlC(p);
      assert.equal(await p.exited, 130, `${c.args[0]}: ${p.err()}`);
      assert.match(p.err(), new RegExp(`facemask ${c.args[0]}: interrupted \\(SIGINT\\); what was half-made is removed`));
      assert.ok(!fs.existsSync(c.dir), `${c.args[0]} left ${c.dir}`);
    }),
  );
});
