/** The typed records of the data stage, shared by loading, grouping, splitting and training. */
import type { Box } from '../result';
import type { Label } from '../labels';

export type DatasetName = 'observations' | 'chandrikadeb7' | 'kaggle-face-mask-dev' | string;
export type SplitName = 'train' | 'val' | 'test';
/** The Kaggle dev set is split by photo, fixed: images 0–199 tune, 200–299 test. */
export type KaggleSplit = 'tune' | 'test';

/** An annotated face in a scene photo (Kaggle dev set). */
export interface AnnotatedFace {
  box: Box;
  label: Label;
}

/** One image of one dataset. */
export interface ImageRecord {
  dataset: DatasetName;
  /** Path relative to the dataset folder, with forward slashes (e.g. `with_mask/0-with-mask.jpg`). */
  relPath: string;
  /** Absolute path on this machine. */
  path: string;
  /** Image-level label (classification datasets); undefined for scene photos. */
  label?: Label;
  width: number;
  height: number;
  format: string;
  bytes: number;
  sha256: string;
  /** Scene photos only: the annotated faces, boxes converted to [x, y, w, h]. */
  faces?: AnnotatedFace[];
  /** Colour space as stored (`srgb`, `b-w`, `cmyk`, …), before conversion to RGB. */
  space?: string;
  /** Whether the stored image has an alpha channel (flattened on white when decoded). */
  hasAlpha?: boolean;
  /** EXIF orientation (1–8) when present; `width`/`height` are after applying it. */
  orientation?: number;
}

/** A file of a dataset that could not be used, with the reason. */
export interface LoadFailure {
  dataset: DatasetName;
  relPath: string;
  path: string;
  reason: string;
}

/** One entry of `dataset/splits.json`, keyed by the SHA-256 of the image bytes. */
export interface SplitEntry {
  dataset: DatasetName;
  /** Path relative to the dataset folder, with forward slashes. */
  path: string;
  label: Label;
  group: string;
  split: SplitName;
  /** Other files with exactly the same bytes (same SHA-256), if any: `dataset/relPath`. */
  copies?: string[];
}

/** The file `dataset/splits.json` (CONVENTIONS.md "Splits"). */
export interface SplitFile {
  seed: number;
  ratios: { train: number; val: number; test: number };
  datasets: DatasetName[];
  images: Record<string, SplitEntry>;
}
