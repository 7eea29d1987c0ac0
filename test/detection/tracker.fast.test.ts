import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IouTracker, NO_REUSE, classifySeen, mayReuse, smoothScores, trackBox, type Track } from '../../src/detection/tracker';
import type { Classification } from '../../src/result';

const masked: Classification = { label: 'with_mask', score: 0.9, scores: { with_mask: 0.9, without_mask: 0.1 } };
const unmasked: Classification = { label: 'without_mask', score: 0.95, scores: { with_mask: 0.05, without_mask: 0.95 } };

test('a track keeps its id while the box moves, and new faces start new tracks', () => {
  const tr = new IouTracker({ trackIou: 0.3, maxMissed: 2, smoothing: 0.3 });
  const a = tr.update([{ box: [10, 10, 50, 50], score: 0.9 }], 0)[0];
  const b = tr.update([{ box: [14, 12, 50, 50], score: 0.9 }, { box: [300, 10, 40, 40], score: 0.8 }], 1);
  assert.equal(b[0].id, a.id);
  assert.notEqual(b[1].id, a.id);
  assert.equal(tr.tracks.length, 2);
  // the first track moved 4 px right per frame: prediction continues the motion
  tr.predict();
  assert.equal(tr.tracks.find((t) => t.id === a.id)!.box[0], 18);
});

test('tracks unmatched for more than maxMissed rounds end', () => {
  const tr = new IouTracker({ trackIou: 0.3, maxMissed: 1, smoothing: 0.3 });
  tr.update([{ box: [10, 10, 50, 50], score: 0.9 }], 0);
  tr.update([], 1);
  assert.equal(tr.tracks.length, 1);
  tr.update([], 2);
  assert.equal(tr.tracks.length, 0);
});

test('a one-frame flip of the raw label does not flip the smoothed label', () => {
  const tr = new IouTracker({ trackIou: 0.3, maxMissed: 2, smoothing: 0.3 });
  const labels: string[] = [];
  const raw = [masked, masked, unmasked, masked, masked, unmasked, masked];
  raw.forEach((c, i) => {
    const [t] = tr.update([{ box: [10, 10, 50, 50], score: 0.9 }], i);
    tr.classify(t, c);
    labels.push(t.label!);
  });
  assert.ok(raw.some((c) => c.label === 'without_mask'));
  assert.deepEqual(new Set(labels), new Set(['with_mask']));
  // a lasting change does get through
  for (let i = 7; i < 12; i++) {
    const [t] = tr.update([{ box: [10, 10, 50, 50], score: 0.9 }], i);
    tr.classify(t, unmasked);
  }
  assert.equal(tr.tracks[0].label, 'without_mask');
});

test('smoothing is an exponential average', () => {
  const s = smoothScores({ with_mask: 1, without_mask: 0 }, { with_mask: 0, without_mask: 1 }, 0.25);
  assert.deepEqual(s, { with_mask: 0.75, without_mask: 0.25 });
});

test('a rejected box (not_face) is not drawn until classified as a face again', () => {
  const tr = new IouTracker({ trackIou: 0.3, maxMissed: 2, smoothing: 0.3 });
  const [t] = tr.update([{ box: [10, 10, 50, 50], score: 0.9 }], 0);
  tr.classify(t, masked);
  assert.equal(tr.visible().length, 1);
  tr.classify(t, null);
  assert.equal(tr.visible().length, 0);
});

test('fast motion between detection frames continues the track (near centre), and a stale box is not drawn twice', () => {
  const tr = new IouTracker({ trackIou: 0.3, maxMissed: 2, smoothing: 0.3 });
  const [a] = tr.update([{ box: [100, 100, 40, 40], score: 0.9 }], 0);
  tr.classify(a, masked);
  // moved 20 px: IoU 0.33 → 0.2 below trackIou, but the centre is near
  const [b] = tr.update([{ box: [120, 105, 40, 40], score: 0.9 }], 10);
  assert.equal(b.id, a.id);
  // a detection far away starts a new track; the old one is kept (missed) but hidden if it overlaps a fresh one
  const t2 = new IouTracker({ trackIou: 0.3, maxMissed: 2, smoothing: 0.3 });
  const [x] = t2.update([{ box: [0, 0, 40, 40], score: 0.9 }], 0);
  t2.classify(x, masked);
  const [y] = t2.update([{ box: [30, 30, 80, 80], score: 0.9 }], 10); // too big a change: new track
  t2.classify(y, masked);
  assert.notEqual(y.id, x.id);
  assert.equal(t2.tracks.length, 2);
  assert.deepEqual(t2.visible().map((t) => t.id), [y.id]);
});

test("the drawn label follows the classifier's decision rule (the one owner, bestEmitted)", async () => {
  const { bestLabel } = await import('../../src/detection/tracker');
  const s = { with_mask: 0.55, without_mask: 0.1, incorrect_mask: 0.35 };
  assert.equal(bestLabel(s).label, 'with_mask');
  assert.deepEqual(bestLabel(s, { incorrect_mask: 0.3 }), { label: 'incorrect_mask', score: 0.35 });
  const tr = new IouTracker({ trackIou: 0.3, maxMissed: 2, smoothing: 1, decision: { incorrect_mask: 0.3 } });
  const [t] = tr.update([{ box: [0, 0, 40, 40], score: 0.9 }], 0);
  tr.classify(t, { label: 'with_mask', score: 0.55, scores: s });
  assert.equal(t.label, 'incorrect_mask');
});

test('reuse: a sure classification stands in for a few frames while the box stays; a moved box, a doubtful score or the limit ends it', () => {
  const rule = { frames: 2, minIou: 0.7, minScore: 0.9 };
  const tr = new IouTracker({ trackIou: 0.3, maxMissed: 2, smoothing: 0.3 });
  const [t] = tr.update([{ box: [10, 10, 50, 50], score: 0.9 }], 0);
  assert.equal(mayReuse(t, rule), false, 'never classified');
  tr.classify(t, unmasked);
  tr.update([{ box: [11, 10, 50, 50], score: 0.9 }], 1);
  assert.equal(mayReuse(t, rule), true);
  tr.reuse(t);
  tr.update([{ box: [12, 10, 50, 50], score: 0.9 }], 2);
  assert.equal(mayReuse(t, rule), true);
  tr.reuse(t);
  tr.update([{ box: [13, 10, 50, 50], score: 0.9 }], 3);
  assert.equal(mayReuse(t, rule), false, 'reused for `frames` frames: classify again');
  tr.classify(t, masked); // score 0.9: still sure enough
  tr.update([{ box: [30, 10, 50, 50], score: 0.9 }], 4);
  assert.equal(mayReuse(t, rule), false, 'the box moved away from the box classified');
  tr.classify(t, { ...masked, score: 0.6 });
  tr.update([{ box: [30, 10, 50, 50], score: 0.9 }], 5);
  assert.equal(mayReuse(t, rule), false, 'a doubtful classification is not reused');
  tr.classify(t, null);
  assert.equal(mayReuse(t, rule), false, 'a rejected box is classified again');
  assert.equal(mayReuse(t, NO_REUSE), false);
});

test('a reused classification is folded in like a fresh one: the smoothed scores move as when classified every frame', () => {
  const a = new IouTracker({ trackIou: 0.3, maxMissed: 2, smoothing: 0.3 });
  const b = new IouTracker({ trackIou: 0.3, maxMissed: 2, smoothing: 0.3 });
  const [ta] = a.update([{ box: [10, 10, 50, 50], score: 0.9 }], 0);
  const [tb] = b.update([{ box: [10, 10, 50, 50], score: 0.9 }], 0);
  a.classify(ta, masked);
  b.classify(tb, masked);
  for (let i = 1; i < 4; i++) {
    a.update([{ box: [10, 10, 50, 50], score: 0.9 }], i);
    b.update([{ box: [10, 10, 50, 50], score: 0.9 }], i);
    a.classify(ta, unmasked);
    b.classify(tb, unmasked);
  }
  // a keeps classifying; b reuses its last classification: the same scores
  a.update([{ box: [10, 10, 50, 50], score: 0.9 }], 4);
  b.update([{ box: [10, 10, 50, 50], score: 0.9 }], 4);
  a.classify(ta, unmasked);
  b.reuse(tb);
  assert.deepEqual(tb.smoothed, ta.smoothed);
  assert.equal(tb.label, ta.label);
  assert.equal(tb.classified, ta.classified);
});

test('classifySeen, the step video and the page share: one batch of the tracks the rule does not let reuse, the others reuse theirs', async () => {
  const rule = { frames: 2, minIou: 0.7, minScore: 0.9 };
  const tr = new IouTracker({ trackIou: 0.3, maxMissed: 2, smoothing: 0.3 });
  const batches: ReturnType<typeof trackBox>[][] = [];
  const classify = async (due: Track[]) => (batches.push(due.map(trackBox)), due.map(() => unmasked));
  const boxes = (dx: number) => [{ box: [10 + dx, 10, 50, 50] as [number, number, number, number], score: 0.9, landmarks: [[1, 2]] as [number, number][] }, { box: [200, 10, 50, 50] as [number, number, number, number], score: 0.8 }];
  const fresh = [];
  for (let f = 0; f < 4; f++) fresh.push((await classifySeen(tr, tr.update(boxes(f === 3 ? 30 : 0), f), rule, classify)).size);
  // frame 0: both new; 1, 2: both reused; 3: the first moved away (and the second hit the limit): both classified
  assert.deepEqual(fresh, [2, 0, 0, 2]);
  assert.equal(batches.length, 2, 'one classifier call a frame, none when every track reuses');
  assert.deepEqual(batches[0][0], { box: [10, 10, 50, 50], score: 0.9, landmarks: [[1, 2]] }, 'the classifier gets the track as a detection');
  assert.deepEqual(batches[1].map((d) => d.box[0]).sort((x, y) => x - y), [40, 200]);
  const [a, b] = tr.tracks;
  assert.deepEqual([a.classified, b.classified, a.reusedFor, b.reusedFor], [4, 4, 0, 0]);
  // without reuse every seen track is classified every frame
  const every = new IouTracker({ trackIou: 0.3, maxMissed: 2, smoothing: 0.3 });
  for (let f = 0; f < 3; f++) assert.equal((await classifySeen(every, every.update(boxes(0), f), NO_REUSE, classify)).size, 2);
});
