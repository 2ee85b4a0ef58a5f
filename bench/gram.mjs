// Gram mode vs streaming at m = 25 000 (m ≥ n1·n2): per-iteration time of GD, and the one-off cost of forming
// G = AᵀA. Full runs at n1 = n2 = 32 (N = 1024; building G at n = 100 costs m·N²/2 = 1.25·10¹² multiply–adds,
// minutes on 2 cores); at n = 100 the per-iteration Gram product (symv over the upper triangle of a 10⁴ × 10⁴ G,
// 400 MB) is timed against the streaming pass over the 1 GB operator, with G's build time extrapolated from the
// measured rate. Checked: the Gram run's iterates equal the streaming run's.
import { createRuntime, createProblem, createSolver, withGram, DenseOperator } from '../dist/index.js';
import { time, timeRounds, saveResults, fmt } from './lib.mjs';

export async function run({ quick = false } = {}) {
  const m = 25000, n = 32, N = n * n, r = 5, k = 15;
  const rt = await createRuntime();
  const p = createProblem(rt, { n1: n, r, m, kappa: 10, seed: 1 });
  const t0 = performance.now();
  const pg = await withGram(rt, p);
  const buildMs = performance.now() - t0;
  const so = { k, init: { alpha: 1e-3 }, maxIter: 20, tol: 0, precision: 'f64', eta: 0.4 };
  const ra = createSolver(rt, p, so).run(), rb = createSolver(rt, pg, so).run();
  let d = 0; for (let j = 0; j < N; j++) d = Math.max(d, Math.abs(ra.estimate[j] - rb.estimate[j]));
  if (d > 1e-10) throw new Error(`Gram-mode iterates differ from streaming by ${d}`);
  const ss = createSolver(rt, p, { ...so, maxIter: 1e9 }).setup(), sg = createSolver(rt, pg, { ...so, maxIter: 1e9 }).setup();
  const t = await timeRounds({
    streaming: () => { if (!ss.step()) throw new Error('stopped'); },
    gram: () => { if (!sg.step()) throw new Error('stopped'); },
  }, { rounds: quick ? 1 : 2, time: quick ? 300 : 1000, iterations: quick ? 5 : 20 });
  ss.dispose(); sg.dispose();
  const flops = m * N * N; // 2 · m·N²/2
  const buildGflops = flops / (buildMs * 1e6);
  const anchors = pg.op.anchorCount;
  pg.dispose(); p.dispose();

  // n = 100: the per-iteration products alone (G's entries do not change the cost; G is filled with a cheap pattern)
  const n2 = 100, N2 = n2 * n2;
  const rt2 = await createRuntime();
  const op = DenseOperator.gaussian(rt2, { m, n1: n2, n2, seed: 1 });
  const G = rt2.f64(N2 * N2), x = rt2.f64(N2), c = rt2.f64(N2, 0), y = rt2.f64(N2), b = rt2.f64(m, 0), rr = rt2.f64(m), S = rt2.f64(N2);
  const Ga = G.a; for (let i = 0; i < Ga.length; i += 1) Ga[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  x.a.fill(0.01);
  rt2.kernels.symv_upper_f64(y.ptr, G.ptr, x.ptr, c.ptr, N2);
  for (const i of [0, 4999, N2 - 1]) { // check three entries of y = G x against JS
    let s = 0; for (let j = 0; j < N2; j++) s += Ga[Math.min(i, j) * N2 + Math.max(i, j)] * 0.01;
    if (Math.abs(s - y.a[i]) > 1e-9 * Math.max(1, Math.abs(s))) throw new Error('symv check failed');
  }
  const K = rt2.kernels;
  const t2 = await time({
    symv: () => K.symv_upper_f64(y.ptr, G.ptr, x.ptr, c.ptr, N2),
    fused: () => K.residual_adjoint_mixed(S.ptr, rr.ptr, op.A.ptr, x.ptr, b.ptr, m, N2),
  }, { time: quick ? 500 : 1500, iterations: quick ? 3 : 6 });
  const build100Min = (m * N2 * N2) / (buildGflops * 1e9) / 60;
  const out = {
    n32: { m, n, N, streamingIterMs: t.streaming.medianMs, gramIterMs: t.gram.medianMs, speedup: t.streaming.medianMs / t.gram.medianMs, buildMs, buildGflops, anchorsIn: anchors },
    n100: { m, N: N2, streamingPassMs: t2.fused.medianMs, gramProductMs: t2.symv.medianMs, speedup: t2.fused.medianMs / t2.symv.medianMs, gramBytes: N2 * (N2 + 1) / 2 * 8, estimatedBuildMinutes: build100Min },
  };
  console.log(`\nGram mode, m = ${m}`);
  console.log('| size | streaming ms / iteration | Gram ms / iteration | speed-up | building G |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| n = 32 (N = 1024), full GD iteration | ${fmt(out.n32.streamingIterMs)} | ${fmt(out.n32.gramIterMs)} | ${fmt(out.n32.speedup, 1)} | ${fmt(buildMs / 1000, 1)} s (${fmt(buildGflops, 1)} GFLOP/s, 1 thread) |`);
  console.log(`| n = 100 (N = 10⁴), the fused pass vs the Gram product | ${fmt(out.n100.streamingPassMs)} | ${fmt(out.n100.gramProductMs)} | ${fmt(out.n100.speedup, 1)} | ≈ ${fmt(build100Min, 0)} min at that rate (1 thread) |`);
  saveResults('gram', out);
  for (const bb of [G, x, c, y, b, rr, S]) bb.free();
  op.dispose();
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
