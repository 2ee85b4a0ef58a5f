import { describe, expect, it } from 'vitest';
import { symEig } from '../../src/linalg/eig.js';
import { randn } from '../../src/linalg/prng.js';
import { fromRows, maxAbs, maxAbsDiff, orthoError, randomOrthonormal, reconstruct } from './helpers.js';

// Jacobi is backward stable: ‖V Λ Vᵀ − S‖ ≲ c·n·ε‖S‖ per sweep, ~1e-14 for n ≤ 13 after ~10 sweeps.
// Eigenvalues of a symmetric matrix are perfectly conditioned (Weyl), so they match planted ones to the
// same absolute level. 1e-12 (relative to max|S|) gives ~100× headroom.
const TOL = 1e-12;

function randomSymmetric(n: number, seed: number): Float64Array {
  const X = randn(n * n, seed);
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] = X[i * n + j] + X[j * n + i];
  return S;
}

function check(S: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const { values, vectors } = symEig(S, n);
  const scale = Math.max(1, maxAbs(S));
  expect(orthoError(vectors, n, n)).toBeLessThan(TOL);
  expect(maxAbsDiff(reconstruct(vectors, values, vectors, n, n, n), S)).toBeLessThan(TOL * scale);
  for (let j = 1; j < n; j++) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
  // Each column is an eigenvector: S v = λ v.
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      let sv = 0;
      for (let p = 0; p < n; p++) sv += S[i * n + p] * vectors[p * n + j];
      expect(Math.abs(sv - values[j] * vectors[i * n + j])).toBeLessThan(TOL * scale);
    }
  }
  return { values, vectors };
}

describe('symEig', () => {
  for (const n of [1, 2, 3, 5, 7, 13]) {
    it(`decomposes a random symmetric ${n}×${n} matrix`, () => {
      check(randomSymmetric(n, 300 + n), n);
    });
  }

  it('1×1 and a hand-checked 2×2', () => {
    expect(Array.from(symEig(fromRows([[-4]]), 1).values)).toEqual([-4]);
    const { values, vectors } = check(fromRows([[2, 1], [1, 2]]), 2);
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors[0])).toBeCloseTo(Math.SQRT1_2, 14);
  });

  it('recovers a planted spectrum with repeated, zero and negative eigenvalues', () => {
    const n = 7;
    const lambda = [5, 5, 2, 0, 0, -1e-3, -3];
    const Q = randomOrthonormal(n, n, 41);
    const S = reconstruct(Q, lambda, Q, n, n, n);
    // Symmetrize exactly (the reconstruction's rounding is not exactly symmetric).
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) S[i * n + j] = S[j * n + i];
    const { values } = check(S, n);
    for (let i = 0; i < n; i++) expect(Math.abs(values[i] - lambda[i])).toBeLessThan(TOL * 5);
  });

  it('a diagonal matrix needs no rotation and comes back sorted', () => {
    const r = symEig(fromRows([[1, 0, 0], [0, 3, 0], [0, 0, 2]]), 3);
    expect(Array.from(r.values)).toEqual([3, 2, 1]);
    expect(Array.from(r.vectors)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(r.sweeps).toBe(1);
  });

  it('handles the zero matrix and tiny scales (imbalance of a 1e-6 initialization)', () => {
    const z = symEig(new Float64Array(9), 3);
    expect(Array.from(z.values)).toEqual([0, 0, 0]);
    expect(orthoError(z.vectors, 3, 3)).toBe(0);
    const S = randomSymmetric(5, 8).map((v) => v * 1e-12);
    check(S, 5);
  });

  it('rejects asymmetric, non-finite or mis-sized input and reports non-convergence', () => {
    expect(() => symEig(fromRows([[1, 2], [3, 1]]), 2)).toThrow(/not symmetric/);
    expect(() => symEig(fromRows([[1, Number.NaN], [Number.NaN, 1]]), 2)).toThrow(/NaN/);
    expect(() => symEig(new Float64Array(5), 2)).toThrow(RangeError);
    expect(() => symEig(randomSymmetric(7, 1), 7, { maxSweeps: 1 })).toThrow(/no convergence after 1 sweeps/);
  });
});
