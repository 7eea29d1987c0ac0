/**
 * YuNet's own multi-scale features per detection, for a class head on the detector's features (a
 * one-stage alternative to classifying crops; src/training/onestage.ts measures it).
 *
 * YuNet (src/detection/yunet.ts) predicts from one shared map per stride (8, 16, 32): the `cls`,
 * `obj`, `bbox` and `kps` branches all read it. `withYuNetFeatures` appends those maps to the ONNX
 * graph's outputs as `feat_8`, `feat_16`, `feat_32` (`[1, C, H/s, W/s]`, C = 64 for both networks;
 * src/model/onnx/outputs.ts), found by the weights of each stride's class branch
 * (`bbox_head.multi_level_cls.<i>.conv1.weight`), so one run gives the usual outputs and the maps.
 *
 * A detection's features (`featureVector`), at each stride: the map's vector at one cell, the mean
 * and the maximum over the 3x3 cells around it (cells outside the map left out), and the box's top,
 * middle and bottom thirds each pooled by bilinear samples (RoIAlign-like). The cell is the
 * detection's own (the anchor it was predicted from) at its own stride, and the cell holding the
 * box centre at the other two. Then 5 numbers: the face score, log2 of the box's shorter side in
 * network pixels, and the own stride one-hot. `FEATURE_PARTS` names the slices, so a head may read
 * some of them (`selectFeatures`).
 *
 * `yunetCells` lists the cells `decodeYuNet` decodes, in its order, so the two zip.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Box } from '../result';
import type { RgbImage } from '../util/images';
import type { Engine, Net, TensorData } from '../backend/engine';
import { appendGraphOutputs, tensorFeeding } from '../model/onnx/outputs';
import { clipBox, iou } from './geometry';
import { decodeYuNet, yunetInput, YUNET_INPUT, YUNET_STRIDES, type YuNetInputOptions } from './yunet';
import { yunetModelDir, type YuNetVariant } from './yunet-node';
import type { FaceDetection } from './types';

/** The appended outputs, one per stride (YUNET_STRIDES' order). */
export const YUNET_FEATURE_OUTPUTS = YUNET_STRIDES.map((s) => `feat_${s}`);
/** The pools taken at each stride, in the vector's order. */
export const FEATURE_POOLS = ['centre', 'mean', 'max', 'top', 'middle', 'bottom'] as const;
export type FeaturePool = (typeof FEATURE_POOLS)[number];
/** The numbers after the maps: face score, log2 shorter side (network px), own stride one-hot (3). */
export const META_LENGTH = 5;

/** The model's bytes with the three shared head maps as extra outputs (`YUNET_FEATURE_OUTPUTS`). */
export function withYuNetFeatures(bytes: Uint8Array): Uint8Array {
  const extra = YUNET_STRIDES.map((_, i) => ({ tensor: tensorFeeding(bytes, `bbox_head.multi_level_cls.${i}.conv1.weight`), as: YUNET_FEATURE_OUTPUTS[i] }));
  return appendGraphOutputs(bytes, extra);
}

/** Read `<dir>/<variant>_dynamic.onnx`, expose its maps and load it on `engine`. The caller owns the network. */
export async function loadYuNetFeatureNet(engine: Engine, variant: YuNetVariant, dir: string = yunetModelDir()): Promise<Net> {
  const file = path.join(dir, `${variant}_dynamic.onnx`);
  return engine.load(withYuNetFeatures(new Uint8Array(fs.readFileSync(file))));
}

/** A cell of one of YuNet's grids. */
export interface YuNetCell {
  stride: number;
  row: number;
  col: number;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** The cells scoring at least `minConfidence`, in `decodeYuNet`'s order (stride, row, column). */
export function yunetCells(outputs: Record<string, TensorData>, W: number, H: number, minConfidence: number): YuNetCell[] {
  const cells: YuNetCell[] = [];
  for (const s of YUNET_STRIDES) {
    const cols = W / s;
    const cls = outputs[`cls_${s}`].data;
    const obj = outputs[`obj_${s}`].data;
    for (let i = 0; i < cls.length; i++) {
      if (Math.sqrt(clamp01(cls[i]) * clamp01(obj[i])) >= minConfidence) cells.push({ stride: s, row: Math.floor(i / cols), col: i % cols });
    }
  }
  return cells;
}

/** The three maps by stride. */
export type FeatureMaps = Record<number, TensorData>;

/** Channels of the maps (the same at every stride). */
export function mapChannels(maps: FeatureMaps): number {
  const c = maps[YUNET_STRIDES[0]].dims[1];
  for (const s of YUNET_STRIDES) if (maps[s].dims.length !== 4 || maps[s].dims[1] !== c) throw new Error(`feature map ${s}: dims [${maps[s].dims.join(', ')}], expected [1, ${c}, rows, cols]`);
  return c;
}

/** Length of a detection's vector for maps of `channels` channels. */
export const featureLength = (channels: number) => YUNET_STRIDES.length * FEATURE_POOLS.length * channels + META_LENGTH;

/** Write the centre, 3x3 mean and 3x3 max of `map` around (row, col) into `out` at `at`. */
function poolCell(map: TensorData, row: number, col: number, out: Float32Array, at: number): void {
  const [, C, rows, cols] = map.dims;
  const plane = rows * cols;
  const r = Math.min(rows - 1, Math.max(0, row));
  const c = Math.min(cols - 1, Math.max(0, col));
  for (let k = 0; k < C; k++) {
    const base = k * plane;
    let sum = 0;
    let max = -Infinity;
    let n = 0;
    for (let dr = -1; dr <= 1; dr++) {
      const rr = r + dr;
      if (rr < 0 || rr >= rows) continue;
      for (let dc = -1; dc <= 1; dc++) {
        const cc = c + dc;
        if (cc < 0 || cc >= cols) continue;
        const v = map.data[base + rr * cols + cc];
        sum += v;
        if (v > max) max = v;
        n++;
      }
    }
    out[at + k] = map.data[base + r * cols + c];
    out[at + C + k] = sum / n;
    out[at + 2 * C + k] = max;
  }
}

/** Sample points of a band, as fractions of the box: 3 across, 2 down within the band's third. */
const BAND_XS = [0.25, 0.5, 0.75];
const BAND_YS = [0.25, 0.75];

/**
 * The box's three horizontal bands (top, middle, bottom third) pooled from `map` by bilinear samples
 * (RoIAlign-like, 6 points a band; a cell's value sits at its centre), written into `out` at `at`.
 */
function poolBands(map: TensorData, stride: number, box: Box, out: Float32Array, at: number): void {
  const [, C, rows, cols] = map.dims;
  const plane = rows * cols;
  const [x0, y0, w, h] = box;
  for (let b = 0; b < 3; b++) {
    const taps: { i: number; wt: number }[] = [];
    for (const fy of BAND_YS) {
      for (const fx of BAND_XS) {
        const u = Math.min(cols - 1, Math.max(0, (x0 + fx * w) / stride - 0.5));
        const v = Math.min(rows - 1, Math.max(0, (y0 + ((b + fy) / 3) * h) / stride - 0.5));
        const c0 = Math.floor(u);
        const r0 = Math.floor(v);
        const c1 = Math.min(cols - 1, c0 + 1);
        const r1 = Math.min(rows - 1, r0 + 1);
        const [du, dv] = [u - c0, v - r0];
        const n = BAND_XS.length * BAND_YS.length;
        taps.push({ i: r0 * cols + c0, wt: ((1 - du) * (1 - dv)) / n }, { i: r0 * cols + c1, wt: (du * (1 - dv)) / n }, { i: r1 * cols + c0, wt: ((1 - du) * dv) / n }, { i: r1 * cols + c1, wt: (du * dv) / n });
      }
    }
    for (let k = 0; k < C; k++) {
      let sum = 0;
      for (const t of taps) sum += t.wt * map.data[k * plane + t.i];
      out[at + b * C + k] = sum;
    }
  }
}

/** What a detection's vector is made from: its cell, its box in network px, its score. */
export interface CellDetection {
  cell: YuNetCell;
  /** The box in network pixels (before clipping). */
  netBox: Box;
  score: number;
}

/** A detection's vector (see the module comment): `featureLength(C)` numbers. */
export function featureVector(maps: FeatureMaps, d: CellDetection): Float32Array {
  const C = mapChannels(maps);
  const out = new Float32Array(featureLength(C));
  const [bx, by, bw, bh] = d.netBox;
  const centre = [bx + bw / 2, by + bh / 2];
  YUNET_STRIDES.forEach((s, i) => {
    const own = s === d.cell.stride;
    const row = own ? d.cell.row : Math.floor(centre[1] / s);
    const col = own ? d.cell.col : Math.floor(centre[0] / s);
    poolCell(maps[s], row, col, out, i * FEATURE_POOLS.length * C);
    poolBands(maps[s], s, d.netBox, out, (i * FEATURE_POOLS.length + 3) * C);
  });
  const m = YUNET_STRIDES.length * FEATURE_POOLS.length * C;
  out[m] = d.score;
  out[m + 1] = Math.log2(Math.max(1, Math.min(bw, bh)));
  YUNET_STRIDES.forEach((s, i) => (out[m + 2 + i] = s === d.cell.stride ? 1 : 0));
  return out;
}

/** Which slices of the vector a head reads. */
export interface FeatureSpec {
  /** The detection's own stride only, or all three (own first, then the others finest first). */
  strides: 'own' | 'all';
  pools: readonly FeaturePool[];
  /** Append the 5 meta numbers. */
  meta: boolean;
}

/** Length of the selected vector. */
export const selectedLength = (spec: FeatureSpec, channels: number) => (spec.strides === 'own' ? 1 : YUNET_STRIDES.length) * spec.pools.length * channels + (spec.meta ? META_LENGTH : 0);

/** The slices `spec` names, out of full vectors (`featureLength(C)` numbers each) of `channels` channels. */
export function selectFeatures(vec: Float32Array, channels: number, spec: FeatureSpec): Float32Array {
  const C = channels;
  const m = YUNET_STRIDES.length * FEATURE_POOLS.length * C;
  if (vec.length !== featureLength(C)) throw new Error(`selectFeatures: a vector of ${vec.length} numbers, expected ${featureLength(C)}`);
  const own = [0, 1, 2].find((i) => vec[m + 2 + i] === 1);
  if (own === undefined) throw new Error('selectFeatures: the vector names no stride');
  const strides = spec.strides === 'own' ? [own] : [own, ...[0, 1, 2].filter((i) => i !== own)];
  const out = new Float32Array(selectedLength(spec, C));
  let at = 0;
  for (const i of strides) {
    for (const p of spec.pools) {
      const from = (i * FEATURE_POOLS.length + FEATURE_POOLS.indexOf(p)) * C;
      out.set(vec.subarray(from, from + C), at);
      at += C;
    }
  }
  if (spec.meta) out.set(vec.subarray(m, m + META_LENGTH), at);
  return out;
}

/** One decoded cell of a pass: the detection (box clipped to the image, original pixels) and what its vector needs. */
export interface PassCandidate extends CellDetection {
  box: Box;
}

/** One run of the feature network on an image: every cell at or above the threshold, and the maps. */
export interface FeaturePass {
  candidates: PassCandidate[];
  maps: FeatureMaps;
}

/** Run `net` (from `loadYuNetFeatureNet`) on `image` scaled as YuNet's `opts` say; cells at or above `minConfidence`. */
export async function runFeaturePass(net: Net, image: RgbImage, opts: YuNetInputOptions, minConfidence: number): Promise<FeaturePass> {
  const x = yunetInput(image, opts);
  const out = await net.run({ [YUNET_INPUT]: x.input });
  const [, , H, W] = x.input.dims;
  const decoded = decodeYuNet(out, { inputWidth: W, inputHeight: H, scaleX: x.scaleX, scaleY: x.scaleY, minConfidence });
  const cells = yunetCells(out, W, H, minConfidence);
  if (cells.length !== decoded.length) throw new Error(`yunet features: ${cells.length} cells for ${decoded.length} detections`);
  const candidates: PassCandidate[] = [];
  decoded.forEach((f, i) => {
    const box = clipBox(f.box, image.width, image.height);
    if (!box) return;
    const [bx, by, bw, bh] = f.box;
    candidates.push({ box, score: f.score, cell: cells[i], netBox: [bx / x.scaleX, by / x.scaleY, bw / x.scaleX, bh / x.scaleY] });
  });
  const maps: FeatureMaps = {};
  YUNET_STRIDES.forEach((s, i) => {
    const t = out[YUNET_FEATURE_OUTPUTS[i]];
    if (!t) throw new Error(`yunet features: output ${YUNET_FEATURE_OUTPUTS[i]} is missing: load the network with loadYuNetFeatureNet`);
    maps[s] = t;
  });
  return { candidates, maps };
}

/**
 * The pass's candidate a detection came from: the same box (IoU >= `minIou`) with the closest score.
 * Throws when there is none (the detection was not found by this pass at this threshold).
 */
export function candidateOf(pass: FeaturePass, d: FaceDetection, minIou = 0.98): PassCandidate {
  let best: PassCandidate | undefined;
  let bestKey = -Infinity;
  for (const c of pass.candidates) {
    const v = iou(c.box, d.box);
    if (v < minIou) continue;
    const key = v - Math.abs(c.score - d.score);
    if (key > bestKey) [best, bestKey] = [c, key];
  }
  if (!best) throw new Error(`yunet features: no cell of this pass gives the box [${d.box.map((v) => v.toFixed(1)).join(', ')}] (score ${d.score.toFixed(3)})`);
  return best;
}
