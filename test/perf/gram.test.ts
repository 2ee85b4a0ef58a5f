import { describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime.js';
import { DenseOperator } from '../../src/operators/dense.js';
import { GramOperator, withGram } from '../../src/operators/gram.js';
import { createProblem } from '../../src/problems/generate.js';
import { createProblemParallel } from '../../src/workers/problem.js';
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
    const g = GramOperator.create(rt, op, y);
    const A = op.A.copy(), G = g.G.a;
    for (let i = 0; i < N; i++) for (let j = i; j < N; j++) {
      let s = 0; for (let q = 0; q < m; q++) s += A[q * N + i] * A[q * N + j];
      expect(Math.abs(G[i * N + j] - s)).toBeLessThan(1e-13);
    }
    const x = Float64Array.from({ length: N }, (_, j) => Math.cos(j)), r1 = new Float64Array(m), S1 = new Float64Array(N), r2 = new Float64Array(m), S2 = new Float64Array(N);
    op.precision = 'f64';
    const ss1 = op.residualAdjoint(x, y.a, r1, S1), ss2 = g.residualAdjoint(x, y.a, r2, S2);
    expect(relDiff(S2, S1)).toBeLessThan(1e-13);
    expect(Math.abs(ss2 - ss1) / ss1).toBeLessThan(1e-13);
    g.dispose();
  });

  it('GD in Gram mode follows the streaming run, and the loss keeps its accuracy below the 1e-8 cancellation floor', async () => {
    const rt = await Runtime.create();
    const p = createProblem(rt, { n1: 12, n2: 10, r: 2, m: 400, seed: 2 });
    const so = { k: 2, maxIter: 5000, tol: 1e-12, precision: 'f64' as const, init: { alpha: 1e-3 } };
    const stream = solveSync(rt, p, so);
    const pg = withGram(rt, p, { refreshEvery: 50 });
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
    const g = pg.op, N = 120, x = gram.estimate, Gx = new Float64Array(N);
    const G = g.G.a;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) Gx[i] += G[Math.min(i, j) * N + Math.max(i, j)] * x[j];
    let xGx = 0, xc = 0; for (let j = 0; j < N; j++) { xGx += x[j] * Gx[j]; xc += x[j] * g.c.a[j]; }
    const naive = xGx - 2 * xc + g.yy;
    const exact = stream.record.relResidual.at(-1)! ** 2 * g.yy;
    expect(Math.abs(naive - exact)).toBeGreaterThan(100 * exact); // the floor the anchor avoids
    expect(g.anchorCount).toBeLessThan(gram.iterations / 3);
    pg.dispose(); p.dispose();
  });

  it('Gram build split across threads equals the serial build', async () => {
    const rt = await Runtime.create({ shared: true });
    const p = await createProblemParallel(rt, { n1: 20, n2: 9, r: 2, m: 700, seed: 3, threads: 3 });
    const g = GramOperator.create(rt, p.op, p.y);
    const rt1 = await Runtime.create();
    const p1 = createProblem(rt1, { n1: 20, n2: 9, r: 2, m: 700, seed: 3 });
    const g1 = GramOperator.create(rt1, p1.op, p1.y);
    const N = 180, a = g.G.a, b = g1.G.a;
    for (let i = 0; i < N; i++) for (let j = i; j < N; j++) expect(a[i * N + j]).toBe(b[i * N + j]);
    g.dispose(); p.dispose();
  });
});
