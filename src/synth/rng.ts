/**
 * Seeded randomness for synthesis. Every generated image draws from its own stream, seeded from
 * (run seed, source file, face, copy), so results do not depend on the order or concurrency of
 * processing. The generator itself is the project's one (`src/util/random.ts`).
 */
import { mulberry32, deriveSeed, type Rng } from '../util/random';

export { mulberry32, deriveSeed, choice, type Rng } from '../util/random';

export function rngFor(...parts: (string | number)[]): Rng {
  return mulberry32(deriveSeed(...parts));
}
