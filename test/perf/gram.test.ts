import { describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime.js';
import { DenseOperator } from '../../src/operators/dense.js';
import { GramOperator } from '../../src/operators/gram.js';
import { withGram } from '../../src/problems/gram.js';
import { createProblem, createProblemParallel } from '../../src/problems/generate.js';
import { solveSync } from '../../src/solvers/solve.js';

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, n = 0;
  for (let i = 0; i < a.length; i++) { d += (a[i] - b[i]) ** 2; n += b[i] ** 2; }
  return Math.sqrt(d / (n || 1));
}

describe('Gram mode', () => {
  it('G = AᵀA (upper triangle) and E = Gx − Aᵀy match an f64 reference, ragged N', async () => {
    const rt = await Runtime.create();
    const m = 301, n1 = 7, n2 = 5, N = 35;
    const op = DenseOperator.gaussian(rt, { m, n1, n2, seed: 9 });
    const y = rt.f64(m); for (let i = 0; i < m; i++) y.a[i] = Math.sin(i);
    const g = await GramOperator.create(rt, op, y);
    const A = op.A!.copy(), G = g.G.a;
    for (let i = 0; i < N; i++) for (let j = i; j < N; j++) {
      let s = 0; for (let q = 0; q < m; q++) s += A[q * N + i] * A[q * N + j];
      expect(Math.abs(G[i * N + j] - s)).toBeLessThan(1e-13);
    }
    // one pass at rank-1 factors x = f gᵀ: the same residual norm and products as the streaming operator's
    const f = rt.f64(n1).set(Float64Array.from({ length: n1 }, (_, j) => Math.cos(j))), h = rt.f64(n2).set(Float64Array.from({ length: n2 }, (_, j) => Math.sin(j + 1)));
    const spec = { model: 'asymmetric' as const, widths: [1], precision: 'f64' as const, y };
    const out = (w: ReturnType<typeof op.workspace>) => {
      const EG = rt.f64(n1), EtF = rt.f64(n2), rr = new Float64Array(1);
      w.pass([{ slot: 0, F: f, G: h, EG, EtF }], rr);
      return { rr: rr[0], EG: EG.copy(), EtF: EtF.copy() };
    };
    const a = out(op.workspace(rt, spec)), b = out(g.workspace(rt, spec));
    expect(relDiff(b.EG, a.EG)).toBeLessThan(1e-13);
    expect(relDiff(b.EtF, a.EtF)).toBeLessThan(1e-13);
    expect(Math.abs(b.rr - a.rr) / a.rr).toBeLessThan(1e-13);
    g.dispose();
  });

  it('GD in Gram mode follows the streaming run, and the loss keeps its accuracy below the 1e-8 cancellation floor', async () => {
    const rt = await Runtime.create();
    const p = createProblem(rt, { n1: 12, n2: 10, r: 2, m: 400, seed: 2 });
    const so = { k: 2, maxIter: 5000, tol: 1e-12, precision: 'f64' as const, init: { alpha: 1e-3 } };
    const stream = solveSync(rt, p, so);
    const pg = await withGram(rt, p, { refreshEvery: 50 });
    const gram = solveSync(rt, pg, so);
    expect(gram.stopReason).toBe('converged');
    expect(Math.abs(gram.iterations - stream.iterations)).toBeLessThanOrEqual(2);
    expect(relDiff(gram.estimate, stream.estimate)).toBeLessThan(1e-9);
    const n = Math.min(gram.record.relResidual.length, stream.record.relResidual.length);
    for (let t = 0; t < n; t++) {
      const a = gram.record.relResidual[t], b = stream.record.relResidual[t];
      expect(Math.abs(a - b) / b).toBeLessThan(1e-3); // ‖r‖² to ≤ 1e-4 (lossAccuracy) → ‖r‖ to ≤ 5e-5
    }
    // the naive formula xᵀGx − 2xᵀc + ‖y‖² at the final iterate: its error is ~1e-16·‖y‖², i.e. rel. residual ~1e-8
    const g = pg.op as GramOperator, N = 120, x = gram.estimate, Gx = new Float64Array(N), yy = p.yNorm ** 2;
    const G = g.G.a;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) Gx[i] += G[Math.min(i, j) * N + Math.max(i, j)] * x[j];
    let xGx = 0, xc = 0; for (let j = 0; j < N; j++) { xGx += x[j] * Gx[j]; xc += x[j] * g.c.a[j]; }
    const naive = xGx - 2 * xc + yy;
    const exact = stream.record.relResidual.at(-1)! ** 2 * yy;
    expect(Math.abs(naive - exact)).toBeGreaterThan(100 * exact); // the floor the anchor avoids
    expect(g.anchorCount).toBeLessThan(gram.iterations / 3);
    pg.dispose(); p.dispose();
  });

  it('Gram build split across threads (shared, private, message) equals the serial build up to the order of the block sums', async () => {
    const rt1 = await Runtime.create();
    const p1 = createProblem(rt1, { n1: 20, n2: 9, r: 2, m: 700, seed: 3 });
    const g1 = await GramOperator.create(rt1, p1.op, p1.y);
    const N = 180, b = g1.G.a;
    for (const memory of ['shared', 'private', 'message'] as const) {
      const rt = await Runtime.create({ shared: memory === 'shared' });
      const p = await createProblemParallel(rt, { n1: 20, n2: 9, r: 2, m: 700, seed: 3, threads: 3, memory });
      const g = await GramOperator.create(rt, p.op, p.y);
      const a = g.G.a;
      let worst = 0, scale = 0;
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) { worst = Math.max(worst, Math.abs(a[i * N + j] - b[i * N + j])); scale = Math.max(scale, Math.abs(b[i * N + j])); }
      expect(worst / scale, memory).toBeLessThan(1e-14);
      g.dispose(); p.dispose();
    }
  });

  it('two solvers on one Gram operator keep their own anchors', async () => {
    const rt = await Runtime.create();
    const p = createProblem(rt, { n1: 8, n2: 7, r: 2, m: 300, seed: 5 });
    const pg = await withGram(rt, p);
    const so = { k: 2, maxIter: 300, tol: 0, precision: 'f64' as const };
    const alone = solveSync(rt, pg, { ...so, init: { alpha: 1e-3 } });
    // interleave a second run's steps with a first one's: each must equal its run alone
    const { Solver } = await import('../../src/solvers/solver.js');
    const s1 = new Solver(rt, pg, { ...so, init: { alpha: 1e-3 } }).setup(), s2 = new Solver(rt, pg, { ...so, init: { alpha: 1e-1, seed: 3 } }).setup();
    while (s1.step()) s2.step();
    while (s2.step());
    const r1 = s1.finalize();
    expect(relDiff(r1.record.loss, alone.record.loss)).toBe(0);
    s1.dispose(); s2.dispose(); pg.dispose(); p.dispose();
  });
});
