/**
 * Small deterministic pseudo-random generators, so that everything random in `linalg` (test problems,
 * randomized SVD sketches) is reproducible from a seed and identical across platforms.
 *
 * Not cryptographic. `mulberry32` has a 2³² period, ample for sketching and problem generation.
 *
 * @module
 */

/** A uniform generator: each call returns a number in [0, 1). */
export type UniformRandom = () => number;

/**
 * The mulberry32 generator (Tommy Ettinger's 32-bit mixer): a tiny, fast, well-distributed PRNG.
 *
 * @param seed - any number; it is reduced to a 32-bit unsigned integer (`seed >>> 0`), so seeds that
 *   agree modulo 2³² give the same stream.
 * @returns a function producing uniforms in [0, 1) with 32 random bits each. Allocates one closure.
 */
export function mulberry32(seed: number): UniformRandom {
  if (!Number.isFinite(seed)) throw new RangeError(`mulberry32: seed must be finite, got ${String(seed)}`);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Standard normal generator built on a uniform one by the Box–Muller transform (both outputs of each
 * pair are used, so one normal costs one uniform on average).
 *
 * @param random - the uniform source, e.g. `mulberry32(seed)`; it must return values in [0, 1).
 * @returns a function producing N(0, 1) samples. Allocates one closure.
 */
export function normalGenerator(random: UniformRandom): () => number {
  let spare = 0;
  let hasSpare = false;
  return () => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    // 1 − u lies in (0, 1], so the logarithm is finite.
    const u1 = 1 - random();
    const u2 = random();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    spare = r * Math.sin(theta);
    hasSpare = true;
    return r * Math.cos(theta);
  };
}

/**
 * Fills `out` with independent N(0, 1) samples. Allocates nothing beyond what `normal` does.
 *
 * @returns `out`.
 */
export function fillNormal(out: Float64Array, normal: () => number): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = normal();
  return out;
}

/**
 * A newly allocated array of `count` independent N(0, 1) samples — e.g. an m×n Gaussian matrix with
 * `count = m * n`.
 *
 * @param seed - a seed for `mulberry32`, or a uniform generator to draw from (which then advances).
 */
export function randn(count: number, seed: number | UniformRandom): Float64Array {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`randn: count must be a non-negative integer, got ${String(count)}`);
  }
  const random = typeof seed === 'number' ? mulberry32(seed) : seed;
  return fillNormal(new Float64Array(count), normalGenerator(random));
}
