/**
 * The everyday-unmasked dataset (`dataset/everyday-unmasked/`, see ../shared/README.md) — the one
 * owner of its rules: 64 photos of people without masks under `images/` (portraits, press photos,
 * a selfie group; make-up, beards, microphones at the mouth), every face in them `without_mask`.
 *
 * - **Layout.** Each image under `images/` is one record labelled `without_mask`: the label of every
 *   face in the photo (the faces are not annotated; a photo may hold several).
 * - **Versions.** `X_reflection.jpg` is `X.jpg` mirrored: the pair is linked (judged on the mirrored
 *   fingerprint, src/data/duplicates.ts `findLinks`), so the two share a group and a side.
 * - **Split.** By photo group like the folder datasets (70/10/20, seed 42), recorded in
 *   `dataset/splits.json`; it joined the split after the first datasets, so it is split after them
 *   and never moves them (src/data/split.ts `LATER_SPLIT_DATASETS`, `extendSplit`).
 *
 * The photos carry no licence: they are measured on, never committed or redistributed.
 */
import type { Label } from '../labels';

export const EVERYDAY_UNMASKED = 'everyday-unmasked';
/** The label of every face in every photo. */
export const EVERYDAY_LABEL: Label = 'without_mask';

/** The files of an installed copy (paths relative to it) as records to load, or why one cannot be used. */
export function everydayEntries(files: readonly string[]): { entries: { relPath: string; label: Label }[]; failures: { relPath: string; reason: string }[] } {
  const entries: { relPath: string; label: Label }[] = [];
  const failures: { relPath: string; reason: string }[] = [];
  for (const f of files) {
    if (f === 'SHA256SUMS') continue;
    if (/^images\/[^/]+$/.test(f)) entries.push({ relPath: f, label: EVERYDAY_LABEL });
    else failures.push({ relPath: f, reason: 'outside images/ (every photo of everyday-unmasked is in images/)' });
  }
  return { entries, failures };
}

/** The mirrored pairs `images/X_reflection.jpg` ↔ `images/X.jpg` among some records, as [original, mirrored]. */
export function reflectionPairs<R extends { dataset: string; relPath: string }>(records: readonly R[]): [R, R][] {
  const byPath = new Map(records.filter((r) => r.dataset === EVERYDAY_UNMASKED).map((r) => [r.relPath, r]));
  const out: [R, R][] = [];
  for (const [p, r] of byPath) {
    const m = /^(images\/.+)_reflection(\.[^./]+)$/.exec(p);
    const original = m ? byPath.get(`${m[1]}${m[2]}`) : undefined;
    if (original) out.push([original, r]);
  }
  return out.sort((a, b) => (a[0].relPath < b[0].relPath ? -1 : 1));
}
