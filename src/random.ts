/**
 * One documented seeded generator for everything random (docs/theory.md §2): xoshiro256++ seeded by SplitMix64 from
 * (seed, stream, row), Gaussians by the 128-layer Marsaglia–Tsang ziggurat — all inside wasm (assembly/rng.ts).
 * Each use has its own stream, so e.g. changing the noise level does not change the operator.
 */
import { ValidationError } from './errors.js';
import type { Runtime } from './runtime.js';

/** Stream numbers of the seeded generator. */
export const STREAM = {
  operator: 1,
  testOperator: 2,
  Ustar: 3,
  Vstar: 4,
  noise: 5,
  testNoise: 6,
  initF: 7,
  initG: 8,
  sketch: 9,
  /** The second vectors b_i of rank-one measurements (the first use `operator`). */
  operatorB: 10,
  testOperatorB: 11,
} as const;

/** Split a seed (integer in [0, 2^53)) into the two u32 halves the kernels take. */
export function splitSeed(seed: number): [number, number] {
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new ValidationError(`seed must be an integer in [0, 2^53), got ${seed}`);
  }
  return [Math.floor(seed / 2 ** 32) >>> 0, seed >>> 0];
}

/** `n` iid N(0, scale²) draws from (seed, stream), as a JS-owned Float64Array. */
export function gaussian(rt: Runtime, n: number, scale: number, seed: number, stream: number): Float64Array {
  const [hi, lo] = splitSeed(seed);
  const buf = rt.f64(Math.max(n, 1));
  try {
    rt.kernels.normal_f64(buf.ptr, n, scale, hi, lo, stream, rt.zigTable);
    return buf.a.slice(0, n);
  } finally {
    buf.free();
  }
}

/** `n` iid U[0, 1) draws from (seed, stream). */
export function uniform(rt: Runtime, n: number, seed: number, stream: number): Float64Array {
  const [hi, lo] = splitSeed(seed);
  const buf = rt.f64(Math.max(n, 1));
  try {
    rt.kernels.uniform_f64(buf.ptr, n, hi, lo, stream);
    return buf.a.slice(0, n);
  } finally {
    buf.free();
  }
}
