/**
 * The nose-and-mouth region model's geometry and how its probabilities join a whole-face
 * classifier's (docs/experiments/small-faces.md, "A nose-and-mouth region model"). Pure.
 *
 * The region is an aligned crop (src/model/crop.ts) whose template puts a square on the face by its
 * landmarks: centred `along` of the way from the eyes' midpoint to the mouth corners' midpoint (0.68:
 * between the nose tip, about half way, and the mouth), its side `side` eye-to-mouth distances (1.4:
 * the nose bridge at the top edge, about 0.4 of that distance below the mouth at the bottom). A model
 * trained on that crop looks at one question — is the nose covered, is there a mask edge below it.
 */
import type { ModelClass } from '../labels';
import { checkAlignTemplate, type AlignTemplate } from './crop';

/**
 * The aligned-crop template of a square centred `along` of the way from the eyes to the mouth, of
 * side `side` eye-to-mouth distances: eyes at 0.5 − along/side, mouth at 0.5 + (1 − along)/side of
 * the side. Throws when the eyes or the mouth would fall outside the crop (the template's own rule).
 */
export function regionTemplate(along: number, side: number): AlignTemplate {
  if (!(along >= 0 && along <= 1) || !(side > 0 && Number.isFinite(side))) throw new Error(`regionTemplate: along must be in [0, 1] and side > 0, got along ${along}, side ${side}`);
  return checkAlignTemplate({ eyeY: 0.5 - along / side, mouthY: 0.5 + (1 - along) / side }, `the region centred ${along} of the way from eyes to mouth, side ${side}`);
}

/** The region the shipped study trained on: centred 0.68 of the way from the eyes to the mouth, side 1.4 eye-to-mouth distances (eyes 0.014, mouth 0.729 of the side, to 3 decimals). */
export const REGION_ALONG = 0.68;
export const REGION_SIDE = 1.4;

/**
 * How the region model's probabilities join the whole-face model's, for a face with landmarks:
 *  - `average`: (1 − weight)·face + weight·region, every class;
 *  - `redistribute`: the face model's with_mask + incorrect_mask mass kept, and split between the two
 *    by (1 − weight)·the face model's share of incorrect_mask in it + weight·the region model's; the
 *    other classes as the face model gives them.
 */
export interface RegionMix {
  kind: 'average' | 'redistribute';
  /** The region model's weight, in [0, 1]. */
  weight: number;
}

/** A mix from its short form: `average:0.5`, `redistribute:1`. */
export function parseRegionMix(s: string): RegionMix {
  const m = /^(average|redistribute):([0-9.]+)$/.exec(s.trim());
  const w = m ? Number(m[2]) : NaN;
  if (!m || !(w >= 0 && w <= 1)) throw new Error(`a region mix is average:W or redistribute:W with W in [0, 1] (e.g. redistribute:0.5), got ${JSON.stringify(s)}`);
  return { kind: m[1] as RegionMix['kind'], weight: w };
}

/** A mix's short form (`parseRegionMix`'s input; also a file-name part). */
export const regionMixName = (m: RegionMix): string => `${m.kind}:${m.weight}`;

/**
 * One face's probabilities from the face model's (`face`) and the region model's (`region`), both in
 * `classes` order, by `mix`. With no region probabilities (a face without landmarks): `face` as is.
 */
export function mixRegion(face: Float32Array, region: Float32Array | null, classes: readonly ModelClass[], mix: RegionMix): Float32Array {
  if (!region) return face;
  if (region.length !== face.length || face.length !== classes.length) throw new Error(`mixRegion: ${face.length} face and ${region.length} region probabilities for ${classes.length} classes`);
  const w = mix.weight;
  if (mix.kind === 'average') return face.map((p, k) => (1 - w) * p + w * region[k]);
  const iw = classes.indexOf('with_mask');
  const ii = classes.indexOf('incorrect_mask');
  if (iw < 0 || ii < 0) throw new Error(`mixRegion: redistribute needs with_mask and incorrect_mask among the classes [${classes.join(', ')}]`);
  const out = Float32Array.from(face);
  const mass = face[iw] + face[ii];
  const share = (a: number, b: number) => (a + b > 0 ? b / (a + b) : 0.5);
  const s = (1 - w) * share(face[iw], face[ii]) + w * share(region[iw], region[ii]);
  out[iw] = mass * (1 - s);
  out[ii] = mass * s;
  return out;
}
