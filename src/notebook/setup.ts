/**
 * What notebook 00 (setup) shows, computed cheaply: image counts per dataset and label by listing
 * the folders and sniffing each file's first bytes (no decoding), face counts of the Kaggle dev set
 * from its annotations, and a few images of each dataset for a grid.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { datasetDir, projectPaths, ProjectPaths } from '../paths';
import { DISPLAY, LABELS, Label } from '../labels';
import { sniffFile } from '../util/images';
import { parseVocXml } from '../data/voc';
import type { GridItem, ImageGridOptions } from '../charts/grid';
import type { AssetReportRow } from '../assets/index';

/** The classification datasets (folders `with_mask/`, `without_mask/`) and the annotated scene set. */
export const FOLDER_DATASETS = ['observations', 'chandrikadeb7'] as const;
export const SCENE_DATASET = 'kaggle-face-mask-dev';

export interface CountRow {
  dataset: string;
  label: Label;
  /** What is counted: whole images (folder datasets) or annotated faces (scene photos). */
  unit: 'images' | 'faces';
  count: number;
}

function naturalSort(names: string[]): string[] {
  return names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Image files of a folder (recognised by content), in natural name order. */
function imagesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return naturalSort(fs.readdirSync(dir)).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile() && sniffFile(f) !== null);
}

interface Scene {
  image: string;
  faces: { box: [number, number, number, number]; label: Label }[];
}

/** Kaggle scene photos with their parsed annotations, in natural order (missing folder → []). */
function scenes(p: ProjectPaths): Scene[] {
  const dir = datasetDir(SCENE_DATASET, p);
  const annDir = path.join(dir, 'annotations');
  if (!fs.existsSync(annDir)) return [];
  const byName = new Map(imagesIn(path.join(dir, 'images')).map((x) => [path.parse(x).name, x]));
  return naturalSort(fs.readdirSync(annDir).filter((f) => f.endsWith('.xml'))).map((f) => {
    let ann;
    try {
      ann = parseVocXml(fs.readFileSync(path.join(annDir, f), 'utf8'));
    } catch (e) {
      throw new Error(`${path.join(annDir, f)}: ${(e as Error).message}`);
    }
    const base = f.replace(/\.xml$/, '');
    const image = byName.get(base) ?? path.join(dir, 'images', ann.filename);
    return { image, faces: ann.faces.map((x) => ({ box: x.box, label: x.label })) };
  });
}

/**
 * Counts per dataset and label: images for the folder datasets, annotated faces for the Kaggle
 * scenes (plus a row per label even when it is 0, so charts show every class of a dataset).
 */
export function datasetCounts(p: ProjectPaths = projectPaths()): CountRow[] {
  const rows: CountRow[] = [];
  for (const d of FOLDER_DATASETS) {
    for (const label of ['with_mask', 'without_mask'] as Label[]) {
      rows.push({ dataset: d, label, unit: 'images', count: imagesIn(path.join(datasetDir(d, p), label)).length });
    }
  }
  const faces = scenes(p).flatMap((s) => s.faces);
  for (const label of LABELS) rows.push({ dataset: SCENE_DATASET, label, unit: 'faces', count: faces.filter((f) => f.label === label).length });
  return rows;
}

/** `n` items spread evenly over `xs` (deterministic: first, …, last). */
export function spread<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs.slice();
  return Array.from({ length: n }, (_, i) => xs[Math.round((i * (xs.length - 1)) / Math.max(1, n - 1))]);
}

export interface SampleSet {
  dataset: string;
  items: GridItem[];
  /** Grid layout and title that suit these items: `imageGrid(s.items, s.options)`. */
  options: ImageGridOptions;
}

/**
 * A few images of each dataset for `imageGrid`: `perLabel` images of each label of the folder
 * datasets (captioned with label and file), and `scenes` Kaggle photos with their annotated
 * faces drawn in the label colours.
 */
export function datasetSamples(opts: { perLabel?: number; scenes?: number } = {}, p: ProjectPaths = projectPaths()): SampleSet[] {
  const perLabel = opts.perLabel ?? 3;
  const out: SampleSet[] = [];
  for (const d of FOLDER_DATASETS) {
    const items: GridItem[] = [];
    for (const label of ['with_mask', 'without_mask'] as Label[]) {
      for (const f of spread(imagesIn(path.join(datasetDir(d, p), label)), perLabel)) {
        items.push({ image: f, caption: path.basename(f) });
      }
    }
    out.push({ dataset: d, items, options: { columns: perLabel, cellSize: 140, title: `${d}: with_mask (top row), without_mask (bottom row)` } });
  }
  const sc = spread(scenes(p), opts.scenes ?? 3);
  out.push({
    dataset: SCENE_DATASET,
    options: { columns: Math.min(3, Math.max(1, sc.length)), cellSize: 230, title: `${SCENE_DATASET}: annotated faces in the label colours` },
    items: sc.map((s) => ({
      image: s.image,
      caption: `${path.basename(s.image)}: ${s.faces.length} face${s.faces.length === 1 ? '' : 's'}`,
      boxes: s.faces.map((f) => ({ box: f.box, colour: DISPLAY[f.label].colour, text: s.faces.length <= 4 ? DISPLAY[f.label].text : undefined })),
    })),
  });
  return out;
}

/** The asset report as shown in notebook 00: sizes in MB, the sums file's SHA-256 shortened. */
export function assetRows(rows: AssetReportRow[]): Record<string, unknown>[] {
  return rows.map((r) => ({
    asset: r.name,
    folder: r.target,
    files: `${r.present}/${r.files}`,
    MB: Math.round(r.bytes / 1e5) / 10,
    status: r.status,
    'sha256 of its SHA256SUMS': r.sumsSha256.slice(0, 16) + '…',
  }));
}
