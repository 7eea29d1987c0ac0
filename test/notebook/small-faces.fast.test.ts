/** The small-faces approaches table (src/notebook/small-faces.ts): committed bench records read in order, one row each, NaN or — where not measured. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { markdownTable, settingText, smallFacesApproaches, smallFacesTestRows, smallFacesValidationRows } from '../../src/notebook/small-faces';

const ap = (x: number) => ({ ap: x, recall: 0.9, faces: 10, detections: 20, truePositives: 9 });
const field = (m: number) => ({
  iou: 0.5, floor: 0.05, faces: 30, boxes: 60, mAP: m, agnostic: ap(0.8),
  perClass: { with_mask: ap(0.9), without_mask: ap(0.8), incorrect_mask: ap(m) },
  bands: ['< 12', '12–24', '24–48', '>= 48'].map((band, i) => ({ band, faces: 5, mAP: i / 10, perClass: {}, agnostic: { ap: 0, recall: 0 } })),
});
const set = (name: string, recall: number, precision: number, extra: Record<string, unknown> = {}) => ({ name, description: '', report: { macro: { f1: 0.8 }, rows: [{ class: 'incorrect_mask', recall, precision }] }, withWithout: null, ...extra });
const record = (order: number, id: string, test: boolean) => ({
  format: 'facemask-bench/1',
  figures: {
    order, id, approach: `approach ${id}`, train: null, shipped: id === 'b', model: 'm', calibrated: false, setting: {},
    field: {
      sets: [{ name: 'kaggle-validation', photos: 40, field: field(0.6) }, { name: 'ilc2021-val', photos: 60, field: field(0.7) }, ...(test ? [{ name: 'kaggle-test', photos: 100, field: field(0.5) }] : [])],
      pooled: { sets: test ? ['kaggle-validation', 'ilc2021-val', 'kaggle-test'] : ['kaggle-validation', 'ilc2021-val'], photos: 100, field: field(0.65) },
    },
    sets: [set('ilc2021-val', 0.8, 0.7), set('confusers', 0, 0, { kinds: [{ kind: 'all', faces: 100, called: { with_mask: 5, without_mask: 85, incorrect_mask: 10 } }] }), set('everyday-val', 0, 0, { everyday: { withoutShare: 0.9, largeIncorrect: [{}] } })],
  },
});

test('the approaches in their order; validation and test rows from their figures', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'small-faces-'));
  fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify(record(2, 'b', true)));
  fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify(record(1, 'a', false)));
  fs.writeFileSync(path.join(dir, 'hard.json'), JSON.stringify({ kind: 'hard-examples', examples: [] })); // not an approach
  const a = smallFacesApproaches(dir);
  assert.deepEqual(a.map((x) => x.id), ['a', 'b']);
  const v = smallFacesValidationRows(a);
  assert.equal(v[0]['val mAP pooled'], 0.65);
  assert.equal(v[0].detection, '—'); // no setting recorded
  assert.deepEqual(v.map((r) => r.record), ['a', 'b']);
  assert.ok(Number.isNaN(v[1]['val mAP pooled'] as number)); // pooled over test photos too: not a validation number
  assert.equal(v[1].approach, 'approach b (shipped)');
  assert.equal(v[0]['mAP < 12 / 12–24 / 24–48 / >= 48 px'], '0 / 0.1 / 0.2 / 0.3');
  assert.equal(v[0]['ilc val incorrect R / P %'], '80 / 70');
  assert.equal(v[0]['confusers without %'], 85);
  assert.equal(v[0]['everyday val without % (large incorrect)'], '90 (1)');
  const t = smallFacesTestRows(a);
  assert.deepEqual(t.map((r) => r.approach), ['approach b (shipped)']);
  assert.equal(t[0]['Kaggle test mAP'], 0.5);
  assert.equal(t[0]['ilc test incorrect R / P %'], '—');
  assert.match(markdownTable(t), /^\| approach \| Kaggle test mAP \|.*\n\|---\|---\|/);
  assert.equal(markdownTable([]), '');
  assert.deepEqual(smallFacesApproaches(path.join(dir, 'none')), []);
});

test('the detection column says the detector, its scales, threshold and box policy', () => {
  const one = { detector: 'yunet-n', threshold: 0.6, rejectAt: null, trustAbove: 0.9, box: null, scales: null, fineBox: null };
  assert.equal(settingText(one), 'yunet-n, one scale, from 0.6, trust above 0.9');
  assert.equal(settingText({ ...one, threshold: 0.8, scales: { upscale: 1.5, split: 24, maxPixels: 1_500_000 } }), 'yunet-n, two scales (x1.5 for faces under 48 px), from 0.8, trust above 0.9');
  assert.equal(settingText({ ...one, trustAbove: null }), 'yunet-n, one scale, from 0.6, trust above —');
});
