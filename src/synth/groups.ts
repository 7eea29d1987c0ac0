/**
 * The original tutorial's caveat, enforced: a synthetic image and the photo it was made from are
 * versions of one photo. So
 *  1. every generated image joins the group of its source photo (docs/contracts.md "Splits": a group
 *     is never on two sides of a split), and
 *  2. photos used as sources of synthetic masks are removed from `without_mask` training data, unless
 *     the user says otherwise (`allowSources`); synthetic confusers (label `without_mask`) keep their
 *     source, but a confuser drawn on a photo that is also a mask source is not used
 *     (`separateConfusers`), so no face is shown both masked and, as a confuser, unmasked.
 * This applies to `facemask synth` outputs (their `manifest.jsonl`); the tutorial's
 * `observations` set is already synthetic and is handled by its own groups (src/data/).
 *
 * Groups come from the data stage (`groupImages(...).groupOf`, or the `group` field of
 * `dataset/splits.json` entries): both key images by the SHA-256 of their bytes, which the synth
 * manifest records for the source (`sourceSha256`) and for each generated image (`sha256`).
 */
import type { ImageRecord, SplitFile, SplitName } from '../data/types';
import type { SynthManifestEntry } from './synth';

/** A group lookup by SHA-256: a Map (from `groupImages`) or a split file. */
export type GroupSource = Map<string, string> | SplitFile;

function groupLookup(g: GroupSource): (sha: string) => string | undefined {
  if (g instanceof Map) return (sha) => g.get(sha);
  return (sha) => g.images[sha]?.group;
}

/** The group id the data stage gives a photo that has no near-duplicates ('g' + 12 hex digits). */
export const singletonGroup = (sha: string) => 'g' + sha.slice(0, 12);

/**
 * The group of every generated image: its source photo's group, or — when the source is in no
 * group yet (not part of the datasets that were grouped) — the source's own singleton id, which
 * is what the data stage would give it. Keyed by the generated image's SHA-256; merge it into the
 * groups passed to the split (`new Map([...grouping.groupOf, ...synthGroups(m, grouping.groupOf)])`).
 */
export function synthGroups(manifests: SynthManifestEntry[] | SynthManifestEntry[][], groups: GroupSource): Map<string, string> {
  const all = (manifests.length && Array.isArray(manifests[0]) ? (manifests as SynthManifestEntry[][]).flat() : manifests) as SynthManifestEntry[];
  const look = groupLookup(groups);
  const out = new Map<string, string>();
  for (const e of all) out.set(e.sha256, look(e.sourceSha256) ?? singletonGroup(e.sourceSha256));
  return out;
}

/**
 * The split of every generated image: its source's split in `split` (so a generated image of a
 * test photo is a test image, never training data); sources outside the split file are
 * training-only material, so their images go to `train`.
 */
export function synthSplits(manifests: SynthManifestEntry[] | SynthManifestEntry[][], split: SplitFile): Map<string, { group: string; split: SplitName }> {
  const all = (manifests.length && Array.isArray(manifests[0]) ? (manifests as SynthManifestEntry[][]).flat() : manifests) as SynthManifestEntry[];
  const out = new Map<string, { group: string; split: SplitName }>();
  for (const e of all) {
    const src = split.images[e.sourceSha256];
    out.set(e.sha256, src ? { group: src.group, split: src.split } : { group: singletonGroup(e.sourceSha256), split: 'train' });
  }
  return out;
}

export interface ExcludeOptions {
  /** Keep synthesis sources as `without_mask` examples (the user accepts the leak risk). default: false */
  allowSources?: boolean;
}

/**
 * Remove the photos used as synthesis sources from `without_mask` data. Records of other labels
 * are never removed. Returns the kept records and the excluded ones (for reporting).
 */
export function excludeSynthSources<R extends Pick<ImageRecord, 'sha256' | 'label'>>(
  records: R[],
  manifests: SynthManifestEntry[] | SynthManifestEntry[][],
  opts: ExcludeOptions = {},
): { kept: R[]; excluded: R[] } {
  if (opts.allowSources) return { kept: [...records], excluded: [] };
  const all = (manifests.length && Array.isArray(manifests[0]) ? (manifests as SynthManifestEntry[][]).flat() : manifests) as SynthManifestEntry[];
  const sources = new Set(all.map((e) => e.sourceSha256));
  const kept: R[] = [], excluded: R[] = [];
  for (const r of records) (r.label === 'without_mask' && sources.has(r.sha256) ? excluded : kept).push(r);
  return { kept, excluded };
}

/**
 * Synthetic masks and synthetic confusers apart: `masks` (with_mask, incorrect_mask), `confusers`
 * (without_mask) whose source made no mask, and `dropped`, the confusers drawn on a mask's source.
 */
export function separateConfusers(entries: SynthManifestEntry[]): { masks: SynthManifestEntry[]; confusers: SynthManifestEntry[]; dropped: SynthManifestEntry[] } {
  const masks = entries.filter((e) => e.label !== 'without_mask');
  const maskSources = new Set(masks.map((e) => e.sourceSha256));
  const confusers: SynthManifestEntry[] = [], dropped: SynthManifestEntry[] = [];
  for (const e of entries) if (e.label === 'without_mask') (maskSources.has(e.sourceSha256) ? dropped : confusers).push(e);
  return { masks, confusers, dropped };
}
