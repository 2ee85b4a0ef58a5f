// One table-driven conformance suite over every operator kind and the named shapes: the adjoint dot-test, the
// factor-form pass against a dense f64 reference (both models, every precision, B trajectories at once, the extra
// pass, the products at the last residual), call counting and shape checks.
import { describe, expect, it, beforeAll } from 'vitest';
import {
  CompletionOperator, DenseOperator, F64Buf, GramOperator, IdentityOperator, RankOneOperator, ValidationError, StateError,
  type MeasurementOperator, type Precision, type Runtime,
} from '../../src/index.js';
import { dotTest } from '../../src/testing/index.js';
import { OPERATOR_SHAPES, randArray, refGemv, refGemvT, refMatmul, relMaxDiff, runtime, transpose } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

type Maker = (m: number, n1: number, n2: number) => Promise<MeasurementOperator | null> | MeasurementOperator | null;
const KINDS: Record<string, Maker> = {
  'dense-gaussian': (m, n1, n2) => DenseOperator.gaussian(rt, { m, n1, n2, seed: 3 }),
  'dense-gaussian-sym': (m, n1, n2) => (n1 === n2 ? DenseOperator.gaussian(rt, { m, n1, n2, symmetric: true, seed: 4 }) : null),
  'dense-fromArray': (m, n1, n2) => DenseOperator.fromArray(rt, randArray(m * n1 * n2, 5), m, n1, n2),
  identity: (_m, n1, n2) => new IdentityOperator(n1, n2),
  completion: (m, n1, n2) => CompletionOperator.sampleLocal(rt, { n1, n2, m: Math.min(m, n1 * n2), seed: 2 }),
  'completion-sym': (m, n1, n2) => (n1 === n2 ? CompletionOperator.sampleLocal(rt, { n1, n2, m: Math.min(m, (n1 * (n1 + 1)) / 2), symmetric: true, seed: 3 }) : null),
  'rank-one': (m, n1, n2) => RankOneOperator.gaussian(rt, { m, n1, n2, seed: 4 }),
  'rank-one-sym': (m, n1, n2) => (n1 === n2 ? RankOneOperator.gaussian(rt, { m, n1, n2, symmetric: true, seed: 5 }) : null),
  gram: async (m, n1, n2) => {
    const inner = DenseOperator.gaussian(rt, { m, n1, n2, seed: 6 });
    return GramOperator.create(rt, inner, rt.f64(m).set(randArray(m, 8)));
  },
};

/** The operator's matrix as f64, read through apply on unit vectors (works for any operator). */
function denseOf(op: MeasurementOperator): Float64Array {
  const A = new Float64Array(op.m * op.N), e = new Float64Array(op.N), col = new Float64Array(op.m);
  for (let j = 0; j < op.N; j++) { e.fill(0); e[j] = 1; op.apply(e, col); for (let i = 0; i < op.m; i++) A[i * op.N + j] = col[i]; }
  return A;
}

/** The pass by hand: r = A vec(F Gᵀ) − b, E = reshape(Aᵀ r), E G, Eᵀ F (or ½(E + Eᵀ) X). */
function reference(A: Float64Array, m: number, n1: number, n2: number, F: Float64Array, G: Float64Array, k: number, b: Float64Array, symmetric: boolean) {
  const X = refMatmul(F, transpose(G, n2, k), n1, k, n2);
  const r = refGemv(A, X, m, n1 * n2).map((q, i) => q - b[i]);
  const E = refGemvT(A, r, m, n1 * n2);
  let EG = refMatmul(E, G, n1, n2, k);
  const EtF = refMatmul(transpose(E, n1, n2), F, n2, n1, k);
  if (symmetric) EG = EG.map((v, i) => 0.5 * (v + EtF[i]));
  return { r, rr: r.reduce((s, q) => s + q * q, 0), EG, EtF };
}

const buf = (a: Float64Array) => rt.f64(a.length).set(a);

/** Tolerances of the gradient products by precision: the residual is exact in f64 and mixed. */
const TOL: Record<Precision, number> = { f64: 1e-12, mixed: 2e-6, f32: 1e-4 };

for (const [kind, make] of Object.entries(KINDS)) {
  describe.each(Object.entries(OPERATOR_SHAPES))(`${kind} on %s`, (_s, { m: m0, n1, n2 }) => {
    // Gram mode needs m ≥ N to pay off, but is exact for any m
    it('passes the dot-test, and its factor-form pass matches the dense reference for both models, every precision, B at once', async () => {
      const op = await make(m0, n1, n2);
      if (!op) { expect(kind).toMatch(/-sym$/); return; } // symmetric A_i need n1 = n2
      try {
        const dt = dotTest(op, { rtol: 1e-12, seed: 9 });
        expect(dt.passed, `dot-test rel error ${dt.relError}`).toBe(true);
        const { m } = op;
        const A = denseOf(op);
        const y = op instanceof GramOperator ? op.y : buf(randArray(m, 7));
        for (const model of ['asymmetric', 'symmetric'] as const) {
          if (model === 'symmetric' && n1 !== n2) continue;
          const widths = [1, 3, 2];
          for (const precision of ['f64', 'mixed', 'f32'] as Precision[]) {
            const ws = op.workspace(rt, { model, widths, precision, y });
            const items = widths.map((k, slot) => {
              const F = buf(randArray(n1 * k, 10 + slot));
              const G = model === 'symmetric' ? F : buf(randArray(n2 * k, 20 + slot));
              return { slot, F, G, EG: rt.f64(n1 * k), EtF: model === 'asymmetric' ? rt.f64(n2 * k) : undefined, residual: rt.f64(m) };
            });
            const rr = new Float64Array(3);
            ws.pass(items, rr);
            items.forEach((it, i) => {
              const k = widths[i], ref = reference(A, m, n1, n2, it.F.a, it.G.a, k, y.a, model === 'symmetric');
              expect(Math.abs(rr[i] - ref.rr) / ref.rr, `${model} ${precision} rr`).toBeLessThan(precision === 'f32' ? 1e-5 : 1e-12);
              expect(relMaxDiff(it.EG.a, ref.EG), `${model} ${precision} EG`).toBeLessThan(TOL[precision]);
              if (it.EtF) expect(relMaxDiff(it.EtF.a, ref.EtF), `${model} ${precision} EtF`).toBeLessThan(TOL[precision]);
              if (!(op instanceof GramOperator)) expect(relMaxDiff(it.residual.a, ref.r)).toBeLessThan(precision === 'f32' ? 1e-5 : 1e-12);
            });
            if (precision === 'f64') {
              // a subset pass, the extra pass and the products at the last residual agree with the full pass
              const one = items[1], EG = rt.f64(one.EG.length), EtF = one.EtF ? rt.f64(one.EtF.length) : undefined;
              const ss = ws.extraPass({ slot: 1, F: one.F, G: one.G, EG, EtF });
              expect(Math.abs(ss - rr[1]) / rr[1]).toBeLessThan(1e-12);
              expect(relMaxDiff(EG.a, one.EG.a)).toBeLessThan(1e-12);
              // products at rebalanced factors (F Gᵀ unchanged) with slot 1's residual of the main pass
              if (model === 'asymmetric') {
                const F2 = buf(one.F.a.map((v) => 2 * v)), G2 = buf(one.G.a.map((v) => v / 2));
                ws.products(1, F2, G2, EG, EtF);
                expect(relMaxDiff(EG.a, one.EG.a.map((v) => v / 2))).toBeLessThan(1e-12);
                expect(relMaxDiff(EtF!.a, one.EtF!.a.map((v) => 2 * v))).toBeLessThan(1e-12);
              }
              const rr1 = new Float64Array(1);
              ws.pass([{ slot: 2, F: items[2].F, G: items[2].G }], rr1); // residual only
              expect(Math.abs(rr1[0] - rr[2]) / rr[2]).toBeLessThan(1e-12);
            }
            ws.dispose();
            for (const it of items) for (const b of new Set([it.F, it.G, it.EG, it.EtF, it.residual])) b?.free();
          }
        }
        if (op.seesOnlySymmetric) {
          const adj = op.adjoint(randArray(m, 3), new Float64Array(op.N)), n = op.n1;
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
    op.apply(X, r); op.apply(X, r); op.adjoint(r, S);
    const ws = op.workspace(rt, { model: 'asymmetric', widths: [1, 1], precision: 'f64', y: rt.f64(5, 0) });
    const f = () => ({ F: rt.f64(2, 1), G: rt.f64(3, 1) });
    ws.pass([{ slot: 0, ...f() }, { slot: 1, ...f() }], new Float64Array(2));
    expect([op.applyCount, op.adjointCount, op.passCount]).toEqual([2, 1, 2]);
    const S2 = op.H.apply(r, new Float64Array(6));
    expect(op.adjointCount).toBe(2);
    expect(S2.length).toBe(6);
    ws.dispose();
    op.dispose();
  });

  it('rejects wrong lengths, non-Float64Array inputs and malformed pass items with a specific error', () => {
    const op = DenseOperator.gaussian(rt, { m: 5, n1: 2, n2: 3, seed: 1 });
    expect(() => op.apply(new Float64Array(5), new Float64Array(5))).toThrow(/X has length 5, expected 6/);
    expect(() => op.adjoint(new Float64Array(4), new Float64Array(6))).toThrow(ValidationError);
    expect(() => op.apply(new Float32Array(6) as unknown as Float64Array, new Float64Array(5))).toThrow(/Float64Array/);
    const y = rt.f64(5, 0);
    expect(() => op.workspace(rt, { model: 'symmetric', widths: [1], precision: 'f64', y })).toThrow(/symmetric model needs n1 = n2/);
    expect(() => op.workspace(rt, { model: 'asymmetric', widths: [], precision: 'f64', y })).toThrow(/at least one/);
    expect(() => op.workspace(rt, { model: 'asymmetric', widths: [1], precision: 'f64', y: rt.f64(4) })).toThrow(/y has 4 entries/);
    const ws = op.workspace(rt, { model: 'asymmetric', widths: [2], precision: 'f64', y });
    expect(() => ws.pass([{ slot: 0, F: rt.f64(3), G: rt.f64(6) }], new Float64Array(1))).toThrow(/F has 3 entries, expected 4/);
    expect(() => ws.pass([{ slot: 1, F: rt.f64(4), G: rt.f64(6) }], new Float64Array(1))).toThrow(/slot 1 is not a trajectory/);
    const F = rt.f64(4), G = rt.f64(6);
    expect(() => ws.pass([{ slot: 0, F, G }, { slot: 0, F, G }], new Float64Array(2))).toThrow(/1 to 1 items/);
    expect(() => ws.products(0, F, G, rt.f64(4))).toThrow(/no main pass/);
    ws.dispose();
    op.dispose();
  });

  it('fromArray validates its data before allocating, float32 range included', () => {
    const before = rt.stats().used;
    expect(() => DenseOperator.fromArray(rt, new Float64Array(10), 3, 2, 2)).toThrow(/expected m · n1 · n2/);
    const bad = randArray(12, 1); bad[7] = NaN;
    expect(() => DenseOperator.fromArray(rt, bad, 3, 2, 2)).toThrow(/entry 7 \(row 1\) is NaN/);
    const big = randArray(12, 1); big[5] = 1e300;
    expect(() => DenseOperator.fromArray(rt, big, 3, 2, 2)).toThrow(/entry 5 \(row 1\) is 1e\+300, beyond the float32 range/);
    expect(rt.stats().used).toBe(before);
  });

  it('a wrong adjoint fails the dot-test', () => {
    class Broken extends IdentityOperator {
      protected override _adjoint(r: Float64Array, S: Float64Array): void { super._adjoint(r, S); S[0] *= 2; }
    }
    const dt = dotTest(new Broken(3, 3), { rtol: 1e-12 });
    expect(dt.passed).toBe(false);
  });

  it('a disposed operator (or one whose runtime was disposed) throws StateError at once, in every call', async () => {
    const rt2 = await runtime();
    const op = DenseOperator.gaussian(rt2, { m: 5, n1: 2, n2: 3, seed: 1 });
    const ws = op.workspace(rt2, { model: 'asymmetric', widths: [1], precision: 'f64', y: rt2.f64(5, 0) });
    const item = { slot: 0, F: rt2.f64(2, 1), G: rt2.f64(3, 1), EG: rt2.f64(2), EtF: rt2.f64(3) };
    op.dispose();
    expect(() => op.apply(new Float64Array(6), new Float64Array(5))).toThrow(StateError);
    expect(() => op.adjoint(new Float64Array(5), new Float64Array(6))).toThrow(StateError);
    await expect(op.applyAsync(new Float64Array(6), new Float64Array(5))).rejects.toThrow(StateError);
    expect(() => ws.pass([item], new Float64Array(1))).toThrow(StateError);
    expect(() => op.workspace(rt2, { model: 'asymmetric', widths: [1], precision: 'f64', y: rt2.f64(5, 0) })).toThrow(StateError);
    const op2 = DenseOperator.gaussian(rt2, { m: 5, n1: 2, n2: 3, seed: 1 });
    rt2.dispose();
    expect(op2.isDisposed).toBe(true);
    expect(() => op2.apply(new Float64Array(6), new Float64Array(5))).toThrow(/runtime .* has been disposed/);
  });

  it('the workspace is per solver: precision is never state of the shared operator', () => {
    const op = DenseOperator.gaussian(rt, { m: 40, n1: 4, n2: 5, seed: 2 });
    const y = buf(randArray(40, 1));
    const F = buf(randArray(8, 2)), G = buf(randArray(10, 3));
    const run = (precision: Precision, others: Precision[]) => {
      const ws = op.workspace(rt, { model: 'asymmetric', widths: [2], precision, y });
      const more = others.map((p) => op.workspace(rt, { model: 'asymmetric', widths: [2], precision: p, y })); // made after
      const EG = rt.f64(8), rr = new Float64Array(1);
      ws.pass([{ slot: 0, F, G, EG }], rr);
      for (const w of more) w.dispose();
      ws.dispose();
      return Array.from(EG.a);
    };
    expect(run('f64', ['f32'])).toEqual(run('f64', []));
    expect(run('f32', ['f64'])).toEqual(run('f32', []));
    expect(run('f64', [])).not.toEqual(run('f32', []));
    op.dispose();
  });

  it('passes are bit-identical whatever the F64Buf (a view or an allocation)', () => {
    const op = DenseOperator.gaussian(rt, { m: 12, n1: 3, n2: 3, seed: 2 });
    const y = buf(randArray(12, 1)), big = rt.f64(40);
    const F = new F64Buf(rt, big.ptr + 8 * 8, 6).set(randArray(6, 4)), G = buf(randArray(6, 5));
    // two workspaces: a workspace of the default precision refines its second pass from its first
    const spec = { model: 'asymmetric', widths: [2], precision: 'mixed', y } as const;
    const ws1 = op.workspace(rt, spec), ws2 = op.workspace(rt, spec);
    const a = rt.f64(6), b = rt.f64(6), rr = new Float64Array(1);
    ws1.pass([{ slot: 0, F, G, EG: a }], rr);
    ws2.pass([{ slot: 0, F: buf(F.a), G, EG: b }], rr);
    expect(Array.from(a.a)).toEqual(Array.from(b.a));
    ws1.dispose(); ws2.dispose();
    op.dispose();
  });
});
