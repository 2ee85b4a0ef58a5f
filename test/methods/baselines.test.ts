// The peer methods of docs/theory.md §6: AGN (§9.6), ScaledGD's κ-independence, ScaledGD(λ), PrecGD, spectral init.
import { beforeAll, describe, expect, it } from 'vitest';
import { createProblem, solveSync, Solver, ValidationError, type Runtime } from '../../src/index.js';
import { resolveInit } from '../../src/solvers/init.js';
import { thinSvdOfProduct } from '../../src/linalg/svd.js';
import { runtime } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { rt = await runtime(); });

describe('§9.6 AGN', () => {
  it('with the identity operator and η = 1 recovers M* to 1e-10 in one iteration (k > r, small init)', () => {
    const p = createProblem(rt, { n1: 12, n2: 10, r: 2, kappa: 5, operator: 'identity', seed: 4 });
    try {
      const res = solveSync(rt, p, { k: 5, method: 'agn', eta: 1, init: { alpha: 1e-3 }, maxIter: 1, tol: 0 });
      const e = res.record.relError!;
      console.log('§9.6 AGN relative error after one iteration:', e[1].toExponential(2));
      expect(e[0]).toBeGreaterThan(0.99);
      expect(e[1]).toBeLessThan(1e-10);
      expect(p.op.passCount).toBeGreaterThanOrEqual(3); // two residual passes in the step, one at the final iterate
    } finally { p.dispose(); }
  });

  it('with a Gaussian operator and the default η converges linearly', () => {
    const p = createProblem(rt, { n1: 10, n2: 8, r: 2, m: 300, seed: 6 });
    try {
      const res = solveSync(rt, p, { k: 4, method: 'agn', init: { alpha: 1e-3 }, maxIter: 300, tol: 0, errorTol: 1e-9 });
      expect(res.stopReason).toBe('error-tolerance');
      expect(res.params).toEqual({ eta: 0.5, rcond: 1e-12 });
    } finally { p.dispose(); }
  });
});

describe('ScaledGD', () => {
  it('iterations to relative error 1e-8 change < 2× across κ ∈ {1, 10, 100}, while plain GD\'s grow > 10×', () => {
    const counts: Record<string, number[]> = { scaledgd: [], gd: [] };
    for (const kappa of [1, 10, 100]) {
      const p = createProblem(rt, { n1: 12, n2: 10, r: 2, m: 400, kappa, seed: 5 });
      try {
        for (const method of ['scaledgd', 'gd'] as const) {
          const res = solveSync(rt, p, { k: 2, method, maxIter: 20000, tol: 0, errorTol: 1e-8, init: method === 'gd' ? { alpha: 1e-3 } : undefined });
          expect(res.stopReason).toBe('error-tolerance');
          counts[method].push(res.iterations);
        }
      } finally { p.dispose(); }
    }
    console.log('iterations to 1e-8 for κ = 1, 10, 100:', JSON.stringify(counts));
    expect(Math.max(...counts.scaledgd) / Math.min(...counts.scaledgd)).toBeLessThan(2);
    expect(counts.gd[2] / counts.gd[0]).toBeGreaterThan(10);
    expect(counts.gd[1]).toBeGreaterThan(counts.gd[0]);
  });

  it('symmetric form (X Xᵀ) converges from the spectral init, and a PSD target may be fitted with F Gᵀ', () => {
    const p = createProblem(rt, { n1: 10, r: 2, m: 300, kappa: 3, symmetric: true, seed: 7 });
    try {
      for (const model of ['symmetric', 'asymmetric'] as const) {
        const res = solveSync(rt, p, { k: 2, method: 'scaledgd', model, maxIter: 300, tol: 0, errorTol: 1e-9 });
        expect(res.stopReason).toBe('error-tolerance');
        expect(res.iterations).toBeLessThan(150);
      }
    } finally { p.dispose(); }
  });
});

describe('ScaledGD(λ) and PrecGD from a small random init (k > r)', () => {
  it('PrecGD converges linearly to 1e-9 in both forms', () => {
    for (const symmetric of [false, true]) {
      const p = createProblem(rt, { n1: 10, r: 2, m: 300, kappa: 2, symmetric, seed: 7 });
      try {
        const res = solveSync(rt, p, { k: 4, method: 'precgd', init: { alpha: 1e-3 }, maxIter: 1500, tol: 0, errorTol: 1e-9 });
        expect(res.stopReason).toBe('error-tolerance');
      } finally { p.dispose(); }
    }
  });

  it('ScaledGD(λ) learns M* fast with its defaults: η = 0.1 and λ = 0.01 · s_{k+1}(A*(y)), well below σ_r(M*)', () => {
    const p = createProblem(rt, { n1: 10, r: 2, m: 300, kappa: 2, symmetric: true, seed: 7 });
    try {
      const s = p.backProjectionSpectrum(5);
      for (const model of ['symmetric', 'asymmetric'] as const) {
        const res = solveSync(rt, p, { k: 4, model, method: 'scaledgd-lambda', init: { alpha: 1e-4 }, maxIter: 300, tol: 0 });
        expect(res.params.eta).toBe(0.1);
        expect(res.params.lambda).toBe(0.01 * s[4]!);
        expect(res.params.lambda).toBeLessThan(0.1 * p.sigma![1]!);
        expect(res.record.relError!.at(-1)!).toBeLessThan(1e-3);
      }
    } finally { p.dispose(); }
  });

  it('ScaledGD(λ) with its default λ is nearly insensitive to κ, and reaches 1e-6 where plain GD stalls (§6)', () => {
    const iters: number[] = [];
    for (const kappa of [1, 100]) {
      const p = createProblem(rt, { n1: 20, r: 2, m: 600, kappa, seed: 0 });
      try {
        const res = solveSync(rt, p, { k: 4, method: 'scaledgd-lambda', init: { alpha: 1e-3, seed: 1 }, maxIter: 2500, tol: 0, errorTol: 1e-6 });
        expect(res.stopReason).toBe('error-tolerance');
        const target = (0.1 * p.sigma![1]!) / p.MstarNorm!;
        iters.push(res.record.relError!.findIndex((e) => e <= target));
      } finally { p.dispose(); }
    }
    expect(iters[1]! / iters[0]!).toBeLessThan(6); // GD: ×52 on these problems (experiment methods-kappa)
  });
});

describe('spectral initialization', () => {
  it('F0 G0ᵀ is the best rank-k approximation of A*(y): exact for the identity operator', () => {
    const p = createProblem(rt, { n1: 9, n2: 7, r: 3, operator: 'identity', seed: 8 });
    try {
      const init = resolveInit(rt, { kind: 'spectral' }, 'asymmetric', p, 3);
      expect(init.kind).toBe('spectral');
      const s = thinSvdOfProduct(init.F, init.G!, 9, 7, 3).s;
      for (let i = 0; i < 3; i++) expect(s[i]).toBeCloseTo(p.sigma![i], 10);
      // balanced: FᵀF = GᵀG = Σ
      const res = solveSync(rt, p, { k: 3, method: 'gd', init: { kind: 'spectral' }, maxIter: 0, tol: 0 });
      expect(res.record.relError![0]).toBeLessThan(1e-10);
      const sym = createProblem(rt, { n1: 8, r: 2, operator: 'identity', symmetric: true, seed: 8 });
      try {
        const r2 = solveSync(rt, sym, { k: 2, method: 'gd', init: { kind: 'spectral' }, maxIter: 0, tol: 0 });
        expect(r2.record.relError![0]).toBeLessThan(1e-10);
      } finally { sym.dispose(); }
    } finally { p.dispose(); }
  });

  it('is the default of ScaledGD only, and rejects random-init options', () => {
    const p = createProblem(rt, { n1: 6, n2: 5, r: 1, operator: 'identity', seed: 1 });
    try {
      expect(solveSync(rt, p, { k: 1, method: 'scaledgd', maxIter: 0, tol: 0 }).record.relError![0]).toBeLessThan(1e-10);
      expect(solveSync(rt, p, { k: 1, method: 'gd', maxIter: 0, tol: 0 }).record.relError![0]).toBeGreaterThan(0.99);
      expect(() => new Solver(rt, p, { k: 1, init: { kind: 'spectral', alpha: 0.1 } }).setup()).toThrow(ValidationError);
      expect(() => new Solver(rt, p, { k: 1, init: { kind: 'power' as never } }).setup()).toThrow(/init.kind/);
    } finally { p.dispose(); }
  });
});
