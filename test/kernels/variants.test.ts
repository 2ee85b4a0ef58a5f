// The two kernel builds: baseline SIMD and relaxed SIMD (fused multiply–add). Wherever the engine runs both (natively,
// or Node 20 in the relaxed-simd project of vitest.config.ts), they must agree to rounding, and reach the same floor.
import { describe, expect, it } from 'vitest';
import { KernelLoadError, ValidationError, createProblem, createRuntime, relaxedSimdSupported, solveSync } from '../../src/index.js';
import { randArray, relMaxDiff } from '../helpers.js';

describe('kernel builds (baseline and relaxed SIMD)', () => {
  it('createRuntime() runs the relaxed build exactly where the engine validates relaxed SIMD', async () => {
    const rt = await createRuntime();
    expect(rt.kernelVariant).toBe(relaxedSimdSupported() ? 'relaxed' : 'simd');
    // the relaxed-simd test project must really be testing the relaxed build
    if (process.env.MATSENSE_TEST_RELAXED) expect(rt.kernelVariant).toBe('relaxed');
    const base = await createRuntime({ simd: 'baseline' });
    expect(base.kernelVariant).toBe('simd');
  });

  it('rejects a bad simd option, and relaxed where the engine lacks it, with specific errors', async () => {
    await expect(createRuntime({ simd: 'fast' as never })).rejects.toThrow(ValidationError);
    if (!relaxedSimdSupported()) await expect(createRuntime({ simd: 'relaxed' })).rejects.toThrow(KernelLoadError);
  });

  it.skipIf(!relaxedSimdSupported())('the builds agree: the fused pass to rounding, GD runs to 1e-10 and to the same f64 floor', async () => {
    const [rb, rr] = [await createRuntime({ simd: 'baseline' }), await createRuntime({ simd: 'relaxed' })];
    expect(rr.kernelVariant).toBe('relaxed');
    // one fused pass (f64 products): FMA rounds once where mul + add rounds twice
    const m = 37, N = 99, A = Float64Array.from(randArray(m * N, 1), Math.fround), x = randArray(N, 2), b = randArray(m, 3);
    const pass = (rt: typeof rb) => {
      const a = rt.f32(m * N).set(A), xb = rt.fromArray(x), bb = rt.fromArray(b), S = rt.f64(N), r = rt.f64(m);
      rt.kernels.residual_adjoint_f32_f64(S.ptr, r.ptr, a.ptr, xb.ptr, bb.ptr, m, N);
      return { S: S.a.slice(), r: r.a.slice() };
    };
    const [pb, pr] = [pass(rb), pass(rr)];
    expect(relMaxDiff(pr.r, pb.r)).toBeLessThan(1e-14);
    expect(relMaxDiff(pr.S, pb.S)).toBeLessThan(1e-14);
    // the same problem (A bit for bit; y = A(M*) to rounding); in f64 arithmetic the same run up to rounding (which
    // grows while GD escapes the saddle at 0); in the default precision (f32 increments) the same f64 floor
    const run = (rt: typeof rb, precision: 'f64' | 'mixed') => {
      const p = createProblem(rt, { n1: 20, n2: 20, r: 2, m: 1200, seed: 6 });
      const y = p.y.a.slice();
      const res = solveSync(rt, p, { k: 2, maxIter: 600, tol: 0, init: { alpha: 1e-2 }, precision });
      p.dispose();
      return { y, e: res.record.relError!, rr: res.record.relResidual };
    };
    const [gb, gr] = [run(rb, 'f64'), run(rr, 'f64')];
    expect(relMaxDiff(gr.y, gb.y)).toBeLessThan(1e-14);
    const at = gb.e.findIndex((v) => v < 1e-10);
    expect(at).toBeGreaterThan(0);
    // |Δe| ≤ 1e-10·e + 1e-14: relative agreement while the error is large, absolute (‖M*‖ = 1) near the floor
    let worst = 0;
    for (let t = 0; t <= at; t++) worst = Math.max(worst, Math.abs(gr.e[t] - gb.e[t]) / (1e-10 * gb.e[t] + 1e-14));
    console.log(`baseline vs relaxed SIMD, f64: error curves agree to ${worst.toFixed(3)} × (1e-10·e + 1e-14)`);
    expect(worst).toBeLessThan(1);
    for (const g of [gb, gr, run(rb, 'mixed'), run(rr, 'mixed')]) {
      expect(Math.min(...g.e)).toBeLessThan(1e-15);
      expect(g.rr.at(-1)!).toBeLessThan(1e-15);
    }
  });
});
