// The batched fused pass and the Gram-mode kernels against plain f64 TypeScript references, on ragged shapes.
import { describe, expect, it, beforeAll } from 'vitest';
import type { Runtime } from '../../src/index.js';
import { OPERATOR_SHAPES, randArray, refGemv, refGemvT, relMaxDiff, runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

function f32Data(n: number, seed: number): Float64Array { return Float64Array.from(randArray(n, seed), Math.fround); }

describe.each(Object.entries(OPERATOR_SHAPES))('residual_adjoint_batch_f32_f64, shape %s', (_name, { m, n1, n2 }) => {
  const N = n1 * n2;
  const A = f32Data(m * N, 11), b = randArray(m, 12);
  // B = 1 (no pair), 2 (one pair), 3 and 5 (pairs plus an odd trajectory out): the kernel pairs trajectories.
  it.each([1, 2, 3, 5])('B = %i: every R_t = A x_t − b, S_t = Aᵀ R_t, ss_t = ‖R_t‖², with a padded row stride', (B) => {
    const ldr = m + 3; // a row stride larger than m: the kernel must keep to it
    const X = randArray(B * N, 13 + B);
    const a = rt.f32(m * N).set(A), xb = rt.fromArray(X), bb = rt.fromArray(b);
    const R = rt.f64(B * ldr, 7), S = rt.f64(B * N), ss = rt.f64(B);
    for (const exact of [1, 0]) {
      rt.kernels.residual_adjoint_batch_f32_f64(S.ptr, R.ptr, ss.ptr, a.ptr, xb.ptr, bb.ptr, m, N, B, ldr, exact);
      for (let t = 0; t < B; t++) {
        const rRef = refGemv(A, X.subarray(t * N, (t + 1) * N), m, N).map((q, i) => q - b[i]);
        const SRef = refGemvT(A, rRef, m, N);
        const ssRef = rRef.reduce((s, q) => s + q * q, 0);
        expect(relMaxDiff(R.a.subarray(t * ldr, t * ldr + m), rRef)).toBeLessThan(1e-14);
        expect(Math.abs(ss.a[t] - ssRef) / ssRef).toBeLessThan(1e-14);
        // exact: f64 throughout; mixed: 4-row adjoint partials rounded to f32 (as residual_adjoint_mixed)
        expect(relMaxDiff(S.a.subarray(t * N, (t + 1) * N), SRef)).toBeLessThan(exact ? 1e-14 : 1e-6);
        // the padding between rows of R is not touched
        for (let i = m; i < ldr && t < B - 1; i++) expect(R.a[t * ldr + i]).toBe(7);
      }
    }
    [a, xb, bb, R, S, ss].forEach((q) => q.free());
  });
});

describe('Gram-mode kernels', () => {
  // N around the kernel's 4 × 8 tiles and 8-row blocks: 1, 7, 8, 9, 21, 33
  it.each([[1, 1], [5, 7], [13, 8], [9, 9], [30, 21], [41, 33]])('m = %i, N = %i: gram_upper + symmetrize_upper = AᵀA', (m, N) => {
    const A = f32Data(m * N, 21 + N);
    const a = rt.f32(m * N).set(A), G = rt.f64(N * N, 0);
    rt.kernels.gram_upper_f32_f64(G.ptr, a.ptr, m, N, 0, N);
    rt.kernels.symmetrize_upper_f64(G.ptr, N);
    const ref = new Float64Array(N * N);
    for (let q = 0; q < m; q++) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) ref[i * N + j] += A[q * N + i] * A[q * N + j];
    expect(relMaxDiff(G.a, ref)).toBeLessThan(1e-14);
    [a, G].forEach((q) => q.free());
  });

  it('gram_upper over row ranges [0, 8) + [8, N) (the threads’ split) equals the whole', () => {
    const m = 17, N = 19, A = f32Data(m * N, 5);
    const a = rt.f32(m * N).set(A), G1 = rt.f64(N * N, 0), G2 = rt.f64(N * N, 0);
    rt.kernels.gram_upper_f32_f64(G1.ptr, a.ptr, m, N, 0, N);
    rt.kernels.gram_upper_f32_f64(G2.ptr, a.ptr, m, N, 0, 8);
    rt.kernels.gram_upper_f32_f64(G2.ptr, a.ptr, m, N, 8, N);
    rt.kernels.symmetrize_upper_f64(G1.ptr, N);
    rt.kernels.symmetrize_upper_f64(G2.ptr, N);
    expect(relMaxDiff(G2.a, G1.a)).toBe(0);
    [a, G1, G2].forEach((q) => q.free());
  });

  it.each([1, 2, 7, 16, 23])('symv_upper_f64, N = %i: y = G x − c reading only the upper triangle', (N) => {
    const Gfull = randArray(N * N, 31 + N), x = randArray(N, 32), c = randArray(N, 33);
    for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) Gfull[i * N + j] = Gfull[j * N + i];
    const poisoned = Float64Array.from(Gfull, (v, idx) => (Math.floor(idx / N) > idx % N ? NaN : v)); // lower triangle unread
    const G = rt.fromArray(poisoned), xb = rt.fromArray(x), cb = rt.fromArray(c), y = rt.f64(N);
    rt.kernels.symv_upper_f64(y.ptr, G.ptr, xb.ptr, cb.ptr, N);
    const ref = refGemv(Gfull, x, N, N).map((q, i) => q - c[i]);
    expect(relMaxDiff(y.a, ref)).toBeLessThan(1e-14);
    [G, xb, cb, y].forEach((q) => q.free());
  });
});
