/**
 * Experiment 3 (Stöger & Soltanolkotabi 2021, docs/theory.md §9.4): full-width symmetric GD (k = n) on an
 * under-determined problem still generalizes, and the test error falls as the init scale α falls.
 */
import { scatterLog } from '../../plots/specs.js';
import { fmt, gridTable } from '../format.js';
import { plot, runLine, type Experiment } from './common.js';

export const implicitReg: Experiment = {
  name: 'implicit-reg',
  title: 'test error vs α for full-width (k = n) symmetric GD',
  shows: 'with k = n and fewer measurements than unknowns, GD from a small init still generalizes, and the test error decreases as α decreases (docs/theory.md §9.4)',
  requires: ['gd'],
  async run(ctx) {
    const q = ctx.quick;
    const n = q ? 16 : 40, r = q ? 1 : 2, m = q ? 96 : 400, mTest = q ? 200 : 1000;
    // full-width symmetric GD converges only like 1/t (§9.1): every run is trained to the same train residual, so the
    // test errors compare fits of equal quality
    const iters = q ? 20000 : 40000, tol = q ? 1e-3 : 3e-4;
    const alphas = q ? [0.1, 3e-2, 1e-2, 1e-3, 1e-4, 1e-5] : [0.1, 3e-2, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7];
    ctx.log(`  symmetric PSD rank-${r} ${n}×${n} target, m = ${m} measurements (n(n+1)/2 = ${(n * (n + 1)) / 2} unknowns in X Xᵀ), ` +
      `${mTest} held-out; symmetric GD with k = n = ${n}, each run trained to the same rel. residual ${tol} (at most ${iters} iterations; k > r converges only like 1/t)`);
    const rows: string[][] = [];
    const test: number[] = [], err: number[] = [], resid: number[] = [];
    // one sweep over α (docs/sweeps.md): run on worker threads and recorded under --out, so an interrupted run resumes
    const lines = await ctx.sweep({
      name: 'implicit-reg',
      problem: { n1: n, r, m, symmetric: true, mTest, seed: ctx.seed },
      solver: { k: n, model: 'symmetric', method: 'gd', alpha: alphas, initSeed: ctx.seed + 1, maxIter: iters, tol },
      keep: { thresholds: [], success: 1e-2 },
    }, 'implicit-reg');
    for (const [i, l] of lines.entries()) {
      const res = l.result!;
      ctx.log(runLine(`α = ${alphas[i]}`, res));
      const t = res.testError ?? NaN, e = res.relError ?? NaN, rr = res.relResidual ?? NaN;
      test.push(t); err.push(e); resid.push(rr);
      rows.push([fmt(alphas[i]), fmt(rr), fmt(t), fmt(e), String(res.iterations)]);
    }
    ctx.log('');
    ctx.log(gridTable(['α', 'train rel. residual', 'test error', 'rel. error to M*', 'iterations'], rows));
    const i0 = 0, i1 = alphas.length - 1;
    ctx.log(`  The test error falls from ${fmt(test[i0])} at α = ${alphas[i0]} to ${fmt(test[i1])} at α = ${alphas[i1]} with no rank constraint (k = n); ` +
      `the ratio test error / train residual falls from ${fmt(test[i0]! / resid[i0]!)} to ${fmt(test[i1]! / resid[i1]!)}: ` +
      'the smaller the initialization, the closer the fitted X Xᵀ is to the low-rank M* (and not just to the measurements).');
    await plot(ctx, 'implicit-reg', scatterLog({
      title: `Full-width symmetric GD (k = n = ${n}, m = ${m}): generalization vs init scale`,
      x: { field: 'alpha', title: 'init scale α' }, y: { title: 'error at the end of training' }, connect: true,
      series: [{ name: 'test error', x: alphas, y: test }, { name: 'rel. error ‖XXᵀ − M*‖/‖M*‖', x: alphas, y: err }, { name: 'train rel. residual', x: alphas, y: resid }],
    }), { alpha: alphas, testError: test, relError: err, trainResidual: resid });
  },
};
