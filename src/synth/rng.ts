/**
 * Seeded randomness for synthesis. Every generated image draws from its own stream, seeded from
 * (run seed, source file, face, copy), so results do not depend on the order or concurrency of
 * processing.
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

/** A 32-bit seed derived from any parts (stable across runs and machines). */
export function deriveSeed(...parts: (string | number)[]): number {
  const h = createHash('sha256').update(parts.map(String).join('\u0000')).digest();
  return h.readUInt32LE(0);
}

export function rngFor(...parts: (string | number)[]): Rng {
  return mulberry32(deriveSeed(...parts));
}

export function choice<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length) % xs.length];
}
