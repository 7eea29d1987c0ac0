/** The video summary (src/detection/summary.ts): faces are tracks, each under the label it held longest; brief tracks are not counted; the timeline's runs; the CSV. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrackLog, tracksCsv, summaryLine } from '../../src/detection/summary';
import type { FrameInfo } from '../../src/detection/video';
import type { Label } from '../../src/labels';

type T = { id: number; label?: Label; drawn?: boolean; score?: number };
const frame = (index: number, tracks: T[]): FrameInfo => ({
  index,
  detected: true,
  tracks: tracks.map((t) => ({ id: t.id, box: [0, 0, 10, 10], label: t.label, score: t.score ?? 0.9, fresh: true, drawn: t.drawn ?? true })),
});

test('faces are counted as tracks, not frames; each under the label it held on the most frames, with its share', () => {
  const log = new TrackLog();
  // face 1: 6 frames, 4 without then 2 with; face 2: 3 frames with; face 3: 1 frame (brief)
  const labels1: Label[] = ['without_mask', 'without_mask', 'with_mask', 'without_mask', 'without_mask', 'with_mask'];
  labels1.forEach((l, i) => log.add(frame(i, [{ id: 1, label: l }, ...(i >= 2 && i < 5 ? [{ id: 2, label: 'with_mask' as Label, score: 0.8 }] : []), ...(i === 4 ? [{ id: 3, label: 'incorrect_mask' as Label }] : [])])));
  const s = log.summary({ input: 'door.mp4', fps: 2, minFrames: 2, complete: true });
  assert.equal(s.kind, 'video-summary');
  assert.equal(s.frames, 6);
  assert.equal(s.seconds, 3);
  assert.equal(s.faces, 2);
  assert.equal(s.brief, 1);
  assert.deepEqual(s.byLabel, { with_mask: 1, without_mask: 1, incorrect_mask: 0 });
  const [a, b, c] = s.tracks;
  assert.deepEqual([a.id, a.label, a.share, a.frames, a.firstSeen, a.lastSeen], [1, 'without_mask', 0.6667, 6, 0, 2.5]);
  assert.deepEqual(a.labels, { with_mask: 2, without_mask: 4 });
  assert.deepEqual([b.id, b.label, b.share, b.meanScore, b.firstSeen, b.lastSeen], [2, 'with_mask', 1, 0.8, 1, 2]);
  assert.equal(c.counted, false);
  assert.match(summaryLine(s), /^2 faces seen in 3\.0 s: 1 with a mask, 1 without, 0 worn incorrectly \(1 brief track not counted\)$/);
});

test('the timeline: one run per stretch of consecutive frames with one label; a gap ends a run; brief tracks left out', () => {
  const log = new TrackLog();
  const seq: (Label | null)[] = ['with_mask', 'with_mask', null, 'with_mask', 'without_mask'];
  seq.forEach((l, i) => log.add(frame(i, [l ? { id: 7, label: l } : { id: 7, label: 'with_mask', drawn: false }, ...(i === 0 ? [{ id: 8, label: 'with_mask' as Label }] : [])])));
  const s = log.summary({ input: 'x', fps: 10, minFrames: 2, complete: false });
  assert.deepEqual(s.segments, [
    { id: 7, label: 'with_mask', from: 0, to: 0.2 },
    { id: 7, label: 'with_mask', from: 0.3, to: 0.4 },
    { id: 7, label: 'without_mask', from: 0.4, to: 0.5 },
  ]);
  assert.equal(s.tracks[0].frames, 4, 'a frame it was not drawn on is not counted');
  assert.match(summaryLine(s), /\(until stopped\)/);
});

test('tracks never drawn (rejected boxes, no label yet) are not faces; an empty video has none', () => {
  const log = new TrackLog();
  log.add(frame(0, [{ id: 1 }, { id: 2, label: 'with_mask', drawn: false }]));
  const s = log.summary({ input: 'x', fps: 25, minFrames: 1, complete: true });
  assert.equal(s.faces, 0);
  assert.deepEqual(s.tracks, []);
  assert.equal(tracksCsv(s), 'id,first_seen_s,last_seen_s,frames,label,share,mean_confidence,counted\n');
});

test('the CSV: a header and one row per track, the summary\'s numbers', () => {
  const log = new TrackLog();
  for (let i = 0; i < 3; i++) log.add(frame(i, [{ id: 4, label: 'incorrect_mask', score: 0.7 }]));
  const csv = tracksCsv(log.summary({ input: 'x', fps: 30, minFrames: 3, complete: true })).trim().split('\n');
  assert.equal(csv.length, 2);
  assert.equal(csv[1], '4,0,0.067,3,incorrect_mask,1,0.7,true');
});
