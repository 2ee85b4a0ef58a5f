// Dense f64 products of the gradient (F Gᵀ, E G, Eᵀ F, Grams, tall-skinny Aᵀ B) against references on ragged shapes.
import { describe, expect, it, beforeAll } from 'vitest';
import type { Runtime } from '../../src/index.js';
import { randArray, refMatmul, relMaxDiff, runtime, transpose } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

const SHAPES: Array<[string, number, number, number]> = [
  ['1x1x1', 1, 1, 1], ['k1', 7, 5, 1], ['ragged', 5, 7, 3], ['square', 8, 8, 4], ['tall', 13, 3, 6], ['wide', 3, 13, 9], ['odd', 9, 11, 5],
  // gemm_tn_f64: M > 32 takes the row-axpy path; small M, N over many rows the register-tiled one (64-row chunks)
  ['big-out', 40, 33, 9], ['skinny', 6, 9, 150],
];

describe.each(SHAPES)('gemm on %s (M=%i, N=%i, K=%i)', (_n, M, N, K) => {
  it('gemm_nt_f64: out = A Bᵀ', () => {
    const A = randArray(M * K, 1), B = randArray(N * K, 2);
    const a = rt.fromArray(A), b = rt.fromArray(B), o = rt.f64(M * N);
    rt.kernels.gemm_nt_f64(o.ptr, a.ptr, b.ptr, M, N, K);
    expect(relMaxDiff(o.a, refMatmul(A, transpose(B, N, K), M, K, N))).toBeLessThan(1e-14);
    [a, b, o].forEach((q) => q.free());
  });
  it('gemm_nn_f64: out = A B', () => {
    const A = randArray(M * K, 3), B = randArray(K * N, 4);
    const a = rt.fromArray(A), b = rt.fromArray(B), o = rt.f64(M * N, 123);
    rt.kernels.gemm_nn_f64(o.ptr, a.ptr, b.ptr, M, N, K);
    expect(relMaxDiff(o.a, refMatmul(A, B, M, K, N))).toBeLessThan(1e-14);
    [a, b, o].forEach((q) => q.free());
  });
  it('sub_gemm_nn_f64: out = D − A B, into a separate buffer and in place', () => {
    const A = randArray(M * K, 13), B = randArray(K * N, 14), D = randArray(M * N, 15);
    const AB = refMatmul(A, B, M, K, N), want = D.map((d, i) => d - AB[i]);
    const a = rt.fromArray(A), b = rt.fromArray(B), d = rt.fromArray(D), o = rt.f64(M * N, 123);
    rt.kernels.sub_gemm_nn_f64(o.ptr, d.ptr, a.ptr, b.ptr, M, N, K);
    // D − AB cancels where D ≈ AB: compare against the scale of the terms
    const err = (x: Float64Array) => Math.max(...x.map((v, i) => Math.abs(v - want[i]))) / Math.max(...want.map(Math.abs), ...AB.map(Math.abs));
    expect(err(o.a)).toBeLessThan(1e-14);
    expect(d.a).toEqual(Float64Array.from(D));
    rt.kernels.sub_gemm_nn_f64(d.ptr, d.ptr, a.ptr, b.ptr, M, N, K);
    expect(err(d.a)).toBeLessThan(1e-14);
    [a, b, d, o].forEach((q) => q.free());
  });
  it('gemm_tn_f64: out = Aᵀ B (A is K × M)', () => {
    const A = randArray(K * M, 5), B = randArray(K * N, 6);
    const a = rt.fromArray(A), b = rt.fromArray(B), o = rt.f64(M * N, -7);
    rt.kernels.gemm_tn_f64(o.ptr, a.ptr, b.ptr, M, N, K);
    expect(relMaxDiff(o.a, refMatmul(transpose(A, K, M), B, M, K, N))).toBeLessThan(1e-14);
    [a, b, o].forEach((q) => q.free());
  });
});

it('the Gram FᵀF from gemm_tn is symmetric and matches the reference', () => {
  const n = 11, k = 5, F = randArray(n * k, 9);
  const f = rt.fromArray(F), g = rt.f64(k * k);
  rt.kernels.gemm_tn_f64(g.ptr, f.ptr, f.ptr, k, k, n);
  expect(relMaxDiff(g.a, refMatmul(transpose(F, n, k), F, k, n, k))).toBeLessThan(1e-14);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) expect(g.a[i * k + j]).toBeCloseTo(g.a[j * k + i], 14);
  [f, g].forEach((q) => q.free());
});

// rows around the kernel's 64-row chunk, k around its 4 × 4 tiles (whole tiles, a ragged edge, k < 4)
describe.each([[0, 3], [1, 1], [5, 3], [7, 4], [63, 5], [64, 8], [65, 9], [130, 20], [200, 23]])('gram_f64 with %i rows, k = %i', (n, k) => {
  it('is the reference Fᵀ F, exactly symmetric, and overwrites its output', () => {
    const F = randArray(n * k, 10 + k);
    const f = rt.f64(Math.max(1, n * k), 0), g = rt.f64(k * k, 99);
    f.a.set(F);
    rt.kernels.gram_f64(g.ptr, f.ptr, n, k);
    const ref = n ? refMatmul(transpose(F, n, k), F, k, n, k) : new Float64Array(k * k);
    expect(relMaxDiff(g.a, ref)).toBeLessThan(1e-14);
    for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) expect(g.a[i * k + j]).toBe(g.a[j * k + i]);
    [f, g].forEach((q) => q.free());
  });
});
