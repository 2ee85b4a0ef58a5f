// One GD iteration at n1 = n2 = 100, r = 5, k = 20, m = 5000 (dense Gaussian operator, 200 MB of f32): matsense (each
// precision on its own solver; 1 thread and all hardware threads in shared memory; the baseline kernels here and
// the relaxed-SIMD ones in a child process where Node needs a flag for them) against a plain-TypeScript twin, numpy
// float64/float32 (OpenBLAS on all cores and on one, its kernel recorded) and TensorFlow.js's wasm backend doing the
// same work, and the streaming read of the operator's bytes. Every timed matsense run is checked first (the twin's
// answer, or the single-thread run). matsense and numpy are timed in interleaved rounds; the load average is recorded.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as matsense from '../dist/index.js';
import { time, timeRounds, numpyVersion, runPython, saveResults, fmt, parallelStreamMs, freeMemory } from './lib.mjs';
import { checkAgainstTwin, plainIteration, runTfjsIteration } from './browser/gd-iteration-core.js';
import { Bench } from 'tinybench';

const { createProblem, createProblemParallel, createSolver, resolveThreads } = matsense;
const n1 = 100, n2 = 100, r = 5, k = 20, m = 5000, N = n1 * n2;
const SIZES = { n1, n2, k, m };
const opBytes = m * N * 4;

/** Time the matsense cases on one kernel build; returns { name: { medianMs } } and the threads used. */
async function matsenseCases(simd, { quick, rounds }) {
  const createRuntime = (o = {}) => matsense.createRuntime({ ...o, simd });
  const tOpts = { rounds: 1, time: quick ? 400 : 1000, iterations: quick ? 5 : 15 };
  const rt = await createRuntime();
  const p = createProblem(rt, { n1, n2, r, m, seed: 1 });
  const { res, twin } = checkAgainstTwin(createSolver, rt, p, SIZES);
  const tasks = {}, solvers = [];
  const add = (name, s) => { solvers.push(s); tasks[name] = () => { if (!s.step()) throw new Error('solver stopped'); }; };
  for (const precision of ['mixed', 'f64', 'f32']) add(`matsense ${precision}`, createSolver(rt, p, { k, init: { alpha: 1e-3 }, maxIter: 1e9, tol: 0, precision }).setup());
  tasks['wasm streaming read'] = () => { if (!Number.isFinite(rt.kernels.stream_sum_f32(p.op.A.ptr, m * N))) throw new Error('stream sum not finite'); };
  const auto = await resolveThreads('auto');
  let pP;
  if (auto > 1) {
    const rtP = await createRuntime({ shared: true });
    pP = await createProblemParallel(rtP, { n1, n2, r, m, seed: 1, threads: 'auto' });
    const chk = createSolver(rtP, pP, { k, init: { alpha: 1e-2 }, maxIter: 1, tol: 0, precision: 'f64', eta: 0.3 }).run();
    let d = 0; for (let i = 0; i < n1 * k; i++) d = Math.max(d, Math.abs(chk.F[i] - res.F[i]));
    if (d > 1e-12) throw new Error(`threaded step differs from the single-thread step by ${d}`);
    for (const precision of ['mixed', 'f32']) add(`matsense ${precision}, ${auto} threads`, createSolver(rtP, pP, { k, init: { alpha: 1e-3 }, maxIter: 1e9, tol: 0, precision }).setup());
  }
  return { twin, auto, rt, pP, solvers, p, tasks, tOpts, rounds };
}

/** The relaxed-SIMD build's cases: here where Node validates relaxed SIMD, else in a child with Node 20's flag. */
function relaxedChild(quick) {
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', fileURLToPath(import.meta.url), '--child-relaxed', ...(quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { skipped: `relaxed SIMD could not run in Node ${process.version}: ${r.stderr.trim().split('\n').at(-1)}` };
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

async function timeBuild(simd, quick) {
  const rounds = quick ? 1 : 3;
  const c = await matsenseCases(simd, { quick, rounds });
  const best = {};
  for (let round = 0; round < rounds; round++) {
    const t = await timeRounds(c.tasks, c.tOpts);
    for (const [nm, v] of Object.entries(t)) if (!best[nm] || v.medianMs < best[nm].medianMs) best[nm] = v;
  }
  if (c.pP) best[`wasm streaming read, ${c.auto} threads`] = { medianMs: await parallelStreamMs(null, c.pP.op, { time: quick ? 400 : 1000, iterations: quick ? 5 : 15 }) };
  return { c, best };
}

export async function run({ quick = false } = {}) {
  const npv = numpyVersion();
  const rounds = quick ? 1 : 3, loads = [];
  // numpy (all cores, and one thread) in rounds interleaved with matsense's
  const numpyBest = { all: null, one: null };
  const keep = (cur, next) => (!cur ? next : { ...next, gd: next.gd.map((g, i) => ({ ...g, median_ms: Math.min(g.median_ms, cur.gd[i].median_ms) })) });
  const c = await matsenseCases('baseline', { quick, rounds });
  const best = {};
  for (let round = 0; round < rounds; round++) {
    loads.push(loadavg()[0]);
    const t = await timeRounds(c.tasks, c.tOpts);
    for (const [nm, v] of Object.entries(t)) if (!best[nm] || v.medianMs < best[nm].medianMs) best[nm] = v;
    if (npv) {
      numpyBest.all = keep(numpyBest.all, runPython('numpy_gd.py', [n1, n2, r, k, m, quick ? 5 : 20]));
      numpyBest.one = keep(numpyBest.one, runPython('numpy_gd.py', [n1, n2, r, k, m, quick ? 5 : 20], { OPENBLAS_NUM_THREADS: '1' }));
    }
  }
  const tOpts = { time: quick ? 400 : 1000, iterations: quick ? 5 : 15 };
  if (c.pP) best[`wasm streaming read, ${c.auto} threads`] = { medianMs: await parallelStreamMs(null, c.pP.op, tOpts) };
  const { A, y, F, G, X, rr, E, gF, gG } = c.twin;
  const js = await time({ 'plain TypeScript': () => plainIteration(SIZES, A, y, F, G, 1e-9, X, rr, E, gF, gG) }, { time: quick ? 300 : 1500, iterations: quick ? 2 : 5, warmupIterations: 1 });
  for (const s of c.solvers) s.dispose();
  c.p.dispose();
  if (c.pP) { c.pP.dispose(); await c.pP.op.close(); }
  freeMemory();
  // the relaxed build, then TensorFlow.js (each alone on the machine)
  const relaxed = relaxedChild(quick);
  let tfjs;
  try {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm'); await tf.ready();
    tfjs = await runTfjsIteration({ tf, Bench, quick });
  } catch (e) { tfjs = { error: String(e?.message ?? e) }; }

  const streamMs = best['wasm streaming read'].medianMs, jsMs = js['plain TypeScript'].medianMs;
  const np = (ref, dtype) => ref?.gd.find((g) => g.dtype === dtype)?.median_ms;
  const np64 = np(numpyBest.all, 'float64'), np32 = np(numpyBest.all, 'float32');
  const rows = [];
  const push = (name, ms, extra = {}) => rows.push({ name, ms, gbs: opBytes / (ms * 1e6), vsStream: ms / streamMs, speedupVsJs: jsMs / ms,
    speedupVsNumpy64: np64 ? np64 / ms : null, speedupVsNumpy32: np32 ? np32 / ms : null, ...extra });
  for (const [name, v] of Object.entries(best)) push(name, v.medianMs);
  for (const [name, v] of Object.entries(relaxed.best ?? {})) push(`${name} (relaxed SIMD)`, v.medianMs);
  push('plain TypeScript', jsMs);
  if (tfjs?.medianMs) push(`TensorFlow.js ${tfjs.version} wasm backend (SIMD ${tfjs.simd}, threads ${tfjs.threads})`, tfjs.medianMs);
  for (const [label, ref] of [['all cores', numpyBest.all], ['1 thread', numpyBest.one]]) {
    if (!ref) continue;
    for (const g of ref.gd) push(`numpy ${g.dtype}, ${label} (OpenBLAS ${ref.blas?.corename ?? '?'}, ${ref.blas?.threads ?? '?'} threads)`, g.median_ms);
  }
  console.log(`\nGD iteration, n1 = n2 = ${n1}, r = ${r}, k = ${k}, m = ${m} (operator ${(opBytes / 1e6).toFixed(0)} MB f32); best median of ${rounds} interleaved rounds, load average ${loads.map((x) => x.toFixed(2)).join(', ')}`);
  console.log(npv ? `numpy ${npv} (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for its commands)` : 'numpy rows skipped: python3 with numpy not found');
  if (relaxed.skipped) console.log(`relaxed SIMD rows skipped: ${relaxed.skipped}`);
  console.log('| case | ms / iteration | GB/s of operator | × streaming read (1 thread) | vs plain TS | vs numpy f64 (all cores) | vs numpy f32 (all cores) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(`| ${row.name} | ${fmt(row.ms)} | ${fmt(row.gbs, 1)} | ${fmt(row.vsStream)} | ${fmt(row.speedupVsJs, 1)} | ${fmt(row.speedupVsNumpy64)} | ${fmt(row.speedupVsNumpy32)} |`);
  saveResults('gdIteration', { sizes: { n1, n2, r, k, m, operatorBytes: opBytes }, rounds, loadavgAtRounds: loads, numpy: numpyBest, tfjs, relaxed: relaxed.skipped ? relaxed : { variant: relaxed.variant }, rows });
  return rows;
}

if (process.argv.includes('--child-relaxed')) {
  const quick = process.argv.includes('--quick');
  const { c, best } = await timeBuild('relaxed', quick);
  for (const s of c.solvers) s.dispose();
  console.log(JSON.stringify({ variant: 'relaxed', best }));
  process.exit(0);
} else if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
