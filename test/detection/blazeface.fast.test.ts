/**
 * `blazeface` (src/detection/blazeface.ts), the pure part: the anchor grid. (The real weights on real
 * photos: blazeface.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blazeFaceAnchors, BLAZEFACE_INPUT_SIZE } from '../../src/detection/blazeface';

test('anchors: 16x16x2 at stride 16 then 8x8x6 at stride 32, centred in their cells', () => {
  const a = blazeFaceAnchors(BLAZEFACE_INPUT_SIZE);
  assert.equal(a.length, 896);
  assert.deepEqual(a.slice(0, 3), [[8, 8], [8, 8], [24, 8]]);
  assert.deepEqual(a[512], [16, 16]);
  assert.deepEqual(a[895], [240, 240]);
});
