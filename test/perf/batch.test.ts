import { describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime.js';
import { createProblem, createProblemParallel } from '../../src/problems/generate.js';
import { solveSync } from '../../src/solvers/solve.js';
import { BatchSolver, solveBatch, solveBatchAsync, type TrajectorySpec } from '../../src/solvers/batch.js';

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, n = 0;
  for (let i = 0; i < a.length; i++) { d += (a[i] - b[i]) ** 2; n += b[i] ** 2; }
  return Math.sqrt(d / (n || 1));
}

const po = { n1: 18, n2: 15, r: 2, m: 903, seed: 4 };
const trajectories: TrajectorySpec[] = [
  { init: { alpha: 1e-2 }, label: 'a' },
  { init: { alpha: 1e-4 }, label: 'b' },
  { init: { alpha: 1e-3, seed: 7 }, k: 3, label: 'c' },
  { eta: 0.2, init: { alpha: 1e-3 }, label: 'd' },
  { method: 'agn', k: 2, init: { alpha: 1e-3 }, label: 'e' },
];

describe('batched trajectories', () => {
  it.each(['mixed', 'f64', 'f32'] as const)('each trajectory equals its single run (precision %s)', async (precision) => {
    const rt = await Runtime.create();
    const p = createProblem(rt, po);
    const common = { k: 5, maxIter: 400, tol: 1e-9, precision };
    const batch = solveBatch(rt, p, { ...common, trajectories });
    expect(batch).toHaveLength(trajectories.length);
    trajectories.forEach((t, i) => {
      const single = solveSync(rt, p, { ...common, k: t.k ?? 5, eta: t.eta, method: t.method, init: t.init });
      const b = batch[i];
      expect(b.label).toBe(t.label);
      expect(b.iterations).toBe(single.iterations);
      expect(b.stopReason).toBe(single.stopReason);
      expect(relDiff(b.estimate, single.estimate)).toBeLessThan(1e-10);
      expect(relDiff(b.record.loss, single.record.loss)).toBeLessThan(1e-10);
      expect(relDiff(b.record.relError!, single.record.relError!)).toBeLessThan(1e-8);
    });
    p.dispose();
  });

  it('over every placement (shared, private, message) equals the serial batch', async () => {
    const rt0 = await Runtime.create();
    const p0 = createProblem(rt0, po);
    const ref = solveBatch(rt0, p0, { k: 4, maxIter: 150, tol: 0, trajectories: trajectories.slice(0, 4) });
    for (const memory of ['shared', 'private', 'message'] as const) {
      const rt = await Runtime.create({ shared: memory === 'shared' });
      const p = await createProblemParallel(rt, { ...po, threads: 2, memory });
      const res = await solveBatchAsync(rt, p, { k: 4, maxIter: 150, tol: 0, trajectories: trajectories.slice(0, 4) });
      res.forEach((r, i) => expect(relDiff(r.estimate, ref[i].estimate)).toBeLessThan(1e-9));
      p.dispose();
    }
  });

  it("a trajectory without an init takes its method's default init, as a single run does (scaledgd: spectral)", async () => {
    const rt = await Runtime.create();
    const p = createProblem(rt, po);
    const common = { k: 2, maxIter: 30, tol: 0 };
    const [b] = solveBatch(rt, p, { ...common, trajectories: [{ method: 'scaledgd' }] });
    const single = solveSync(rt, p, { ...common, method: 'scaledgd' });
    expect(relDiff(b.estimate, single.estimate)).toBeLessThan(1e-10);
    // a spectral start is already close: the first recorded error is far below that of a small random start
    expect(b.record.relError![0]).toBeLessThan(0.9);
    const [given] = solveBatch(rt, p, { ...common, trajectories: [{ method: 'scaledgd', init: { alpha: 1e-3 } }] });
    expect(given.record.relError![0]).toBeGreaterThan(0.99);
    p.dispose();
  });

  it('one pass per step serves every running trajectory; stopped ones leave the batch', async () => {
    const rt = await Runtime.create();
    const p = createProblem(rt, po);
    const s = new BatchSolver(rt, p, { k: 4, maxIter: 1000, tol: 1e-6, trajectories: [{ init: { alpha: 1e-1 } }, { init: { alpha: 1e-6 } }] });
    s.setup();
    const before = p.op.passCount;
    const res = s.run();
    const steps = Math.max(res[0].iterations, res[1].iterations) + 1;
    expect(s.passes).toBe(steps);
    expect(p.op.passCount - before).toBe(res[0].iterations + res[1].iterations + 2);
    expect(res[0].iterations).not.toBe(res[1].iterations);
    s.dispose();
    expect(() => new BatchSolver(rt, p, { k: 2, trajectories: [{}], precision: 'f16' as never })).toThrow(/precision/);
    p.dispose();
  });
});
