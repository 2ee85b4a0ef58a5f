// Table-driven battery over every registered method, hyper-parameter validation, and chain ≡ blocks by hand.
import { beforeAll, describe, expect, it } from 'vitest';
import { createProblem, METHODS, Solver, solveSync, ValidationError, type Runtime } from '../../src/index.js';
import { chain, scale } from '../../src/rules/blocks.js';
import { preconditionByGram, scaledGdLambda, precGd, scaledGd, checkLambda } from '../../src/rules/precondition.js';
import { rebalance, rebalanceTransform, gdRebalance } from '../../src/rules/rebalance.js';
import { agn } from '../../src/rules/agn.js';
import { runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

const rows = Object.values(METHODS).flatMap((m) => m.models.map((model) => ({ name: m.name, model })));

describe('every registered method, on a small Gaussian problem with default hyper-parameters', () => {
  it('the registry lists the six methods', () => {
    expect(Object.keys(METHODS).sort()).toEqual(['agn', 'gd', 'gd-rebalance', 'precgd', 'scaledgd', 'scaledgd-lambda']);
  });

  it.each(rows)('$name ($model) reduces the error 10× in 150 iterations and allocates nothing after setup', ({ name, model }) => {
    const p = createProblem(rt, { n1: 8, r: 2, m: 200, kappa: 2, symmetric: model === 'symmetric', seed: 21 });
    try {
      const s = new Solver(rt, p, { k: 3, method: name, model, maxIter: 150, tol: 0 });
      s.setup();
      s.step(); s.step();
      const used = rt.stats().used, mem = rt.stats().memoryBytes;
      while (s.step());
      expect(rt.stats().used).toBe(used);
      expect(rt.stats().memoryBytes).toBe(mem);
      const res = s.finalize();
      s.dispose();
      const e = res.record.relError!;
      expect(res.stopReason).toBe('max-iterations');
      expect(e.at(-1)!).toBeLessThan(e[0] / 10);
      expect(e.at(-1)!).toBeLessThan(0.05);
      for (const v of Object.values(res.params)) expect(Number.isFinite(v)).toBe(true);
    } finally { p.dispose(); }
  });
});

describe('bad hyper-parameters are rejected with a ValidationError naming them', () => {
  const p = () => createProblem(rt, { n1: 6, r: 1, m: 60, seed: 1 });
  const bad: [string, Record<string, number>, RegExp][] = [];
  for (const m of Object.values(METHODS)) {
    bad.push([m.name, { eta: 0 }, /eta/], [m.name, { eta: -0.1 }, /eta/], [m.name, { eta: NaN }, /eta/], [m.name, { eta: Infinity }, /eta/]);
    if (m.params.some((q) => q.name === 'lambda')) bad.push([m.name, { lambda: -1 }, /lambda/], [m.name, { lambda: NaN }, /lambda/]);
    if (m.params.some((q) => q.name === 'tau')) bad.push([m.name, { tau: 0 }, /tau/], [m.name, { tau: NaN }, /tau/]);
    if (m.params.some((q) => q.name === 'at')) bad.push([m.name, { at: -1 }, /at/], [m.name, { at: 2.5 }, /at/]);
    if (m.params.some((q) => q.name === 'rcond')) bad.push([m.name, { rcond: -1e-3 }, /rcond/], [m.name, { rcond: 1 }, /rcond/]);
    bad.push([m.name, { nonsense: 1 }, /nonsense/]);
  }
  it.each(bad)('%s %j', (method, params, re) => {
    const prob = p();
    try {
      const model = METHODS[method].models[0];
      expect(() => new Solver(rt, prob, { k: 2, method, model, params })).toThrow(ValidationError);
      expect(() => new Solver(rt, prob, { k: 2, method, model, params })).toThrow(re);
    } finally { prob.dispose(); }
  });

  it('the rule factories check too', () => {
    for (const f of [
      () => scaledGd(0), () => scaledGd(NaN), () => scaledGdLambda(0.1, -1), () => scaledGdLambda(0.1, NaN), () => scaledGdLambda(-1, 0.1),
      () => precGd(-1), () => agn(0), () => agn(1, -1), () => agn(1, NaN), () => preconditionByGram(-0.5), () => checkLambda('x'),
      () => rebalance({ tau: -1 }), () => rebalance({ tau: NaN }), () => rebalance({ at: 1.5 }), () => gdRebalance(0),
      () => rebalanceTransform({ side: 'H' as never }),
    ]) expect(f).toThrow(ValidationError);
  });

  it('model restrictions: rebalance and AGN need F Gᵀ', () => {
    const prob = createProblem(rt, { n1: 6, r: 1, m: 60, symmetric: true, seed: 1 });
    try {
      expect(() => new Solver(rt, prob, { k: 2, method: 'agn', model: 'symmetric' })).toThrow(/does not support the symmetric model/);
      expect(() => new Solver(rt, prob, { k: 2, rule: chain(rebalance(), scale(-0.1)), model: 'symmetric' }).setup()).toThrow(/asymmetric/);
    } finally { prob.dispose(); }
  });
});

describe('chain equals applying the blocks by hand', () => {
  // identity operator: E = F Gᵀ − M*, so the first update can be computed in plain JS
  const n1 = 7, n2 = 5, k = 3, eta = 0.2, lambda = 0.3;
  const matmul = (A: Float64Array, B: Float64Array, m: number, q: number, n: number, tB = false) => {
    const C = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let p = 0; p < q; p++) s += A[i * q + p] * (tB ? B[j * q + p] : B[p * n + j]); C[i * n + j] = s; }
    return C;
  };
  const tr = (A: Float64Array, m: number, n: number) => { const T = new Float64Array(m * n); for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j]; return T; };
  /** out = B (S + λI)⁻¹ by Gauss–Jordan on the k × k system. */
  const rightSolve = (B: Float64Array, rows: number, S: Float64Array, lam: number) => {
    const A = Float64Array.from(S); for (let i = 0; i < k; i++) A[i * k + i] += lam;
    const inv = new Float64Array(k * k); for (let i = 0; i < k; i++) inv[i * k + i] = 1;
    for (let c = 0; c < k; c++) {
      const piv = A[c * k + c];
      for (let j = 0; j < k; j++) { A[c * k + j] /= piv; inv[c * k + j] /= piv; }
      for (let r = 0; r < k; r++) if (r !== c) { const f = A[r * k + c]; for (let j = 0; j < k; j++) { A[r * k + j] -= f * A[c * k + j]; inv[r * k + j] -= f * inv[c * k + j]; } }
    }
    return matmul(B, inv, rows, k, k);
  };

  it('chain(preconditionByGram(λ), scale(−η)): F1 − F0 = −η E G (GᵀG + λI)⁻¹ and G1 − G0 = −η Eᵀ F (FᵀF + λI)⁻¹', () => {
    const p = createProblem(rt, { n1, n2, r: 2, operator: 'identity', seed: 2 });
    try {
      const s = new Solver(rt, p, { k, rule: chain(preconditionByGram(lambda), scale(-eta)), init: { alpha: 0.5, seed: 3 }, maxIter: 1, tol: 0 });
      const res = s.run(); s.dispose();
      const s0 = new Solver(rt, p, { k, rule: scale(0), init: { alpha: 0.5, seed: 3 }, maxIter: 0, tol: 0 });
      const r0 = s0.run(); s0.dispose();
      const F = r0.F, G = r0.G!;
      const E = matmul(F, G, n1, k, n2, true); const M = p.Mstar!.a;
      for (let i = 0; i < E.length; i++) E[i] -= M[i];
      const dF = rightSolve(matmul(E, G, n1, n2, k), n1, matmul(tr(G, n2, k), G, k, n2, k), lambda);
      const dG = rightSolve(matmul(tr(E, n1, n2), F, n2, n1, k), n2, matmul(tr(F, n1, k), F, k, n1, k), lambda);
      for (let i = 0; i < F.length; i++) expect(res.F[i]).toBeCloseTo(F[i] - eta * dF[i], 12);
      for (let i = 0; i < G.length; i++) expect(res.G![i]).toBeCloseTo(G[i] - eta * dG[i], 12);
    } finally { p.dispose(); }
  });

  it('chain(rebalance({at: 0}), scale(−η)) = the §5 transform by hand, then one GD step', () => {
    const p = createProblem(rt, { n1, n2, r: 2, operator: 'identity', seed: 2 });
    try {
      const s = new Solver(rt, p, { k, rule: chain(rebalance({ at: 0 }), scale(-eta)), init: { alpha: 0.5, seed: 3 }, maxIter: 1, tol: 0 });
      const res = s.run(); s.dispose();
      const s0 = new Solver(rt, p, { k, rule: scale(0), init: { alpha: 0.5, seed: 3 }, maxIter: 0, tol: 0 });
      const r0 = s0.run(); s0.dispose();
      const F = r0.F.slice(), G = r0.G!.slice();
      const before = matmul(F, G, n1, k, n2, true);
      rebalanceTransform()(F, G, n1, n2, k);
      const after = matmul(F, G, n1, k, n2, true);
      for (let i = 0; i < before.length; i++) expect(after[i]).toBeCloseTo(before[i], 12);
      const E = Float64Array.from(after); const M = p.Mstar!.a;
      for (let i = 0; i < E.length; i++) E[i] -= M[i];
      const dF = matmul(E, G, n1, n2, k), dG = matmul(tr(E, n1, n2), F, n2, n1, k);
      for (let i = 0; i < F.length; i++) expect(res.F[i]).toBeCloseTo(F[i] - eta * dF[i], 12);
      for (let i = 0; i < G.length; i++) expect(res.G![i]).toBeCloseTo(G[i] - eta * dG[i], 12);
      expect(res.events).toEqual([{ iter: 0, kind: 'rebalance', detail: expect.stringMatching(/iteration trigger 0/) }]);
    } finally { p.dispose(); }
  });

  it('the rebalance-G variant makes G the scaled partial isometry and keeps F Gᵀ', () => {
    const F = Float64Array.from({ length: n1 * k }, (_, i) => Math.sin(i + 1));
    const G = Float64Array.from({ length: n2 * k }, (_, i) => Math.cos(2 * i + 1) * 0.1);
    const before = matmul(F, G, n1, k, n2, true);
    rebalanceTransform({ side: 'G', c: () => 2 })(F, G, n1, n2, k);
    const after = matmul(F, G, n1, k, n2, true);
    for (let i = 0; i < before.length; i++) expect(after[i]).toBeCloseTo(before[i], 12);
    const GtG = matmul(tr(G, n2, k), G, k, n2, k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) expect(GtG[i * k + j]).toBeCloseTo(i === j ? 4 : 0, 12);
  });
});

describe('the run record says when the one-step modification fired', () => {
  it('a residual-triggered rebalance appears once in result.events', () => {
    const p = createProblem(rt, { n1: 8, n2: 6, r: 2, m: 200, seed: 9 });
    try {
      const res = solveSync(rt, p, { k: 4, method: 'gd-rebalance', init: { alpha: 1e-3 }, maxIter: 400, tol: 0 });
      const ev = res.events.filter((e) => e.kind === 'rebalance');
      expect(ev).toHaveLength(1);
      expect(res.record.relResidual[ev[0].iter]).toBeLessThan(1e-2);
      expect(res.record.relResidual[ev[0].iter - 1]).toBeGreaterThanOrEqual(1e-2);
    } finally { p.dispose(); }
  });
});
