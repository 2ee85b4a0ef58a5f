// Measured rate laws of docs/theory.md §9.1–§9.3 on the population operator (A*A = I), fixed seeds.
import { beforeAll, describe, expect, it } from 'vitest';
import { createProblem, solveSync, type Runtime, type SolverOptions } from '../../src/index.js';
import { runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

/** Relative-error trajectory of one run on a fresh population problem. */
function errors(problem: { n1: number; n2?: number; r: number; symmetric?: boolean; seed: number; kappa?: number }, opts: SolverOptions) {
  const p = createProblem(rt, { ...problem, operator: 'identity' });
  try {
    const res = solveSync(rt, p, opts);
    return { e: res.record.relError!, res };
  } finally { p.dispose(); }
}

/** Average linear rate −Δ log e / Δt over the window [a, b]. */
const rate = (e: Float64Array, a: number, b: number) => Math.log(e[a] / e[b]) / (b - a);

describe('§9.1 symmetric GD: k > r is sublinear (error × t levels off), k = r is linear', () => {
  const problem = { n1: 10, r: 2, symmetric: true, seed: 11 };
  const init = { alpha: 0.3, normalizer: 'sqrt-n' as const, seed: 2 };

  it('k = 4 > r = 2: error·t changes < 15% between t = 1000, 2000 and 4000 while the error falls 4×', () => {
    const { e } = errors(problem, { k: 4, eta: 0.5, init, maxIter: 4000, tol: 0 });
    const et = [1000, 2000, 4000].map((t) => e[t] * t);
    console.log('§9.1 k>r error·t', et.map((x) => x.toPrecision(4)).join(', '), 'e(4000) =', e[4000].toExponential(2));
    expect(et[1] / et[0]).toBeGreaterThan(0.87);
    expect(et[1] / et[0]).toBeLessThan(1.15);
    expect(et[2] / et[1]).toBeGreaterThan(0.87);
    expect(et[2] / et[1]).toBeLessThan(1.15);
    expect(e[4000]).toBeGreaterThan(1e-5); // nowhere near a linear rate
  });

  it('k = r = 2: linear — the error falls below 1e-10, and by > 1000× between t and 2t', () => {
    const { e } = errors(problem, { k: 2, eta: 0.5, init, maxIter: 4000, tol: 0, errorTol: 1e-11 });
    const T = e.length - 1, h = Math.floor(T / 2);
    console.log('§9.1 k=r iterations to 1e-11:', T, 'e(T/2)/e(T) =', (e[h] / e[T]).toExponential(2));
    expect(T).toBeLessThan(4000);
    expect(e[T]).toBeLessThan(1e-10);
    expect(e[h] / e[T]).toBeGreaterThan(1e3);
  });
});

describe('§9.2 asymmetric k > r GD from a small init: the late linear rate grows with α (≈ α²)', () => {
  it('rates at α = 0.01, 0.03, 0.1 increase, each step by > 4× (theory: 9×)', () => {
    const rates = [0.01, 0.03, 0.1].map((alpha) => {
      const { e } = errors({ n1: 8, n2: 6, r: 1, seed: 3 }, { k: 3, eta: 0.5, init: { alpha, seed: 1 }, maxIter: 20000, tol: 0, errorTol: 1e-11 });
      const T = e.length - 1;
      return rate(e, T - 1000, T);
    });
    console.log('§9.2 late rates', rates.map((x) => x.toExponential(2)).join(', '));
    expect(rates[1] / rates[0]).toBeGreaterThan(4);
    expect(rates[2] / rates[1]).toBeGreaterThan(4);
  });
});

describe('§9.3 the one-step modification makes the asymmetric rate independent of α', () => {
  const problem = { n1: 12, n2: 10, r: 2, seed: 3 };
  /** Rate between the first iterate after the rebalance with error < 1e-3 and the first with error < 1e-9. */
  const afterRebalance = (alpha: number) => {
    const { e, res } = errors(problem, { k: 4, method: 'gd-rebalance', eta: 0.5, init: { alpha, seed: 1 }, maxIter: 2000, tol: 0, errorTol: 1e-11 });
    const ev = res.events.find((x) => x.kind === 'rebalance');
    expect(ev).toBeDefined();
    const a = e.findIndex((x, t) => t > ev!.iter && x < 1e-3);
    const b = e.findIndex((x, t) => t > a && x < 1e-9);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
    return rate(e, a, b);
  };

  it('rates for α = 0.01 and α = 0.1 agree within 1.5×, and beat plain GD at α = 0.01 by > 100×', () => {
    const r01 = afterRebalance(0.01), r1 = afterRebalance(0.1);
    const { e } = errors(problem, { k: 4, eta: 0.5, init: { alpha: 0.01, seed: 1 }, maxIter: 2000, tol: 0 });
    const gd = rate(e, 1000, 2000);
    console.log('§9.3 rates: rebalanced α=0.01', r01.toExponential(2), 'α=0.1', r1.toExponential(2), 'plain GD α=0.01', gd.toExponential(2));
    expect(Math.max(r01, r1) / Math.min(r01, r1)).toBeLessThan(1.5);
    expect(Math.min(r01, r1) / gd).toBeGreaterThan(100);
  });

  it('the iteration trigger fires at T0 and the transform keeps F Gᵀ (hence the loss) unchanged', () => {
    const { e, res } = errors(problem, { k: 4, method: 'gd-rebalance', params: { at: 40 }, eta: 0.5, init: { alpha: 0.01, seed: 1 }, maxIter: 60, tol: 0 });
    expect(res.events.map((x) => [x.kind, x.iter])).toEqual([['rebalance', 40]]);
    // with vs without the modification, the iterate after step 40 differs only through the changed gradient:
    // same error at iteration 40 (nothing done yet), and the modified run is ahead afterwards
    const { e: g } = errors(problem, { k: 4, eta: 0.5, init: { alpha: 0.01, seed: 1 }, maxIter: 60, tol: 0 });
    expect(e[40]).toBe(g[40]);
    expect(e[60]).toBeLessThan(g[60] / 10);
  });
});
