// One table-driven conformance suite over every operator kind and the named shapes: the adjoint dot-test,
// fused ≡ unfused, the f32 kernels against an f64 JS reference, call counting and shape checks.
import { describe, expect, it, beforeAll } from 'vitest';
import { DenseOperator, IdentityOperator, ValidationError, type MeasurementOperator, type Runtime } from '../../src/index.js';
import { dotTest } from '../../src/testing/index.js';
import { OPERATOR_SHAPES, randArray, refGemv, refGemvT, relMaxDiff, runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

type Maker = (m: number, n1: number, n2: number) => MeasurementOperator | null;
const KINDS: Record<string, Maker> = {
  'dense-gaussian': (m, n1, n2) => DenseOperator.gaussian(rt, { m, n1, n2, seed: 3 }),
  'dense-gaussian-sym': (m, n1, n2) => (n1 === n2 ? DenseOperator.gaussian(rt, { m, n1, n2, symmetric: true, seed: 4 }) : null),
  'dense-fromArray': (m, n1, n2) => DenseOperator.fromArray(rt, randArray(m * n1 * n2, 5), m, n1, n2),
  identity: (_m, n1, n2) => new IdentityOperator(n1, n2),
};

/** The operator's matrix as f64, read through apply on unit vectors (works for any operator). */
function denseOf(op: MeasurementOperator): Float64Array {
  const A = new Float64Array(op.m * op.N), e = new Float64Array(op.N), col = new Float64Array(op.m);
  for (let j = 0; j < op.N; j++) { e.fill(0); e[j] = 1; op.apply(e, col); for (let i = 0; i < op.m; i++) A[i * op.N + j] = col[i]; }
  return A;
}

for (const [kind, make] of Object.entries(KINDS)) {
  describe.each(Object.entries(OPERATOR_SHAPES))(`${kind} on %s`, (_s, { m, n1, n2 }) => {
    it('passes the adjoint dot-test, matches its dense f64 reference, and fused ≡ unfused', () => {
      const op = make(m, n1, n2);
      if (!op) return; // shape not applicable (symmetric needs n1 = n2)
      try {
        const dt = dotTest(op, { rtol: 1e-12, seed: 9 });
        expect(dt.passed, `dot-test rel error ${dt.relError}`).toBe(true);
        const A = denseOf(op);
        const X = randArray(op.N, 6), b = randArray(op.m, 7);
        const r = new Float64Array(op.m), S = new Float64Array(op.N);
        const rRef = refGemv(A, X, op.m, op.N).map((q, i) => q - b[i]);
        const SRef = refGemvT(A, rRef, op.m, op.N);
        if (op instanceof DenseOperator) op.precision = 'f64';
        const ss = op.residualAdjoint(X, b, r, S);
        expect(relMaxDiff(r, rRef)).toBeLessThan(1e-13);
        expect(relMaxDiff(S, SRef)).toBeLessThan(1e-13);
        expect(ss).toBeCloseTo(rRef.reduce((s, q) => s + q * q, 0), 10);
        const adj = op.adjoint(rRef, new Float64Array(op.N));
        expect(relMaxDiff(S, adj)).toBeLessThan(1e-13);
        if (op instanceof DenseOperator) {
          op.precision = 'mixed';
          op.residualAdjoint(X, b, r, S);
          expect(relMaxDiff(S, SRef)).toBeLessThan(1e-6);
          op.precision = 'f32';
          op.residualAdjoint(X, b, r, S);
          expect(relMaxDiff(S, SRef)).toBeLessThan(1e-4);
        }
        if (op.symmetric) {
          const n = op.n1;
          for (let a = 0; a < n; a++) for (let c = 0; c < n; c++) expect(adj[a * n + c]).toBeCloseTo(adj[c * n + a], 12);
        }
      } finally {
        op.dispose();
      }
    });
  });
}

describe('operator base class', () => {
  it('counts calls and exposes a lazy adjoint view', () => {
    const op = DenseOperator.gaussian(rt, { m: 5, n1: 2, n2: 3, seed: 1 });
    const X = randArray(6, 1), r = new Float64Array(5), S = new Float64Array(6);
    op.apply(X, r); op.apply(X, r); op.adjoint(r, S); op.residualAdjoint(X, r, new Float64Array(5), S);
    expect([op.applyCount, op.adjointCount, op.fusedCount]).toEqual([2, 1, 1]);
    const S2 = op.H.apply(r, new Float64Array(6));
    expect(op.adjointCount).toBe(2);
    expect(S2.length).toBe(6);
    op.dispose();
  });
  it('rejects wrong lengths and non-Float64Array inputs with a specific error', () => {
    const op = DenseOperator.gaussian(rt, { m: 5, n1: 2, n2: 3, seed: 1 });
    expect(() => op.apply(new Float64Array(5), new Float64Array(5))).toThrow(/X has length 5, expected 6/);
    expect(() => op.adjoint(new Float64Array(4), new Float64Array(6))).toThrow(ValidationError);
    expect(() => op.apply(new Float32Array(6) as unknown as Float64Array, new Float64Array(5))).toThrow(/Float64Array/);
    op.dispose();
  });
  it('fromArray validates its data before allocating', () => {
    const before = rt.stats().used;
    expect(() => DenseOperator.fromArray(rt, new Float64Array(10), 3, 2, 2)).toThrow(/expected m · n1 · n2/);
    const bad = randArray(12, 1); bad[7] = NaN;
    expect(() => DenseOperator.fromArray(rt, bad, 3, 2, 2)).toThrow(/entry 7 \(row 1\) is NaN/);
    expect(rt.stats().used).toBe(before);
  });
  it('a wrong adjoint fails the dot-test', () => {
    class Broken extends IdentityOperator {
      protected override _adjoint(r: Float64Array, S: Float64Array): void { super._adjoint(r, S); S[0] *= 2; }
    }
    const dt = dotTest(new Broken(3, 3), { rtol: 1e-12 });
    expect(dt.passed).toBe(false);
  });
});
