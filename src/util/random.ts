/**
 * Seeded randomness, one implementation for the whole project: splits, augmentation and synthesis
 * never depend on `Math.random`, and each derives its streams from seeds in its own way below.
 */
import { createHash } from 'node:crypto';

export type Rng = () => number;

/** mulberry32: a small, fast 32-bit generator; uniform in [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the parts' text: a fast 32-bit seed from (seed, key, view) — augmentation's. */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  const s = parts.join('\u0000');
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A 32-bit seed from SHA-256 of the parts (stable across runs and machines) — synthesis'. */
export function deriveSeed(...parts: (string | number)[]): number {
  const h = createHash('sha256').update(parts.map(String).join('\u0000')).digest();
  return h.readUInt32LE(0);
}

export function choice<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length) % xs.length];
}
