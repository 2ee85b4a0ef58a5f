import { describe, expect, it } from 'vitest';
import { effectiveRank, eye, frobNorm, gram, matmul, matmulNT, matmulTN, transpose } from '../../src/linalg/dense.js';
import { randn } from '../../src/linalg/prng.js';
import { SHAPES, fromRows, maxAbs, maxAbsDiff, refMatmul, refTranspose } from './helpers.js';

// Products of O(1) Gaussian entries with inner dimension ≤ 13: the only difference from the naive
// reference is summation order, so 1e-14 absolute is ~50 ulps of headroom.
const TOL = 1e-14;

describe('matmul / matmulTN / matmulNT / transpose', () => {
  it('matches a hand-computed 2×3 · 3×2 product exactly', () => {
    const A = fromRows([[1, 2, 3], [4, 5, 6]]);
    const B = fromRows([[7, 8], [9, 10], [11, 12]]);
    expect(Array.from(matmul(A, B, 2, 3, 2))).toEqual([58, 64, 139, 154]);
  });

  for (const [m, k] of SHAPES) {
    for (const n of [1, 4, 7]) {
      it(`agrees with the naive definition for ${m}×${k} · ${k}×${n}`, () => {
        const A = randn(m * k, 11 + m);
        const B = randn(k * n, 23 + n);
        const ref = refMatmul(A, B, m, k, n);
        expect(maxAbsDiff(matmul(A, B, m, k, n), ref)).toBeLessThan(TOL);
        // Aᵀ stored k×m, Bᵀ stored n×k.
        expect(maxAbsDiff(matmulTN(refTranspose(A, m, k), B, m, k, n), ref)).toBeLessThan(TOL);
        expect(maxAbsDiff(matmulNT(A, refTranspose(B, k, n), m, k, n), ref)).toBeLessThan(TOL);
      });
    }
  }

  it('writes into a given out buffer and returns it (no allocation)', () => {
    const A = randn(12, 1);
    const B = randn(12, 2);
    const out = new Float64Array(9).fill(Number.NaN);
    const r = matmul(A, B, 3, 4, 3, out);
    expect(r).toBe(out);
    expect(maxAbsDiff(out, refMatmul(A, B, 3, 4, 3))).toBeLessThan(TOL);
  });

  it('transposes by definition', () => {
    const A = fromRows([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(transpose(A, 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
    const R = randn(13 * 4, 5);
    expect(Array.from(transpose(transpose(R, 13, 4), 4, 13))).toEqual(Array.from(R));
  });

  it('rejects bad shapes, non-finite input and overlapping out', () => {
    const A = new Float64Array(6);
    expect(() => matmul(A, A, 2, 3, 3)).toThrow(RangeError); // B must be 3×3 = 9
    expect(() => matmul(A, A, 2, 3, 2, new Float64Array(5))).toThrow(/out has length 5/);
    expect(() => matmul(A, new Float64Array(6), 2, 3, 2, A.subarray(0, 4))).toThrow(/overlap/);
    expect(() => matmul(A, A, 0, 3, 2)).toThrow(/m must be an integer ≥ 1/);
    expect(() => matmulTN(A, A, 2.5, 3, 2)).toThrow(RangeError);
    const bad = new Float64Array(6);
    bad[4] = Number.NaN;
    expect(() => matmulNT(bad, A, 2, 3, 2)).toThrow(/A\(1, 1\) is NaN/);
    expect(() => transpose(A, 4, 2)).toThrow(RangeError);
  });
});

describe('gram', () => {
  for (const [m, n] of SHAPES) {
    it(`equals AᵀA and is exactly symmetric for ${m}×${n}`, () => {
      const A = randn(m * n, 100 + m * n);
      const G = gram(A, m, n);
      expect(maxAbsDiff(G, refMatmul(refTranspose(A, m, n), A, n, m, n))).toBeLessThan(TOL);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(G[i * n + j]).toBe(G[j * n + i]);
    });
  }
});

describe('frobNorm / eye', () => {
  it('matches √Σa² and does not overflow or underflow', () => {
    const A = randn(35, 3);
    let ss = 0;
    for (const v of A) ss += v * v;
    expect(Math.abs(frobNorm(A) - Math.sqrt(ss))).toBeLessThan(1e-14 * Math.sqrt(ss));
    expect(frobNorm(fromRows([[3e200, 4e200]])) / 5e200).toBeCloseTo(1, 14);
    expect(frobNorm(fromRows([[3e-200, 4e-200]])) / 5e-200).toBeCloseTo(1, 14);
    expect(frobNorm(new Float64Array(4))).toBe(0);
    expect(() => frobNorm(fromRows([[1, Number.POSITIVE_INFINITY]]))).toThrow(/Infinity/);
  });

  it('eye(n) is the identity', () => {
    expect(Array.from(eye(1))).toEqual([1]);
    expect(Array.from(eye(3))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(() => eye(0)).toThrow(RangeError);
  });
});

describe('effectiveRank (Roy & Vetterli entropy rank)', () => {
  it('is r for r equal nonzero values, whatever the zeros', () => {
    expect(effectiveRank(Float64Array.from([2, 2, 2, 0, 0]))).toBeCloseTo(3, 13);
    expect(effectiveRank(Float64Array.from([7]))).toBeCloseTo(1, 14);
    expect(effectiveRank(Float64Array.from([0.5, 0, 0]))).toBeCloseTo(1, 14);
  });

  it('matches exp(H(p)) for an unequal spectrum and is scale invariant', () => {
    // p = (3/4, 1/4): H = −(3/4 ln 3/4 + 1/4 ln 1/4).
    const expected = Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)));
    expect(effectiveRank(Float64Array.from([3, 1]))).toBeCloseTo(expected, 13);
    expect(effectiveRank(Float64Array.from([3e-9, 1e-9]))).toBeCloseTo(expected, 13);
    expect(expected).toBeGreaterThan(1);
    expect(expected).toBeLessThan(2);
  });

  it('is 0 for the zero matrix and rejects negative or non-finite values', () => {
    expect(effectiveRank(new Float64Array(3))).toBe(0);
    expect(effectiveRank(new Float64Array(0))).toBe(0);
    expect(() => effectiveRank(Float64Array.from([1, -1e-3]))).toThrow(/negative/);
    expect(() => effectiveRank(Float64Array.from([1, Number.NaN]))).toThrow(/NaN/);
  });
});

it('maxAbs helper sanity (guards the tests themselves)', () => {
  expect(maxAbs(Float64Array.from([1, -3, 2]))).toBe(3);
  expect(maxAbsDiff(Float64Array.from([1, 2]), Float64Array.from([1, 2.5]))).toBe(0.5);
});
