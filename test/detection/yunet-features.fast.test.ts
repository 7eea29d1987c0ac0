/**
 * YuNet's features per detection (src/detection/yunet-features.ts), the pure part: the vector's pools
 * read on hand-made maps whose every value names its channel, row and column; the slices a head reads;
 * the cells listed in `decodeYuNet`'s order; a detection found among a pass's candidates. (The feature
 * network itself, run: yunet-features.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TensorData } from '../../src/backend/engine';
import { decodeYuNet, YUNET_STRIDES } from '../../src/detection/yunet';
import { candidateOf, featureLength, featureVector, mapChannels, selectedLength, selectFeatures, yunetCells, FEATURE_POOLS, META_LENGTH, type FeatureMaps, type FeaturePass } from '../../src/detection/yunet-features';

const C = 2;
/** Maps of a W x H input: channel k at (row, col) of stride s holds s·1000 + k·100 + row·10 + col. */
function namedMaps(W: number, H: number): FeatureMaps {
  const maps: FeatureMaps = {};
  for (const s of YUNET_STRIDES) {
    const [rows, cols] = [H / s, W / s];
    const data = new Float32Array(C * rows * cols);
    for (let k = 0; k < C; k++) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[k * rows * cols + r * cols + c] = s * 1000 + k * 100 + r * 10 + c;
    maps[s] = { data, dims: [1, C, rows, cols] };
  }
  return maps;
}
const value = (s: number, k: number, r: number, c: number) => s * 1000 + k * 100 + r * 10 + c;
/** The slice of pool `p` at stride position `i` (YUNET_STRIDES order) in a full vector. */
const slice = (v: Float32Array, i: number, p: (typeof FEATURE_POOLS)[number]) => Array.from(v.subarray((i * FEATURE_POOLS.length + FEATURE_POOLS.indexOf(p)) * C, (i * FEATURE_POOLS.length + FEATURE_POOLS.indexOf(p) + 1) * C));
const close = (a: number[], b: number[], what: string) => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-3, `${what}: ${a.join(', ')} vs ${b.join(', ')}`));

test("featureVector: the own cell at the own stride, the 3x3 mean and max around it, the box centre's cell at the other strides, then score, log2 size and the stride one-hot", () => {
  const maps = namedMaps(128, 64);
  assert.equal(mapChannels(maps), C);
  // a detection from stride 16's cell (row 1, col 2); its box (network px) centred at (40, 24)
  const v = featureVector(maps, { cell: { stride: 16, row: 1, col: 2 }, netBox: [24, 8, 32, 32], score: 0.9 });
  assert.equal(v.length, featureLength(C));
  assert.equal(v.length, 3 * 6 * C + META_LENGTH);
  assert.deepEqual(slice(v, 1, 'centre'), [value(16, 0, 1, 2), value(16, 1, 1, 2)]);
  // the 3x3 around (1, 2): rows 0..2, cols 1..3 → mean at the centre's value, max at (2, 3)
  assert.deepEqual(slice(v, 1, 'mean'), [value(16, 0, 1, 2), value(16, 1, 1, 2)]);
  assert.deepEqual(slice(v, 1, 'max'), [value(16, 0, 2, 3), value(16, 1, 2, 3)]);
  // stride 8: the cell holding (40, 24) is row 3, col 5; stride 32: row 0, col 1
  assert.deepEqual(slice(v, 0, 'centre'), [value(8, 0, 3, 5), value(8, 1, 3, 5)]);
  assert.deepEqual(slice(v, 2, 'centre'), [value(32, 0, 0, 1), value(32, 1, 0, 1)]);
  // stride 32's map is 2 x 4: around (0, 1) only rows 0..1 exist → the mean is over 6 cells
  close(slice(v, 2, 'mean'), [value(32, 0, 0, 1) + 5, value(32, 1, 0, 1) + 5], 'clipped mean');
  const m = 3 * 6 * C;
  close(Array.from(v.subarray(m)), [0.9, 5, 0, 1, 0], 'meta');
});

test('featureVector: the box bands are bilinear samples inside the box, top above middle above bottom', () => {
  const maps = namedMaps(128, 128);
  const v = featureVector(maps, { cell: { stride: 8, row: 6, col: 6 }, netBox: [32, 32, 24, 48], score: 0.5 });
  const [top, middle, bottom] = (['top', 'middle', 'bottom'] as const).map((p) => slice(v, 0, p)[0]);
  // rows (value·10) grow downwards, columns (value·1) to the right: a band's mean row is its centre's
  // y in cells: box y 32..80, thirds centred at 40, 56, 72 px → (y / 8 − 0.5) = 4.5, 6.5, 8.5; x centre 44 → 5
  close([top, middle, bottom], [value(8, 0, 4.5, 5), value(8, 0, 6.5, 5), value(8, 0, 8.5, 5)], 'bands');
});

test('selectFeatures: the own stride alone, or own first then the others finest first; the meta numbers last', () => {
  const maps = namedMaps(128, 64);
  const v = featureVector(maps, { cell: { stride: 16, row: 1, col: 2 }, netBox: [24, 8, 32, 32], score: 0.9 });
  const own = selectFeatures(v, C, { strides: 'own', pools: ['centre', 'max'], meta: false });
  assert.equal(own.length, selectedLength({ strides: 'own', pools: ['centre', 'max'], meta: false }, C));
  assert.deepEqual(Array.from(own), [...slice(v, 1, 'centre'), ...slice(v, 1, 'max')]);
  const all = selectFeatures(v, C, { strides: 'all', pools: ['centre'], meta: true });
  assert.deepEqual(Array.from(all), [...slice(v, 1, 'centre'), ...slice(v, 0, 'centre'), ...slice(v, 2, 'centre'), ...Array.from(v.subarray(3 * 6 * C))]);
  assert.throws(() => selectFeatures(v.subarray(1), C, { strides: 'own', pools: ['centre'], meta: false }), /expected/);
});

/** Raw outputs of a W x H input with the given cells scoring (cls = obj = score). */
function outputsWith(W: number, H: number, cells: { s: number; row: number; col: number; score: number }[]): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  for (const s of YUNET_STRIDES) {
    const n = (W / s) * (H / s);
    for (const [kind, k] of [['cls', 1], ['obj', 1], ['bbox', 4], ['kps', 10]] as const) out[`${kind}_${s}`] = { data: new Float32Array(n * k), dims: [1, n, k] };
  }
  for (const c of cells) {
    const i = c.row * (W / c.s) + c.col;
    out[`cls_${c.s}`].data[i] = c.score;
    out[`obj_${c.s}`].data[i] = c.score;
  }
  return out;
}

test("yunetCells: the cells at or above the threshold in decodeYuNet's order, so the two zip", () => {
  const cells = [
    { s: 32, row: 1, col: 0, score: 0.9 },
    { s: 8, row: 2, col: 3, score: 0.7 },
    { s: 8, row: 0, col: 5, score: 0.6 },
    { s: 16, row: 3, col: 1, score: 0.2 },
  ];
  const out = outputsWith(64, 64, cells);
  const listed = yunetCells(out, 64, 64, 0.5);
  assert.deepEqual(listed, [{ stride: 8, row: 0, col: 5 }, { stride: 8, row: 2, col: 3 }, { stride: 32, row: 1, col: 0 }]);
  const decoded = decodeYuNet(out, { inputWidth: 64, inputHeight: 64, scaleX: 1, scaleY: 1, minConfidence: 0.5 });
  assert.equal(decoded.length, listed.length);
  // bbox offsets 0, size exp(0)·s: each decoded box is centred on its listed cell's corner-aligned centre
  decoded.forEach((d, i) => {
    const c = listed[i];
    assert.deepEqual(d.box, [(c.col - 0.5) * c.stride, (c.row - 0.5) * c.stride, c.stride, c.stride]);
  });
});

test('candidateOf: the same box with the closest score; none is an error', () => {
  const pass: FeaturePass = {
    maps: namedMaps(64, 64),
    candidates: [
      { box: [10, 10, 20, 20], score: 0.8, cell: { stride: 8, row: 2, col: 2 }, netBox: [10, 10, 20, 20] },
      { box: [10, 10, 20, 20], score: 0.6, cell: { stride: 16, row: 1, col: 1 }, netBox: [10, 10, 20, 20] },
      { box: [40, 40, 10, 10], score: 0.6, cell: { stride: 8, row: 5, col: 5 }, netBox: [40, 40, 10, 10] },
    ],
  };
  assert.equal(candidateOf(pass, { box: [10, 10, 20, 20], score: 0.62 }).cell.stride, 16);
  assert.equal(candidateOf(pass, { box: [10, 10, 20, 20.1], score: 0.79 }).cell.stride, 8);
  assert.throws(() => candidateOf(pass, { box: [30, 30, 20, 20], score: 0.6 }), /no cell of this pass/);
});
