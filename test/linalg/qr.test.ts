import { describe, expect, it } from 'vitest';
import { randn } from '../../src/linalg/prng.js';
import { orthonormalize, qrR, qrThin } from '../../src/linalg/qr.js';
import { fromRows, maxAbs, maxAbsDiff, orthoError, refMatmul } from './helpers.js';

// Householder QR is backward stable: ‖QR − A‖ ≲ c·m·n·ε‖A‖ and ‖QᵀQ − I‖ ≲ c·m·n·ε; for m·n ≤ 100
// that is ~1e-14, so 1e-12 leaves two orders of magnitude of headroom while any real bug is O(1).
const TOL = 1e-12;

const TALL: Array<[number, number]> = [
  [1, 1],
  [5, 3],
  [7, 7],
  [13, 4],
  [13, 1],
  [6, 1],
  [2, 2],
];

function checkQr(A: Float64Array, m: number, n: number): { Q: Float64Array; R: Float64Array } {
  const { Q, R } = qrThin(A, m, n);
  expect(Q.length).toBe(m * n);
  expect(R.length).toBe(n * n);
  expect(orthoError(Q, m, n)).toBeLessThan(TOL);
  expect(maxAbsDiff(refMatmul(Q, R, m, n, n), A)).toBeLessThan(TOL * Math.max(1, maxAbs(A)));
  for (let i = 0; i < n; i++) {
    expect(R[i * n + i]).toBeGreaterThanOrEqual(0);
    for (let j = 0; j < i; j++) expect(R[i * n + j]).toBe(0);
  }
  return { Q, R };
}

/** Modified Gram–Schmidt: the unique QR with diag(R) > 0 of a full-rank A (independent reference). */
function mgs(A: Float64Array, m: number, n: number): Float64Array {
  const Q = Float64Array.from(A);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < j; i++) {
      let d = 0;
      for (let r = 0; r < m; r++) d += Q[r * n + i] * Q[r * n + j];
      for (let r = 0; r < m; r++) Q[r * n + j] -= d * Q[r * n + i];
    }
    let nrm = 0;
    for (let r = 0; r < m; r++) nrm += Q[r * n + j] ** 2;
    nrm = Math.sqrt(nrm);
    for (let r = 0; r < m; r++) Q[r * n + j] /= nrm;
  }
  return Q;
}

describe('qrThin', () => {
  for (const [m, n] of TALL) {
    it(`factors a random ${m}×${n} matrix: QᵀQ = I, QR = A, R upper with diag ≥ 0`, () => {
      const A = randn(m * n, 1000 + 31 * m + n);
      const { Q, R } = checkQr(A, m, n);
      // With diag(R) > 0 the factorization is unique: it must equal Gram–Schmidt's (well conditioned
      // Gaussian input, so MGS is accurate to ~1e-14 here).
      expect(maxAbsDiff(Q, mgs(A, m, n))).toBeLessThan(1e-11);
      for (let i = 0; i < n; i++) expect(R[i * n + i]).toBeGreaterThan(0);
    });
  }

  it('scales: a matrix of 1e200 entries factors without overflow', () => {
    const A = randn(20, 9).map((v) => v * 1e200);
    const { Q, R } = qrThin(A, 5, 4);
    expect(orthoError(Q, 5, 4)).toBeLessThan(TOL);
    expect(maxAbsDiff(refMatmul(Q, R, 5, 4, 4), A) / maxAbs(A)).toBeLessThan(TOL);
  });

  it('handles rank-deficient input (duplicate, dependent and zero columns)', () => {
    const m = 13;
    const n = 4;
    const A = randn(m * n, 77);
    for (let r = 0; r < m; r++) {
      A[r * n + 2] = A[r * n + 0] + 2 * A[r * n + 1]; // dependent
      A[r * n + 3] = 0; // zero column
    }
    const { R } = checkQr(A, m, n);
    expect(R[2 * n + 2]).toBeLessThan(1e-14 * maxAbs(A) * 10);
    expect(R[3 * n + 3]).toBe(0);
    // The all-zero matrix: Q is still orthonormal, R = 0.
    const Z = new Float64Array(5 * 3);
    const z = checkQr(Z, 5, 3);
    expect(maxAbs(z.R)).toBe(0);
  });

  it('already-triangular and negative-diagonal inputs get their signs fixed', () => {
    const A = fromRows([
      [-2, 1],
      [0, -3],
      [0, 0],
    ]);
    const { Q, R } = checkQr(A, 3, 2);
    expect(Array.from(R)).toEqual([2, -1, 0, 3]);
    expect(Q[0]).toBe(-1);
    expect(Q[3]).toBe(-1);
  });

  it('Q of a Gaussian matrix is Haar: first column symmetric about 0 (no sign bias)', () => {
    // Without the diag(R) ≥ 0 fix, Householder gives Q[0][0] < 0 always. Under Haar measure Q[0][0] is
    // the first coordinate of a uniform unit vector in R^4: mean 0, variance 1/4. 5-sd bound on the mean.
    const N = 4000;
    let sum = 0;
    let positive = 0;
    for (let t = 0; t < N; t++) {
      const q00 = qrThin(randn(4 * 2, 5000 + t), 4, 2).Q[0];
      sum += q00;
      if (q00 > 0) positive++;
    }
    expect(Math.abs(sum / N)).toBeLessThan(5 * Math.sqrt(0.25 / N));
    expect(Math.abs(positive / N - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / N));
  });

  it('rejects wide, mis-sized and non-finite inputs', () => {
    expect(() => qrThin(new Float64Array(6), 2, 3)).toThrow(/m ≥ n/);
    expect(() => qrThin(new Float64Array(5), 3, 2)).toThrow(/length 5, expected 3×2/);
    const bad = new Float64Array(6);
    bad[0] = Number.POSITIVE_INFINITY;
    expect(() => qrThin(bad, 3, 2)).toThrow(/finite/);
  });
});

describe('qrR / orthonormalize', () => {
  it('qrR equals the R of qrThin and orthonormalize its Q', () => {
    const A = randn(13 * 4, 3);
    const { Q, R } = qrThin(A, 13, 4);
    expect(Array.from(qrR(A, 13, 4))).toEqual(Array.from(R));
    expect(Array.from(orthonormalize(A, 13, 4))).toEqual(Array.from(Q));
  });
});
