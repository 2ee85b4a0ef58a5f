// Convergence with measured rates (docs/theory.md §9.1–§9.2), fixed seeds.
import { describe, expect, it, beforeAll } from 'vitest';
import { createProblem, solveSync, type Runtime } from '../../src/index.js';
import { runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

describe('asymmetric overparameterized GD from a small init (n1 = 40, n2 = 30, r = 3, k = 10, m = 10·(n1+n2)·r)', () => {
  const run = (alpha: number, maxIter: number) => {
    const p = createProblem(rt, { n1: 40, n2: 30, r: 3, m: 2100, seed: 1 });
    try {
      return solveSync(rt, p, { k: 10, init: { alpha }, maxIter, tol: 0 }).record.relError!;
    } finally { p.dispose(); }
  };

  it('falls fast to a plateau whose height scales with α, then decays only slowly', () => {
    const e3 = run(1e-3, 600), e5 = run(1e-5, 600);
    // the plateau (after the fast phase, iteration 150): measured exponent of α between 0.7 and 1.5
    const p = Math.log(e3[150] / e5[150]) / Math.log(100);
    expect(p).toBeGreaterThan(0.7);
    expect(p).toBeLessThan(1.5);
    expect(e3[150]).toBeGreaterThan(1e-4); // of order α = 1e-3, not converged
    // slow decay along the plateau: less than a factor 2 in 450 iterations (linear convergence at rate ∝ α²)
    expect(e3[600] / e3[150]).toBeGreaterThan(0.5);
    expect(e3[600] / e3[150]).toBeLessThan(1);
  });

  it('α = 1e-7 reaches relative error < 1e-6 within a few hundred iterations', () => {
    const e = run(1e-7, 300);
    const hit = e.findIndex((v) => v < 1e-6);
    expect(hit).toBeGreaterThan(0);
    expect(hit).toBeLessThan(300);
  });
});

describe('symmetric GD (X Xᵀ, n = 20, r = 2, m = 600)', () => {
  it('k = r converges linearly: error < 1e-12 within 150 iterations at a steady geometric rate', () => {
    const p = createProblem(rt, { n1: 20, r: 2, m: 600, symmetric: true, seed: 3 });
    const e = solveSync(rt, p, { k: 2, init: { alpha: 0.1 }, maxIter: 150, tol: 0 }).record.relError!;
    p.dispose();
    expect(e[150]).toBeLessThan(1e-12);
    // find the window where the error crosses 1e-3 → 1e-9 and check per-10-step contraction is uniform
    const a = e.findIndex((v) => v < 1e-3), b = e.findIndex((v) => v < 1e-9);
    expect(b - a).toBeGreaterThan(5);
    const rate = Math.log(e[b] / e[a]) / (b - a);
    const half = Math.floor((a + b) / 2);
    const rate1 = Math.log(e[half] / e[a]) / (half - a), rate2 = Math.log(e[b] / e[half]) / (b - half);
    expect(rate).toBeLessThan(-0.1);
    expect(rate1 / rate2).toBeGreaterThan(0.5);
    expect(rate1 / rate2).toBeLessThan(2);
  });

  it('k > r converges only sublinearly: error × t levels off to a constant (~1/t decay)', () => {
    const p = createProblem(rt, { n1: 20, r: 2, m: 600, symmetric: true, seed: 3 });
    const e = solveSync(rt, p, { k: 6, init: { alpha: 0.1 }, maxIter: 3200, tol: 0 }).record.relError!;
    p.dispose();
    const et = [400, 800, 1600, 3200].map((t) => e[t] * t);
    for (const v of et) expect(v / et[0]).toBeGreaterThan(0.75), expect(v / et[0]).toBeLessThan(1.5);
    // linear convergence would have halved the error many times over: it is still above 1e-4 here
    expect(e[3200]).toBeGreaterThan(1e-4);
    expect(e[3200] / e[1600]).toBeGreaterThan(0.4);
  });
});
