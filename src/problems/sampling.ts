import type { SamplingInfo } from './problem.js';

/** m against the r(n1 + n2 − r) degrees of freedom of a rank-r matrix (docs/theory.md §9.7). */
export function samplingInfo(m: number, n1: number, n2: number, r?: number): SamplingInfo {
  return {
    oversamplingRank: r === undefined ? undefined : m / (r * (n1 + n2 - r)),
    ambientDimension: n1 * n2,
  };
}

/** Degrees of freedom of an n1 × n2 matrix of rank k: k (n1 + n2 − k). */
export function degreesOfFreedom(n1: number, n2: number, k: number): number {
  const kk = Math.min(k, n1, n2);
  return kk * (n1 + n2 - kk);
}
