// The accuracy floor of each precision mode of the fused pass, measured: GD (k = r, noiseless, exact-rank) run long
// past convergence; the floor is the smallest relative error ‖X − M*‖_F/‖M*‖_F reached. Numbers: docs/performance.md.
import { describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime.js';
import { createProblem } from '../../src/problems/generate.js';
import { solveSync } from '../../src/solvers/solve.js';
import type { Precision } from '../../src/operators/pass.js';

const FLOOR: Record<Precision, { max: number; min?: number }> = {
  // max: the floor must reach it; min (f32): the floor must not beat it — f32 really rounds in f32
  f64: { max: 1e-15 },
  // the default refines its residuals in f32 (exact refresh every 32 passes) and must still reach f64's floor
  mixed: { max: 1e-15 },
  f32: { max: 1e-5, min: 1e-9 },
};

describe('precision modes: accuracy floor', () => {
  const floors: Record<string, number> = {};
  it.each(['f64', 'mixed', 'f32'] as Precision[])('%s', async (precision) => {
    const rt = await Runtime.create();
    const p = createProblem(rt, { n1: 20, n2: 20, r: 2, m: 1200, seed: 6 });
    const res = solveSync(rt, p, { k: 2, maxIter: 600, tol: 0, precision, init: { alpha: 1e-2 } });
    const e = res.record.relError!;
    let best = Infinity; for (const v of e) best = Math.min(best, v);
    floors[precision] = best;
    console.log(`precision ${precision}: floor of the relative error ${best.toExponential(2)}, final relative residual ${res.record.relResidual.at(-1)!.toExponential(2)}`);
    expect(best).toBeLessThan(FLOOR[precision].max);
    if (FLOOR[precision].min !== undefined) expect(best).toBeGreaterThanOrEqual(FLOOR[precision].min!);
    if (precision !== 'f32') expect(res.record.relResidual.at(-1)!).toBeLessThan(1e-15);
    p.dispose();
  });

  // matrix completion: 'mixed' accumulates the gradient rows in f32 from exact residuals, 'f32' forms the residuals
  // from f32 rows too (docs/theory.md §11)
  it.each(['f64', 'mixed', 'f32'] as Precision[])('completion, %s', async (precision) => {
    const rt = await Runtime.create();
    const p = createProblem(rt, { n1: 30, n2: 30, r: 2, operator: 'completion', density: 0.5, seed: 6 });
    const res = solveSync(rt, p, { k: 2, maxIter: 800, tol: 0, precision, init: { alpha: 1e-2 } });
    let best = Infinity; for (const v of res.record.relError!) best = Math.min(best, v);
    console.log(`completion, precision ${precision}: floor of the relative error ${best.toExponential(2)}, final relative residual ${res.record.relResidual.at(-1)!.toExponential(2)}`);
    expect(best).toBeLessThan(FLOOR[precision].max);
    if (FLOOR[precision].min !== undefined) expect(best).toBeGreaterThanOrEqual(FLOOR[precision].min!);
    if (precision !== 'f32') expect(res.record.relResidual.at(-1)!).toBeLessThan(1e-15);
    p.dispose();
  });
});
