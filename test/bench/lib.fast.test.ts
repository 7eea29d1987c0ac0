/**
 * The bench library (bench/lib.ts): one median (an even count takes the mean of the two middle values)
 * and quantile, repeated runs, typed flags that refuse anything else with the valid form, --quick and
 * --no-write never write, and the figures file carries the command, date, commit, machine and load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchUsageError, benchHelp, commandLine, idResultFile, median, medianOfRuns, parseBenchArgs, quantile, writeBenchResult } from '../../bench/lib';
import { projectPaths } from '../../src/paths';

test('median: the middle value; for an even count the mean of the two middle values; the input untouched', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([10, 2, 30]), 10, 'numbers, not strings: 10 is between 2 and 30');
  assert.equal(median([7]), 7);
  const xs = [5, 1, 4];
  median(xs);
  assert.deepEqual(xs, [5, 1, 4]);
  assert.throws(() => median([]), /of no numbers/);
  assert.throws(() => median([1, NaN]), /NaN/);
});

test('quantile: linear between the closest ranks; 0 and 1 are the extremes, 0.5 the median', () => {
  const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(quantile(xs, 0), 1);
  assert.equal(quantile(xs, 1), 10);
  assert.equal(quantile(xs, 0.5), median(xs));
  assert.ok(Math.abs(quantile(xs, 0.9) - 9.1) < 1e-12);
  assert.throws(() => quantile(xs, 1.5), /between 0 and 1/);
});

test('medianOfRuns: every run kept, the median of a number or of each field', async () => {
  const a = await medianOfRuns(3, (r) => [30, 10, 20][r]);
  assert.deepEqual(a, { median: 20, runs: [30, 10, 20] });
  const b = await medianOfRuns(2, async (r) => ({ fps: [10, 20][r], ms: [4, 2][r] }));
  assert.deepEqual(b.median, { fps: 15, ms: 3 });
});

const SPEC = {
  name: 'demo',
  summary: 'a demo',
  flags: {
    frames: { type: 'integer', value: 'N', default: 150, min: 1, help: 'frames' },
    blocks: { type: 'list', default: ['1', '2'], help: 'blocks' },
    model: { type: 'string', value: 'DIR', help: 'a model folder' },
    jsonl: { type: 'boolean', help: 'print JSON lines' },
  },
  runs: 3,
  quick: '10 frames',
} as const;

test('flags: typed values with their defaults; --runs for a speed bench; --quick runs once and writes nothing', () => {
  const a = parseBenchArgs(SPEC, [], {});
  assert.ok(a !== 'help');
  assert.deepEqual([a.flags.frames, a.flags.blocks, a.flags.model, a.flags.jsonl, a.runs, a.quick, a.write], [150, ['1', '2'], undefined, false, 3, false, true]);
  assert.match(a.resultFile, /docs\/results\/bench\/demo\.json$/);
  const b = parseBenchArgs(SPEC, ['--frames=30', '--blocks', '1,3,all', '--model', 'm', '--jsonl', '--runs', '5', '--tag', 'arena2'], {});
  assert.ok(b !== 'help');
  assert.deepEqual([b.flags.frames, b.flags.blocks, b.flags.model, b.flags.jsonl, b.runs], [30, ['1', '3', 'all'], 'm', true, 5]);
  assert.match(b.resultFile, /demo-arena2\.json$/);
  const q = parseBenchArgs(SPEC, ['--quick'], {});
  assert.ok(q !== 'help' && q.quick && !q.write && q.runs === 1);
  const small = parseBenchArgs(SPEC, [], { FACEMASK_SMALL: '1' });
  assert.ok(small !== 'help' && small.quick && !small.write, 'FACEMASK_SMALL=1 is quick mode');
  const nw = parseBenchArgs(SPEC, ['--no-write'], {});
  assert.ok(nw !== 'help' && !nw.quick && !nw.write && nw.runs === 3);
  assert.equal(parseBenchArgs(SPEC, ['--help'], {}), 'help');
});

test('anything else is refused with the valid form', () => {
  const refused = (argv: string[], re: RegExp) => assert.throws(() => parseBenchArgs(SPEC, argv, {}), (e: Error) => e instanceof BenchUsageError && re.test(e.message) && /usage: npx tsx bench\/demo\.ts /.test(e.message));
  refused(['--frame', '3'], /unknown option --frame \(valid: --frames N, --blocks A,B, --model DIR, --jsonl, --runs N, --quick, --no-write, --tag NAME, --help\)/);
  refused(['--frames', 'many'], /--frames takes a whole number, got "many" \(valid form: --frames N\)/);
  refused(['--frames', '2.5'], /--frames takes a whole number/);
  refused(['--frames', '0'], /--frames must be at least 1, got 0/);
  refused(['--frames'], /--frames N: needs a value/);
  refused(['--jsonl=yes'], /--jsonl: takes no value/);
  refused(['models/default'], /no positional arguments are taken, got "models\/default"/);
  refused(['--tag', '../x'], /--tag takes a name/);
  const help = benchHelp(SPEC);
  assert.match(help, /--frames N +frames \(default 150\)/);
  assert.match(help, /--quick +the quickest check .*: 10 frames/);
});

test('the figures file: written atomically with the command, date, commit, machine and load (git itself: lib.test.ts)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-bench-'));
  try {
    const file = path.join(dir, 'bench', 'demo.json');
    writeBenchResult('demo', { fps: 40.5 }, { argv: ['--frames', '30'], command: commandLine('demo', ['--frames', '30'], { FACEMASK_BACKEND: 'wasm', HOME: '/root' }), runs: 3, method: 'fps: median of --runs runs', loadStart: [1, 2, 3], settings: { frames: 30 }, git: { commit: 'a'.repeat(40), dirty: false, changed: [] } }, file);
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(r.format, 'facemask-bench/1');
    assert.equal(r.command, 'FACEMASK_BACKEND=wasm npx tsx bench/demo.ts --frames 30');
    assert.deepEqual(r.figures, { fps: 40.5 });
    assert.equal(r.runs, 3);
    assert.deepEqual(r.git, { commit: 'a'.repeat(40), dirty: false, changed: [] });
    assert.ok(r.machine.cores >= 1 && r.machine.cpu && r.machine.memoryGiB > 0 && r.machine.node === process.version && r.machine.platform);
    assert.deepEqual(r.load.start, [1, 2, 3]);
    assert.equal(r.load.end.length, 3);
    assert.ok(Date.parse(r.started) <= Date.parse(r.finished));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['demo.json'], 'no temporary file left');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('idResultFile: docs/results/<folder>/<id>.json for a plain id; anything else is a usage error', () => {
  assert.equal(idResultFile('small-faces', 'region-average-05'), path.join(projectPaths().results, 'small-faces', 'region-average-05.json'));
  for (const bad of [undefined, '', 'Upper', '../x', '-lead', 'a b']) assert.throws(() => idResultFile('small-faces', bad), BenchUsageError, String(bad));
});
