import { describe, expect, it } from 'vitest';
import { matmulNT } from '../../src/linalg/dense.js';
import { randn } from '../../src/linalg/prng.js';
import { singularValues, svd, thinSvdOfProduct } from '../../src/linalg/svd.js';
import { SHAPES, fromRows, maxAbs, maxAbsDiff, orthoError, planted, reconstruct, refMatmul } from './helpers.js';

// One-sided Jacobi (after Householder QR when tall) is backward stable: ‖UΣVᵀ − A‖ ≲ c·(m+n)·ε‖A‖ and
// orthogonality to c·n·ε, ~1e-14 at these sizes; singular values are perfectly conditioned (Weyl) in the
// absolute sense. 1e-12 relative to max|A| leaves ~100× headroom; a real bug is O(1).
const TOL = 1e-12;

function check(A: Float64Array, m: number, n: number): { U: Float64Array; s: Float64Array; V: Float64Array } {
  const { U, s, V } = svd(A, m, n);
  const p = Math.min(m, n);
  expect(U.length).toBe(m * p);
  expect(V.length).toBe(n * p);
  expect(s.length).toBe(p);
  const scale = Math.max(1e-300, maxAbs(A));
  expect(orthoError(U, m, p)).toBeLessThan(TOL);
  expect(orthoError(V, n, p)).toBeLessThan(TOL);
  expect(maxAbsDiff(reconstruct(U, s, V, m, n, p), A)).toBeLessThan(TOL * scale);
  for (let j = 0; j < p; j++) {
    expect(s[j]).toBeGreaterThanOrEqual(0);
    if (j > 0) expect(s[j]).toBeLessThanOrEqual(s[j - 1]);
  }
  expect(Array.from(singularValues(A, m, n)).map((v, i) => Math.abs(v - s[i]) <= TOL * scale)).toEqual(
    new Array(p).fill(true),
  );
  return { U, s, V };
}

describe('svd', () => {
  for (const [m, n] of SHAPES) {
    it(`decomposes a random ${m}×${n} matrix`, () => {
      check(randn(m * n, 500 + 17 * m + n), m, n);
    });
  }

  it('hand-checked cases: 1×1, a diagonal with a negative entry, a rank-one outer product', () => {
    expect(Array.from(svd(fromRows([[-3]]), 1, 1).s)).toEqual([3]);
    const d = check(fromRows([[1, 0, 0], [0, -5, 0]]), 2, 3);
    expect(d.s[0]).toBeCloseTo(5, 14);
    expect(d.s[1]).toBeCloseTo(1, 14);
    // u vᵀ with |u| = 5 (3, 4), |v| = 13 (5, 12) → σ = 65, 0.
    const r1 = check(fromRows([[15, 36], [20, 48]]), 2, 2);
    expect(r1.s[0]).toBeCloseTo(65, 12);
    expect(r1.s[1]).toBeLessThan(1e-13 * 65);
  });

  for (const [m, n] of [
    [9, 6],
    [6, 9],
    [7, 7],
  ] as Array<[number, number]>) {
    it(`recovers a planted spectrum with repeated and tiny values (${m}×${n})`, () => {
      const sigma = [10, 3, 3, 1e-3, 1e-8];
      const A = planted(m, n, sigma, 60 + m);
      const { s } = check(A, m, n);
      const expected = [...sigma, ...new Array(Math.min(m, n) - sigma.length).fill(0)];
      for (let i = 0; i < expected.length; i++) expect(Math.abs(s[i] - expected[i])).toBeLessThan(TOL * 10);
    });
  }

  it('rank-deficient inputs: zero matrix, zero columns, duplicated columns keep U and V orthonormal', () => {
    const z = check(new Float64Array(5 * 3), 5, 3);
    expect(Array.from(z.s)).toEqual([0, 0, 0]);
    const A = randn(7 * 7, 99);
    for (let r = 0; r < 7; r++) {
      A[r * 7 + 6] = 0;
      A[r * 7 + 5] = A[r * 7 + 1];
      A[r * 7 + 4] = A[r * 7 + 0] - A[r * 7 + 2];
    }
    const { s } = check(A, 7, 7);
    expect(s[3]).toBeGreaterThan(1e-3); // rank 4
    for (let i = 4; i < 7; i++) expect(s[i]).toBeLessThan(1e-13 * s[0]);
    check(fromRows([[0, 0, 0, 1, 0, 0]]), 1, 6);
    check(fromRows([[0], [0], [0]]), 3, 1);
  });

  it('extreme scales do not overflow or underflow', () => {
    const A = randn(5 * 3, 4);
    const s1 = singularValues(A, 5, 3);
    for (const f of [1e-250, 1e250]) {
      const sf = check(A.map((v) => v * f), 5, 3).s;
      for (let i = 0; i < 3; i++) expect(Math.abs(sf[i] / f - s1[i])).toBeLessThan(TOL * s1[0]);
    }
  });

  it('rejects bad input and reports non-convergence', () => {
    expect(() => svd(new Float64Array(5), 2, 3)).toThrow(RangeError);
    expect(() => singularValues(fromRows([[1, Number.NaN]]), 1, 2)).toThrow(/NaN/);
    expect(() => svd(randn(49, 3), 7, 7, { maxSweeps: 1 })).toThrow(/did not converge in 1 sweeps/);
  });
});

describe('thinSvdOfProduct', () => {
  const cases: Array<[number, number, number]> = [
    [13, 7, 4],
    [5, 3, 3],
    [7, 7, 7],
    [3, 9, 5], // k > n1: F used as is
    [9, 2, 5], // k > n2
    [6, 4, 1], // k = 1
    [1, 5, 2], // n1 = 1
    [1, 1, 1],
  ];
  for (const [n1, n2, k] of cases) {
    it(`equals the SVD of the explicit product for n1=${n1}, n2=${n2}, k=${k}`, () => {
      const F = randn(n1 * k, 800 + n1);
      const G = randn(n2 * k, 900 + n2);
      const M = matmulNT(F, G, n1, k, n2);
      const p = Math.min(n1, n2, k);
      const ref = svd(M, n1, n2).s;
      const scale = Math.max(1, ref[0]);
      const only = thinSvdOfProduct(F, G, n1, n2, k);
      expect(only.s.length).toBe(p);
      expect(only.U).toBeUndefined();
      const { U, s, V } = thinSvdOfProduct(F, G, n1, n2, k, { vectors: true });
      expect(U.length).toBe(n1 * p);
      expect(V.length).toBe(n2 * p);
      for (let i = 0; i < p; i++) {
        expect(Math.abs(s[i] - ref[i])).toBeLessThan(TOL * scale);
        expect(Math.abs(only.s[i] - ref[i])).toBeLessThan(TOL * scale);
      }
      // The explicit product has rank ≤ p: the rest of its spectrum is zero.
      for (let i = p; i < ref.length; i++) expect(ref[i]).toBeLessThan(TOL * scale);
      expect(orthoError(U, n1, p)).toBeLessThan(TOL);
      expect(orthoError(V, n2, p)).toBeLessThan(TOL);
      expect(maxAbsDiff(reconstruct(U, s, V, n1, n2, p), M)).toBeLessThan(TOL * scale);
    });
  }

  it('a rank-deficient product (F with dependent columns) has the right zero tail and valid vectors', () => {
    const n1 = 11;
    const n2 = 8;
    const k = 4;
    const F = randn(n1 * k, 1);
    for (let r = 0; r < n1; r++) F[r * k + 3] = F[r * k + 0] + F[r * k + 1];
    const G = randn(n2 * k, 2);
    const M = refMatmul(F, Float64Array.from({ length: k * n2 }, (_, i) => G[(i % n2) * k + Math.floor(i / n2)]), n1, k, n2);
    const { U, s, V } = thinSvdOfProduct(F, G, n1, n2, k, { vectors: true });
    expect(s[2]).toBeGreaterThan(1e-2);
    expect(s[3]).toBeLessThan(1e-13 * s[0]);
    expect(orthoError(U, n1, k)).toBeLessThan(TOL);
    expect(orthoError(V, n2, k)).toBeLessThan(TOL);
    expect(maxAbsDiff(reconstruct(U, s, V, n1, n2, k), M)).toBeLessThan(TOL * s[0]);
  });

  it('rejects mismatched factor shapes', () => {
    expect(() => thinSvdOfProduct(new Float64Array(12), new Float64Array(10), 4, 5, 3)).toThrow(/G has length 10/);
  });
});
