/** Box correction (src/detection/boxfit.ts): learned as medians, it maps detector boxes onto the annotated ones. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { correctBox, fitBoxCorrection, matchedPairs } from '../../src/detection/boxfit';
import { iou } from '../../src/detection/geometry';
import type { Box } from '../../src/result';

test('a known correction is learned back from matched boxes, robust to an outlier, and applying it restores the annotated boxes', () => {
  const truth = { dx: 0.05, dy: 0.1, sw: Math.log(0.9), sh: Math.log(1.2) };
  const annotated: Box[] = [[10, 10, 40, 50], [100, 30, 30, 36], [200, 60, 60, 70], [50, 120, 24, 30]];
  // the detector's box is the one the correction turns into the annotated box
  const detected = annotated.map(([x, y, w, h]): Box => {
    const dw = w / Math.exp(truth.sw);
    const dh = h / Math.exp(truth.sh);
    const cx = x + w / 2 - truth.dx * dw;
    const cy = y + h / 2 - truth.dy * dh;
    return [cx - dw / 2, cy - dh / 2, dw, dh];
  });
  const pairs = annotated.map((a, i) => ({ detected: detected[i], annotated: a }));
  pairs.push({ detected: [0, 0, 10, 10], annotated: [0, 0, 40, 40] }); // an outlier
  const c = fitBoxCorrection(pairs);
  for (const k of ['dx', 'dy', 'sw', 'sh'] as const) assert.ok(Math.abs(c[k] - truth[k]) < 1e-9, `${k}: ${c[k]} vs ${truth[k]}`);
  assert.equal(c.n, 5);
  detected.forEach((d, i) => assert.ok(iou(correctBox(d, c), annotated[i]) > 0.999));
  assert.throws(() => fitBoxCorrection([]), /no matched boxes/);
});

test('pairs: each annotated face with the detection overlapping it most, above the IoU floor', () => {
  const pairs = matchedPairs([{ faces: [{ box: [0, 0, 10, 10] }, { box: [50, 50, 10, 10] }], detections: [{ box: [1, 0, 10, 10] }, { box: [0, 1, 10, 10] }, { box: [200, 200, 5, 5] }] }]);
  assert.equal(pairs.length, 1);
  assert.deepEqual(pairs[0].annotated, [0, 0, 10, 10]);
});
