/**
 * matsense without a bundler: a plain `<script type="module">` page (and a plain module worker) import the built
 * package from `/dist/index.js`, served as static files, and solve a small problem. The kernels are found by
 * `new URL('../../build/matsense.wasm', import.meta.url)` and fetched as `application/wasm`. On a cross-origin-isolated
 * page, docs/browser.md's threads recipe (createProblemParallel over a shared runtime, in a module worker) runs too.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SKIP_BROWSER, launchChromium, serveStatic, type StaticServer } from './helpers.js';

/** The same script runs on the page and in the worker; it leaves its outcome in `result`. */
const SOLVE = `
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

const PAGE = `<!doctype html>
<meta charset="utf-8"><title>matsense, plain module script</title>
<script type="module">
  import { run } from '/plain-solve.js';
  try { window.__result = await run(); } catch (e) { window.__result = { error: String(e && e.stack || e) }; }
  const w = new Worker('/plain-worker.js', { type: 'module' });
  w.onmessage = (ev) => { window.__workerResult = ev.data; w.terminate(); };
  w.onerror = (ev) => { window.__workerResult = { error: ev.message || 'worker failed to load' }; };
</script>`;

const WORKER = `
  import { run } from '/plain-solve.js';
  run().then((r) => postMessage(r), (e) => postMessage({ error: String(e && e.stack || e) }));
`;

/** docs/browser.md's threads recipe, as a module worker of a cross-origin-isolated page. */
const THREADED_WORKER = `
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
const MESSAGE_PAGE = `<!doctype html>
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
const ISOLATED_MAIN_PAGE = `<!doctype html>
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

const THREADED_PAGE = `<!doctype html>
<meta charset="utf-8"><title>matsense, threads without a bundler</title>
<script type="module">
  const w = new Worker('/threaded-worker.js', { type: 'module' });
  w.onmessage = (ev) => { window.__result = { ...ev.data, isolated: crossOriginIsolated }; w.terminate(); };
  w.onerror = (ev) => { window.__result = { error: ev.message || 'worker failed to load' }; };
</script>`;

describe.skipIf(SKIP_BROWSER)('plain <script type="module"> page, no bundler', { timeout: 60_000 }, () => {
  let server: StaticServer | undefined;
  let isolated: StaticServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'build/matsense.wasm'))) execFileSync('npm', ['run', 'build:wasm'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (!existsSync(join(REPO_ROOT, 'build/matsense-worker.js'))) execFileSync('npm', ['run', 'build:worker'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (!existsSync(join(REPO_ROOT, 'dist/index.js'))) execFileSync('npm', ['run', 'build:ts'], { cwd: REPO_ROOT, stdio: 'inherit' });
    server = await serveStatic(REPO_ROOT, { pages: { '/plain.html': PAGE, '/plain-solve.js': SOLVE, '/plain-worker.js': WORKER, '/message.html': MESSAGE_PAGE } });
    isolated = await serveStatic(REPO_ROOT, { isolate: true, pages: { '/threaded.html': THREADED_PAGE, '/threaded-worker.js': THREADED_WORKER, '/isolated-main.html': ISOLATED_MAIN_PAGE } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await isolated?.close();
  });

  it('imports /dist/index.js, loads the wasm and converges, on the page and in a module worker', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const wasm: string[] = [];
    page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasm.push(`${r.status()} ${r.headers()['content-type']}`); });
    try {
      await page.goto(`${server!.url}/plain.html`);
      await page.waitForFunction(() => (window as any).__result && (window as any).__workerResult, null, { timeout: 30_000 });
      const { main, inWorker } = await page.evaluate(() => ({ main: (window as any).__result, inWorker: (window as any).__workerResult }));
      for (const r of [main, inWorker]) {
        expect(r.error).toBeUndefined();
        expect(r.stopReason).toBe('converged');
        expect(r.simd).toBe(true);
        // Chromium ≥ 114 has relaxed SIMD: the default picks the relaxed build; the baseline build gives the same run
        expect(r.relaxed).toBe(true);
        expect(r.variant).toBe('relaxed');
        expect(r.baseline.variant).toBe('simd');
        expect(r.baseline.stopReason).toBe('converged');
        expect(Math.abs(r.baseline.iterations - r.iterations)).toBeLessThanOrEqual(1);
        expect(r.sharedMemory).toBe(false); // this page is not cross-origin isolated
        expect(r.relError).toBeGreaterThan(0);
        expect(r.relError).toBeLessThan(1e-5);
      }
      expect(wasm.length).toBeGreaterThan(0);
      expect(wasm.every((w) => w === '200 application/wasm')).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('runs threaded by messages on the main thread of a page without SharedArrayBuffer, as one thread does', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${server!.url}/message.html`);
      await page.waitForFunction(() => (window as any).__result, null, { timeout: 30_000 });
      const r = await page.evaluate(() => (window as any).__result);
      expect(r.error).toBeUndefined();
      expect(r.sab).toBe('undefined');
      expect(r.op).toBe('dense-gaussian, 2 threads (message memory)');
      expect(r.stopReason).toBe('converged');
      expect(r.iterations).toBe(r.refIterations);
      expect(Math.abs(r.relError - r.refRelError) / r.refRelError).toBeLessThan(1e-6);
      expect(r.relError).toBeLessThan(1e-5);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("threads on an isolated page's main thread fall back to message placement; shared or private memory is refused up front", async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${isolated!.url}/isolated-main.html`);
      await page.waitForFunction(() => (window as any).__result, null, { timeout: 30_000 });
      const r = await page.evaluate(() => (window as any).__result);
      expect(r.error).toBeUndefined();
      expect([r.isolated, r.sab, r.canBlock]).toEqual([true, 'function', false]);
      expect(r.errors).toEqual(['shared: ValidationError', 'private: ValidationError']);
      expect(r.op).toBe('dense-gaussian, 2 threads (message memory)');
      expect(r.stopReason).toBe('converged');
      expect(r.iterations).toBe(r.refIterations);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('runs threaded (shared memory, 2 workers) in a module worker of a cross-origin-isolated page', async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(`${isolated!.url}/threaded.html`);
      await page.waitForFunction(() => (window as any).__result, null, { timeout: 30_000 });
      const r = await page.evaluate(() => (window as any).__result);
      expect(r.error).toBeUndefined();
      expect(r.isolated).toBe(true);
      expect(r.sharedMemory).toBe(true);
      expect(r.stopReason).toBe('converged');
      expect(r.relError).toBeLessThan(1e-5);
    } finally {
      await page.close();
    }
  });
});
