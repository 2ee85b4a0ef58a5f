// The solver loop: validation, stopping rules, divergence, progress, cancellation, determinism, memory.
import { describe, expect, it, beforeAll } from 'vitest';
import {
  createProblem, createSolver, solve, solveSync, chain, scale, StateError, ValidationError,
  type Problem, type Runtime, type UpdateRule,
} from '../../src/index.js';
import { randArray, runtime } from '../helpers.js';

let rt: Runtime;
let p: Problem;
beforeAll(async () => {
  rt = await runtime();
  p = createProblem(rt, { n1: 12, n2: 10, r: 2, m: 300, seed: 7, mTest: 40 });
});

describe('results and stopping rules', () => {
  it('records every cheap diagnostic per iteration and stops at tol with a reason', () => {
    const res = solveSync(rt, p, { k: 2, init: { alpha: 1e-4 }, maxIter: 2000, tol: 1e-9 });
    expect(res.stopReason).toBe('converged');
    expect(res.message).toMatch(/relative residual .* ≤ tol 1e-9/);
    const n = res.iterations + 1;
    for (const key of ['iter', 'loss', 'relResidual', 'relError', 'testError', 'gradNorm', 'imbalance', 'timeMs'] as const) {
      expect(res.record[key]!.length, key).toBe(n);
    }
    expect(res.record.relResidual[n - 1]).toBeLessThanOrEqual(1e-9);
    expect(res.record.relResidual[n - 2]).toBeGreaterThan(1e-9);
    expect(res.record.relError![n - 1]).toBeLessThan(1e-7);
    expect(res.record.testError![n - 1]).toBeLessThan(1e-7);
    // loss = ½‖r‖² = ½ (relResidual · ‖y‖)²
    expect(res.record.loss[0]).toBeCloseTo(0.5 * (res.record.relResidual[0] * p.yNorm) ** 2, 12);
    // the estimate is F Gᵀ
    const { F, G, estimate } = res;
    let d = 0;
    for (let a = 0; a < 12; a++) for (let b = 0; b < 10; b++) {
      let s = 0; for (let q = 0; q < 2; q++) s += F[a * 2 + q] * G![b * 2 + q];
      d = Math.max(d, Math.abs(s - estimate[a * 10 + b]));
    }
    expect(d).toBeLessThan(1e-14);
    expect(res.eta).toBeGreaterThan(0);
    expect(res.record.timeMs[n - 1]).toBeGreaterThanOrEqual(res.record.timeMs[0]);
  });

  it('stops at maxIter and at errorTol', () => {
    const a = solveSync(rt, p, { k: 4, maxIter: 7, tol: 0 });
    expect([a.stopReason, a.iterations, a.record.iter.length]).toEqual(['max-iterations', 7, 8]);
    const b = solveSync(rt, p, { k: 4, init: { alpha: 1e-4 }, maxIter: 3000, tol: 0, errorTol: 1e-4 });
    expect(b.stopReason).toBe('error-tolerance');
    expect(b.record.relError!.at(-1)).toBeLessThanOrEqual(1e-4);
  });

  it('the same seeds give bit-identical runs; another init seed gives another run', () => {
    const o = { k: 4, maxIter: 50, tol: 0, init: { alpha: 1e-3, seed: 5 } };
    const a = solveSync(rt, p, o), b = solveSync(rt, p, o);
    expect(Array.from(b.F)).toEqual(Array.from(a.F));
    expect(Array.from(b.record.loss)).toEqual(Array.from(a.record.loss));
    const c = solveSync(rt, p, { ...o, init: { alpha: 1e-3, seed: 6 } });
    expect(Array.from(c.F)).not.toEqual(Array.from(a.F));
  });

  it('given F0/G0 are used as the starting point', () => {
    const F0 = randArray(12 * 4, 1).map((v) => 1e-3 * v), G0 = randArray(10 * 4, 2).map((v) => 1e-3 * v);
    const res = solveSync(rt, p, { k: 4, maxIter: 0, init: { F0, G0 } });
    expect(Array.from(res.F)).toEqual(Array.from(F0));
    expect(Array.from(res.G!)).toEqual(Array.from(G0));
  });

  it('a diverging step size stops cleanly, keeps the last finite iterate and says why', () => {
    const res = solveSync(rt, p, { k: 4, eta: 50, init: { alpha: 0.5 }, maxIter: 500, tol: 0 });
    expect(res.stopReason).toBe('diverged');
    expect(res.message).toMatch(/η = 50\.0; try a smaller step size/);
    expect(res.F.every(Number.isFinite)).toBe(true);
    expect(res.estimate.every(Number.isFinite)).toBe(true);
    expect(res.record.loss.every(Number.isFinite)).toBe(true);
    expect(res.iterations).toBe(res.record.iter.length - 1);
    expect(res.iterations).toBeLessThan(500);
    // the returned factors are the last recorded iterate: their loss is the record's last loss
    const Ax = new Float64Array(p.m);
    p.op.apply(res.estimate, Ax);
    const y = p.y.a;
    let loss = 0;
    for (let i = 0; i < p.m; i++) loss += 0.5 * (Ax[i] - y[i]) ** 2;
    expect(Math.abs(loss - res.record.loss.at(-1)!)).toBeLessThanOrEqual(1e-9 * loss);
  });

  it('a diverging asymmetric run on an operator that sees only symmetric matrices returns a symmetrised estimate', () => {
    const ps = createProblem(rt, { n1: 8, r: 2, m: 100, symmetric: true, seed: 4 });
    const res = solveSync(rt, ps, { k: 3, model: 'asymmetric', eta: 50, init: { alpha: 0.5 }, maxIter: 500, tol: 0 });
    expect(res.stopReason).toBe('diverged');
    const e = res.estimate;
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) expect(e[i * 8 + j]).toBe(e[j * 8 + i]);
    ps.dispose();
  });

  it('the symmetric model on a symmetric problem; the asymmetric model on it too', () => {
    const ps = createProblem(rt, { n1: 10, r: 2, m: 200, symmetric: true, seed: 4 });
    const s = solveSync(rt, ps, { k: 2, init: { alpha: 0.1 }, maxIter: 400, tol: 1e-10 });
    expect(s.model).toBe('symmetric');
    expect(s.G).toBeUndefined();
    expect(s.record.imbalance).toBeUndefined();
    expect(s.record.relError!.at(-1)).toBeLessThan(1e-8);
    // A symmetric operator cannot see the antisymmetric part of F Gᵀ: the estimate is sym(F Gᵀ), whose error
    // tracks the residual; without symmetrizing, the unobservable part stays in the error.
    const o = { k: 2, model: 'asymmetric' as const, init: { alpha: 0.1 }, maxIter: 1000, tol: 0 };
    const a = solveSync(rt, ps, o);
    const e = a.estimate;
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) expect(e[i * 10 + j]).toBe(e[j * 10 + i]);
    expect(a.record.relError!.at(-1)).toBeLessThan(3 * a.record.relResidual.at(-1)!);
    const raw = solveSync(rt, ps, { ...o, symmetrizeEstimate: false });
    expect(raw.record.relError!.at(-1)).toBeGreaterThan(10 * a.record.relError!.at(-1)!);
    ps.dispose();
  });
});

describe('progress and cancellation', () => {
  it('reports progress and stops cleanly on abort, returning the iterates so far', async () => {
    const ctl = new AbortController();
    const seen: number[] = [];
    const res = await solve(rt, p, {
      k: 4, maxIter: 1_000_000, tol: 0, progressEveryMs: 0,
      onProgress: (q) => { seen.push(q.iter); if (q.iter >= 300) ctl.abort(); },
      signal: ctl.signal,
    });
    expect(res.stopReason).toBe('aborted');
    expect(res.iterations).toBeGreaterThanOrEqual(300);
    expect(res.iterations).toBeLessThan(1_000_000);
    expect(seen.length).toBeGreaterThan(1);
    expect(res.F.every(Number.isFinite)).toBe(true);
  });
  it('an already-aborted signal stops at the first iterate', async () => {
    const ctl = new AbortController(); ctl.abort();
    const res = await solve(rt, p, { k: 4, maxIter: 100, signal: ctl.signal });
    expect([res.stopReason, res.iterations]).toEqual(['aborted', 0]);
  });
});

describe('handle API and errors', () => {
  it('throws clear ordering errors', () => {
    const s = createSolver(rt, p, { k: 3, maxIter: 2 });
    expect(() => s.step()).toThrow(StateError);
    expect(() => s.step()).toThrow(/step\(\) called before setup\(\)/);
    expect(() => s.finalize()).toThrow(/before the run stopped/);
    s.setup();
    expect(() => s.setup()).toThrow(/setup\(\) called twice/);
    while (s.step());
    expect(() => s.step()).toThrow(/after the run finished/);
    expect(s.finalize().iterations).toBe(2);
    s.dispose();
  });

  it.each([
    [{ k: 0 }, /k must be a positive integer, got 0/],
    [{ k: 2.5 }, /k must be a positive integer, got 2.5/],
    [{ k: 13 }, /k = 13 exceeds max\(n1, n2\) = 12/],
    [{ k: 2, eta: 0 }, /eta must be > 0, got 0/],
    [{ k: 2, eta: NaN }, /eta must be a finite number, got NaN/],
    [{ k: 2, eta: -1 }, /eta must be > 0/],
    [{ k: 2, method: 'newton' }, /unknown method 'newton'/],
    [{ k: 2, maxIter: -1 }, /maxIter must be a non-negative integer/],
    [{ k: 2, tol: NaN }, /tol must be a finite number/],
    [{ k: 2, model: 'symmetric' }, /symmetric model X Xᵀ needs a square problem/],
    [{ k: 2, precision: 'f16' }, /precision must be/],
    [{ k: 2, params: { lambda: 1 } }, /method 'gd' has no parameter 'lambda'/],
  ])('rejects %o with a specific error before allocating', (o, msg) => {
    const before = rt.stats().used;
    expect(() => createSolver(rt, p, o as never)).toThrow(ValidationError);
    expect(() => createSolver(rt, p, o as never)).toThrow(msg);
    expect(rt.stats().used).toBe(before);
  });

  it.each([
    [{ F0: randArray(12 * 2, 1) }, /F0 and G0 must be given together/],
    [{ F0: randArray(12 * 3, 1), G0: randArray(10 * 2, 1) }, /F0 has length 36, expected 24/],
    [{ F0: Float64Array.of(...randArray(23, 1), NaN), G0: randArray(20, 1) }, /F0\[23\] is NaN/],
    [{ X0: randArray(24, 1) }, /asymmetric model takes F0 and G0, not X0/],
    [{ alpha: -1 }, /init.alpha must be ≥ 0/],
  ])('rejects bad init %# in setup, allocating nothing', (init, msg) => {
    const before = rt.stats().used;
    const s = createSolver(rt, p, { k: 2, init: init as never });
    expect(() => s.setup()).toThrow(msg);
    expect(rt.stats().used).toBe(before);
  });
});

describe('memory discipline', () => {
  it('iterations after the first allocate nothing and never grow memory; dispose returns every byte', () => {
    const start = rt.stats();
    const s = createSolver(rt, p, { k: 4, maxIter: 50, tol: 0 }).setup();
    s.step();
    const afterFirst = rt.stats();
    while (s.step());
    const end = rt.stats();
    expect(end.used).toBe(afterFirst.used);
    expect(end.grows).toBe(afterFirst.grows);
    expect(end.blocks).toBe(afterFirst.blocks);
    expect(s.memoryUsage()).toBeGreaterThanOrEqual(afterFirst.used - start.used);
    s.finalize();
    s.dispose();
    expect(rt.stats().used).toBe(start.used);
  });
  it('solving twice reuses the same memory', () => {
    solveSync(rt, p, { k: 4, maxIter: 3 });
    const a = rt.stats();
    solveSync(rt, p, { k: 4, maxIter: 3 });
    const b = rt.stats();
    expect([b.used, b.memoryBytes, b.grows]).toEqual([a.used, a.memoryBytes, a.grows]);
  });
});

describe('custom rules', () => {
  it('chain(scale(a), scale(b)) equals scale(a·b)', () => {
    const o = { k: 3, maxIter: 20, tol: 0, init: { alpha: 1e-2 } };
    const eta = 0.05;
    const a = solveSync(rt, p, { ...o, rule: chain(scale(-0.5), scale(2 * eta)) });
    const b = solveSync(rt, p, { ...o, rule: scale(-eta) });
    expect(Array.from(a.F)).toEqual(Array.from(b.F));
  });
  it('a rule sees the gradient, which matches finite differences of the loss', () => {
    const k = 2, n1 = 12, n2 = 10;
    const F0 = randArray(n1 * k, 3).map((v) => 0.3 * v), G0 = randArray(n2 * k, 4).map((v) => 0.3 * v);
    let dF: Float64Array | undefined, dG: Float64Array | undefined;
    const spy: UpdateRule<null> = {
      name: 'spy', init: () => null,
      step(g) { dF = g.dF.copy(); dG = g.dG.copy(); g.dF.a.fill(0); g.dG.a.fill(0); },
    };
    solveSync(rt, p, { k, maxIter: 1, tol: 0, rule: spy, init: { F0, G0 }, precision: 'f64' });
    const loss = (F: Float64Array, G: Float64Array) => {
      const X = new Float64Array(n1 * n2);
      for (let a = 0; a < n1; a++) for (let b = 0; b < n2; b++) { let s = 0; for (let q = 0; q < k; q++) s += F[a * k + q] * G[b * k + q]; X[a * n2 + b] = s; }
      const r = p.op.apply(X, new Float64Array(p.m));
      let ss = 0; for (let i = 0; i < p.m; i++) ss += (r[i] - p.y.a[i]) ** 2;
      return 0.5 * ss;
    };
    const h = 1e-6;
    for (const [idx, which] of [[0, 'F'], [7, 'F'], [n1 * k - 1, 'F'], [0, 'G'], [n2 * k - 1, 'G']] as const) {
      const Fp = Float64Array.from(F0), Gp = Float64Array.from(G0), Fm = Float64Array.from(F0), Gm = Float64Array.from(G0);
      if (which === 'F') { Fp[idx] += h; Fm[idx] -= h; } else { Gp[idx] += h; Gm[idx] -= h; }
      const fd = (loss(Fp, Gp) - loss(Fm, Gm)) / (2 * h);
      const an = which === 'F' ? dF![idx] : dG![idx];
      expect(Math.abs(fd - an)).toBeLessThan(1e-6 * Math.max(1, Math.abs(an)));
    }
  });
  it('the symmetric gradient ½(E + Eᵀ)X matches finite differences of ¼‖A(XXᵀ) − y‖²', () => {
    const ps = createProblem(rt, { n1: 6, r: 2, m: 80, symmetric: true, seed: 8 });
    const k = 2, n = 6;
    const X0 = randArray(n * k, 5).map((v) => 0.4 * v);
    let dX: Float64Array | undefined;
    const spy: UpdateRule<null> = { name: 'spy', init: () => null, step(g) { dX = g.dF.copy(); g.dF.a.fill(0); } };
    solveSync(rt, ps, { k, maxIter: 1, tol: 0, rule: spy, init: { X0 }, precision: 'f64' });
    const loss = (X: Float64Array) => {
      const M = new Float64Array(n * n);
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) { let s = 0; for (let q = 0; q < k; q++) s += X[a * k + q] * X[b * k + q]; M[a * n + b] = s; }
      const r = ps.op.apply(M, new Float64Array(ps.m));
      let ss = 0; for (let i = 0; i < ps.m; i++) ss += (r[i] - ps.y.a[i]) ** 2;
      return 0.25 * ss;
    };
    for (const idx of [0, 5, n * k - 1]) {
      const Xp = Float64Array.from(X0), Xm = Float64Array.from(X0);
      Xp[idx] += 1e-6; Xm[idx] -= 1e-6;
      const fd = (loss(Xp) - loss(Xm)) / 2e-6;
      expect(Math.abs(fd - dX![idx])).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
    ps.dispose();
  });
});

describe('async iteration', () => {
  it('yields snapshots every N iterations; breaking out stops the run cleanly as aborted', async () => {
    const s = createSolver(rt, p, { k: 3, maxIter: 10_000, tol: 0 });
    const iters: number[] = [];
    for await (const q of s.iterate({ every: 25 })) {
      iters.push(q.iter);
      if (q.iter >= 100) break;
    }
    expect(iters).toEqual([25, 50, 75, 100]);
    const res = s.finalize();
    expect(res.stopReason).toBe('aborted');
    expect(res.iterations).toBe(100);
    s.dispose();
  });
  it('runs to the end when not interrupted and returns the result', async () => {
    const s = createSolver(rt, p, { k: 3, maxIter: 30, tol: 0 });
    const seen: number[] = [];
    const it = s.iterate({ every: 10 });
    let step = await it.next();
    while (!step.done) { seen.push(step.value.iter); step = await it.next(); }
    expect(seen).toEqual([10, 20, 30, 30]);
    expect(step.value.stopReason).toBe('max-iterations');
    s.dispose();
  });
});

describe('record growth', () => {
  it('a huge maxIter does not preallocate the record; it grows as iterations happen', () => {
    const res = solveSync(rt, p, { k: 2, maxIter: 1e12, tol: 1e-9, init: { alpha: 1e-4 } });
    expect(res.stopReason).toBe('converged');
    expect(res.record.loss.length).toBe(res.iterations + 1);
    const long = solveSync(rt, p, { k: 2, maxIter: 5000, tol: 0 });
    expect(long.record.relResidual.length).toBe(5001);
    expect(long.record.iter[5000]).toBe(5000);
    expect(long.record.loss.every(Number.isFinite)).toBe(true);
  });
});
