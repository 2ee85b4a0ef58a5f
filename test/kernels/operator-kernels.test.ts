// The operator kernels (A x, Aᵀ v, and the fused residual/adjoint pass) against plain f64 TypeScript references.
import { describe, expect, it, beforeAll } from 'vitest';
import type { Runtime } from '../../src/index.js';
import { OPERATOR_SHAPES, randArray, refGemv, refGemvT, relMaxDiff, runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

/** Operator data exactly representable in f32, so the f64 references are exact for it. */
function f32Data(n: number, seed: number): Float64Array { return Float64Array.from(randArray(n, seed), Math.fround); }

describe.each(Object.entries(OPERATOR_SHAPES))('operator kernels, shape %s', (_name, { m, n1, n2 }) => {
  const N = n1 * n2;
  const A = f32Data(m * N, 1), x = randArray(N, 2), v = randArray(m, 3), b = randArray(m, 4);

  function setup() {
    const a = rt.f32(m * N).set(A), xb = rt.fromArray(x), vb = rt.fromArray(v), bb = rt.fromArray(b);
    const out = rt.f64(Math.max(m, N)), S = rt.f64(N), r = rt.f64(m);
    return { a, xb, vb, bb, out, S, r, free: () => [a, xb, vb, bb, out, S, r].forEach((q) => q.free()) };
  }

  it('gemv_f32_f64 equals A x (f64) to rounding', () => {
    const s = setup();
    rt.kernels.gemv_f32_f64(s.out.ptr, s.a.ptr, s.xb.ptr, m, N);
    expect(relMaxDiff(s.out.a.subarray(0, m), refGemv(A, x, m, N))).toBeLessThan(1e-14);
    s.free();
  });

  it('gemvt_f32_f64 equals Aᵀ v (f64) to rounding', () => {
    const s = setup();
    rt.kernels.gemvt_f32_f64(s.S.ptr, s.a.ptr, s.vb.ptr, m, N);
    expect(relMaxDiff(s.S.a, refGemvT(A, v, m, N))).toBeLessThan(1e-14);
    s.free();
  });

  const rRef = refGemv(A, x, m, N).map((q, i) => q - b[i]);
  const SRef = refGemvT(A, rRef, m, N);
  const ssRef = rRef.reduce((s, q) => s + q * q, 0);

  it('residual_adjoint_f32_f64: r = A x − b, S = Aᵀ r, returns ‖r‖² (f64 exact)', () => {
    const s = setup();
    const ss = rt.kernels.residual_adjoint_f32_f64(s.S.ptr, s.r.ptr, s.a.ptr, s.xb.ptr, s.bb.ptr, m, N);
    expect(relMaxDiff(s.r.a, rRef)).toBeLessThan(1e-14);
    expect(relMaxDiff(s.S.a, SRef)).toBeLessThan(1e-14);
    expect(Math.abs(ss - ssRef) / ssRef).toBeLessThan(1e-14);
    s.free();
  });

  it('residual_adjoint_mixed: exact residual, adjoint to f32 partial-sum rounding (≤ 1e-6 relative)', () => {
    const s = setup();
    const ss = rt.kernels.residual_adjoint_mixed(s.S.ptr, s.r.ptr, s.a.ptr, s.xb.ptr, s.bb.ptr, m, N);
    expect(relMaxDiff(s.r.a, rRef)).toBeLessThan(1e-14);
    expect(Math.abs(ss - ssRef) / ssRef).toBeLessThan(1e-14);
    // 4-term f32 sums of products of O(1) numbers: absolute error ≤ ~4·2⁻²⁴ per row block, m/4 blocks.
    expect(relMaxDiff(s.S.a, SRef)).toBeLessThan(1e-6);
    s.free();
  });

  it('residual_adjoint_f32: everything to f32 rounding', () => {
    const x32 = rt.f32(N).set(x), b32 = rt.f32(m).set(b), r32 = rt.f32(m), S32 = rt.f32(N), a = rt.f32(m * N).set(A);
    const ss = rt.kernels.residual_adjoint_f32(S32.ptr, r32.ptr, a.ptr, x32.ptr, b32.ptr, m, N);
    // x, b rounded to f32 (2⁻²⁴ relative), sums of N products in f32: error ≲ N·2⁻²⁴ relative to Σ|terms|.
    const tol = 4 * (N + 4) * 2 ** -24 * 4;
    expect(relMaxDiff(r32.a, rRef)).toBeLessThan(tol);
    expect(relMaxDiff(S32.a, SRef)).toBeLessThan(tol * 4);
    expect(Math.abs(ss - ssRef) / ssRef).toBeLessThan(tol * 4);
    [x32, b32, r32, S32, a].forEach((q) => q.free());
  });

  it.each([[1, false], [3, false], [2, true]] as const)('residual_refine_f32, B = %i (in place: %s): r = r⁻ + A·dx to the f32 rounding of A·dx, S = Aᵀ r as the mixed adjoint', (B, inPlace) => {
    const ld = m + 3, dxs = Array.from({ length: B }, (_, t) => randArray(N, 20 + t).map((q) => 1e-3 * q));
    const rPrev = Array.from({ length: B }, (_, t) => randArray(m, 30 + t));
    const a = rt.f32(m * N).set(A), dx = rt.f32(B * N), rIn = rt.f64(B * ld), rOut = inPlace ? rIn : rt.f64(B * ld);
    const S = rt.f64(B * N), ss = rt.f64(B), tmp = rt.f64(4);
    for (let t = 0; t < B; t++) { dx.a.set(dxs[t], t * N); rIn.a.set(rPrev[t], t * ld); }
    rt.kernels.residual_refine_f32(S.ptr, rOut.ptr, rIn.ptr, a.ptr, dx.ptr, ss.ptr, m, N, B, ld, tmp.ptr);
    for (let t = 0; t < B; t++) {
      const dx64 = Float64Array.from(dxs[t], Math.fround);
      const Adx = refGemv(A, dx64, m, N), absAdx = refGemv(A.map(Math.abs), dx64.map(Math.abs), m, N);
      const rRefT = Adx.map((q, i) => q + rPrev[t][i]);
      for (let i = 0; i < m; i++) {
        // f32 products and sums of N terms: |error| ≤ (N + 4)·2⁻²⁴ Σ_j |A_ij dx_j| (plus f64 rounding of the sum)
        expect(Math.abs(rOut.a[t * ld + i] - rRefT[i])).toBeLessThanOrEqual((N + 4) * 2 ** -24 * absAdx[i] + 1e-15 * Math.abs(rRefT[i]));
      }
      const rGot = rOut.a.slice(t * ld, t * ld + m);
      expect(relMaxDiff(S.a.subarray(t * N, (t + 1) * N), refGemvT(A, rGot, m, N))).toBeLessThan(1e-6);
      expect(Math.abs(ss.a[t] - rGot.reduce((q, v) => q + v * v, 0))).toBeLessThanOrEqual(1e-14 * ss.a[t]);
    }
    [a, dx, rIn, S, ss, tmp].forEach((q) => q.free());
    if (!inPlace) rOut.free();
  });

  it('gemv_f32 / gemvt_f32 agree with the f64 references to f32 rounding', () => {
    const x32 = rt.f32(N).set(x), v32 = rt.f32(m).set(v), o = rt.f32(m), S32 = rt.f32(N), a = rt.f32(m * N).set(A);
    rt.kernels.gemv_f32(o.ptr, a.ptr, x32.ptr, m, N);
    rt.kernels.gemvt_f32(S32.ptr, a.ptr, v32.ptr, m, N);
    const tol = 16 * (N + m) * 2 ** -24;
    expect(relMaxDiff(o.a, refGemv(A, x, m, N))).toBeLessThan(tol);
    expect(relMaxDiff(S32.a, refGemvT(A, v, m, N))).toBeLessThan(tol);
    [x32, v32, o, S32, a].forEach((q) => q.free());
  });
});

it('a wrong kernel would be caught: perturbing one operator entry changes the fused result', async () => {
  const m = 6, N = 10;
  const A = f32Data(m * N, 9), x = randArray(N, 8), b = randArray(m, 7);
  const a = rt.f32(m * N).set(A), xb = rt.fromArray(x), bb = rt.fromArray(b), r = rt.f64(m), S = rt.f64(N);
  rt.kernels.residual_adjoint_f32_f64(S.ptr, r.ptr, a.ptr, xb.ptr, bb.ptr, m, N);
  const before = S.copy();
  a.a[N * 5 + 9] += 0.5; // last row, ragged-tail column
  rt.kernels.residual_adjoint_f32_f64(S.ptr, r.ptr, a.ptr, xb.ptr, bb.ptr, m, N);
  expect(relMaxDiff(S.a, before)).toBeGreaterThan(1e-3);
  [a, xb, bb, r, S].forEach((q) => q.free());
});
