import { describe, expect, it } from 'vitest';
import { matmulNT } from '../../src/linalg/dense.js';
import { mulberry32, randn } from '../../src/linalg/prng.js';
import { svd, thinSvdOfProduct } from '../../src/linalg/svd.js';
import { topKSvd, topKSvdDense, type MatVec } from '../../src/linalg/topk.js';
import { maxAbsDiff, orthoError, planted, reconstruct } from './helpers.js';

// Planted spectra below have a gap σ_{l+1}/σ_k ≤ 1e-2 (l = k + oversample), so with q = 4 power
// iterations the subspace error is ~(1e-2)^9 — far below rounding; what remains is the rounding of the
// QR/SVD steps, ~1e-14 relative. 1e-8 (the requirement) therefore has a wide margin, yet any bug in the
// sketch/back-projection gives O(1) errors.
const TOL = 1e-8;

describe('topKSvdDense', () => {
  for (const [n1, n2, k] of [
    [60, 45, 5],
    [45, 60, 5],
    [30, 30, 1],
    [20, 3, 3], // k = min(n1, n2): the sketch is the whole space
    [1, 7, 1],
  ] as Array<[number, number, number]>) {
    it(`finds the top ${k} of a planted spectrum (${n1}×${n2})`, () => {
      const p = Math.min(n1, n2);
      const head = [100, 50, 20, 10, 5].slice(0, k);
      const tail = Array.from({ length: p - head.length }, (_, i) => 0.01 * 0.9 ** i);
      const sigma = [...head, ...tail];
      const M = planted(n1, n2, sigma, 7 * n1 + n2);
      const r = topKSvdDense(M, n1, n2, k);
      expect(r.s.length).toBe(k);
      for (let i = 0; i < k; i++) expect(Math.abs(r.s[i] / sigma[i] - 1)).toBeLessThan(TOL);
      expect(orthoError(r.U, n1, k)).toBeLessThan(1e-12);
      expect(orthoError(r.V, n2, k)).toBeLessThan(1e-12);
      // The triplets are the best rank-k approximation: it matches the one from the full SVD.
      const full = svd(M, n1, n2);
      const best = reconstruct(
        Float64Array.from({ length: n1 * k }, (_, i) => full.U[Math.floor(i / k) * p + (i % k)]),
        full.s,
        Float64Array.from({ length: n2 * k }, (_, i) => full.V[Math.floor(i / k) * p + (i % k)]),
        n1,
        n2,
        k,
      );
      expect(maxAbsDiff(reconstruct(r.U, r.s, r.V, n1, n2, k), best)).toBeLessThan(TOL * sigma[0]);
    });
  }

  it('is deterministic for a seed, and accurate for other seeds and a supplied generator', () => {
    const M = planted(40, 30, [9, 4, 1, 1e-3, 1e-4], 5);
    const a = topKSvdDense(M, 40, 30, 3, { seed: 1 });
    const b = topKSvdDense(M, 40, 30, 3, { seed: 1 });
    const c = topKSvdDense(M, 40, 30, 3, { seed: 2 });
    const d = topKSvdDense(M, 40, 30, 3, { random: mulberry32(99) });
    expect(Array.from(a.U)).toEqual(Array.from(b.U));
    expect(Array.from(a.U)).not.toEqual(Array.from(c.U)); // different sketch → different rounding
    for (const r of [a, c, d]) {
      expect(Math.abs(r.s[0] - 9)).toBeLessThan(TOL * 9);
      expect(Math.abs(r.s[1] - 4)).toBeLessThan(TOL * 9);
      expect(Math.abs(r.s[2] - 1)).toBeLessThan(TOL * 9);
    }
  });

  it('without power iterations a slowly decaying tail costs accuracy (the iterations matter)', () => {
    const sigma = Array.from({ length: 40 }, (_, i) => 1 / (1 + i) ** 0.5);
    const M = planted(50, 40, sigma, 17);
    const q0 = topKSvdDense(M, 50, 40, 3, { iters: 0, oversample: 2 });
    const q8 = topKSvdDense(M, 50, 40, 3, { iters: 8, oversample: 2 });
    const err = (s: Float64Array) => Math.max(...[0, 1, 2].map((i) => Math.abs(s[i] - sigma[i])));
    expect(err(q8.s)).toBeLessThan(err(q0.s));
    expect(err(q0.s)).toBeGreaterThan(1e-3);
  });

  it('rejects k out of range and bad options', () => {
    const M = randn(12, 1);
    expect(() => topKSvdDense(M, 3, 4, 4)).toThrow(/exceeds min\(n1, n2\) = 3/);
    expect(() => topKSvdDense(M, 3, 4, 0)).toThrow(RangeError);
    expect(() => topKSvdDense(M, 3, 4, 1, { iters: -1 })).toThrow(/iters/);
  });
});

describe('topKSvd (implicit operator)', () => {
  it('on M = F·Gᵀ applied through its factors matches thinSvdOfProduct, with the documented call counts', () => {
    const n1 = 50;
    const n2 = 35;
    const r = 4;
    const F = randn(n1 * r, 3);
    const G = randn(n2 * r, 4);
    const t = new Float64Array(r);
    const apply: MatVec = (x, out) => {
      t.fill(0);
      for (let j = 0; j < n2; j++) for (let c = 0; c < r; c++) t[c] += G[j * r + c] * x[j];
      for (let i = 0; i < n1; i++) {
        let acc = 0;
        for (let c = 0; c < r; c++) acc += F[i * r + c] * t[c];
        out[i] = acc;
      }
    };
    const applyT: MatVec = (x, out) => {
      t.fill(0);
      for (let i = 0; i < n1; i++) for (let c = 0; c < r; c++) t[c] += F[i * r + c] * x[i];
      for (let j = 0; j < n2; j++) {
        let acc = 0;
        for (let c = 0; c < r; c++) acc += G[j * r + c] * t[c];
        out[j] = acc;
      }
    };
    const res = topKSvd(apply, applyT, n1, n2, 3, { iters: 2, oversample: 5 });
    const ref = thinSvdOfProduct(F, G, n1, n2, r);
    for (let i = 0; i < 3; i++) expect(Math.abs(res.s[i] - ref.s[i])).toBeLessThan(TOL * ref.s[0]);
    expect(res.applyCount).toBe(8 * 3);
    expect(res.applyTCount).toBe(8 * 3);
    const M = matmulNT(F, G, n1, r, n2);
    // Rank 4 > k = 3, so the rank-3 truncation error is exactly σ_4 in spectral norm, bounded entrywise.
    expect(maxAbsDiff(reconstruct(res.U, res.s, res.V, n1, n2, 3), M)).toBeLessThanOrEqual(ref.s[3] * (1 + 1e-8));
  });

  it('an operator returning NaN is reported', () => {
    const bad: MatVec = (_x, out) => out.fill(Number.NaN);
    expect(() => topKSvd(bad, bad, 4, 4, 1)).toThrow(/from apply/);
  });
});
