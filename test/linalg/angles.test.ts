import { describe, expect, it } from 'vitest';
import { principalAngles, subspaceDistance } from '../../src/linalg/angles.js';
import { randn } from '../../src/linalg/prng.js';
import { fromRows, randomOrthonormal, refMatmul } from './helpers.js';

// Angles come from orthonormal bases accurate to ~1e-15 and from singular values of O(1) matrices; the
// sine route keeps small angles accurate in the absolute sense to ~1e-15 (plain acos would lose half the
// digits: an angle of 1e-9 comes out as 0 or ~1.5e-8). 1e-12 absolute leaves ample headroom.
const TOL = 1e-12;

/** Columns c0..c0+k−1 of an n×w matrix. */
function cols(Q: Float64Array, n: number, w: number, c0: number, k: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) out[r * k + j] = Q[r * w + c0 + j];
  return out;
}

describe('principalAngles', () => {
  for (const [n, k] of [
    [1, 1],
    [5, 3],
    [7, 7],
    [13, 4],
    [13, 1],
  ] as Array<[number, number]>) {
    it(`a subspace with itself (under a change of basis) has all angles 0: n=${n}, k=${k}`, () => {
      const A = randn(n * k, 10 + n + k);
      const mix = randn(k * k, 20 + k); // invertible with probability 1
      const B = refMatmul(A, mix, n, k, k);
      const th = principalAngles(A, B, n, k, k);
      expect(th.length).toBe(k);
      for (const t of th) expect(t).toBeLessThan(TOL);
      expect(subspaceDistance(A, B, n, k, k)).toBeLessThan(TOL);
    });
  }

  it('orthogonal subspaces have all angles π/2', () => {
    const n = 13;
    const Q = randomOrthonormal(n, 7, 3);
    const A = refMatmul(cols(Q, n, 7, 0, 4), randn(16, 1), n, 4, 4);
    const B = cols(Q, n, 7, 4, 3);
    const th = principalAngles(A, B, n, 4, 3);
    expect(th.length).toBe(3);
    for (const t of th) expect(Math.abs(t - Math.PI / 2)).toBeLessThan(TOL);
    expect(subspaceDistance(A, B, n, 4, 3)).toBeCloseTo(1, 15);
    // n = 1 style: e1 vs e2 in R².
    expect(principalAngles(fromRows([[1], [0]]), fromRows([[0], [3]]), 2, 1, 1)[0]).toBeCloseTo(Math.PI / 2, 15);
  });

  it('a rotated pair reproduces the rotation angles, including a tiny one', () => {
    const n = 13;
    const theta = [1e-9, 0.3, Math.PI / 4, 1.2, Math.PI / 2 - 1e-9];
    const p = theta.length;
    const Q = randomOrthonormal(n, 2 * p, 11);
    const A = refMatmul(cols(Q, n, 2 * p, 0, p), randn(p * p, 12), n, p, p);
    const B0 = new Float64Array(n * p);
    for (let r = 0; r < n; r++)
      for (let j = 0; j < p; j++)
        B0[r * p + j] = Math.cos(theta[j]) * Q[r * 2 * p + j] + Math.sin(theta[j]) * Q[r * 2 * p + p + j];
    const B = refMatmul(B0, randn(p * p, 13), n, p, p);
    const th = principalAngles(A, B, n, p, p);
    for (let j = 0; j < p; j++) expect(Math.abs(th[j] - theta[j])).toBeLessThan(TOL);
    // The tiny angle to 1e-6 relative: this is the assertion plain acos would fail.
    expect(Math.abs(th[0] / theta[0] - 1)).toBeLessThan(1e-6);
    expect(Math.abs(subspaceDistance(A, B, n, p, p) - Math.sin(theta[p - 1]))).toBeLessThan(TOL);
    // Symmetric in its arguments.
    const th2 = principalAngles(B, A, n, p, p);
    for (let j = 0; j < p; j++) expect(Math.abs(th2[j] - th[j])).toBeLessThan(TOL);
  });

  it('different dimensions: min(ka, kb) angles; a contained subspace is at distance 0', () => {
    const n = 9;
    const A = randn(n * 4, 5);
    const inside = refMatmul(A, randn(4 * 2, 6), n, 4, 2); // 2-dim subspace of col(A)
    const th = principalAngles(A, inside, n, 4, 2);
    expect(th.length).toBe(2);
    for (const t of th) expect(t).toBeLessThan(TOL);
    expect(principalAngles(inside, A, n, 2, 4).length).toBe(2);
    expect(subspaceDistance(inside, A, n, 2, 4)).toBeLessThan(TOL);
    // A generic 1-dim subspace against a 4-dim one in R⁹ is not contained.
    expect(subspaceDistance(A, randn(n, 7), n, 4, 1)).toBeGreaterThan(1e-3);
    // The whole space contains everything.
    expect(subspaceDistance(randn(n * n, 8), randn(n * 3, 9), n, n, 3)).toBeLessThan(TOL);
  });

  it('known 2-D angle from explicit vectors', () => {
    const t = 0.7;
    const a = fromRows([[1], [0], [0]]);
    const b = fromRows([[Math.cos(t)], [Math.sin(t)], [0]]);
    expect(Math.abs(principalAngles(a, b, 3, 1, 1)[0] - t)).toBeLessThan(TOL);
    expect(Math.abs(principalAngles(a, fromRows([[-Math.cos(t)], [-Math.sin(t)], [0]]), 3, 1, 1)[0] - t)).toBeLessThan(TOL);
  });

  it('rejects more basis columns than the dimension', () => {
    expect(() => principalAngles(new Float64Array(6), new Float64Array(2), 2, 3, 1)).toThrow(/at most 2 basis columns/);
  });
});
