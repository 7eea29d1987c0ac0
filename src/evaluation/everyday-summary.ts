/**
 * What the everyday-unmasked measurement reports (./everyday.ts runs it), pure: the faces the pipeline
 * kept on one side's photos and what each was called, the share called `without_mask`, and the large
 * faces (shorter side > `EVERYDAY_LARGE_PX`) called `incorrect_mask` — the error a user sees first.
 */
import { LABELS, type Label } from '../labels';
import type { Box } from '../result';
import type { SplitName } from '../data/types';

/** Faces whose shorter side is above this (px) must never be called incorrect_mask. */
export const EVERYDAY_LARGE_PX = 100;

/** One kept box of an everyday photo: where, how large, what it was called. */
export interface EverydayFace {
  file: string;
  box: Box;
  faceScore: number;
  label: Label;
  score: number;
}

export interface EverydaySummary {
  side: SplitName;
  photos: number;
  /** Boxes the pipeline kept (each a face that should be called without_mask). */
  faces: number;
  called: Record<Label, number>;
  /** called.without_mask / faces (NaN without faces). */
  withoutShare: number;
  /** Kept faces whose shorter side is > `largePx`, and those of them called incorrect_mask (each listed). */
  largePx: number;
  large: number;
  largeIncorrect: { file: string; box: Box; score: number }[];
  /** Photos where no box was kept. */
  photosWithoutFaces: number;
}

/** The summary of the kept faces of `photos` photos (pure). */
export function summariseEveryday(side: SplitName, photos: readonly string[], faces: readonly EverydayFace[], largePx = EVERYDAY_LARGE_PX): EverydaySummary {
  const called = Object.fromEntries(LABELS.map((l) => [l, 0])) as Record<Label, number>;
  for (const f of faces) called[f.label]++;
  const isLarge = (f: EverydayFace) => Math.min(f.box[2], f.box[3]) > largePx;
  const withFaces = new Set(faces.map((f) => f.file));
  return {
    side,
    photos: photos.length,
    faces: faces.length,
    called,
    withoutShare: faces.length ? called.without_mask / faces.length : NaN,
    largePx,
    large: faces.filter(isLarge).length,
    largeIncorrect: faces.filter((f) => isLarge(f) && f.label === 'incorrect_mask').map((f) => ({ file: f.file, box: f.box, score: f.score })),
    photosWithoutFaces: photos.filter((p) => !withFaces.has(p)).length,
  };
}

/** "everyday-val: 12 faces kept on 7 photos, 11 called without_mask (91.7 %); with_mask 0, incorrect_mask 1; faces > 100 px: 5, 1 called incorrect_mask" */
export function everydayLine(name: string, e: EverydaySummary): string {
  const pct = Number.isFinite(e.withoutShare) ? `${(e.withoutShare * 100).toFixed(1)} %` : '—';
  return `${name}: ${e.faces} faces kept on ${e.photos} photos (${e.photosWithoutFaces} with none), ${e.called.without_mask} called without_mask (${pct}); with_mask ${e.called.with_mask}, incorrect_mask ${e.called.incorrect_mask}; faces > ${e.largePx} px: ${e.large}, ${e.largeIncorrect.length} called incorrect_mask`;
}
