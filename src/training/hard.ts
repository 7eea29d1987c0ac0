/**
 * Hard training faces (`data.hard`): the training faces a model gets wrong or is unsure of — each
 * item of a recipe's training side (Kaggle fit faces, ilc2021 train crops, everyday-unmasked train
 * faces, folder images, synthetic images, the detector's boxes) classified as inference cuts it, hard
 * when the model's probability of its label is below `below` — listed once (`mineHard`), committed,
 * and read by training, which adds `copies` more copies of each listed item (each with its own views).
 * Only training items are ever listed: validation and test faces are never read here.
 *
 * The list names items by the SHA-256 of their image, their box and label, so it is independent of
 * where the datasets are installed; an item no longer in the training side is not added (counted).
 */
import * as fs from 'node:fs';
import type { Box } from '../result';
import type { TrainItem } from '../data/types';
import { writeFileAtomic } from '../util/atomic';

export interface HardExample {
  sha256: string;
  /** The face box in the image (absent: the whole image is the face). */
  box?: Box;
  label: string;
  source: string;
  /** The model's probability of the label, and the class it put first. */
  p: number;
  top: string;
}

export interface HardList {
  kind: 'hard-examples';
  version: 1;
  /** The model that was asked, and how. */
  model: { dir: string; identity: string; calibrated: boolean };
  /** An item is hard when p(label) < below. */
  below: number;
  /** Items looked at and hard, per source. */
  counts: Record<string, { items: number; hard: number }>;
  command: string;
  examples: HardExample[];
}

const keyOf = (x: { sha256: string; box?: Box; label: string }) => `${x.sha256}|${x.box ? x.box.join(',') : '-'}|${x.label}`;

/** The training items once each (copies of one face are one face), in order. */
export function uniqueFaces(items: readonly TrainItem[]): TrainItem[] {
  const seen = new Set<string>();
  return items.filter((it) => {
    const k = keyOf(it);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Is an item hard for a model: p(label) below `below` (classes in the model's order; a label the model lacks is never hard). */
export function hardness(probs: ArrayLike<number>, classes: readonly string[], label: string, below: number): { hard: boolean; p: number; top: string } | null {
  const k = classes.indexOf(label);
  if (k < 0) return null;
  let top = 0;
  for (let j = 1; j < classes.length; j++) if (probs[j] > probs[top]) top = j;
  return { hard: probs[k] < below, p: probs[k], top: classes[top] };
}

/** The list of hard items among `items` given the model's probabilities (same order). */
export function hardList(items: readonly TrainItem[], probs: readonly ArrayLike<number>[], classes: readonly string[], below: number, meta: Pick<HardList, 'model' | 'command'>): HardList {
  if (!(below > 0 && below <= 1)) throw new Error(`below must be in (0, 1], got ${below}`);
  const counts: HardList['counts'] = {};
  const examples: HardExample[] = [];
  items.forEach((it, i) => {
    const h = hardness(probs[i], classes, it.label, below);
    if (!h) return;
    const c = (counts[it.source] ??= { items: 0, hard: 0 });
    c.items++;
    if (!h.hard) return;
    c.hard++;
    examples.push({ sha256: it.sha256, ...(it.box ? { box: it.box } : {}), label: it.label, source: it.source, p: +h.p.toFixed(4), top: h.top });
  });
  return { kind: 'hard-examples', version: 1, ...meta, below, counts, examples };
}

export function writeHardList(file: string, list: HardList): void {
  writeFileAtomic(file, JSON.stringify(list, null, 1) + '\n');
}

/** Read and check a hard list. */
export function readHardList(file: string): HardList {
  if (!fs.existsSync(file)) throw new Error(`hard examples list ${file} not found (make it with npx tsx bench/mine-hard.ts)`);
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as HardList;
  if (j?.kind !== 'hard-examples' || j.version !== 1 || !Array.isArray(j.examples)) throw new Error(`${file} is not a hard examples list (kind "hard-examples", version 1)`);
  for (const e of j.examples) if (typeof e.sha256 !== 'string' || typeof e.label !== 'string' || (e.box !== undefined && !(Array.isArray(e.box) && e.box.length === 4))) throw new Error(`${file}: bad entry ${JSON.stringify(e)}`);
  return j;
}

/**
 * `copies` more copies of every training item on the list (numbered after the item's own copies, so
 * each gets its own views); how many listed faces were found among the items.
 */
export function addHardCopies(train: readonly TrainItem[], list: HardList, copies: number): { added: TrainItem[]; found: number; missing: number } {
  const want = new Set(list.examples.map(keyOf));
  const firstFree = new Map<string, number>();
  for (const it of train) {
    const k = keyOf(it);
    if (want.has(k)) firstFree.set(k, Math.max(firstFree.get(k) ?? 0, (it.copy ?? 0) + 1));
  }
  const added: TrainItem[] = [];
  for (const it of uniqueFaces(train)) {
    const k = keyOf(it);
    if (!want.has(k)) continue;
    const from = firstFree.get(k)!;
    for (let c = 0; c < copies; c++) added.push({ ...it, copy: from + c });
  }
  return { added, found: firstFree.size, missing: want.size - firstFree.size };
}
