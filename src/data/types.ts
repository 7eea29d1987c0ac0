/** The typed records of the data stage, shared by loading, grouping, splitting and training. */
import type { Box } from '../result';
import type { Label } from '../labels';

export type DatasetName = 'observations' | 'chandrikadeb7' | 'kaggle-face-mask-dev' | 'ilc2021' | string;
export type SplitName = 'train' | 'val' | 'test';

/**
 * A labelled face — the one type for "a labelled box in a photo" (annotations, measured faces,
 * training items): a box `[x, y, w, h]` in the photo `file`, or the whole image when `box` is absent
 * (the folder datasets' images are one face each). `L` is wider for training items (`not_face`).
 */
export interface FaceItem<L extends string = Label> {
  /** Absolute path of the image file. */
  file: string;
  box?: Box;
  label: L;
}

/** Where a training item comes from. */
export type ItemSource = 'split' | 'chandrikadeb7' | 'extra' | 'kaggle-fit' | 'kaggle-validation' | 'kaggle-test' | 'synth' | 'synth-confuser' | 'detector' | 'ilc2021' | 'everyday';

/**
 * A face as training and evaluation see it: a labelled face (`FaceItem`, labels may include the
 * internal `not_face`) with the photo's SHA-256, its near-duplicate group, and where it came from.
 */
export interface TrainItem extends FaceItem<string> {
  sha256: string;
  source: ItemSource;
  /** Near-duplicate group of the photo (the leakage check). */
  group: string;
  /** Copies of one face get different views (over-sampling of scarce real scene faces). default: 0 */
  copy?: number;
  /** The face's 5 landmarks (YuNet's order) for the aligned crop, when a landmark detector found them (src/training/landmarks.ts). */
  landmarks?: [number, number][];
}

/** An annotated photo (a Kaggle dev scene, an ilc2021 scene): the image file and its faces, every size. */
export interface AnnotatedScene {
  file: string;
  faces: (FaceItem & { box: Box })[];
}

/** An annotated face of a scene photo (the annotation file names the photo). */
export type AnnotatedFace = Omit<FaceItem, 'file'> & { box: Box };

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
  /** Scene photos: the annotated faces, boxes converted to [x, y, w, h]; an ilc2021 crop: its one face, the box inside the crop. */
  faces?: AnnotatedFace[];
  /** ilc2021: the photo the image shows (a scene's file stem; a crop's `photo`). */
  photo?: string;
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

/** The file `dataset/splits.json` (docs/contracts.md "Splits"). */
export interface SplitFile {
  seed: number;
  ratios: { train: number; val: number; test: number };
  datasets: DatasetName[];
  images: Record<string, SplitEntry>;
}
