/**
 * Experiment 6 (docs/theory.md §9.7): the probability that GD recovers M* over a grid of (m, r) at fixed n, as a heat map.
 * Recovery needs m above the r(n1 + n2 − r) degrees of freedom; below, GD can still drive the train residual to
 * ~0 without recovering M* — the experiment counts those runs instead of hiding them.
 */
import { heatmap } from '../../plots/specs.js';
import { fmt, gridTable } from '../format.js';
import { plot, type Experiment } from './common.js';

export const phaseTransition: Experiment = {
  name: 'phase-transition',
  title: 'recovery probability over (m, r) for fixed n (phase-transition heat map)',
  shows: 'recovery switches on once m exceeds a small multiple of the r(2n − r) degrees of freedom; below it GD may interpolate (train residual ≈ 0) without recovering (docs/theory.md §9.7)',
  requires: ['gd'],
  async run(ctx) {
    const q = ctx.quick;
    const n = q ? 10 : 30;
    const ranks = q ? [1, 2, 3, 4] : [1, 2, 3, 4, 5, 6, 8, 10];
    const ms = q ? [20, 30, 40, 50, 60, 80, 100] : [60, 120, 180, 240, 300, 360, 420, 480, 600, 720, 900];
    const trials = q ? 3 : 10;
    const iters = q ? 1500 : 3000;
    const success = 1e-2;
    ctx.log(`  n = ${n}, r ∈ {${ranks.join(', ')}}, m ∈ {${ms.join(', ')}}, ${trials} trials per cell; asymmetric GD with k = r, α = 1e-3, ` +
      `up to ${iters} iterations (stop at rel. residual 1e-8); recovered = rel. error ≤ ${success}`);
    // one sweep (docs/sweeps.md): per rank r, k = r and trial t's seeds, over the m axis — run on worker threads,
    // recorded under --out, so an interrupted run resumes
    const results = await ctx.sweep({
      name: 'phase-transition',
      problem: { n1: n, r: 1, m: ms },
      solver: { method: 'gd', alpha: 1e-3, maxIter: iters, tol: 1e-8 },
      list: ranks.flatMap((r) => Array.from({ length: trials }, (_, t) => ({
        problem: { r, seed: ctx.seed + 1000 * r + t }, solver: { k: r, initSeed: ctx.seed + t + 1 },
      }))),
      keep: { thresholds: [success], success },
    }, 'phase-transition');
    const prob: number[][] = [], interp: number[][] = [];
    const csv: Record<string, number[]> = { r: [], m: [], dof: [], trial: [], relError: [], relResidual: [], iterations: [] };
    let interpolatedNotRecovered = 0;
    for (const r of ranks) {
      const row: number[] = [], irow: number[] = [];
      for (const m of ms) {
        let ok = 0, bad = 0;
        const cell = results.filter((l) => l.problem.r === r && l.problem.m === m);
        cell.forEach((l, t) => {
          const e = l.result!.relError ?? Infinity, rr = l.result!.relResidual ?? Infinity;
          if (e <= success) ok++;
          else if (rr <= 1e-3) bad++;
          csv.r!.push(r); csv.m!.push(m); csv.dof!.push(r * (2 * n - r)); csv.trial!.push(t);
          csv.relError!.push(e); csv.relResidual!.push(rr); csv.iterations!.push(l.result!.iterations);
        });
        row.push(ok / trials); irow.push(bad / trials);
        interpolatedNotRecovered += bad;
      }
      prob.push(row); interp.push(irow);
    }
    ctx.log('');
    ctx.log('  recovery probability (rows r, columns m):');
    ctx.log(gridTable(['r \\ m', ...ms.map(String)], ranks.map((r, i) => [String(r), ...prob[i]!.map((v) => fmt(v))])));
    const lines: string[] = [];
    ranks.forEach((r, i) => {
      const j = prob[i]!.findIndex((v) => v >= 0.5);
      const dof = r * (2 * n - r);
      lines.push(j >= 0 ? `r = ${r}: m ≥ ${ms[j]} (= ${fmt(ms[j]! / dof)} × dof ${dof})` : `r = ${r}: not reached (dof ${dof})`);
    });
    ctx.log(`  Smallest m with recovery ≥ 50%: ${lines.join('; ')}.`);
    ctx.log(`  ${interpolatedNotRecovered} of ${ranks.length * ms.length * trials} runs fitted the measurements (rel. residual ≤ 1e-3) without recovering M* ` +
      '(train loss ≈ 0, error O(1): the under-sampled regime).');
    await plot(ctx, 'phase-transition', heatmap({
      title: `GD recovery probability, n = ${n} (${trials} trials per cell)`, x: ms, y: ranks, values: prob,
      xTitle: 'measurements m', yTitle: 'rank r', colorTitle: 'P(recovery)', colorDomain: [0, 1], showValues: true,
    }), csv);
    await plot(ctx, 'phase-transition-interpolation', heatmap({
      title: 'Fraction of runs that interpolate without recovering', x: ms, y: ranks, values: interp,
      xTitle: 'measurements m', yTitle: 'rank r', colorTitle: 'fraction', colorDomain: [0, 1], showValues: true,
    }), { r: ranks.flatMap((r) => ms.map(() => r)), m: ranks.flatMap(() => ms), fraction: interp.flat() });
  },
};
