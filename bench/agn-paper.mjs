// The AGN paper's configuration (Jia et al. 2024): n1 = n2 = 100, r = 5, k = 15, m = 25 000 (1 GB f32 operator),
// κ = 10, small random start (α = 1e-3). Wall time to relative error ‖FGᵀ − M*‖_F/‖M*‖_F ≤ 1e-10 for AGN and GD,
// matsense (threads 'auto', shared memory) against a numpy float64 twin of the same iterations (bench/numpy_agn.py).
// numpy's GD is timed per iteration (its run to 1e-10 would take minutes); its wall time is that × matsense's
// iteration count — the same iterations. Each run checks that it reached 1e-10.
import { createRuntime, createProblemParallel, createSolver, METHODS } from '../dist/index.js';
import { numpyVersion, runPython, saveResults, fmt } from './lib.mjs';

const cfg = { n1: 100, r: 5, m: 25000, kappa: 10, seed: 1 };
const k = 15;

export async function run({ quick = false } = {}) {
  let numpy = null;
  if (numpyVersion()) numpy = runPython('numpy_agn.py', [quick ? 5 : 10, quick ? 30 : 200]);
  const rt = await createRuntime({ shared: true });
  let t0 = performance.now();
  const p = await createProblemParallel(rt, { ...cfg, threads: 'auto' });
  const genMs = performance.now() - t0;
  const out = { config: { ...cfg, k, operatorBytes: cfg.m * 1e4 * 4 }, threads: p.op.threads, generateMs: genMs, runs: {} };
  const methods = ['agn', 'gd'].filter((mth) => METHODS[mth]);
  if (!METHODS.agn) console.log('AGN is not registered in this build: GD only');
  for (const method of methods) {
    const maxIter = method === 'gd' ? (quick ? 200 : 5000) : 500;
    t0 = performance.now();
    const s = createSolver(rt, p, { k, method, init: { alpha: 1e-3 }, errorTol: 1e-10, tol: 0, maxIter });
    const res = s.run();
    const ms = performance.now() - t0;
    s.dispose();
    const err = res.record.relError.at(-1);
    if (res.stopReason !== 'error-tolerance' && !quick) throw new Error(`${method} did not reach 1e-10 (${res.stopReason}, ${err})`);
    out.runs[method] = { iterations: res.iterations, ms, msPerIteration: ms / Math.max(1, res.iterations), relError: err, stopReason: res.stopReason };
  }
  if (numpy) {
    out.numpy = numpy;
    if (out.runs.agn) out.runs.agn.numpyMs = numpy.agn.seconds * 1e3;
    if (out.runs.gd) out.runs.gd.numpyMs = numpy.gd_iter_ms * out.runs.gd.iterations;
  }
  console.log(`\nAGN-paper configuration: n1 = n2 = 100, r = 5, k = 15, m = 25 000, κ = 10 (1 GB f32 operator, ${p.op.threads} threads; generated in ${fmt(genMs / 1000, 1)} s${numpy ? `, numpy ${fmt(numpy.generate_s, 1)} s` : ''})`);
  console.log('| method | iterations to 1e-10 | matsense wall time | ms / iteration | numpy float64 wall time | speed-up |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [mth, v] of Object.entries(out.runs)) {
    const np = v.numpyMs, npNote = mth === 'gd' ? ' (per-iteration × iterations)' : ` (${numpy?.agn.iterations} iterations)`;
    console.log(`| ${mth} | ${v.iterations} | ${fmt(v.ms / 1000, 2)} s | ${fmt(v.msPerIteration, 1)} | ${np ? fmt(np / 1000, 2) + ' s' + npNote : '—'} | ${np ? fmt(np / v.ms, 1) + '×' : '—'} |`);
  }
  saveResults('agnPaper', out);
  p.dispose();
  await p.op.close();
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ quick: process.argv.includes('--quick') });
