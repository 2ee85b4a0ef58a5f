import { describe, expect, it } from 'vitest';
import { cholSolveRight, cholesky, pinvSym, pinvSymWithRank, solveRightPsd } from '../../src/linalg/cholesky.js';
import { gram } from '../../src/linalg/dense.js';
import { randn } from '../../src/linalg/prng.js';
import { fromRows, maxAbs, maxAbsDiff, refMatmul, refTranspose } from './helpers.js';

// Cholesky and triangular solves are backward stable: ‖LLᵀ − S‖ ≲ c·n·ε‖S‖ and the solve residual
// ‖X·S − B‖ ≲ c·n·ε‖X‖‖S‖ (both ~1e-14 here, n ≤ 13). Tolerances 1e-12 of the relevant scale.
const TOL = 1e-12;

/** A well-conditioned SPD matrix: XᵀX + n·I. */
function spd(n: number, seed: number): Float64Array {
  const S = gram(randn((n + 2) * n, seed), n + 2, n);
  for (let i = 0; i < n; i++) S[i * n + i] += n;
  return S;
}

/** Rank-r PSD n×n: XᵀX with X r×n. */
function psdRank(n: number, r: number, seed: number): Float64Array {
  return gram(randn(r * n, seed), r, n);
}

describe('cholesky', () => {
  for (const n of [1, 2, 3, 7, 13]) {
    it(`factors an SPD ${n}×${n} matrix: L lower with positive diagonal, LLᵀ = S`, () => {
      const S = spd(n, 10 + n);
      const L = cholesky(S, n);
      expect(L).not.toBeNull();
      const Lm = L as Float64Array;
      for (let i = 0; i < n; i++) {
        expect(Lm[i * n + i]).toBeGreaterThan(0);
        for (let j = i + 1; j < n; j++) expect(Lm[i * n + j]).toBe(0);
      }
      expect(maxAbsDiff(refMatmul(Lm, refTranspose(Lm, n, n), n, n, n), S)).toBeLessThan(TOL * maxAbs(S));
    });
  }

  it('returns null for indefinite, negative, singular and nearly singular matrices', () => {
    expect(cholesky(fromRows([[1, 2], [2, 1]]), 2)).toBeNull(); // eigenvalues 3, −1
    expect(cholesky(fromRows([[-1]]), 1)).toBeNull();
    expect(cholesky(fromRows([[0]]), 1)).toBeNull();
    expect(cholesky(psdRank(7, 3, 5), 7)).toBeNull(); // rank 3 of 7
    // Nearly singular: [[1, 1], [1, 1 + 1e-15]] has pivot 1e-15 < 4·2·ε ≈ 1.8e-15 → null, but with a
    // looser guard it factors.
    const near = fromRows([[1, 1], [1, 1 + 1e-15]]);
    expect(cholesky(near, 2)).toBeNull();
    expect(cholesky(near, 2, { pivotTol: 0 })).not.toBeNull();
    // A well-conditioned diagonal with wildly different scales passes (the guard is relative).
    expect(cholesky(fromRows([[1e-20, 0], [0, 1e20]]), 2)).not.toBeNull();
  });
});

describe('cholSolveRight', () => {
  for (const [rows, n] of [
    [5, 3],
    [1, 1],
    [13, 4],
    [4, 7],
    [0, 3],
  ] as Array<[number, number]>) {
    it(`solves X·S = B for B ${rows}×${n}`, () => {
      const S = spd(n, 40 + n);
      const L = cholesky(S, n) as Float64Array;
      const B = randn(rows * n, 50 + rows);
      const X = cholSolveRight(B, rows, L, n);
      const resid = maxAbsDiff(refMatmul(X, S, rows, n, n), B);
      expect(resid).toBeLessThanOrEqual(TOL * Math.max(1, maxAbs(X)) * maxAbs(S) * n);
      if (rows > 0) expect(maxAbs(X)).toBeGreaterThan(0);
    });
  }

  it('works in place (out = B) with the same result, and fills a given out', () => {
    const n = 5;
    const S = spd(n, 3);
    const L = cholesky(S, n) as Float64Array;
    const B = randn(6 * n, 4);
    const ref = cholSolveRight(B, 6, L, n);
    const out = new Float64Array(6 * n);
    expect(cholSolveRight(B, 6, L, n, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(ref));
    const B2 = Float64Array.from(B);
    expect(cholSolveRight(B2, 6, L, n, B2)).toBe(B2);
    expect(Array.from(B2)).toEqual(Array.from(ref));
  });

  it('rejects a bad factor and mis-sized out', () => {
    const B = new Float64Array(6);
    expect(() => cholSolveRight(B, 2, new Float64Array(9), 3)).toThrow(/L\(0, 0\) = 0/);
    expect(() => cholSolveRight(B, 2, Float64Array.from([1, 0, 0, 1]), 3)).toThrow(RangeError);
    expect(() => cholSolveRight(B, 2, Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), 3, new Float64Array(5))).toThrow(/out/);
  });
});

describe('pinvSym', () => {
  for (const [n, r] of [
    [7, 3],
    [5, 5],
    [4, 1],
    [1, 1],
  ] as Array<[number, number]>) {
    it(`satisfies the four Penrose conditions for a rank-${r} PSD ${n}×${n} matrix`, () => {
      const S = psdRank(n, r, 70 + n + r);
      const { P, rank } = pinvSymWithRank(S, n);
      expect(rank).toBe(r);
      const SP = refMatmul(S, P, n, n, n);
      const PS = refMatmul(P, S, n, n, n);
      // Scales: ‖S‖ and ‖P‖ = 1/σ_r; each condition is compared with the size of its terms.
      const sS = maxAbs(S);
      const sP = maxAbs(P);
      expect(maxAbsDiff(refMatmul(SP, S, n, n, n), S)).toBeLessThan(1e-11 * sS);
      expect(maxAbsDiff(refMatmul(PS, P, n, n, n), P)).toBeLessThan(1e-11 * sP);
      expect(maxAbsDiff(SP, refTranspose(SP, n, n))).toBeLessThan(1e-11);
      expect(maxAbsDiff(PS, refTranspose(PS, n, n))).toBeLessThan(1e-11);
      expect(Array.from(pinvSym(S, n))).toEqual(Array.from(P));
    });
  }

  it('is the inverse for an invertible matrix and zero for the zero matrix', () => {
    expect(pinvSym(fromRows([[4]]), 1)[0]).toBeCloseTo(0.25, 15);
    const S = spd(4, 9);
    const P = pinvSym(S, 4);
    expect(maxAbsDiff(refMatmul(S, P, 4, 4, 4), Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]))).toBeLessThan(
      1e-13,
    );
    const z = pinvSymWithRank(new Float64Array(9), 3);
    expect(z.rank).toBe(0);
    expect(maxAbs(z.P)).toBe(0);
  });

  it('the cutoff rcond drops small eigenvalues', () => {
    const S = fromRows([[1, 0], [0, 1e-6]]);
    expect(pinvSymWithRank(S, 2).rank).toBe(2);
    const { P, rank } = pinvSymWithRank(S, 2, 1e-5);
    expect(rank).toBe(1);
    expect(Array.from(P)).toEqual([1, 0, 0, 0]);
    expect(() => pinvSym(S, 2, -1)).toThrow(/rcond/);
  });
});

describe('solveRightPsd', () => {
  it('uses Cholesky for S + λI positive definite and matches B(S + λI)⁻¹', () => {
    const n = 6;
    const S = psdRank(n, 2, 8); // singular, but S + λI is not
    const B = randn(9 * n, 7);
    const lambda = 0.5;
    const { out, path, rank } = solveRightPsd(B, 9, S, n, undefined, { lambda });
    expect(path).toBe('cholesky');
    expect(rank).toBe(n);
    const Sl = Float64Array.from(S);
    for (let i = 0; i < n; i++) Sl[i * n + i] += lambda;
    expect(maxAbsDiff(refMatmul(out, Sl, 9, n, n), B)).toBeLessThan(TOL * maxAbs(out) * maxAbs(Sl) * n);
  });

  it('falls back to the pseudo-inverse for a singular S with λ = 0, in place', () => {
    const n = 6;
    const S = psdRank(n, 2, 8);
    const B = randn(9 * n, 7);
    const expected = refMatmul(B, pinvSym(S, n), 9, n, n);
    const work = Float64Array.from(B);
    const res = solveRightPsd(work, 9, S, n, work);
    expect(res.path).toBe('pinv');
    expect(res.rank).toBe(2);
    expect(res.out).toBe(work);
    expect(maxAbsDiff(work, expected)).toBeLessThan(1e-12 * maxAbs(expected));
    expect(maxAbs(work)).toBeGreaterThan(0);
  });

  it('rejects a negative or non-finite λ', () => {
    const S = fromRows([[1]]);
    expect(() => solveRightPsd(fromRows([[1]]), 1, S, 1, undefined, { lambda: -1 })).toThrow(/lambda/);
    expect(() => solveRightPsd(fromRows([[1]]), 1, S, 1, undefined, { lambda: Number.NaN })).toThrow(/lambda/);
  });
});
