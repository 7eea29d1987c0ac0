/**
 * The reliability diagram (src/charts/reliability.ts): one series per calibration state with its
 * ECE in the legend, empty bins left out, the diagonal drawn; the interactive view shows each bin's
 * numbers, zooms and picks a series from the legend; bad bins are refused with what is wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reliabilityChart } from '../../src/charts/index';

const bins = (acc: (k: number) => number) => Array.from({ length: 10 }, (_, k) => ({ from: k / 10, to: (k + 1) / 10, n: k < 3 ? 0 : 10 * k, confidence: k < 3 ? null : k / 10 + 0.05, accuracy: k < 3 ? null : acc(k) }));

test('reliabilityChart: both series with their ECE, empty bins left out, tooltips and legend pick in the interactive view', async () => {
  const fig = reliabilityChart(
    [
      { name: 'before', bins: bins((k) => k / 10 - 0.1), ece: 0.1234 },
      { name: 'after', bins: bins((k) => k / 10 + 0.04), ece: 0.0123 },
    ],
    { title: 'reliability' },
  );
  assert.ok(fig.svg.includes('before (ECE 0.123)') && fig.svg.includes('after (ECE 0.012)'), 'the legend names each ECE');
  const rows = JSON.stringify(fig.spec);
  assert.equal((rows.match(/"bin":"0\.[0-9]–/g) ?? []).length, 2 * 7 * 2, 'seven non-empty bins per series, in two layers');
  const tips = JSON.stringify(fig.interactiveSpec);
  for (const f of ['"field":"n"', '"field":"gap"', '"bind":"legend"', '"bind":"scales"']) assert.ok(tips.includes(f), f);
  assert.ok(!JSON.stringify(fig.spec).includes('"tooltip"'), 'the static chart has no tooltips');
  assert.ok((await fig.png()).length > 1000);
});

test('reliabilityChart refuses no series, empty bins only, and bins without numbers', () => {
  assert.throws(() => reliabilityChart([]), /no series/);
  assert.throws(() => reliabilityChart([{ name: 'x', bins: [{ from: 0, to: 1, n: 0, confidence: null, accuracy: null }] }]), /every bin is empty/);
  assert.throws(() => reliabilityChart([{ name: 'x', bins: [{ from: 0, to: 0.1, n: 3, confidence: null, accuracy: 0.5 }] }]), /series "x" bin 0 has 3 items but no confidence\/accuracy/);
  assert.throws(() => reliabilityChart([{ name: 'x', bins: [{ from: 0.5, to: 0.2, n: 3, confidence: 0.3, accuracy: 0.5 }] }]), /0 <= from < to <= 1/);
});
