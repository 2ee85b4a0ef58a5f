// One GD iteration at n1 = n2 = 100, r = 5, k = 20, m = 5000 (dense Gaussian operator, 200 MB of f32):
// matsense (each precision mode) vs a plain-TypeScript twin vs numpy float64/float32 doing the same work,
// plus the machine's streaming read bandwidth over a buffer of the operator's size, measured in wasm; and the same
// iteration and read with the operator's rows split over all hardware threads (shared memory).
// Every timed matsense run is checked against the plain-JS twin's answer before timing.
import { createRuntime, createProblem, createProblemParallel, createSolver, resolveThreads } from '../dist/index.js';
import { time, timeRounds, numpyVersion, runPython, saveResults, fmt, parallelStreamMs } from './lib.mjs';
import { checkAgainstTwin, plainIteration } from './browser/gd-iteration-core.js';

const n1 = 100, n2 = 100, r = 5, k = 20, m = 5000, N = n1 * n2;
const SIZES = { n1, n2, k, m };
const opBytes = m * N * 4;

export async function run({ quick = false } = {}) {
  // numpy first: spawning python from a process that already holds the 200 MB operator can fail to fork
  let numpy = null;
  const npv = numpyVersion();
  if (npv) {
    const out = runPython('numpy_gd.py', [n1, n2, r, k, m, quick ? 5 : 20]);
    numpy = { version: npv, float64: out.gd.find((g) => g.dtype === 'float64').median_ms, float32: out.gd.find((g) => g.dtype === 'float32').median_ms, generateF32Ms: out.generate_f32_ms };
  }
  const rt = await createRuntime();
  const t0 = performance.now();
  const p = createProblem(rt, { n1, n2, r, m, seed: 1 });
  const genMs = performance.now() - t0;
  const rows = [];

  // correctness first: one matsense step (f64 mode) equals one plain-JS step
  const { res, twin, firstMs: jsOnceMs } = checkAgainstTwin(createSolver, rt, p, SIZES);
  const { A, y, F, G, X, rr, E, gF, gG } = twin;

  const solvers = {};
  const tasks = {};
  for (const precision of ['mixed', 'f64', 'f32']) {
    const s = createSolver(rt, p, { k, init: { alpha: 1e-3 }, maxIter: 1e9, tol: 0, precision }).setup();
    solvers[precision] = s;
    tasks[`matsense ${precision}`] = () => { if (!s.step()) throw new Error('solver stopped'); };
  }
  const { stream_sum_f32 } = rt.kernels;
  tasks['wasm streaming read'] = () => { if (!Number.isFinite(stream_sum_f32(p.op.A.ptr, m * N))) throw new Error('stream sum not finite'); };
  const t = await timeRounds(tasks, { rounds: quick ? 1 : 3, time: quick ? 400 : 1000, iterations: quick ? 5 : 15 });
  const js = await time({ 'plain TypeScript': () => plainIteration(SIZES, A, y, F, G, 1e-9, X, rr, E, gF, gG) }, { time: quick ? 300 : 1500, iterations: quick ? 2 : 5, warmupIterations: 1 });
  for (const s of Object.values(solvers)) s.dispose();
  const streamMs = t['wasm streaming read'].medianMs;
  const jsMs = js['plain TypeScript'].medianMs;
  p.dispose();

  // the same iteration with the rows split over all hardware threads (shared memory), checked against one thread
  const auto = await resolveThreads('auto');
  if (auto > 1) {
    const rtP = await createRuntime({ shared: true });
    const pP = await createProblemParallel(rtP, { n1, n2, r, m, seed: 1, threads: 'auto' });
    const chk = createSolver(rtP, pP, { k, init: { alpha: 1e-2 }, maxIter: 1, tol: 0, precision: 'f64', eta: 0.3 }).run();
    let d = 0; for (let i = 0; i < n1 * k; i++) d = Math.max(d, Math.abs(chk.F[i] - res.F[i]));
    if (d > 1e-12) throw new Error(`threaded step differs from the single-thread step by ${d}`);
    const threaded = {}, ptasks = {};
    for (const precision of ['mixed', 'f32']) {
      const s = createSolver(rtP, pP, { k, init: { alpha: 1e-3 }, maxIter: 1e9, tol: 0, precision }).setup();
      threaded[precision] = s;
      ptasks[`matsense ${precision}, ${auto} threads`] = () => { if (!s.step()) throw new Error('solver stopped'); };
    }
    Object.assign(t, await timeRounds(ptasks, { rounds: quick ? 1 : 3, time: quick ? 400 : 1000, iterations: quick ? 5 : 15 }));
    t[`wasm streaming read, ${auto} threads`] = { medianMs: await parallelStreamMs(rtP, pP.op, { time: quick ? 400 : 1000, iterations: quick ? 5 : 15 }) };
    for (const s of Object.values(threaded)) s.dispose();
    pP.dispose(); await pP.op.close();
  }

  for (const [name, v] of Object.entries({ ...t, ...js })) {
    rows.push({
      name, ms: v.medianMs, gbs: opBytes / (v.medianMs * 1e6),
      vsStream: v.medianMs / streamMs, speedupVsJs: jsMs / v.medianMs,
      speedupVsNumpy64: numpy ? numpy.float64 / v.medianMs : null, speedupVsNumpy32: numpy ? numpy.float32 / v.medianMs : null,
    });
  }
  if (numpy) {
    rows.push({ name: 'numpy float64', ms: numpy.float64, gbs: (2 * opBytes) * 2 / (numpy.float64 * 1e6), vsStream: numpy.float64 / streamMs, speedupVsJs: jsMs / numpy.float64, speedupVsNumpy64: 1, speedupVsNumpy32: numpy.float32 / numpy.float64 });
    rows.push({ name: 'numpy float32', ms: numpy.float32, gbs: (2 * opBytes) / (numpy.float32 * 1e6), vsStream: numpy.float32 / streamMs, speedupVsJs: jsMs / numpy.float32, speedupVsNumpy64: numpy.float64 / numpy.float32, speedupVsNumpy32: 1 });
  }
  console.log(`\nGD iteration, n1 = n2 = ${n1}, r = ${r}, k = ${k}, m = ${m} (operator ${(opBytes / 1e6).toFixed(0)} MB f32; generated in ${genMs.toFixed(0)} ms)`);
  console.log(numpy ? `numpy ${numpy.version} reference (float64 and float32, same iteration)` : 'numpy columns skipped: python3 with numpy not found');
  console.log('| case | ms / iteration | GB/s of operator | × streaming read | speed-up vs plain TS | vs numpy f64 | vs numpy f32 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(`| ${row.name} | ${fmt(row.ms)} | ${fmt(row.gbs, 1)} | ${fmt(row.vsStream)} | ${fmt(row.speedupVsJs, 1)} | ${fmt(row.speedupVsNumpy64)} | ${fmt(row.speedupVsNumpy32)} |`);
  }
  console.log('(numpy rows: GB/s counts the bytes numpy streams — A is read twice, in its own dtype)');
  saveResults('gdIteration', { sizes: { n1, n2, r, k, m, operatorBytes: opBytes }, generateMs: genMs, plainJsFirstIterationMs: jsOnceMs, numpy, rows });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
