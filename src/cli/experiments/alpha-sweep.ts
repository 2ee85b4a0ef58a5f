/**
 * Experiment 2 (Xiong, Ding & Du 2024, docs/theory.md §9.2–9.3): asymmetric overparameterized GD from inits of scale α.
 * Plain GD falls quickly to a plateau of order α and then converges linearly at a rate that grows with α (≈ ∝ α²);
 * with the one-step modification (`gd-rebalance`) the late rate hardly depends on α.
 */
import { errorCurves, scatterLog } from '../../plots/specs.js';
import { fmt, gridTable } from '../format.js';
import { curvesCsv, firstBelow, last, plot, rateBetween, thinTrialRecord, withNaN, runLine, type Experiment } from './common.js';

export const alphaSweep: Experiment = {
  name: 'alpha-sweep',
  title: 'asymmetric GD over an α sweep, with and without the one-step modification',
  shows: 'plain asymmetric GD (k > r) converges linearly at a rate growing like α²; after the one-step modification the rate is nearly independent of α (docs/theory.md §9.2–9.3)',
  requires: ['gd', 'gd-rebalance'],
  async run(ctx) {
    const q = ctx.quick;
    const n = q ? 20 : 50, r = q ? 2 : 3, k = q ? 4 : 6, m = q ? 600 : 2500;
    const iters = q ? 2500 : 15000;
    // Small α only: at n = 50 an init of α = 0.1 has ‖F0‖ ≈ α√(nk) ≈ 0.7, no longer small against σ1(M*) = 1.
    const alphas = q ? [0.1, 0.05, 0.03, 0.02] : [0.05, 0.03, 0.02, 0.01];
    const hi = 1e-3, lo = 1e-9;
    ctx.log(`  general rank-${r} ${n}×${n} target, m = ${m} Gaussian measurements, k = ${k}; α ∈ {${alphas.join(', ')}}, up to ${iters} iterations`);
    // one sweep over method × α (docs/sweeps.md), keeping each trial's record (every iterate in --quick, every 5th
    // at full size) and events: run on worker threads and recorded under --out, so an interrupted run resumes
    const methods = ['gd', 'gd-rebalance'];
    const lines = await ctx.sweep({
      name: 'alpha-sweep',
      problem: { n1: n, r, m, seed: ctx.seed },
      solver: { method: methods, k, alpha: alphas, initSeed: ctx.seed + 1, maxIter: iters, tol: 0, errorTol: 1e-11 },
      keep: { thresholds: [1e-6], success: 1e-6, record: true, recordEvery: q ? 1 : 5 },
    }, 'alpha-sweep');
    const runs = lines.map((l) => {
      const res = l.result!;
      ctx.log(runLine(`${l.solver.method}, α = ${l.solver.alpha}`, res));
      return { alpha: l.solver.alpha as number, method: l.solver.method as string, res: { events: res.events, record: withNaN(res.record!) } };
    });
    const rows: string[][] = [];
    const rates: Record<string, number[]> = { gd: [], 'gd-rebalance': [] };
    for (const { alpha, method, res } of runs) {
      const e = res.record.relError!, it = res.record.iter;
      const rho = rateBetween(it, e, hi, lo);
      rates[method]!.push(rho ?? NaN);
      const fired = res.events.find((ev) => /rebalanc|modif/i.test(ev.kind));
      rows.push([method, fmt(alpha), fmt(rho !== undefined ? rho * 100 : undefined), fmt(rho !== undefined ? rho / alpha ** 2 : undefined),
        String(firstBelow(it, e, 1e-6) ?? '—'), fmt(last(e)), fired ? String(fired.iter) : '—']);
    }
    ctx.log('');
    ctx.log(gridTable(['method', 'α', `rate ρ per 100 it. (err ${hi}→${lo} or end)`, 'ρ / α²', 'iters to 1e-6', 'final error', 'modified at'], rows));
    const spread = (a: number[]) => { const f = a.filter(Number.isFinite); return f.length > 1 ? Math.max(...f) / Math.min(...f) : NaN; };
    ctx.log(`  Plain GD: the late rate changes by a factor ${fmt(spread(rates.gd!))} across α = ${alphas[0]}…${alphas[alphas.length - 1]} ` +
      `(α² changes by ${fmt((alphas[0]! / alphas[alphas.length - 1]!) ** 2)}); with the one-step modification by a factor ${fmt(spread(rates['gd-rebalance']!))}.`);
    const byMethod = (mname: string) => runs.filter((x) => x.method === mname).map((x) => ({ name: `α = ${x.alpha}`, ...thinTrialRecord(x.res.record) }));
    await plot(ctx, 'alpha-sweep-gd', errorCurves(byMethod('gd'), { title: `Asymmetric GD, k = ${k} > r = ${r}: error vs iteration for several α` }),
      curvesCsv(runs.filter((x) => x.method === 'gd').map((x) => x.res)));
    await plot(ctx, 'alpha-sweep-rebalance', errorCurves(byMethod('gd-rebalance'), { title: 'GD with the one-step modification: error vs iteration for several α' }),
      curvesCsv(runs.filter((x) => x.method === 'gd-rebalance').map((x) => x.res)));
    await plot(ctx, 'alpha-sweep-rates', scatterLog({
      title: 'Late linear rate vs α', x: { field: 'alpha', title: 'init scale α' }, y: { title: `rate ρ per iteration (error ${hi} → ${lo}, or to the run's end)` }, connect: true,
      series: [{ name: 'GD', x: alphas, y: rates.gd! }, { name: 'GD + one-step modification', x: alphas, y: rates['gd-rebalance']! }],
    }), { alpha: alphas, rateGd: rates.gd!, rateRebalance: rates['gd-rebalance']! });
  },
};
