/**
 * The pages of the no-bundler browser suites, shared by the Chromium (plain-module.test.ts) and Firefox
 * (firefox.test.ts) runs: each leaves its outcome in `window.__result` (and `window.__workerResult`).
 */
/** The same script runs on the page and in the worker; it leaves its outcome in `result`. */
export const SOLVE = `
  import { createRuntime, createProblem, solve, relaxedSimdSupported, sharedMemorySupported, simdSupported } from '/dist/index.js';
  async function once(simd) {
    const rt = await createRuntime({ simd });
    const problem = createProblem(rt, { n1: 20, n2: 20, r: 2, m: 300, kappa: 2, seed: 1 });
    const res = await solve(rt, problem, { k: 2, init: { alpha: 1e-3 }, maxIter: 3000, tol: 1e-7 });
    problem.dispose();
    return { variant: rt.kernelVariant, stopReason: res.stopReason, iterations: res.iterations, relError: res.record.relError.at(-1) };
  }
  export async function run() {
    const auto = await once('auto'), baseline = await once('baseline');
    return { ...auto, baseline, relaxed: relaxedSimdSupported(), simd: simdSupported(), sharedMemory: sharedMemorySupported() };
  }
`;

export const PAGE = `<!doctype html>
<meta charset="utf-8"><title>matsense, plain module script</title>
<script type="module">
  import { run } from '/plain-solve.js';
  try { window.__result = await run(); } catch (e) { window.__result = { error: String(e && e.stack || e) }; }
  const w = new Worker('/plain-worker.js', { type: 'module' });
  w.onmessage = (ev) => { window.__workerResult = ev.data; w.terminate(); };
  w.onerror = (ev) => { window.__workerResult = { error: ev.message || 'worker failed to load' }; };
</script>`;

export const WORKER = `
  import { run } from '/plain-solve.js';
  run().then((r) => postMessage(r), (e) => postMessage({ error: String(e && e.stack || e) }));
`;

/** docs/browser.md's threads recipe, as a module worker of a cross-origin-isolated page. */
export const THREADED_WORKER = `
  import { createProblemParallel, createRuntime, sharedMemorySupported, solve } from '/dist/index.js';
  try {
    const rt = await createRuntime({ shared: true });
    const problem = await createProblemParallel(rt, { n1: 20, n2: 20, r: 2, m: 300, kappa: 2, seed: 1, threads: 2, memory: 'shared' });
    const res = await solve(rt, problem, { k: 2, init: { alpha: 1e-3 }, maxIter: 3000, tol: 1e-7 });
    problem.dispose();
    postMessage({ stopReason: res.stopReason, relError: res.record.relError.at(-1), sharedMemory: sharedMemorySupported() });
  } catch (e) { postMessage({ error: String(e && e.stack || e) }); }
`;

/** Threads on a page that is NOT cross-origin isolated, from its main thread: workers that exchange vectors by message. */
export const MESSAGE_PAGE = `<!doctype html>
<meta charset="utf-8"><title>matsense, threads by message</title>
<script type="module">
  import { createProblem, createProblemParallel, createRuntime, solve } from '/dist/index.js';
  try {
    const rt = await createRuntime();
    const po = { n1: 20, n2: 20, r: 2, m: 300, kappa: 2, seed: 1 };
    const problem = await createProblemParallel(rt, { ...po, threads: 2 }); // no SharedArrayBuffer here: message mode
    const opts = { k: 2, init: { alpha: 1e-3 }, maxIter: 3000, tol: 1e-7 };
    const res = await solve(rt, problem, opts);
    const single = createProblem(rt, po);
    const ref = await solve(rt, single, opts);
    window.__result = { op: problem.op.describe(), stopReason: res.stopReason, iterations: res.iterations, refIterations: ref.iterations,
      relError: res.record.relError.at(-1), refRelError: ref.record.relError.at(-1), sab: typeof SharedArrayBuffer };
    problem.dispose(); single.dispose();
  } catch (e) { window.__result = { error: String(e && e.stack || e) }; }
</script>`;

/**
 * Threads asked for on the main thread of a cross-origin-isolated page: SharedArrayBuffer exists, but the page's main
 * thread may not block in Atomics.wait, so 'auto' falls back to message placement, and an explicit shared or private
 * placement is a ValidationError raised before any worker starts (old: a raw TypeError, and workers left running).
 */
export const ISOLATED_MAIN_PAGE = `<!doctype html>
<meta charset="utf-8"><title>matsense, threads on an isolated page's main thread</title>
<script type="module">
  import { createProblem, createProblemParallel, createRuntime, solve, atomicsWaitAllowed } from '/dist/index.js';
  try {
    const po = { n1: 20, n2: 20, r: 2, m: 300, kappa: 2, seed: 1 };
    const errors = [];
    const shared = await createRuntime({ shared: true });
    for (const memory of ['shared', 'private']) {
      try { await createProblemParallel(shared, { ...po, threads: 2, memory }); errors.push(memory + ': no error'); }
      catch (e) { errors.push(memory + ': ' + e.name); }
    }
    const rt = await createRuntime();
    const problem = await createProblemParallel(rt, { ...po, threads: 2 });
    const opts = { k: 2, init: { alpha: 1e-3 }, maxIter: 3000, tol: 1e-7 };
    const res = await solve(rt, problem, opts);
    const ref = await solve(rt, createProblem(rt, po), opts);
    window.__result = { isolated: crossOriginIsolated, sab: typeof SharedArrayBuffer, canBlock: atomicsWaitAllowed(), errors,
      op: problem.op.describe(), stopReason: res.stopReason, iterations: res.iterations, refIterations: ref.iterations };
    problem.dispose();
  } catch (e) { window.__result = { error: String(e && e.stack || e) }; }
</script>`;

export const THREADED_PAGE = `<!doctype html>
<meta charset="utf-8"><title>matsense, threads without a bundler</title>
<script type="module">
  const w = new Worker('/threaded-worker.js', { type: 'module' });
  w.onmessage = (ev) => { window.__result = { ...ev.data, isolated: crossOriginIsolated }; w.terminate(); };
  w.onerror = (ev) => { window.__result = { error: ev.message || 'worker failed to load' }; };
</script>`;

/** The static pages, for serveStatic: the plain server and the cross-origin-isolated one. */
export const PLAIN_PAGES = { '/plain.html': PAGE, '/plain-solve.js': SOLVE, '/plain-worker.js': WORKER, '/message.html': MESSAGE_PAGE };
export const ISOLATED_PAGES = { '/threaded.html': THREADED_PAGE, '/threaded-worker.js': THREADED_WORKER, '/isolated-main.html': ISOLATED_MAIN_PAGE };
