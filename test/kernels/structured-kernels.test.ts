// The structured operators' wasm kernels against plain-TypeScript f64 references on ragged shapes: the completion
// gather/scatter pass and its back-projection product; the rank-one tall-skinny products in f64 and f32 arithmetic;
// the Bernoulli row sampler and selection sampling.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/index.js';
import { rand, randArray, relMaxDiff, runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

const f64 = (a: ArrayLike<number>) => rt.f64(a.length).set(a);
const f32 = (a: ArrayLike<number>) => rt.f32(a.length).set(a);

/** The completion pass by hand in f64 (the kernels' conventions: sym pairs u ≤ v, wd on a symmetric diagonal). */
function completionRef(pairs: Int32Array, F: ArrayLike<number>, G: ArrayLike<number>, b: ArrayLike<number>, n1: number, n2: number, k: number, w: number, wd: number, sym: number) {
  const m = pairs.length / 2, r = new Float64Array(m), EG = new Float64Array(n1 * k), EtF = new Float64Array(n2 * k);
  let ss = 0;
  for (let i = 0; i < m; i++) {
    const u = pairs[2 * i], v = pairs[2 * i + 1], both = sym && u !== v, wt = sym && u === v ? wd : w;
    let d = 0;
    for (let j = 0; j < k; j++) d += F[u * k + j] * G[v * k + j] + (both ? F[v * k + j] * G[u * k + j] : 0);
    r[i] = wt * d - b[i]; ss += r[i] * r[i];
    const c = wt * r[i];
    for (let j = 0; j < k; j++) {
      EG[u * k + j] += c * G[v * k + j]; EtF[v * k + j] += c * F[u * k + j];
      if (both) { EG[v * k + j] += c * G[u * k + j]; EtF[u * k + j] += c * F[v * k + j]; }
    }
  }
  return { r, ss, EG, EtF };
}

describe('completion_pass_f64', () => {
  it.each([[1, 1, 1, 1], [5, 7, 3, 11], [9, 4, 5, 30], [6, 6, 2, 20]])('n1 = %i, n2 = %i, k = %i, %i entries (ragged, both kinds)', (n1, n2, k, m) => {
    const R = rand(n1 * 31 + k);
    for (const sym of [0, 1]) {
      if (sym && n1 !== n2) continue;
      const pairs = new Int32Array(2 * m);
      for (let i = 0; i < m; i++) { let u = Math.floor(R() * n1), v = Math.floor(R() * n2); if (sym && u > v) [u, v] = [v, u]; pairs[2 * i] = u; pairs[2 * i + 1] = v; }
      const F = randArray(n1 * k, 1), G = randArray(n2 * k, 2), b = randArray(m, 3), w = 0.7, wd = 1.3;
      const { r, ss, EG, EtF } = completionRef(pairs, F, G, b, n1, n2, k, w, wd, sym);
      const idx = rt.alloc(8 * m); new Int32Array(rt.memory.buffer, idx, 2 * m).set(pairs);
      const bEG = rt.f64(n1 * k, 0), bEtF = rt.f64(n2 * k, 0), br = rt.f64(m);
      const got = rt.kernels.completion_pass_f64(bEG.ptr, bEtF.ptr, br.ptr, idx, m, f64(F).ptr, f64(G).ptr, k, w, wd, f64(b).ptr, sym, 0);
      expect(Math.abs(got - ss) / ss).toBeLessThan(1e-13);
      expect(relMaxDiff(br.a, r)).toBeLessThan(1e-14);
      expect(relMaxDiff(bEG.a, EG)).toBeLessThan(1e-14);
      expect(relMaxDiff(bEtF.a, EtF)).toBeLessThan(1e-14);
      // given residual: the products alone
      const gEG = rt.f64(n1 * k, 0);
      rt.kernels.completion_pass_f64(gEG.ptr, 0, f64(r).ptr, idx, m, f64(F).ptr, f64(G).ptr, k, w, wd, 0, sym, 1);
      expect(relMaxDiff(gEG.a, EG)).toBeLessThan(1e-14);
      // the back projection's matvec: (A*(r) x) for x of length n2, and its transpose
      const x = randArray(n2, 4), out = rt.f64(n1, 0), S = new Float64Array(n1 * n2);
      for (let i = 0; i < m; i++) {
        const u = pairs[2 * i], v = pairs[2 * i + 1], c = (sym && u === v ? wd : w) * r[i];
        S[u * n2 + v] += c; if (sym && u !== v) S[v * n2 + u] += c;
      }
      rt.kernels.completion_matvec_f64(out.ptr, idx, m, f64(r).ptr, f64(x).ptr, w, wd, sym, 0);
      const ref = new Float64Array(n1); for (let a = 0; a < n1; a++) for (let c = 0; c < n2; c++) ref[a] += S[a * n2 + c] * x[c];
      expect(relMaxDiff(out.a, ref)).toBeLessThan(1e-14);
    }
  });
});

describe('completion_pass_f32grad', () => {
  // k covers the f32 kernel's 8-lane loop, its 4-lane step and the scalar tail; entries repeat rows and columns
  it.each([[1, 1, 1, 1], [5, 7, 3, 11], [9, 4, 5, 30], [6, 6, 8, 20], [7, 5, 13, 40], [4, 4, 20, 16]])('n1 = %i, n2 = %i, k = %i, %i entries (ragged, both kinds, both residuals)', (n1, n2, k, m) => {
    const R = rand(n1 * 37 + k);
    for (const sym of [0, 1]) {
      if (sym && n1 !== n2) continue;
      const pairs = new Int32Array(2 * m);
      for (let i = 0; i < m; i++) { let u = Math.floor(R() * n1), v = Math.floor(R() * n2); if (sym && u > v) [u, v] = [v, u]; pairs[2 * i] = u; pairs[2 * i + 1] = v; }
      const F = randArray(n1 * k, 5), G = randArray(n2 * k, 6), b = randArray(m, 7), w = 0.7, wd = 1.3;
      const F32 = Float32Array.from(F), G32 = Float32Array.from(G);
      const exact = completionRef(pairs, F, G, b, n1, n2, k, w, wd, sym);
      const idx = rt.alloc(8 * m); new Int32Array(rt.memory.buffer, idx, 2 * m).set(pairs);
      const bF = f64(F), bG = f64(G), bF32 = f32(F32), bG32 = f32(G32), bb = f64(b);
      const widen = (p: number, n: number) => Float64Array.from(new Float32Array(rt.memory.buffer, p, n));
      for (const dot32 of [0, 1]) {
        // residuals from the f64 rows are exact; from the f32 rows they are the f64 pass on the rounded factors, to f32
        // sums' rounding (~k·2⁻²⁴ relative)
        const ref = dot32 ? completionRef(pairs, F32, G32, b, n1, n2, k, w, wd, sym) : exact;
        const EG32 = rt.alloc(4 * n1 * k), EtF32 = rt.alloc(4 * n2 * k), br = rt.f64(m);
        new Float32Array(rt.memory.buffer, EG32, n1 * k).fill(0); new Float32Array(rt.memory.buffer, EtF32, n2 * k).fill(0);
        const got = rt.kernels.completion_pass_f32grad(EG32, EtF32, br.ptr, idx, m, bF.ptr, bG.ptr, bF32.ptr, bG32.ptr, k, w, wd, bb.ptr, sym, 0, dot32);
        const rTol = dot32 ? 1e-6 : 1e-14;
        expect(Math.abs(got - ref.ss) / ref.ss, `sym ${sym} dot32 ${dot32} ‖r‖²`).toBeLessThan(dot32 ? 1e-5 : 1e-13);
        expect(relMaxDiff(br.a, ref.r), `sym ${sym} dot32 ${dot32} r`).toBeLessThan(rTol);
        // gradient rows in f32: each contribution rounded once, then f32 sums
        expect(relMaxDiff(widen(EG32, n1 * k), exact.EG), `sym ${sym} dot32 ${dot32} EG`).toBeLessThan(1e-5);
        expect(relMaxDiff(widen(EtF32, n2 * k), exact.EtF), `sym ${sym} dot32 ${dot32} EtF`).toBeLessThan(1e-5);
        // given residuals, one product at a time (the general loop)
        new Float32Array(rt.memory.buffer, EtF32, n2 * k).fill(0);
        rt.kernels.completion_pass_f32grad(0, EtF32, f64(exact.r).ptr, idx, m, 0, 0, bF32.ptr, bG32.ptr, k, w, wd, 0, sym, 1, dot32);
        expect(relMaxDiff(widen(EtF32, n2 * k), exact.EtF), `sym ${sym} given EtF`).toBeLessThan(1e-5);
      }
    }
  });
});

describe('completion_pass_packed', () => {
  // k = 1, 3, 5, 13: the zero-padded last chunk; 4, 8, 20: whole chunks. Entries repeat rows and columns; sorted by
  // column, consecutive entries share one (the kernel takes them in pairs), in runs of odd and even lengths.
  const shapes = [[1, 1, 1, 1], [5, 7, 3, 11], [9, 4, 5, 30], [3, 6, 4, 12], [6, 6, 8, 20], [7, 5, 13, 40], [4, 4, 20, 16]];
  it.each(shapes.flatMap((s) => [[...s, 'random'], [...s, 'by column']]))('n1 = %i, n2 = %i, k = %i, %i entries, %s order (ragged, both residuals)', (n1, n2, k, m, order) => {
    const R = rand(n1 * 41 + k);
    const pairs = new Int32Array(2 * m);
    const cells = Array.from({ length: m }, () => [Math.floor(R() * n1), Math.floor(R() * n2)]);
    if (order === 'by column') cells.sort((a, b) => a[1] - b[1]);
    cells.forEach(([u, v], i) => { pairs[2 * i] = u; pairs[2 * i + 1] = v; });
    const F = randArray(n1 * k, 8), G = randArray(n2 * k, 9), b = randArray(m, 10), w = 0.7;
    const exact = completionRef(pairs, F, G, b, n1, n2, k, w, w, 0);
    const idx = rt.alloc(8 * m); new Int32Array(rt.memory.buffer, idx, 2 * m).set(pairs);
    const kc = Math.ceil(k / 4);
    for (const prec of [0, 1, 2]) { // 'f64', 'mixed', 'f32'
      const chunk = prec === 2 ? 32 : 64, at = { factor: prec === 1 ? 32 : 0, acc: prec === 0 ? 32 : prec === 1 ? 48 : 16 };
      const PU = rt.alloc(n1 * kc * chunk), PV = rt.alloc(n2 * kc * chunk);
      rt.kernels.completion_pack_rows(PU, f64(F).ptr, n1, k, prec);
      rt.kernels.completion_pack_rows(PV, f64(G).ptr, n2, k, prec);
      // the layout: the factor in f64 (not 'f32'), in f32 (not 'f64'), then the zeroed accumulator; columns past k zero
      const f = new Float32Array(rt.memory.buffer, PU, n1 * kc * chunk / 4), d = new Float64Array(rt.memory.buffer, PU, n1 * kc * chunk / 8);
      for (let u = 0; u < n1; u++) for (let j = 0; j < 4 * kc; j++) {
        const c = u * kc + (j >> 2), l = j & 3, want = j < k ? F[u * k + j] : 0, o = c * chunk;
        if (prec !== 2) expect(d[o / 8 + l]).toBe(want);
        if (prec !== 0) expect(f[(o + at.factor) / 4 + l]).toBe(Math.fround(want));
        expect(prec === 0 ? d[(o + at.acc) / 8 + l] : f[(o + at.acc) / 4 + l]).toBe(0);
      }
      const ref = prec === 2 ? completionRef(pairs, Float32Array.from(F), Float32Array.from(G), b, n1, n2, k, w, w, 0) : exact;
      const br = rt.f64(m), EG = rt.f64(n1 * k, NaN), EtF = rt.f64(n2 * k, NaN);
      const got = rt.kernels.completion_pass_packed(PU, PV, br.ptr, idx, m, k, w, 1.9, f64(b).ptr, prec, 0);
      expect(Math.abs(got - ref.ss) / ref.ss, `prec ${prec} ‖r‖²`).toBeLessThan(prec === 2 ? 1e-5 : 1e-13);
      expect(relMaxDiff(br.a, ref.r), `prec ${prec} r`).toBeLessThan(prec === 2 ? 1e-6 : 1e-14);
      rt.kernels.completion_unpack_grad(EG.ptr, PU, n1, k, prec);
      rt.kernels.completion_unpack_grad(EtF.ptr, PV, n2, k, prec);
      // f64 accumulators to rounding; f32 ones: each contribution rounded once, then f32 sums
      const gTol = prec === 0 ? 1e-13 : 1e-5;
      expect(relMaxDiff(EG.a, exact.EG), `prec ${prec} EG`).toBeLessThan(gTol);
      expect(relMaxDiff(EtF.a, exact.EtF), `prec ${prec} EtF`).toBeLessThan(gTol);
      // the factors' parts are untouched by the pass
      const again = rt.alloc(n1 * kc * chunk);
      rt.kernels.completion_pack_rows(again, f64(F).ptr, n1, k, prec);
      const a8 = new Uint8Array(rt.memory.buffer, again, n1 * kc * chunk), p8 = new Uint8Array(rt.memory.buffer, PU, n1 * kc * chunk);
      for (let c = 0; c < n1 * kc; c++) for (let q = 0; q < at.acc; q++) expect(p8[c * chunk + q]).toBe(a8[c * chunk + q]);
    }
  });

  // the symmetric operator with the symmetric model: pairs u ≤ v, diagonal entries (weight wd) among them
  it.each([[1, 1, 2], [5, 3, 14], [7, 5, 30], [6, 8, 21], [9, 13, 40], [4, 20, 10]].flatMap((s) => [[...s, 'random'], [...s, 'by column']]))('symmetric: n = %i, k = %i, %i entries, %s order', (n, k, m, order) => {
    const R = rand(n * 43 + k);
    const cells = Array.from({ length: m }, () => { const a = Math.floor(R() * n), c = R() < 0.2 ? a : Math.floor(R() * n); return [Math.min(a, c), Math.max(a, c)]; });
    if (order === 'by column') cells.sort((a, b) => a[1] - b[1]);
    const pairs = new Int32Array(2 * m);
    cells.forEach(([u, v], i) => { pairs[2 * i] = u; pairs[2 * i + 1] = v; });
    const X = randArray(n * k, 11), b = randArray(m, 12), w = 0.6, wd = 1.1, kc = Math.ceil(k / 4);
    const exact = completionRef(pairs, X, X, b, n, n, k, w, wd, 1);
    const idx = rt.alloc(8 * m); new Int32Array(rt.memory.buffer, idx, 2 * m).set(pairs);
    for (const prec of [0, 1, 2]) {
      const P = rt.alloc(n * kc * (prec === 2 ? 32 : 64));
      rt.kernels.completion_pack_rows(P, f64(X).ptr, n, k, prec);
      const ref = prec === 2 ? completionRef(pairs, Float32Array.from(X), Float32Array.from(X), b, n, n, k, w, wd, 1) : exact;
      const br = rt.f64(m), EX = rt.f64(n * k, NaN);
      const got = rt.kernels.completion_pass_packed(P, 0, br.ptr, idx, m, k, w, wd, f64(b).ptr, prec, 1);
      expect(Math.abs(got - ref.ss) / ref.ss, `prec ${prec} ‖r‖²`).toBeLessThan(prec === 2 ? 1e-5 : 1e-13);
      expect(relMaxDiff(br.a, ref.r), `prec ${prec} r`).toBeLessThan(prec === 2 ? 1e-6 : 1e-14);
      rt.kernels.completion_unpack_grad(EX.ptr, P, n, k, prec);
      expect(relMaxDiff(EX.a, exact.EG), `prec ${prec} E·X`).toBeLessThan(prec === 0 ? 1e-13 : 1e-5);
    }
  });
});

describe('rank-one kernels', () => {
  const ref = (A: Float32Array, rows: number, n: number, Ft: Float64Array | Float32Array, k: number) => {
    const P = new Float64Array(rows * k);
    for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) { let s = 0; for (let a = 0; a < n; a++) s += A[i * n + a] * Ft[j * n + a]; P[i * k + j] = s; }
    return P;
  };
  it.each([[1, 1, 1], [3, 5, 1], [5, 7, 3], [9, 13, 4], [8, 16, 5], [4, 4, 2]])('rows = %i, n = %i, k = %i (ragged)', (rows, n, k) => {
    const A = Float32Array.from(randArray(rows * n, 5)), Ft = randArray(k * n, 6), W = randArray(rows * k, 7);
    const bA = f32(A), P = rt.f64(rows * k);
    rt.kernels.rows_dot_f32_f64(P.ptr, bA.ptr, rows, n, f64(Ft).ptr, k);
    expect(relMaxDiff(P.a, ref(A, rows, n, Ft, k))).toBeLessThan(1e-14);
    const Ft32 = Float32Array.from(Ft);
    rt.kernels.rows_dot_f32(P.ptr, bA.ptr, rows, n, f32(Ft32).ptr, k);
    expect(relMaxDiff(P.a, ref(A, rows, n, Ft32, k))).toBeLessThan(1e-6);
    // Et += Σ_i W[i, :]ᵀ A[i, :]
    const E0 = randArray(k * n, 8), Et = f64(E0), E32 = f32(Float32Array.from(E0));
    const refE = Float64Array.from(E0);
    for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) for (let a = 0; a < n; a++) refE[j * n + a] += W[i * k + j] * A[i * n + a];
    rt.kernels.rows_axpy_t_f32_f64(Et.ptr, bA.ptr, rows, n, f64(W).ptr, k);
    expect(relMaxDiff(Et.a, refE)).toBeLessThan(1e-14);
    rt.kernels.rows_axpy_t_f32(E32.ptr, bA.ptr, rows, n, f64(W).ptr, k);
    expect(relMaxDiff(E32.a, refE)).toBeLessThan(1e-5);
    // residuals and the scaled rows
    const Q = randArray(rows * k, 9), b = randArray(rows, 10), Pv = P.copy();
    const r = rt.f64(rows), Wb = rt.f64(rows * k), Vb = rt.f64(rows * k);
    const ss = rt.kernels.rankone_residual_f64(r.ptr, Wb.ptr, Vb.ptr, P.ptr, f64(Q).ptr, rows, k, f64(b).ptr, 0);
    let sref = 0;
    for (let i = 0; i < rows; i++) {
      let d = 0; for (let j = 0; j < k; j++) d += Pv[i * k + j] * Q[i * k + j];
      const ri = d - b[i]; sref += ri * ri;
      expect(r.a[i]).toBeCloseTo(ri, 13);
      for (let j = 0; j < k; j++) { expect(Wb.a[i * k + j]).toBeCloseTo(ri * Q[i * k + j], 13); expect(Vb.a[i * k + j]).toBeCloseTo(ri * Pv[i * k + j], 13); }
    }
    expect(Math.abs(ss - sref) / sref).toBeLessThan(1e-13);
  });

  it('transpose_f64 and add_f32_to_f64', () => {
    const X = randArray(3 * 5, 1), out = rt.f64(15);
    rt.kernels.transpose_f64(out.ptr, f64(X).ptr, 3, 5);
    for (let j = 0; j < 3; j++) for (let a = 0; a < 5; a++) expect(out.a[a * 3 + j]).toBe(X[j * 5 + a]);
    const acc = f64([1, 2, 3]), x = f32([0.5, 0.25, 0.125]);
    rt.kernels.add_f32_to_f64(acc.ptr, x.ptr, 3);
    expect(Array.from(acc.a)).toEqual([1.5, 2.25, 3.125]);
  });
});

describe('sampling kernels', () => {
  it('bernoulli_row_i32: ascending distinct indices, the right rate, reproducible from (seed, stream, row)', () => {
    const out = rt.alloc(4000 * 4);
    let total = 0;
    for (let row = 0; row < 50; row++) {
      const c = rt.kernels.bernoulli_row_i32(out, 4000, 0.05, 0, 7, 3, row);
      const v = new Int32Array(rt.memory.buffer, out, c).slice();
      for (let i = 1; i < c; i++) expect(v[i]).toBeGreaterThan(v[i - 1]);
      if (c) expect(v[0] >= 0 && v[c - 1] < 4000).toBe(true);
      total += c;
      const again = rt.kernels.bernoulli_row_i32(out, 4000, 0.05, 0, 7, 3, row);
      expect(Array.from(new Int32Array(rt.memory.buffer, out, again))).toEqual(Array.from(v));
    }
    // 50 × 4000 × 0.05 = 10 000 expected, sd ≈ 97
    expect(Math.abs(total - 10000)).toBeLessThan(500);
    expect(rt.kernels.bernoulli_row_i32(out, 10, 1, 0, 1, 1, 0)).toBe(10);
    expect(rt.kernels.bernoulli_row_i32(out, 10, 0, 0, 1, 1, 0)).toBe(0);
  });

  it('select_items_u64 keeps exactly m items in order, each about equally often', () => {
    const total = 20, m = 5, inp = rt.alloc(total * 8), out = rt.alloc(m * 8);
    const ids = new Int32Array(rt.memory.buffer, inp, 2 * total);
    for (let i = 0; i < total; i++) { ids[2 * i] = i; ids[2 * i + 1] = 100 + i; }
    const count = new Array(total).fill(0);
    for (let s = 0; s < 4000; s++) {
      expect(rt.kernels.select_items_u64(out, inp, total, m, 0, s, 9)).toBe(m);
      const o = new Int32Array(rt.memory.buffer, out, 2 * m);
      for (let i = 0; i < m; i++) { count[o[2 * i]]++; expect(o[2 * i + 1]).toBe(100 + o[2 * i]); if (i) expect(o[2 * i]).toBeGreaterThan(o[2 * i - 2]); }
    }
    // each item is kept with probability m/total = 1/4: 1000 ± 4·27
    for (const c of count) expect(Math.abs(c - 1000)).toBeLessThan(110);
  });
});
