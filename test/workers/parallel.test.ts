import { afterEach, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime.js';
import { DenseOperator } from '../../src/operators/dense.js';
import { ParallelDenseOperator } from '../../src/operators/parallel.js';
import { createProblem } from '../../src/problems/generate.js';
import { createProblemParallel } from '../../src/workers/problem.js';
import { solve, solveSync } from '../../src/solvers/solve.js';
import type { Precision } from '../../src/operators/dense.js';

/** Documented tolerance: a pass differs across thread counts only by the order of the sum over row blocks. */
const PASS_RTOL = 1e-12;

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, n = 0;
  for (let i = 0; i < a.length; i++) { d += (a[i] - b[i]) ** 2; n += b[i] ** 2; }
  return Math.sqrt(d / (n || 1));
}

const open: Array<{ dispose(): void }> = [];
afterEach(() => { while (open.length) open.pop()!.dispose(); });

describe('ParallelDenseOperator', () => {
  const m = 1203, n1 = 13, n2 = 11, N = n1 * n2; // ragged m and N
  const X = Float64Array.from({ length: N }, (_, i) => Math.sin(i + 1));
  const b = Float64Array.from({ length: m }, (_, i) => Math.cos(i));

  it.each([
    ['shared', 1], ['shared', 2], ['shared', 3], ['private', 1], ['private', 2], ['private', 3],
  ] as const)('%s memory, %i threads: same operator bits and same passes as DenseOperator', async (memory, threads) => {
    const rt1 = await Runtime.create();
    const ref = DenseOperator.gaussian(rt1, { m, n1, n2, seed: 5 });
    const rt = await Runtime.create({ shared: memory === 'shared' });
    const op = await ParallelDenseOperator.gaussian(rt, { m, n1, n2, seed: 5, threads, memory });
    open.push(op);
    expect(op.mode).toBe(memory);
    if (op.A) expect(Buffer.from(op.A.copy().buffer).equals(Buffer.from(ref.A.copy().buffer))).toBe(true);
    const y1 = new Float64Array(m), y2 = new Float64Array(m);
    ref.apply(X, y1); op.apply(X, y2);
    expect(relDiff(y2, y1)).toBe(0); // rows are independent: bit-identical
    const S1 = new Float64Array(N), S2 = new Float64Array(N);
    ref.adjoint(b, S1); op.adjoint(b, S2);
    expect(relDiff(S2, S1)).toBeLessThan(PASS_RTOL);
    for (const p of ['f64', 'mixed', 'f32'] as Precision[]) {
      ref.precision = p; op.precision = p;
      const r1 = new Float64Array(m), r2 = new Float64Array(m);
      const ss1 = ref.residualAdjoint(X, b, r1, S1), ss2 = op.residualAdjoint(X, b, r2, S2);
      expect(relDiff(r2, r1)).toBe(0);
      expect(Math.abs(ss2 - ss1) / ss1).toBeLessThan(PASS_RTOL);
      // f32 partial sums: the block split changes the f32 rounding of the per-block adjoints
      expect(relDiff(S2, S1)).toBeLessThan(p === 'f32' ? 1e-6 : PASS_RTOL);
    }
    await op.close();
    expect(op.pool?.exitedCount ?? 0).toBe(op.pool?.size ?? 0);
  });

  it('symmetric operator generated in parallel equals the serial one', async () => {
    const rt1 = await Runtime.create();
    const ref = DenseOperator.gaussian(rt1, { m: 101, n1: 9, n2: 9, seed: 2, symmetric: true });
    const rt = await Runtime.create({ shared: true });
    const op = await ParallelDenseOperator.gaussian(rt, { m: 101, n1: 9, n2: 9, seed: 2, symmetric: true, threads: 2 });
    open.push(op);
    expect(Buffer.from(op.A!.copy().buffer).equals(Buffer.from(ref.A.copy().buffer))).toBe(true);
    const rtp = await Runtime.create();
    const opp = await ParallelDenseOperator.gaussian(rtp, { m: 101, n1: 9, n2: 9, seed: 2, symmetric: true, threads: 2, memory: 'private' });
    open.push(opp);
    const x = Float64Array.from({ length: 81 }, (_, i) => i % 7), y1 = new Float64Array(101), y2 = new Float64Array(101);
    ref.apply(x, y1); opp.apply(x, y2);
    expect(relDiff(y2, y1)).toBe(0);
  });

  it('fromArray in both modes', async () => {
    const mm = 37, nn = 5, data = Float32Array.from({ length: mm * nn * nn }, (_, i) => Math.sin(i * 0.37));
    const rt1 = await Runtime.create();
    const ref = DenseOperator.fromArray(rt1, data, mm, nn, nn, false);
    const x = Float64Array.from({ length: nn * nn }, (_, i) => 1 / (i + 1));
    const y1 = new Float64Array(mm); ref.apply(x, y1);
    for (const memory of ['shared', 'private'] as const) {
      const rt = await Runtime.create({ shared: memory === 'shared' });
      const op = await ParallelDenseOperator.fromArray(rt, data, mm, nn, nn, { threads: 2, memory });
      open.push(op);
      const y2 = new Float64Array(mm); op.apply(x, y2);
      expect(relDiff(y2, y1)).toBe(0);
    }
  });
});

describe('solver with a parallel operator', () => {
  const po = { n1: 20, n2: 16, r: 2, m: 900, seed: 3 };
  const so = { k: 4, maxIter: 300, tol: 1e-9, init: { alpha: 1e-3 } };

  it('GD: threads 1, 2, 3 and private memory give the same trajectory within 1e-9', async () => {
    const rt0 = await Runtime.create();
    const p0 = createProblem(rt0, po);
    const base = solveSync(rt0, p0, so);
    p0.dispose();
    for (const [memory, threads] of [['shared', 1], ['shared', 2], ['shared', 3], ['private', 2]] as const) {
      const rt = await Runtime.create({ shared: memory === 'shared' });
      const p = await createProblemParallel(rt, { ...po, threads, memory });
      open.push(p);
      const res = solveSync(rt, p, so);
      expect(res.iterations).toBe(base.iterations);
      expect(res.stopReason).toBe(base.stopReason);
      expect(relDiff(res.estimate, base.estimate)).toBeLessThan(1e-9);
      const e1 = res.record.relError!, e0 = base.record.relError!;
      expect(Math.abs(e1[e1.length - 1] - e0[e0.length - 1])).toBeLessThan(1e-9);
    }
  });

  it('abort mid-run ends cleanly; disposing the problem stops the workers', async () => {
    const rt = await Runtime.create({ shared: true });
    const p = await createProblemParallel(rt, { ...po, m: 3000, threads: 2 });
    const ac = new AbortController();
    let calls = 0;
    const res = await solve(rt, p, { ...so, tol: 0, maxIter: 100000, progressEveryMs: 0, onProgress: () => { if (++calls === 3) ac.abort(); }, signal: ac.signal });
    expect(res.stopReason).toBe('aborted');
    const op = p.op as ParallelDenseOperator;
    p.dispose();
    await op.close();
    expect(op.pool!.exitedCount).toBe(1);
    expect(() => op.apply(new Float64Array(p.n1 * p.n2), new Float64Array(p.m))).toThrow();
  });

  it('a kernel error in a worker surfaces as a WorkerError and the pool still works', async () => {
    const rt = await Runtime.create({ shared: true });
    const op = await ParallelDenseOperator.gaussian(rt, { m: 64, n1: 4, n2: 4, threads: 2 });
    open.push(op);
    op.pool!.setCall(0, 'gemv_f32_f64', [2 ** 32 - 64, op.A!.ptr, 0, 64, 16]); // writes out of bounds → trap
    expect(() => op.pool!.run(1)).toThrow(/worker 0/);
    const y = new Float64Array(64); op.apply(new Float64Array(16).fill(1), y);
    expect(Number.isFinite(y[0])).toBe(true);
  });
});
