/**
 * The test tiers (scripts/run-tests.ts): which files each tier runs, the summary it prints (time
 * against the budget, slowest files and tests, skips), and the CI rule: under CI a skipped test fails,
 * through `skipOrFail` (test/skip.ts) at once and through the runner's count for any other skip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { concurrency, fastEntry, isCi, isFast, slowFirst, parseArgs, splitFastEntry, summarise, tierFiles, TIERS, UsageError, type Tally } from '../../scripts/run-tests';
import { skipOrFail, SkipOnCiError } from '../skip';

test('a file is fast when its name ends in .fast.test.ts; the full tier runs every test file, fast ones included', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-tiers-'));
  try {
    for (const f of ['a/y.test.ts', 'a/y.fast.test.ts', 'b/z.fast.test.ts', 'b/helpers.ts', 'b/fast.ts']) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), '');
    }
    const names = (tier: keyof typeof TIERS) => tierFiles(TIERS[tier], dir).map((f) => path.relative(dir, path.resolve(path.join(__dirname, '..', '..'), f)));
    assert.deepEqual(names('fast'), ['a/y.fast.test.ts', 'b/z.fast.test.ts']);
    assert.deepEqual(names('all'), ['a/y.fast.test.ts', 'a/y.test.ts', 'b/z.fast.test.ts']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // the project's own tiers: every fast file is also in the full tier
  const fast = tierFiles(TIERS.fast);
  const all = tierFiles(TIERS.all);
  assert.ok(fast.length > 20 && fast.every((f) => all.includes(f)));
});

test('arguments: the tier first, then files of that tier; anything else is refused with the valid form', () => {
  assert.equal(parseArgs(['--help']), 'help');
  const p = parseArgs(['fast', 'test/config.fast.test.ts']);
  assert.ok(p !== 'help' && p.tier.name === 'fast' && p.files.length === 1);
  assert.throws(() => parseArgs([]), (e: Error) => e instanceof UsageError && /the first argument is the tier: fast or all, got nothing/.test(e.message));
  assert.throws(() => parseArgs(['quick']), /fast or all, got "quick"/);
  assert.throws(() => parseArgs(['fast', 'test/training/train.test.ts']), /is not in the fast tier/);
  assert.throws(() => parseArgs(['all', '--only']), /unknown flag "--only" \(valid: --help\)/);
});

test('CI is CI=true (or 1, yes…), not CI=false, 0 or empty', () => {
  assert.equal(isCi({ CI: 'true' }), true);
  assert.equal(isCi({ CI: '1' }), true);
  for (const v of [undefined, '', '0', 'false', 'FALSE']) assert.equal(isCi({ CI: v }), false, String(v));
});

const tally = (tests: Tally['tests']): Tally => ({ tests, files: { '/p/test/a.fast.test.ts': { ms: 1200, ok: true }, '/p/test/b.fast.test.ts': { ms: 300, ok: true } } });
const pass = (name: string, ms: number) => ({ file: '/p/test/a.fast.test.ts', name, status: 'pass' as const, ms });

test('the summary: counts, time against the budget, slowest files, tests over a second in the fast tier', () => {
  const s = summarise(TIERS.fast, tally([pass('quick', 5), pass('slow one', 1500)]), 12_345, 0, false);
  assert.equal(s.status, 0);
  const text = s.lines.join('\n');
  assert.match(text, /npm run test:fast: 2 files, 2 tests in 12\.3 s \(budget 60 s\) — 2 passed, 0 failed, 0 skipped/);
  assert.match(text, /slowest files: .*a\.fast\.test\.ts 1\.2 s, .*b\.fast\.test\.ts 0\.3 s/);
  assert.match(text, /tests over 1 s:\n {2}1\.5 s {2}.*a\.fast\.test\.ts › slow one/);
  assert.doesNotMatch(text, /quick/);
  const over = summarise(TIERS.fast, tally([pass('quick', 5)]), 61_000, 0, false).lines.join('\n');
  assert.match(over, /\(budget 60 s: OVER\)/);
  assert.match(over, /took longer than its 60 s budget.*move it to <y>\.test\.ts/);
  assert.match(summarise(TIERS.all, tally([pass('quick', 5)]), 61_000, 0, false).lines.join('\n'), /npm run test:unit: .* in 61\.0 s — 1 passed/);
});

test('a skip: listed with its reason; under CI it fails the run; a failing run keeps node\'s status', () => {
  const skipped = { file: '/p/test/a.test.ts', name: 'needs data', status: 'skip' as const, ms: 0, reason: 'ilc2021 is not installed' };
  const here = summarise(TIERS.all, tally([pass('x', 1), skipped]), 1000, 0, false);
  assert.equal(here.status, 0);
  assert.match(here.lines.join('\n'), /skipped \(a failure under CI=true\):\n {2}.*a\.test\.ts › needs data: ilc2021 is not installed/);
  const ci = summarise(TIERS.all, tally([pass('x', 1), skipped]), 1000, 0, true);
  assert.equal(ci.status, 1);
  assert.match(ci.lines.join('\n'), /CI=true: 1 skipped test fails the run/);
  assert.equal(summarise(TIERS.all, tally([pass('x', 1)]), 1000, 0, true).status, 0);
  assert.equal(summarise(TIERS.all, tally([skipped]), 1000, 7, true).status, 7);
});

test('skipOrFail: nothing missing runs the test; something missing skips with the reason, or fails under CI', () => {
  const skips: string[] = [];
  const t = { skip: (m?: string) => void skips.push(m ?? '') };
  assert.equal(skipOrFail(t, false, {}), false);
  assert.equal(skipOrFail(t, '', { CI: 'true' }), false);
  assert.equal(skipOrFail(t, 'ffmpeg is not installed', {}), true);
  assert.deepEqual(skips, ['ffmpeg is not installed']);
  assert.throws(() => skipOrFail(t, 'ffmpeg is not installed', { CI: 'true' }), (e: Error) => e instanceof SkipOnCiError && /CI=true, and this test would skip: ffmpeg is not installed/.test(e.message));
  assert.equal(skips.length, 1);
});

test('concurrency: the tier\'s unless FACEMASK_TEST_CONCURRENCY says otherwise; a bad value is a usage error', () => {
  assert.equal(concurrency(TIERS.all, {}), TIERS.all.concurrency);
  assert.equal(concurrency(TIERS.all, { FACEMASK_TEST_CONCURRENCY: '' }), TIERS.all.concurrency);
  assert.equal(concurrency(TIERS.all, { FACEMASK_TEST_CONCURRENCY: '2' }), 2);
  for (const bad of ['0', '1.5', 'two', '-1']) assert.throws(() => concurrency(TIERS.all, { FACEMASK_TEST_CONCURRENCY: bad }), UsageError, bad);
});

test('slowFirst: the listed files that exist go first in the listed order, the rest keep theirs; the full tier\'s list names real files', () => {
  assert.deepEqual(slowFirst(['a', 'b', 'c', 'd'], ['d', 'x', 'b']), ['d', 'b', 'a', 'c']);
  assert.deepEqual(slowFirst(['a', 'b'], []), ['a', 'b']);
  const all = tierFiles(TIERS.all);
  for (const f of TIERS.all.first ?? []) assert.ok(all.includes(f), `${f} is a test file of the full tier`);
});

test('the fast files run in one process: the guard first, then each file in order, a file that fails to load a failing test of its name', () => {
  const entry = fastEntry(['test/a/y.fast.test.ts', '/elsewhere/z.fast.test.ts'], '/p');
  const imports = [...entry.matchAll(/await import\(("[^"]+")\)/g)].map((m) => JSON.parse(m[1]) as string);
  assert.deepEqual(imports, ['/p/scripts/fast-guard.ts', '/p/test/a/y.fast.test.ts', '/elsewhere/z.fast.test.ts']);
  assert.match(entry, /catch \(e\) \{ test\("test\/a\/y\.fast\.test\.ts loads", \(\) => \{ throw e; \}\); \}/);
  assert.ok(isFast('test/a/y.fast.test.ts') && !isFast('test/a/y.test.ts'));
});

test("the tally of the fast files' process: each file's time is its tests' sum, a failure marks its file, a file that did not load is named", () => {
  const root = path.resolve(__dirname, '..', '..');
  const entry = '/tmp/x/fast-tests.mjs';
  const a = path.join(root, 'test/a/y.fast.test.ts');
  const b = path.join(root, 'test/b/z.fast.test.ts');
  const split = splitFastEntry({
    tests: [
      { file: a, name: 'one', status: 'pass', ms: 10 },
      { file: a, name: 'two', status: 'fail', ms: 5 },
      { file: '/p/test/c.test.ts', name: 'slow', status: 'pass', ms: 900 },
      { file: entry, name: 'test/b/z.fast.test.ts loads', status: 'fail', ms: 1 },
    ],
    files: { [entry]: { ms: 40, ok: false }, '/p/test/c.test.ts': { ms: 1000, ok: true } },
  }, entry);
  assert.deepEqual(split.files, { '/p/test/c.test.ts': { ms: 1000, ok: true }, [a]: { ms: 15, ok: false }, [b]: { ms: 1, ok: false } });
  assert.equal(split.tests[3].file, b);
  const none: Tally = { tests: [], files: { '/p/test/c.test.ts': { ms: 1, ok: true } } };
  assert.equal(splitFastEntry(none, entry), none, 'no fast files: the tally as it is');
});
