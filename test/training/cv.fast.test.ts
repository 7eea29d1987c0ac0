/**
 * Cross-validation (src/training/cv.ts), the pure part: comparing runs pairs faces and refuses runs
 * that held out different faces; an ensemble averages runs face by face and refuses runs that do not
 * pair; the CLI refuses bad arguments. (A real small run: cv.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareCv, ensembleCv, summariseCv, type CvFile, type CvPrediction } from '../../src/training/cv';
import type { ModelClass } from '../../src/labels';

const tmpDir = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `facemask-${name}-`));

test('comparing: paired by face, the better run gains beyond the noise; different faces are refused', () => {
  const classes: ModelClass[] = ['with_mask', 'without_mask', 'incorrect_mask'];
  const labels = ['with_mask', 'without_mask', 'incorrect_mask'] as const;
  const onehot = (k: number, p = 0.8) => classes.map((_, j) => (j === k ? p : (1 - p) / 2));
  const faces = Array.from({ length: 300 }, (_, i) => ({ file: `f${i}.jpg`, box: [0, 0, 10, 10] as [number, number, number, number], label: labels[i % 3], fold: i % 5, group: `g${i}` }));
  const good: CvPrediction[] = faces.map((f, i) => ({ ...f, probs: onehot(i % 3) }));
  // the weaker run calls every third incorrect_mask face with_mask
  const weak: CvPrediction[] = faces.map((f, i) => ({ ...f, probs: onehot(i % 3 === 2 && i % 9 !== 2 ? 0 : i % 3) }));
  const c = compareCv({ predictions: weak, classes }, { predictions: good, classes });
  assert.equal(c.faces, 300);
  assert.equal(c.b.macroF1, 1);
  assert.ok(c.a.macroF1 < 0.8 && c.gain.low > 0, `gain ${JSON.stringify(c.gain)}`);
  assert.throws(() => compareCv({ predictions: weak, classes }, { predictions: good.slice(1), classes }), /held out different faces/);
  const s = summariseCv(good, classes, 5);
  assert.equal(s.perFold.length, 5);
  assert.ok(s.perFold.every((f) => f.macroF1 === 1));
  assert.equal(s.pooled.report.macro.f1, 1);
});

test('an ensemble averages the runs face by face: two runs wrong on different faces are right together; runs that do not pair are refused', () => {
  const classes: ModelClass[] = ['with_mask', 'without_mask', 'incorrect_mask'];
  const labels = ['with_mask', 'without_mask', 'incorrect_mask'] as const;
  const faces = Array.from({ length: 120 }, (_, i) => ({ file: `f${i}.jpg`, box: [0, 0, 10, 10] as [number, number, number, number], label: labels[i % 3], fold: i % 5, group: `g${i}` }));
  // each run puts 0.45 on a wrong class for half the faces (its own half) and 0.55 on the right one elsewhere
  const probs = (right: number, wrong: boolean) => classes.map((_, j) => (j === right ? (wrong ? 0.35 : 0.55) : j === (right + 1) % 3 ? (wrong ? 0.45 : 0.25) : 0.2));
  const run = (odd: number): CvFile => {
    const predictions: CvPrediction[] = faces.map((f, i) => ({ ...f, probs: probs(i % 3, i % 2 === odd) }));
    return { format: 'facemask-cv/1', preset: 'realworld', overrides: {}, recipe: {} as CvFile['recipe'], synth: null, folds: 5, seed: 42, classes, ...summariseCv(predictions, classes, 5), predictions, seconds: 10 };
  };
  const [a, b] = [run(0), run(1)];
  assert.ok(a.pooled.report.accuracy < 0.6 && b.pooled.report.accuracy < 0.6);
  const e = ensembleCv([{ name: 'a', cv: a }, { name: 'b', cv: b }]);
  assert.equal(e.pooled.report.accuracy, 1, 'the mean of 0.35 and 0.55 beats the mean of 0.45 and 0.25');
  assert.deepEqual(e.predictions[0].probs, [0.45, 0.35, 0.2]);
  assert.equal(e.preset, 'ensemble');
  assert.deepEqual(e.members?.map((m) => m.name), ['a', 'b']);
  assert.deepEqual(e.predictions.map((p) => p.fold), a.predictions.map((p) => p.fold));
  assert.ok(compareCv(a, e).gain.low > 0);
  assert.throws(() => ensembleCv([{ name: 'a', cv: a }]), /at least two cv runs/);
  const moved = { ...b, predictions: b.predictions.map((p, i) => (i === 0 ? { ...p, fold: (p.fold + 1) % 5 } : p)) };
  assert.throws(() => ensembleCv([{ name: 'a', cv: a }, { name: 'moved', cv: moved }]), /held out different faces or folds/);
  assert.throws(() => ensembleCv([{ name: 'a', cv: a }, { name: 'two', cv: { ...b, classes: ['with_mask', 'without_mask'] } }]), /averages the same classes/);
});

test('CLI: cv refuses a bad comparison or synth list with what to do', async () => {
  const { main } = await import('../../src/cli/main');
  const err: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    assert.equal(await main(['cv', '--compare', 'runs/cv/only-one']), 2);
    assert.match(err.join('\n'), /--compare takes two cv run folders: A B/);
    assert.equal(await main(['cv', '--compare', tmpDir('cv-a'), tmpDir('cv-b')]), 2);
    assert.match(err.join('\n'), /no cv\.json at .*make one with facemask cv/);
    assert.equal(await main(['cv', '--synth', 'none', 'elsewhere']), 2);
    assert.match(err.join('\n'), /--synth none means no synthetic images/);
    assert.equal(await main(['cv', '--folds', '1']), 2);
    assert.equal(await main(['cv', '--ensemble', 'runs/cv/only-one']), 2);
    assert.match(err.join('\n'), /--ensemble takes two or more cv run folders/);
    assert.equal(await main(['cv', '--set', 'data.ilc2021Copies=0']), 2);
    assert.match(err.join('\n'), /must train on them .*data\.ilc2021Copies = 0/);
    assert.equal(await main(['cv', '--preset', 'original']), 2);
    assert.match(err.join('\n'), /the split data/);
  } finally {
    console.error = orig;
  }
});
