/** Class labels, their display names and colours — the conventions' single source. */

export const LABELS = ['with_mask', 'without_mask', 'incorrect_mask'] as const;
export type Label = (typeof LABELS)[number];

/** Internal classes a model may have but never emits (rejected boxes are dropped). */
export const INTERNAL_LABELS = ['not_face'] as const;
export type InternalLabel = (typeof INTERNAL_LABELS)[number];
export type ModelClass = Label | InternalLabel;

export function isLabel(s: string): s is Label {
  return (LABELS as readonly string[]).includes(s);
}

/** Annotation names found in the data, mapped to our labels. */
const ALIASES: Record<string, Label> = {
  with_mask: 'with_mask',
  without_mask: 'without_mask',
  incorrect_mask: 'incorrect_mask',
  mask_weared_incorrect: 'incorrect_mask',
  with_incorrect_mask: 'incorrect_mask',
};

/** Map a dataset's label name to ours; throws on an unknown name. */
export function normaliseLabel(name: string): Label {
  const l = ALIASES[name.trim()];
  if (!l) throw new Error(`unknown label "${name}" (known: ${Object.keys(ALIASES).join(', ')})`);
  return l;
}

/** What is drawn on pictures and video. */
export const DISPLAY: Record<Label, { text: string; colour: [number, number, number] }> = {
  with_mask: { text: 'Mask', colour: [0, 200, 0] },
  without_mask: { text: 'No Mask', colour: [230, 0, 0] },
  incorrect_mask: { text: 'Mask Worn Incorrectly', colour: [255, 140, 0] },
};

/** "Mask 99%" — the drawn text for a label and score. */
export function displayText(label: Label, score: number): string {
  return `${DISPLAY[label].text} ${(score * 100).toFixed(0)}%`;
}
