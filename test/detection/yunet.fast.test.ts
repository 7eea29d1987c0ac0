/**
 * `yunet` (src/detection/yunet.ts), the pure part: decoding checked cell by cell on hand-made raw
 * outputs; the input builder on known pixels; the detector's imports are browser-safe. (The real
 * yunet_s / yunet_n networks on real photos: yunet.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TensorData } from '../../src/backend/engine';
import { decodeYuNet, yunetInput, YUNET_STRIDES } from '../../src/detection/yunet';
import { DetectorError } from '../../src/detection/types';
import type { RgbImage } from '../../src/util/images';

// ---- decoding, on hand-made outputs -----------------------------------------------------------

/** All-zero raw outputs for a W x H input (score 0 everywhere). */
function blankOutputs(W: number, H: number): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  for (const s of YUNET_STRIDES) {
    const cells = (W / s) * (H / s);
    for (const [kind, k] of [['cls', 1], ['obj', 1], ['bbox', 4], ['kps', 10]] as const) out[`${kind}_${s}`] = { data: new Float32Array(cells * k), dims: [1, cells, k] };
  }
  return out;
}

/** Set one cell's raw values. */
function setCell(out: Record<string, TensorData>, s: number, W: number, row: number, col: number, v: { cls: number; obj: number; bbox: number[]; kps: number[] }) {
  const i = row * (W / s) + col;
  out[`cls_${s}`].data[i] = v.cls;
  out[`obj_${s}`].data[i] = v.obj;
  out[`bbox_${s}`].data.set(v.bbox, i * 4);
  out[`kps_${s}`].data.set(v.kps, i * 10);
}

const close = (a: number[], b: number[], eps = 1e-4) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= eps);

test('decode: a known cell gives a known box, score and landmarks, scaled to the original image', () => {
  const [W, H] = [64, 32];
  const out = blankOutputs(W, H);
  // stride 8, row 2, col 5: score sqrt(0.81·1) = 0.9; centre (5.5·8, 2.25·8) = (44, 18); size (2·8, 3·8) = (16, 24)
  setCell(out, 8, W, 2, 5, { cls: 0.81, obj: 1, bbox: [0.5, 0.25, Math.log(2), Math.log(3)], kps: [0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1] });
  // stride 32, row 0, col 1: cls above 1 is clamped → sqrt(1·0.49) = 0.7; centre (32, 16), size 32 x 32
  setCell(out, 32, W, 0, 1, { cls: 1.5, obj: 0.49, bbox: [0, 0.5, 0, 0], kps: new Array(10).fill(0.5) });
  // below the threshold (sqrt(0.2) ≈ 0.45) and a negative score (clamped to 0): not reported
  setCell(out, 16, W, 1, 3, { cls: 0.2, obj: 1, bbox: [0, 0, 0, 0], kps: new Array(10).fill(0) });
  setCell(out, 16, W, 0, 0, { cls: -3, obj: -3, bbox: [0, 0, 0, 0], kps: new Array(10).fill(0) });
  const faces = decodeYuNet(out, { inputWidth: W, inputHeight: H, scaleX: 2, scaleY: 0.5, minConfidence: 0.5 }).sort((a, b) => b.score - a.score);
  assert.equal(faces.length, 2);
  const [a, b] = faces;
  assert.ok(Math.abs(a.score - 0.9) < 1e-6);
  assert.ok(close(a.box, [(44 - 8) * 2, (18 - 12) * 0.5, 16 * 2, 24 * 0.5]), `box ${a.box}`);
  const expected = [[5, 2], [6, 2], [5.5, 2.5], [5, 3], [6, 3]].map(([c, r]) => [c * 8 * 2, r * 8 * 0.5]);
  assert.ok(close(a.landmarks!.flat(), expected.flat()), `landmarks ${JSON.stringify(a.landmarks)}`);
  assert.ok(Math.abs(b.score - 0.7) < 1e-6);
  assert.ok(close(b.box, [(32 - 16) * 2, 0, 64, 16]), `box ${b.box}`);
  assert.ok(close(b.landmarks!.flat(), new Array(5).fill([48 * 2, 16 * 0.5]).flat()));
  // a threshold of 0 reports every cell of the three grids
  assert.equal(decodeYuNet(out, { inputWidth: W, inputHeight: H, scaleX: 1, scaleY: 1, minConfidence: 0 }).length, 8 * 4 + 4 * 2 + 2 * 1);
});

test('decode: outputs that do not fit the input size are refused with what was expected', () => {
  const out = blankOutputs(64, 32);
  const o = { inputWidth: 64, inputHeight: 64, scaleX: 1, scaleY: 1, minConfidence: 0.5 };
  assert.throws(() => decodeYuNet(out, o), (e: Error) => e instanceof DetectorError && /output cls_8 has 32 values, expected 8x8x1 for a 64x64 input/.test(e.message));
  const { kps_16, ...noKps } = out;
  assert.ok(kps_16);
  assert.throws(() => decodeYuNet(noKps, { ...o, inputHeight: 32 }), /output kps_16 is missing/);
  assert.throws(() => decodeYuNet(out, { ...o, inputWidth: 65 }), /input sides must be positive multiples of 32, got 65x64/);
});

// ---- the input builder ------------------------------------------------------------------------

function rgb(width: number, height: number, f: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y), (y * width + x) * 3);
  return { data, width, height };
}

test('input: BGR planes, zero padding right and bottom to multiples of 32, odd and tiny sizes', () => {
  const img = rgb(641, 479, (x, y) => [x % 256, y % 256, 7]);
  const x = yunetInput(img);
  assert.deepEqual(x.input.dims, [1, 3, 480, 672]);
  assert.deepEqual([x.width, x.height, x.scaleX, x.scaleY], [641, 479, 1, 1]);
  const plane = 480 * 672;
  const at = (c: number, px: number, py: number) => x.input.data[c * plane + py * 672 + px];
  assert.deepEqual([at(0, 300, 100), at(1, 300, 100), at(2, 300, 100)], [7, 100, 300 % 256], 'B, G, R planes');
  assert.deepEqual([at(2, 640, 478), at(2, 641, 478), at(1, 640, 479)], [640 % 256, 0, 0], 'padding is zero');
  const one = yunetInput(rgb(1, 1, () => [10, 20, 30]));
  assert.deepEqual(one.input.dims, [1, 3, 32, 32]);
  assert.deepEqual([one.input.data[0], one.input.data[1024], one.input.data[2048], one.input.data[1]], [30, 20, 10, 0]);
});

test('input: large images are downscaled (bilinear) to maxSide, then upscaled by the factor', () => {
  // a horizontal ramp stays a ramp: output column x samples source column (x + 0.5)·k − 0.5
  const ramp = rgb(2000, 100, (x) => [Math.round(x / 8), 0, 0]);
  const x = yunetInput(ramp);
  assert.deepEqual([x.width, x.height], [1024, 51]);
  assert.deepEqual(x.input.dims, [1, 3, 64, 1024]);
  assert.ok(Math.abs(x.scaleX - 2000 / 1024) < 1e-12 && Math.abs(x.scaleY - 100 / 51) < 1e-12);
  const red = (px: number) => x.input.data[2 * 64 * 1024 + 10 * 1024 + px];
  for (const px of [100, 500, 900]) assert.ok(Math.abs(red(px) - ((px + 0.5) * x.scaleX - 0.5) / 8) < 0.6, `column ${px}: ${red(px)}`);
  const small = yunetInput(rgb(300, 200, () => [1, 2, 3]), { maxSide: 1024, upscale: 2 });
  assert.deepEqual([small.width, small.height, small.scaleX, small.scaleY], [600, 400, 0.5, 0.5]);
  assert.deepEqual(small.input.dims, [1, 3, 416, 608]);
  assert.deepEqual([small.input.data[0], small.input.data[416 * 608], small.input.data[2 * 416 * 608]], [3, 2, 1]);
  assert.throws(() => yunetInput({ data: new Uint8Array(5), width: 2, height: 1 }), /image data has 5 bytes, expected 2x1x3 = 6 \(RGB\)/);
  assert.throws(() => yunetInput({ data: new Uint8Array(0), width: 0, height: 0 }), /image size must be positive whole numbers, got 0x0/);
  assert.throws(() => yunetInput(ramp, { upscale: 0 }), /upscale must be a positive number, got 0/);
});

// ---- browser safety -------------------------------------------------------------------------

/** Runtime (non-type) imports of a source file, resolved to files under src/. */
function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms), ...text.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1]);
  return specs.map((s) => (s.startsWith('.') ? path.resolve(path.dirname(file), s) + '.ts' : s));
}

test('the detector is browser-safe: no runtime import beyond pure project files (no node:, sharp, tfjs, onnxruntime)', () => {
  const src = path.resolve(__dirname, '../../src');
  assert.deepEqual(runtimeImports(path.join(src, 'backend/engine.ts')), []);
  const seen = new Set<string>();
  const walk = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const dep of runtimeImports(f)) {
      assert.ok(dep.startsWith(src), `${path.relative(src, f)} imports "${dep}" at run time`);
      walk(dep);
    }
  };
  walk(path.join(src, 'detection/yunet.ts'));
  assert.deepEqual([...seen].map((f) => path.relative(src, f)).sort(), ['detection/geometry.ts', 'detection/scales.ts', 'detection/types.ts', 'detection/yunet.ts', 'model/setting.ts']);
});
