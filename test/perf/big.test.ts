// A 6 GiB operator (over the 4 GiB of one wasm memory) in private-memory worker mode. Gated: MATSENSE_BIG=1
// (needs ~8 GiB of free RAM and ~1 minute). Prints its timings.
import { describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime.js';
import type { DenseOperator } from '../../src/operators/dense.js';
import { createProblemParallel } from '../../src/problems/generate.js';
import { solveSync } from '../../src/solvers/solve.js';
import { STREAM, splitSeed } from '../../src/random.js';

const BIG = process.env.MATSENSE_BIG === '1';

describe.skipIf(!BIG)('6 GiB operator, private memories', () => {
  it('generates, passes and runs GD; sampled rows and the adjoint identity check out', async () => {
    const n = 100, N = n * n, m = Math.ceil((6 * 2 ** 30) / (N * 4)); // 161 062 rows = 6.0 GiB of f32
    const rt = await Runtime.create();
    let t0 = performance.now();
    const p = await createProblemParallel(rt, { n1: n, r: 5, m, seed: 11, threads: 'auto', memory: 'private' });
    const genMs = performance.now() - t0;
    const op = p.op as DenseOperator;
    expect(op.placement).toBe('private');
    expect(op.operatorBytes).toBeGreaterThan(6 * 2 ** 30 - N * 4);
    // sampled rows regenerated in a small runtime: A(M*) must equal y there
    const small = await Runtime.create();
    const row = small.f32(N), [hi, lo] = splitSeed(11);
    const Ms = p.Mstar!.copy(), y = p.y.copy();
    for (const i of [0, 1, 80530, 80531, 123457, m - 1]) {
      small.kernels.normal_rows_f32(row.ptr, 1, N, 1 / Math.sqrt(m), hi, lo, STREAM.operator, i, small.zigTable);
      const a = row.a;
      let d = 0; for (let j = 0; j < N; j++) d += a[j] * Ms[j];
      expect(Math.abs(d - y[i])).toBeLessThan(1e-12 * Math.max(1, Math.abs(d)) + 1e-15);
    }
    // adjoint identity ⟨A x, r⟩ = ⟨x, Aᵀ r⟩ through the fused pass at rank-1 factors x = f gᵀ: ⟨x, E⟩ = fᵀ E g
    const f = rt.f64(n).set(Float64Array.from({ length: n }, (_, j) => Math.sin(j))), g = rt.f64(n).set(Float64Array.from({ length: n }, (_, j) => Math.cos(j)));
    const ws = op.workspace(rt, { model: 'asymmetric', widths: [1], precision: 'f64', y: p.y });
    const EG = rt.f64(n), residual = rt.f64(m), rr1 = new Float64Array(1);
    t0 = performance.now();
    ws.pass([{ slot: 0, F: f, G: g, EG, residual }], rr1);
    const passMs = performance.now() - t0;
    const x = new Float64Array(N);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) x[a * n + b] = f.a[a] * g.a[b];
    const Ax = new Float64Array(m); op.apply(x, Ax);
    const r = residual.a;
    let lhs = 0, rhs = 0, rr = 0;
    for (let i = 0; i < m; i++) { lhs += Ax[i] * r[i]; rr += r[i] * r[i]; }
    for (let a = 0; a < n; a++) rhs += f.a[a] * EG.a[a];
    expect(Math.abs(lhs - rhs) / Math.abs(lhs)).toBeLessThan(1e-6);
    expect(Math.abs(rr1[0] - rr) / rr).toBeLessThan(1e-12);
    ws.dispose();
    t0 = performance.now();
    const res = solveSync(rt, p, { k: 10, maxIter: 10, tol: 0, init: { alpha: 1e-3 } });
    const gdMs = (performance.now() - t0) / 11;
    expect(res.iterations).toBe(10);
    expect(res.record.loss[10]).toBeLessThan(res.record.loss[0]);
    console.log(JSON.stringify({ m, n, gib: op.operatorBytes / 2 ** 30, workers: op.threads, genMs: Math.round(genMs), passMs: Math.round(passMs), gdIterMs: Math.round(gdMs), gbPerS: +(op.operatorBytes / passMs / 1e6).toFixed(1) }));
    p.dispose();
    await op.close();
    expect(op.exitedWorkers).toBe(op.threads);
  }, 600_000);
});
