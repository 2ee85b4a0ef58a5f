// The default precision ('mixed') of the dense operator refines each trajectory's residual from its previous pass
// (r = r⁻ + A·ΔX, the increment in f32) and recomputes it exactly every REFRESH_EVERY passes. These tests check the
// schedule and the stated error bound against the exact ('f64') residual at the same iterate.
import { describe, expect, it, beforeAll } from 'vitest';
import { DenseOperator, type Runtime } from '../../src/index.js';
import { REFRESH_EVERY } from '../../src/operators/dense.js';
import { randArray, refMatmul, runtime, transpose } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

describe("precision 'mixed': refined residuals", () => {
  it(`the first pass is exact; refined passes stay within γ_N Σ_s |A_i|·|ΔX_s| of the exact residual; an exact refresh every ${REFRESH_EVERY} passes`, () => {
    const m = 41, n1 = 5, n2 = 6, k = 2, N = n1 * n2;
    const op = DenseOperator.gaussian(rt, { m, n1, n2, seed: 7 });
    const A = Float64Array.from(op.A!.a), absA = A.map(Math.abs);
    const y = rt.f64(m).set(randArray(m, 3));
    const spec = (precision: 'mixed' | 'f64') => ({ model: 'asymmetric' as const, widths: [k], precision, y });
    const wsMixed = op.workspace(rt, spec('mixed')), wsExact = op.workspace(rt, spec('f64'));
    const F = rt.f64(n1 * k).set(randArray(n1 * k, 4)), G = rt.f64(n2 * k).set(randArray(n2 * k, 5));
    const EG = rt.f64(n1 * k), rMixed = rt.f64(m), rExact = rt.f64(m), rr = new Float64Array(1);
    const stepF = randArray(n1 * k, 6), stepG = randArray(n2 * k, 8);
    let prevX: Float64Array = new Float64Array(N), bound = new Float64Array(m), refined = 0;
    for (let t = 0; t < 2 * REFRESH_EVERY + 3; t++) {
      // a GD-like path: steps that shrink geometrically
      const h = 0.05 * 0.8 ** t;
      F.a.forEach((v, i) => { F.a[i] = v + h * stepF[i]; });
      G.a.forEach((v, i) => { G.a[i] = v - h * stepG[i]; });
      wsMixed.pass([{ slot: 0, F, G, EG, residual: rMixed }], rr);
      wsExact.pass([{ slot: 0, F, G, EG, residual: rExact }], rr);
      const X = refMatmul(F.a, transpose(G.a, n2, k), n1, k, n2);
      const exactPass = t % (REFRESH_EVERY + 1) === 0;
      if (exactPass) {
        expect(Array.from(rMixed.a)).toEqual(Array.from(rExact.a));
        bound = new Float64Array(m);
      } else {
        // the rounding of A·ΔX in f32: ΔX rounded (2⁻²⁴ relative) and N products summed in f32
        for (let i = 0; i < m; i++) {
          let s = 0;
          for (let j = 0; j < N; j++) s += absA[i * N + j] * Math.abs(X[j] - prevX[j]);
          bound[i] += (N + 4) * 2 ** -24 * s;
          expect(Math.abs(rMixed.a[i] - rExact.a[i])).toBeLessThanOrEqual(bound[i] + 1e-14 * Math.abs(rExact.a[i]));
        }
        if (rMixed.a.some((v, i) => v !== rExact.a[i])) refined++;
      }
      prevX = X;
    }
    // the refined passes really are refined (not exact passes in disguise)
    expect(refined).toBeGreaterThan(REFRESH_EVERY);
    for (const b of [F, G, EG, rMixed, rExact, y]) b.free();
    wsMixed.dispose(); wsExact.dispose(); op.dispose();
  });

  it('extra passes are exact and leave the refinement state alone', () => {
    const m = 20, n1 = 3, n2 = 4, k = 2;
    const op = DenseOperator.gaussian(rt, { m, n1, n2, seed: 9 });
    const y = rt.f64(m).set(randArray(m, 1));
    const spec = (precision: 'mixed' | 'f64') => ({ model: 'asymmetric' as const, widths: [k], precision, y });
    const a = op.workspace(rt, spec('mixed')), b = op.workspace(rt, spec('mixed')), ex = op.workspace(rt, spec('f64'));
    const F = rt.f64(n1 * k).set(randArray(n1 * k, 2)), G = rt.f64(n2 * k).set(randArray(n2 * k, 3)), F2 = rt.f64(n1 * k).set(randArray(n1 * k, 4));
    const EG = rt.f64(n1 * k), r1 = rt.f64(m), r2 = rt.f64(m), r3 = rt.f64(m), rr = new Float64Array(1);
    a.pass([{ slot: 0, F, G, EG }], rr);
    b.pass([{ slot: 0, F, G, EG }], rr);
    a.extraPass({ slot: 0, F: F2, G, EG, residual: r1 });
    ex.pass([{ slot: 0, F: F2, G, EG, residual: r3 }], rr);
    expect(Array.from(r1.a)).toEqual(Array.from(r3.a)); // exact
    a.pass([{ slot: 0, F: F2, G, residual: r1 }], rr);
    b.pass([{ slot: 0, F: F2, G, residual: r2 }], rr);
    expect(Array.from(r1.a)).toEqual(Array.from(r2.a)); // the extra pass changed nothing
    for (const q of [F, G, F2, EG, r1, r2, r3, y]) q.free();
    a.dispose(); b.dispose(); ex.dispose(); op.dispose();
  });
});
