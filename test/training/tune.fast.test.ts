/** `facemask tune` (src/training/tune.ts), the pure part: the rule picks by typed numbers within the budget. (Sweeps, real runs and promotion: tune.test.ts.) */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseSetting, type TuneRow } from '../../src/training/tune';
import type { DetectionSummary } from '../../src/evaluation/scenes';

const summary = (maskedRecall: number, falsePerImage: number, endToEnd: number) => ({ maskedRecall, falsePerImage, endToEnd }) as DetectionSummary;
const row = (threshold: number, rejectAt: number | null, trustAbove: number | null, s: DetectionSummary): TuneRow => ({ threshold, rejectAt, trustAbove, summary: s });

test('the rule: best masked recall within the budget, then end to end, then the smaller change', () => {
  const rows = [
    row(0.1, 0.2, 0.9, summary(0.95, 0.3, 0.9)), // over budget
    row(0.2, 0.3, 0.9, summary(0.85, 0.1, 0.7)),
    row(0.3, 0.3, null, summary(0.85, 0.08, 0.75)), // same recall, better end to end
    row(0.4, 0.5, null, summary(0.8, 0.02, 0.8)),
  ];
  assert.equal(chooseSetting(rows, 0.1), rows[2]);
  // a tie on both: no trusted boxes beats trusted ones, less rejection beats more, a higher threshold wins
  const tie = [row(0.2, 0.3, 0.9, summary(0.85, 0.1, 0.7)), row(0.2, 0.3, null, summary(0.85, 0.1, 0.7))];
  assert.equal(chooseSetting(tie, 0.1), tie[1]);
  const tie2 = [row(0.2, 0.3, null, summary(0.85, 0.1, 0.7)), row(0.2, null, null, summary(0.85, 0.1, 0.7)), row(0.3, null, null, summary(0.85, 0.1, 0.7))];
  assert.equal(chooseSetting(tie2, 0.1), tie2[2]);
  assert.equal(chooseSetting(rows.slice(0, 1), 0.1), null, 'nothing within the budget');
});
