/** The timeline chart of a video's faces (src/charts/timeline.ts): a row per face, runs in the labels' colours, long lists cut to the faces seen longest. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timelineChart, TIMELINE_MAX_FACES } from '../../src/charts/timeline';

test('a row per face in order of appearance, each run a bar in its label\'s colour; an interactive view', async () => {
  const fig = timelineChart([
    { id: 3, label: 'without_mask', from: 1, to: 2.5 },
    { id: 1, label: 'with_mask', from: 0, to: 1 },
    { id: 1, label: 'incorrect_mask', from: 1, to: 1.5 },
  ], { title: 'door', seconds: 3 });
  assert.match(fig.svg, /face 1/);
  assert.match(fig.svg, /face 3/);
  assert.ok(fig.svg.indexOf('face 1') < fig.svg.indexOf('face 3'), 'face 1 was seen first: its row comes first');
  for (const c of ['rgb(0, 200, 0)', 'rgb(230, 0, 0)', 'rgb(255, 140, 0)']) assert.ok(fig.svg.includes(c.replace(/ /g, '')) || fig.svg.includes(c), `colour ${c}`);
  assert.ok((await fig.png()).length > 1000);
  assert.match(fig.html(), /vega/);
});

test('more faces than the chart holds: the ones seen longest, and the title says so; a bad run is refused', () => {
  const runs = Array.from({ length: TIMELINE_MAX_FACES + 5 }, (_, i) => ({ id: i + 1, label: 'with_mask', from: 0, to: i + 1 }));
  const fig = timelineChart(runs, { title: 'many' });
  assert.match(fig.svg, new RegExp(`the ${TIMELINE_MAX_FACES} seen longest of ${TIMELINE_MAX_FACES + 5}`));
  assert.doesNotMatch(fig.svg, />face 1</, 'the shortest face is left out');
  assert.throws(() => timelineChart([{ id: 1, label: 'with_mask', from: 2, to: 1 }]), /from <= to/);
});
