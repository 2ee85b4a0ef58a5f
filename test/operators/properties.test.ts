// Property: every operator kind passes the adjoint dot-test ⟨A x, v⟩ = ⟨x, A* v⟩ on random shapes (1 × 1 up to
// ragged 9 × 7, any m), and its factor-form pass agrees with its vec-form apply on random factors.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CompletionOperator, DenseOperator, RankOneOperator, type MeasurementOperator, type Runtime } from '../../src/index.js';
import { dotTest } from '../../src/testing/index.js';
import { randArray, refMatmul, runtime, transpose } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

type Kind = 'dense' | 'dense-sym' | 'completion' | 'completion-sym' | 'rank-one' | 'rank-one-sym';
function make(kind: Kind, m: number, n1: number, n2: number, seed: number): MeasurementOperator {
  const n = n1;
  switch (kind) {
    case 'dense': return DenseOperator.gaussian(rt, { m, n1, n2, seed });
    case 'dense-sym': return DenseOperator.gaussian(rt, { m, n1: n, n2: n, symmetric: true, seed });
    case 'completion': return CompletionOperator.sampleLocal(rt, { n1, n2, m: Math.min(m, n1 * n2), seed });
    case 'completion-sym': return CompletionOperator.sampleLocal(rt, { n1: n, n2: n, m: Math.min(m, (n * (n + 1)) / 2), symmetric: true, seed });
    case 'rank-one': return RankOneOperator.gaussian(rt, { m, n1, n2, seed });
    default: return RankOneOperator.gaussian(rt, { m, n1: n, n2: n, symmetric: true, seed });
  }
}

describe('property: the dot-test and the factor-form pass on random shapes, every operator kind', () => {
  const arb = fc.record({
    kind: fc.constantFrom<Kind>('dense', 'dense-sym', 'completion', 'completion-sym', 'rank-one', 'rank-one-sym'),
    m: fc.integer({ min: 1, max: 40 }), n1: fc.integer({ min: 1, max: 9 }), n2: fc.integer({ min: 1, max: 7 }),
    k: fc.integer({ min: 1, max: 4 }), seed: fc.integer({ min: 0, max: 1000 }),
  });
  it('passes', () => {
    fc.assert(fc.property(arb, ({ kind, m, n1, n2, k, seed }) => {
      const op = make(kind, m, n1, n2, seed);
      try {
        const dt = dotTest(op, { rtol: 1e-12, seed });
        expect(dt.passed, `${kind} ${op.m} × ${op.n1}·${op.n2}: dot-test relative error ${dt.relError}`).toBe(true);
        // factor form vs vec form: r from a pass equals A vec(F Gᵀ) − y
        const N1 = op.n1, N2 = op.n2, F = randArray(N1 * k, seed + 1), G = randArray(N2 * k, seed + 2), y = randArray(op.m, seed + 3);
        const X = refMatmul(F, transpose(G, N2, k), N1, k, N2), Ax = new Float64Array(op.m);
        op.apply(X, Ax);
        const yb = rt.f64(op.m).set(y), Fb = rt.f64(N1 * k).set(F), Gb = rt.f64(N2 * k).set(G), r = rt.f64(op.m);
        const ws = op.workspace(rt, { model: 'asymmetric', widths: [k], precision: 'f64', y: yb });
        const rr = new Float64Array(1);
        ws.pass([{ slot: 0, F: Fb, G: Gb, residual: r }], rr);
        let scale = 1e-300;
        for (let i = 0; i < op.m; i++) scale = Math.max(scale, Math.abs(Ax[i]!) + Math.abs(y[i]!));
        for (let i = 0; i < op.m; i++) expect(Math.abs(r.a[i]! - (Ax[i]! - y[i]!))).toBeLessThanOrEqual(1e-12 * scale);
        ws.dispose();
        for (const b of [yb, Fb, Gb, r]) b.free();
      } finally {
        op.dispose();
      }
    }), { numRuns: 150 });
  });
});
