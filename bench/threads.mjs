// Worker threads: one GD iteration (n1 = n2 = 100, r = 5, k = 20, m = 5000, 200 MB f32 operator) with the operator's
// rows split over 1, 2 and 'auto' threads (shared memory), 2 workers with private memories and 2 that exchange
// vectors by message (what a page without SharedArrayBuffer gets); plus problem
// generation (m = 5000, n = 100: 5·10⁷ Gaussians) serial and parallel vs numpy's standard_normal of the same size.
// Every case is checked against the single-thread answer before it is timed.
import { createRuntime, createProblem, createProblemParallel, createSolver, DenseOperator, resolveThreads } from '../dist/index.js';
import { time, timeRounds, numpyVersion, runPython, saveResults, fmt, parallelStreamMs } from './lib.mjs';

const n1 = 100, n2 = 100, r = 5, k = 20, m = 5000, N = n1 * n2, opBytes = m * N * 4;

export async function run({ quick = false } = {}) {
  let numpy = null;
  const npv = numpyVersion();
  if (npv) numpy = { version: npv, ...runPython('numpy_generate.py', [m, N]) };
  const auto = await resolveThreads('auto');
  const rounds = quick ? 1 : 2, tOpts = { time: quick ? 300 : 800, iterations: quick ? 4 : 10 };

  // reference run (single thread, plain DenseOperator)
  const rt0 = await createRuntime();
  const p0 = createProblem(rt0, { n1, n2, r, m, seed: 1 });
  const ref = createSolver(rt0, p0, { k, init: { alpha: 1e-2 }, maxIter: 3, tol: 0 }).run();
  p0.dispose();

  const cases = [['threads 1', 1, 'shared'], ['threads 2', 2, 'shared'], [`threads auto (${auto})`, 'auto', 'shared'], ['2 workers, private memories', 2, 'private'],
    ['2 workers, messages (no SharedArrayBuffer)', 2, 'message']];
  const rows = [];
  for (const [name, threads, memory] of cases) {
    const rt = await createRuntime({ shared: memory === 'shared' });
    const p = await createProblemParallel(rt, { n1, n2, r, m, seed: 1, threads, memory });
    const chk = await createSolver(rt, p, { k, init: { alpha: 1e-2 }, maxIter: 3, tol: 0 }).runAsync();
    let d = 0; for (let i = 0; i < N; i++) d = Math.max(d, Math.abs(chk.estimate[i] - ref.estimate[i]));
    if (d > 1e-12) throw new Error(`${name}: differs from the single-thread run by ${d}`);
    const s = createSolver(rt, p, { k, init: { alpha: 1e-3 }, maxIter: 1e9, tol: 0 }).setup();
    const stepTask = memory === 'message' ? async () => { if (!(await s.stepAsync())) throw new Error('stopped'); } : () => { if (!s.step()) throw new Error('stopped'); };
    const t = await timeRounds({ [name]: stepTask }, { rounds, ...tOpts });
    const row = { name, threads: p.op.threads, memory, ms: t[name].medianMs, gbs: opBytes / (t[name].medianMs * 1e6) };
    if (memory === 'shared' && p.op.threads > 1) row.streamMs = await parallelStreamMs(rt, p.op, tOpts);
    rows.push(row);
    s.dispose(); p.dispose();
    await p.op.close();
  }
  // streaming-read reference: the operator's bytes read once by one thread
  const rtS = await createRuntime();
  const opS = DenseOperator.gaussian(rtS, { m, n1, n2, seed: 1 });
  const ts = await time({ stream: () => { if (!Number.isFinite(rtS.kernels.stream_sum_f32(opS.A.ptr, m * N))) throw new Error('nan'); } }, tOpts);
  const streamMs = ts.stream.medianMs;
  for (const row of rows) { row.vsStream = row.ms / streamMs; row.speedupVs1 = rows[0].ms / row.ms; row.streamMs ??= row.threads === 1 ? streamMs : undefined; }

  // generation: serial vs parallel (bit-identical), vs numpy
  const gen = {};
  const tg1 = await time({ serial: () => { const o = DenseOperator.gaussian(rtS, { m, n1, n2, seed: 1 }); o.dispose(); } }, { time: 500, iterations: quick ? 2 : 4, warmupIterations: 1 });
  gen.serialMs = tg1.serial.medianMs;
  for (const threads of [2, 'auto']) {
    const rt = await createRuntime({ shared: true });
    const op0 = await DenseOperator.create(rt, { m, n1, n2, seed: 1, threads });
    const a = op0.A.a, a0 = opS.A.a; for (let i = 0; i < a.length; i += 9973) if (a[i] !== a0[i]) throw new Error('parallel generation differs');
    // time generation only (the workers are started once, as in a run): regenerate in place through the placement
    const job = op0['generateJob']({ m, n1, n2, seed: 1 });
    const tg = await time({ g: () => { op0.rows.run(job); } }, { time: 500, iterations: quick ? 2 : 4, warmupIterations: 1 });
    gen[`threads${threads === 'auto' ? 'Auto' : threads}Ms`] = tg.g.medianMs;
    await op0.close();
  }
  opS.dispose();

  console.log(`\nThreads: GD iteration, n1 = n2 = ${n1}, r = ${r}, k = ${k}, m = ${m} (${(opBytes / 1e6).toFixed(0)} MB f32), precision mixed; streaming read ${fmt(streamMs)} ms (1 thread)`);
  console.log('| case | ms / iteration | GB/s of operator | × streaming read (1 thread) | streaming read, same threads (ms) | × that read | speed-up vs 1 thread |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const same = row.streamMs === undefined ? '—' : fmt(row.streamMs), x = row.streamMs === undefined ? '—' : fmt(row.ms / row.streamMs);
    console.log(`| ${row.name} | ${fmt(row.ms)} | ${fmt(row.gbs, 1)} | ${fmt(row.vsStream)} | ${same} | ${x} | ${fmt(row.speedupVs1)} |`);
  }
  console.log(`\nProblem generation (${m} × ${N} Gaussians, f32): serial ${fmt(gen.serialMs)} ms, 2 threads ${fmt(gen.threads2Ms)} ms, auto ${fmt(gen.threadsAutoMs)} ms` +
    (numpy ? `; numpy ${numpy.version} standard_normal float32 ${fmt(numpy.float32_ms)} ms, float64 ${fmt(numpy.float64_ms)} ms → best matsense ${fmt(numpy.float32_ms / Math.min(gen.serialMs, gen.threads2Ms, gen.threadsAutoMs))}× numpy f32` : ' (numpy not found: column skipped)'));
  saveResults('threads', { sizes: { n1, n2, r, k, m, operatorBytes: opBytes }, autoThreads: auto, streamMs, rows, generation: { ...gen, numpy } });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
