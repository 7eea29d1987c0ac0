/**
 * The fault suite's corpus (./corpus.ts) through every verb: classify, detect, synth, video, promote,
 * serve, evaluate, train and inspect — one process per verb over the corpus (./corpus-runner.ts),
 * every case bounded in time. No case may hang, crash or end without a message naming what is
 * wrong, odd-but-valid inputs must work, and no file that existed before the run may change.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { buildCorpus, type Corpus, type FileCase } from './corpus';
import type { CaseResult } from './corpus-runner';
import { ENV, treeChanges, treeHash } from './helpers';
import { projectPaths } from '../../src/paths';

const P = projectPaths();
let tmp: string;
let corpus: Corpus;
let out: string;
let watched: string[];
let hashBefore: Map<string, string>;
const results = new Map<string, CaseResult>();

/** Signs of an error that reached the user unexplained. */
const UNEXPLAINED = /\n\s+at [^\n]*\(|CRASH:|internal error|RuntimeError|Aborted\(\)|\[object Object\]|\bundefined\b(?! is not)|Cannot read propert|is not a function|ERR_[A-Z_]+:/;

interface Case {
  id: string;
  argv: string[];
}

/** Run `cases` in one runner process; resolves when it has written its results. */
function runner(name: string, cases: Case[]): Promise<void> {
  const casesFile = path.join(tmp, `${name}.cases.json`);
  const resultsFile = path.join(tmp, `${name}.results.json`);
  fs.writeFileSync(casesFile, JSON.stringify(cases));
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'corpus-runner.ts'), casesFile, resultsFile], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (d) => (log += d));
    child.on('exit', (code) => {
      if (code !== 0 || !fs.existsSync(resultsFile)) return reject(new Error(`runner ${name} exited ${code}: ${log.slice(-2000)}`));
      for (const r of JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as CaseResult[]) results.set(r.id, r);
      console.log(`corpus runner ${name}: ${cases.length} invocations in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      resolve();
    });
  });
}

/** At most two runners at once (two cores), the longest first. */
async function runAll(groups: [string, Case[]][]): Promise<void> {
  const queue = [...groups];
  await Promise.all([0, 1].map(async () => {
    for (let g = queue.shift(); g; g = queue.shift()) await runner(g[0], g[1]);
  }));
}

const img = (c: FileCase) => path.join(corpus.dir, 'images', c.name);
const vid = (c: FileCase) => path.join(corpus.dir, 'videos', c.name);
const model = (m: string) => path.join(corpus.dir, 'models', m);
const explicitImages = () => corpus.images.filter((c) => c.name !== 'folder.jpg');
/** synth takes the bad images and three good ones (finding landmarks in every good one would only cost time). */
const synthImages = () => explicitImages().filter((c) => c.expect !== 'ok' || ['ok.jpg', 'bmp24.bmp', 'png-named.jpg'].includes(c.name));

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-corpus-'));
  const t0 = Date.now();
  corpus = await buildCorpus(path.join(tmp, 'corpus'));
  console.log(`corpus built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  out = path.join(tmp, 'out');
  fs.mkdirSync(path.join(out, 'videos'), { recursive: true });
  watched = [corpus.dir, P.models, P.splits, path.join(P.root, 'docs')];
  hashBefore = treeHash(...watched);
  const files = corpus.images.map(img);
  const modelVerbs = (m: string): Case[] => [
    { id: `classify model ${m}`, argv: ['classify', corpus.face, '--model', model(m)] },
    { id: `detect model ${m}`, argv: ['detect', corpus.face, '--model', model(m)] },
    { id: `video model ${m}`, argv: ['video', corpus.clip, '--model', model(m), '--output', path.join(out, 'videos', `model-${m}.mp4`)] },
    { id: `promote model ${m}`, argv: ['promote', model(m), '--to', path.join(out, 'promoted', m)] },
    { id: `serve model ${m}`, argv: ['serve', '--model', model(m), '--port', '0'] },
    { id: `evaluate model ${m}`, argv: ['evaluate', '--model', model(m), '--sets', 'real', '--output', path.join(out, 'evaluate', m)] },
  ];
  await runAll([
    ['video', corpus.videos.map((c) => ({ id: `video ${c.name}`, argv: ['video', vid(c), '--output', path.join(out, 'videos', `${c.name}.mp4`)] }))],
    ['models', corpus.models.flatMap(modelVerbs)],
    ['synth', [{ id: 'synth images', argv: ['synth', ...synthImages().map(img), '--output', path.join(out, 'synth')] }]],
    ['classify', [{ id: 'classify images', argv: ['classify', ...files] }, { id: 'classify folder', argv: ['classify', path.join(corpus.dir, 'images')] }]],
    ['detect', [{ id: 'detect images', argv: ['detect', ...files, '--jsonl', path.join(out, 'detect.jsonl'), '--output', path.join(out, 'annotated')] }]],
    ['train-inspect', [...corpus.train.map((a) => ({ id: `train ${a.join(' ')}`, argv: ['train', ...a] })), ...corpus.inspect.map((a) => ({ id: `inspect ${a.join(' ')}`, argv: ['inspect', ...a] }))]],
  ]);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every case result, for the shared checks. */
const all = () => [...results.values()];

test('no case hangs or crashes, and nothing reaches the user unexplained (no stack trace, no internal error)', () => {
  const slow = all().sort((a, b) => b.ms - a.ms).slice(0, 8);
  console.log(`slowest cases: ${slow.map((r) => `${r.id} ${(r.ms / 1000).toFixed(1)} s`).join('; ')}`);
  for (const r of all()) {
    assert.equal(r.outcome, 'exit', `${r.id}: ${r.outcome} after ${r.ms.toFixed(0)} ms\n${r.err.slice(-1500)}`);
    assert.doesNotMatch(r.err, UNEXPLAINED, `${r.id}:\n${r.err.slice(-1500)}`);
  }
});

test('classify: one line per image named, in order — a label for the valid ones, the reason for the others', () => {
  const r = results.get('classify images')!;
  assert.equal(r.code, 1, r.err);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { file: string; label?: string; error?: string });
  const named = explicitImages();
  // the folder named as an input holds no image: it gives no line
  assert.deepEqual(lines.map((l) => path.basename(l.file)), named.map((c) => c.name));
  lines.forEach((l, i) => {
    if (named[i].expect === 'ok') assert.ok(l.label, `${named[i].name}: ${l.error}`);
    else if (named[i].expect === 'error' || l.error !== undefined) assert.ok(l.error && l.error.length > 8 && !UNEXPLAINED.test(l.error), `${named[i].name}: ${JSON.stringify(l)}`);
  });
  // a folder is walked for images by content: files that are no image at all are skipped, damaged images reported
  const walked = results.get('classify folder')!;
  assert.equal(walked.code, 1, walked.err);
  const seen = walked.out.trim().split('\n').map((l) => path.basename((JSON.parse(l) as { file: string }).file));
  for (const skipped of ['text.jpg', 'page.png', 'data.png', 'empty.jpg', 'zeros.jpg', 'fifo.jpg', 'dangling.jpg']) assert.ok(!seen.includes(skipped), skipped);
  assert.ok(seen.includes('ok.jpg') && seen.includes('cut-30.jpg'));
});

test('detect: the same inputs as JSON lines in a file, and an annotated picture for each valid one', () => {
  const r = results.get('detect images')!;
  assert.equal(r.code, 1, r.err);
  const lines = fs.readFileSync(path.join(out, 'detect.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string; faces?: unknown[]; error?: string });
  const named = explicitImages();
  assert.deepEqual(lines.map((l) => path.basename(l.file)), named.map((c) => c.name));
  lines.forEach((l, i) => {
    if (named[i].expect === 'ok') assert.ok(Array.isArray(l.faces), `${named[i].name}: ${l.error}`);
    else if (named[i].expect === 'error' || l.error !== undefined) assert.ok(l.error && !UNEXPLAINED.test(l.error), `${named[i].name}: ${JSON.stringify(l)}`);
  });
  const pictures = fs.readdirSync(path.join(out, 'annotated')).filter((f) => !f.startsWith('.'));
  assert.equal(pictures.length, lines.filter((l) => l.faces).length, 'a picture for each input read');
});

test('synth: every bad image named with its reason, the valid ones used, the output complete', () => {
  const r = results.get('synth images')!;
  assert.equal(r.code, 1, r.err);
  for (const c of synthImages()) {
    const named = r.err.split('\n').find((l) => l.startsWith(`facemask synth: ${img(c)}: `));
    if (c.expect === 'error') assert.ok(named && named.length > `facemask synth: ${img(c)}: `.length + 5, `${c.name} not reported:\n${r.err.slice(-3000)}`);
    else if (c.expect === 'ok') assert.equal(named, undefined, `${c.name} refused: ${named}`);
  }
  assert.ok(fs.existsSync(path.join(out, 'synth', 'manifest.jsonl')));
});

/** Frames ffprobe decodes in a file (0 when it does not play). */
function playable(file: string): number {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) || 0 : 0;
}

test('video: valid clips are annotated, damaged ones give the frames before the damage or a clear refusal, and nothing half-written is left', () => {
  for (const c of corpus.videos) {
    const r = results.get(`video ${c.name}`)!;
    const written = path.join(out, 'videos', `${c.name}.mp4`);
    if (c.expect === 'ok') {
      assert.equal(r.code, 0, `${c.name}: ${r.err}`);
      assert.ok(playable(written) > 0, `${c.name}: the output plays`);
    } else if (c.expect === 'partial' || c.expect === 'any') {
      assert.ok([0, 1, 2].includes(r.code!), `${c.name}: exit ${r.code}`);
      if (r.code !== 2) assert.ok(playable(written) > 0, `${c.name}: what was read is written and plays`);
      if (r.code !== 0) assert.match(r.err, /facemask video: /, c.name);
    } else {
      assert.equal(r.code, 2, `${c.name}: ${r.err}`);
      assert.match(r.err, /facemask video: \S/, c.name);
      assert.ok(!fs.existsSync(written), `${c.name}: no output for a video that cannot be read`);
    }
  }
  assert.deepEqual(fs.readdirSync(path.join(out, 'videos')).filter((f) => f.includes('.tmp-')), [], 'no temporary file left');
});

test('models: every tampered or broken model folder is refused by classify, detect, video, promote, serve and evaluate (exit 2, the reason)', () => {
  for (const m of corpus.models) {
    for (const verb of ['classify', 'detect', 'video', 'promote', 'serve', 'evaluate']) {
      const r = results.get(`${verb} model ${m}`)!;
      assert.equal(r.code, 2, `${verb} ${m}: exit ${r.code}\n${r.err.slice(-800)}`);
      assert.match(r.err, new RegExp(`facemask ${verb}: \\S`), `${verb} ${m}`);
      assert.equal(r.out.trim(), '', `${verb} ${m}: no result from a refused model`);
    }
    assert.ok(!fs.existsSync(path.join(out, 'promoted', m)), `promote ${m}: nothing installed`);
  }
});

test('train and inspect: nonsense settings and inputs are refused with the valid form, nothing written', () => {
  for (const r of all().filter((x) => /^(train|inspect) /.test(x.id))) {
    assert.equal(r.code, 2, `${r.id}: exit ${r.code}\n${r.err.slice(-800)}`);
    assert.match(r.err, /facemask (train|inspect): \S/, r.id);
  }
});

test('no file that existed before the run changed: the corpus, the models, the split, the committed results', () => {
  assert.deepEqual(treeChanges(hashBefore, treeHash(...watched)), []);
});

test('the corpus holds at least 200 cases across the nine verbs', () => {
  const images = explicitImages().length * 2 + synthImages().length;
  const count = images + corpus.videos.length + corpus.models.length * 6 + corpus.train.length + corpus.inspect.length;
  console.log(`fault corpus: ${count} cases (${explicitImages().length} images x classify and detect, ${synthImages().length} x synth; ${corpus.videos.length} videos; ${corpus.models.length} model folders x 6 verbs; ${corpus.train.length} train and ${corpus.inspect.length} inspect argument lists)`);
  assert.ok(count >= 200, `${count} cases`);
});
