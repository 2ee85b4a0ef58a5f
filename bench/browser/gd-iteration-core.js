// One GD iteration at n1 = n2 = 100, r = 5, k = 20, m = 5000 (dense Gaussian operator, 200 MB of f32), measured
// exactly as bench/gd-iteration.mjs measures it (same cases, same correctness check against the plain-TypeScript
// twin, tinybench in rotated rounds keeping each task's best median), but environment-neutral: matsense and
// tinybench are passed in, so the very same function runs in Node and in Chromium (bench/browser.mjs runs both).
// The numpy columns of the Node suite are left out here: a page cannot start python. Added here: the same iteration
// with the operator's rows split over min(4, hardware) threads in shared memory, where the environment allows it
// (Node; a cross-origin-isolated page).

export const SIZES = { n1: 100, n2: 100, r: 5, k: 20, m: 5000 };

/** The plain-TypeScript twin: one GD iteration on the f32 operator with f64 accumulation (as bench/gd-iteration.mjs). */
export function plainIteration({ n1, n2, k, m }, A, y, F, G, eta, X, res, E, gF, gG) {
  const N = n1 * n2;
  for (let a = 0; a < n1; a++) for (let b = 0; b < n2; b++) { let s = 0; for (let q = 0; q < k; q++) s += F[a * k + q] * G[b * k + q]; X[a * n2 + b] = s; }
  E.fill(0);
  let ss = 0;
  for (let i = 0; i < m; i++) {
    const o = i * N; let s = 0;
    for (let j = 0; j < N; j++) s += A[o + j] * X[j];
    const ri = s - y[i]; res[i] = ri; ss += ri * ri;
    for (let j = 0; j < N; j++) E[j] += ri * A[o + j];
  }
  gF.fill(0); gG.fill(0);
  for (let a = 0; a < n1; a++) for (let b = 0; b < n2; b++) {
    const e = E[a * n2 + b];
    for (let q = 0; q < k; q++) { gF[a * k + q] += e * G[b * k + q]; gG[b * k + q] += e * F[a * k + q]; }
  }
  for (let i = 0; i < F.length; i++) F[i] -= eta * gF[i];
  for (let i = 0; i < G.length; i++) G[i] -= eta * gG[i];
  return 0.5 * ss;
}

/** tinybench run; returns { name: { medianMs, meanMs, minMs, samples } } (bench/lib.mjs binds Bench for Node). */
export async function time(Bench, tasks, { time = 1500, iterations = 10, warmupIterations = 2 } = {}) {
  const bench = new Bench({ time, iterations, warmupIterations, warmupTime: 0 });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const out = {};
  for (const t of bench.tasks) {
    const r = t.result;
    if (!r || !r.latency) throw new Error(`benchmark task ${t.name} failed: ${r?.error?.message ?? r?.state}`);
    out[t.name] = { medianMs: r.latency.p50, meanMs: r.latency.mean, minMs: r.latency.min, samples: r.latency.samplesCount ?? r.latency.samples?.length };
  }
  return out;
}

/**
 * Like `time`, but in `rounds` rounds with the task order rotated each round, keeping each task's best median:
 * on a shared, noisy machine this stops whichever task runs during a burst of load from looking slow.
 */
export async function timeRounds(Bench, tasks, { rounds = 3, ...opts } = {}) {
  const names = Object.keys(tasks);
  const best = {};
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    const res = await time(Bench, Object.fromEntries(order.map((n) => [n, tasks[n]])), opts);
    for (const [n, v] of Object.entries(res)) if (!best[n] || v.medianMs < best[n].medianMs) best[n] = v;
  }
  return best;
}

/**
 * Correctness before timing: one matsense GD step in 'f64' mode equals one step of the plain-TypeScript twin from the
 * same starting factors (throws otherwise). Returns the matsense result and the twin's buffers, ready for timing.
 */
export function checkAgainstTwin(createSolver, rt, p, S) {
  const { n1, n2, k, m } = S, N = n1 * n2;
  const o = { k, init: { alpha: 1e-2 }, tol: 0, precision: 'f64', eta: 0.3 };
  const start = createSolver(rt, p, { ...o, maxIter: 0 }), res0 = start.run(); // the starting factors
  start.dispose();
  const F0 = res0.F, G0 = res0.G;
  const check = createSolver(rt, p, { ...o, maxIter: 1 });
  const res = check.run();
  check.dispose();
  const twin = { A: p.op.A.a.slice(), y: p.y.a.slice(), F: F0.slice(), G: G0.slice(), X: new Float64Array(N), rr: new Float64Array(m),
    E: new Float64Array(N), gF: new Float64Array(n1 * k), gG: new Float64Array(n2 * k) };
  const t0 = performance.now();
  const lossJs = plainIteration(S, twin.A, twin.y, twin.F, twin.G, 0.3, twin.X, twin.rr, twin.E, twin.gF, twin.gG);
  const firstMs = performance.now() - t0;
  let maxd = 0; for (let i = 0; i < twin.F.length; i++) maxd = Math.max(maxd, Math.abs(twin.F[i] - res.F[i]));
  if (maxd > 1e-12 || Math.abs(lossJs - res.record.loss[0]) > 1e-12 * lossJs) throw new Error(`matsense and the plain-TS twin disagree (max |ΔF| = ${maxd})`);
  return { res, twin, firstMs };
}

/**
 * @param {{ matsense: typeof import('../../dist/index.js'), Bench: typeof import('tinybench').Bench, quick?: boolean, simd?: 'baseline' | 'relaxed' }} deps
 * @returns {Promise<{ sizes: object, operatorBytes: number, generateMs: number, rows: { name: string, ms: number, gbs: number, vsStream: number, speedupVsJs: number }[] }>}
 */
export async function runGdIteration({ matsense, Bench, quick = false, simd = 'baseline' }) {
  const { createRuntime: create, createProblem, createSolver } = matsense;
  // every runtime of this run on the same kernel build ('baseline' or 'relaxed')
  const createRuntime = (o = {}) => create({ ...o, simd });
  const S = SIZES, { n1, n2, r, k, m } = S, N = n1 * n2;
  const opBytes = m * N * 4;
  const rt = await createRuntime();
  const t0 = performance.now();
  const p = createProblem(rt, { n1, n2, r, m, seed: 1 });
  const genMs = performance.now() - t0;

  const { res, twin } = checkAgainstTwin(createSolver, rt, p, S);
  const { A, y, F, G, X, rr, E, gF, gG } = twin;

  const solvers = {};
  const tasks = {};
  for (const precision of ['mixed', 'f64', 'f32']) {
    // maxIter 1e5: far more steps than a timing uses
    const s = createSolver(rt, p, { k, init: { alpha: 1e-3 }, maxIter: 1e5, tol: 0, precision }).setup();
    solvers[precision] = s;
    tasks[`matsense ${precision}`] = () => { if (!s.step()) throw new Error('solver stopped'); };
  }
  // threaded: the operator's rows split over a pool (shared memory), where this environment allows it
  let threaded = null;
  const T = Math.min(4, await matsense.hardwareThreads());
  if (T > 1 && matsense.sharedMemorySupported()) {
    const rtS = await createRuntime({ shared: true });
    const pS = await matsense.createProblemParallel(rtS, { n1, n2, r, m, seed: 1, threads: T, memory: 'shared' });
    // same answer as the single-threaded f64 step (same operator bits; the row sums may be added in another order)
    const c1 = createSolver(rtS, pS, { k, init: { alpha: 1e-2 }, maxIter: 1, tol: 0, precision: 'f64', eta: 0.3 }).setup();
    c1.step(); c1.step();
    const rS = c1.finalize();
    c1.dispose();
    let d = 0; for (let i = 0; i < rS.F.length; i++) d = Math.max(d, Math.abs(rS.F[i] - res.F[i]));
    if (d > 1e-10) throw new Error(`the threaded step disagrees with the single-threaded one (max |ΔF| = ${d})`);
    const s = createSolver(rtS, pS, { k, init: { alpha: 1e-3 }, maxIter: 1e5, tol: 0, precision: 'mixed' }).setup();
    solvers.threaded = s;
    tasks[`matsense mixed, ${T} threads`] = () => { if (!s.step()) throw new Error('solver stopped'); };
    threaded = { threads: T, problem: pS };
  }
  const { stream_sum_f32 } = rt.kernels;
  tasks['wasm streaming read'] = () => { if (!Number.isFinite(stream_sum_f32(p.op.A.ptr, m * N))) throw new Error('stream sum not finite'); };
  const t = await timeRounds(Bench, tasks, { rounds: quick ? 1 : 3, time: quick ? 400 : 1000, iterations: quick ? 5 : 15 });
  const js = await time(Bench, { 'plain TypeScript': () => plainIteration(S, A, y, F, G, 1e-9, X, rr, E, gF, gG) }, { time: quick ? 300 : 1500, iterations: quick ? 2 : 5, warmupIterations: 1 });
  for (const s of Object.values(solvers)) s.dispose();
  const streamMs = t['wasm streaming read'].medianMs;
  const jsMs = js['plain TypeScript'].medianMs;
  const rows = Object.entries({ ...t, ...js }).map(([name, v]) => ({
    name, ms: v.medianMs, minMs: v.minMs, samples: v.samples, gbs: opBytes / (v.medianMs * 1e6),
    vsStream: v.medianMs / streamMs, speedupVsJs: jsMs / v.medianMs,
  }));
  threaded?.problem.dispose();
  p.dispose();
  return { sizes: S, operatorBytes: opBytes, generateMs: genMs, threads: threaded?.threads ?? 1, simd, rows };
}

/**
 * The same GD iteration on TensorFlow.js (the JavaScript reference; its wasm backend uses XNNPACK, SIMD, and threads
 * where the page is cross-origin isolated): A (m × N, f32), X = F Gᵀ, r = A vec(X) − y, E = Aᵀ r, then F, G updated.
 * `tf` is the TensorFlow.js namespace with the backend already set; returns the median ms per iteration.
 */
export async function runTfjsIteration({ tf, Bench, quick = false }) {
  const { n1, n2, k, m } = SIZES, N = n1 * n2;
  const A = tf.randomNormal([m, N], 0, 1 / Math.sqrt(m), 'float32');
  const y = tf.randomNormal([m, 1], 0, 1, 'float32');
  let F = tf.randomNormal([n1, k], 0, 1e-3, 'float32'), G = tf.randomNormal([n2, k], 0, 1e-3, 'float32');
  const step = () => {
    const [F1, G1] = tf.tidy(() => {
      const X = tf.reshape(tf.matMul(F, G, false, true), [N, 1]);
      const r = tf.sub(tf.matMul(A, X), y);
      const E = tf.reshape(tf.matMul(A, r, true, false), [n1, n2]);
      return [tf.sub(F, tf.mul(1e-3, tf.matMul(E, G))), tf.sub(G, tf.mul(1e-3, tf.matMul(E, F, true, false)))];
    });
    F1.dataSync(); G1.dataSync();
    F.dispose(); G.dispose(); F = F1; G = G1;
  };
  const t = await time(Bench, { tfjs: step }, { time: quick ? 400 : 1500, iterations: quick ? 3 : 10, warmupIterations: 2 });
  for (const x of [A, y, F, G]) x.dispose();
  return { medianMs: t.tfjs.medianMs, backend: tf.getBackend(), version: tf.version_core,
    simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') };
}
