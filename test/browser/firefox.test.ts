/**
 * The second browser engine: the no-bundler pages of plain-module.test.ts in Debian's firefox-esr, driven over
 * WebDriver BiDi by puppeteer-core. Firefox has no relaxed SIMD, so `createRuntime()` must pick the baseline SIMD
 * build there — the fallback path — and, wasm being deterministic and the TypeScript side engine-independent, give
 * Node's numbers bit for bit. Threads: by message on a page without SharedArrayBuffer and on an isolated page's main
 * thread (which may not block), shared memory in a module worker of an isolated page.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProblem, createRuntime, solve } from '../../src/index.js';
import { FIREFOX, REPO_ROOT, SKIP_FIREFOX, launchFirefox, serveStatic, type StaticServer } from './helpers.js';
import { ISOLATED_PAGES, PLAIN_PAGES } from './pages.js';

/** The pages' problem and options (test/browser/pages.ts), solved in Node with the baseline build. */
async function nodeReference(): Promise<{ iterations: number; relError: number; stopReason: string }> {
  const rt = await createRuntime({ simd: 'baseline' });
  const problem = createProblem(rt, { n1: 20, n2: 20, r: 2, m: 300, kappa: 2, seed: 1 });
  const res = await solve(rt, problem, { k: 2, init: { alpha: 1e-3 }, maxIter: 3000, tol: 1e-7 });
  problem.dispose();
  return { iterations: res.iterations, relError: res.record.relError!.at(-1)!, stopReason: res.stopReason };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Result = any;

async function outcome(page: Page, url: string, keys: string[]): Promise<Result[]> {
  await page.goto(url);
  await page.waitForFunction((ks: string[]) => ks.every((k) => (window as Result)[k] !== undefined), { timeout: 30_000 }, keys);
  return page.evaluate((ks: string[]) => ks.map((k) => (window as Result)[k]), keys);
}

describe.skipIf(SKIP_FIREFOX)(`Firefox (${FIREFOX}, WebDriver BiDi): plain module pages, the baseline build`, { timeout: 90_000 }, () => {
  let server: StaticServer | undefined;
  let isolated: StaticServer | undefined;
  let browser: Browser | undefined;
  let ref: Awaited<ReturnType<typeof nodeReference>>;

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'build/matsense.wasm'))) execFileSync('npm', ['run', 'build:wasm'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (!existsSync(join(REPO_ROOT, 'dist/index.js'))) execFileSync('npm', ['run', 'build:ts'], { cwd: REPO_ROOT, stdio: 'inherit' });
    server = await serveStatic(REPO_ROOT, { pages: PLAIN_PAGES });
    isolated = await serveStatic(REPO_ROOT, { isolate: true, pages: ISOLATED_PAGES });
    ref = await nodeReference();
    browser = await launchFirefox();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await isolated?.close();
  });

  async function withPage<T>(use: (page: Page, errors: string[]) => Promise<T>): Promise<T> {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    try {
      return await use(page, errors);
    } finally {
      await page.close();
    }
  }

  it('picks the baseline SIMD build (no relaxed SIMD here) and gives Node\'s numbers bit for bit, on the page and in a worker', async () => {
    await withPage(async (page, errors) => {
      const [main, inWorker] = await outcome(page, `${server!.url}/plain.html`, ['__result', '__workerResult']);
      for (const r of [main, inWorker]) {
        expect(r.error).toBeUndefined();
        expect([r.simd, r.relaxed, r.sharedMemory]).toEqual([true, false, false]);
        expect(r.variant).toBe('simd'); // the fallback: auto found no relaxed SIMD
        expect(r.baseline.variant).toBe('simd');
        expect({ iterations: r.iterations, relError: r.relError, stopReason: r.stopReason }).toEqual(ref);
        expect(r.baseline.relError).toBe(ref.relError);
      }
      expect(ref.stopReason).toBe('converged');
      expect(errors).toEqual([]);
    });
  });

  it('runs threaded by messages on a page without SharedArrayBuffer: the single-thread run, to the bit', async () => {
    await withPage(async (page, errors) => {
      const [r] = await outcome(page, `${server!.url}/message.html`, ['__result']);
      expect(r.error).toBeUndefined();
      expect(r.sab).toBe('undefined');
      expect(r.op).toBe('dense-gaussian, 2 threads (message memory)');
      expect([r.iterations, r.refIterations]).toEqual([ref.iterations, ref.iterations]);
      expect(r.refRelError).toBe(ref.relError);
      expect(Math.abs(r.relError - ref.relError) / ref.relError).toBeLessThan(1e-6); // threads sum in another order
      expect(errors).toEqual([]);
    });
  });

  it("on an isolated page's main thread, threads fall back to messages and shared or private memory is refused up front", async () => {
    await withPage(async (page, errors) => {
      const [r] = await outcome(page, `${isolated!.url}/isolated-main.html`, ['__result']);
      expect(r.error).toBeUndefined();
      expect([r.isolated, r.sab, r.canBlock]).toEqual([true, 'function', false]);
      expect(r.errors).toEqual(['shared: ValidationError', 'private: ValidationError']);
      expect(r.op).toBe('dense-gaussian, 2 threads (message memory)');
      expect(r.stopReason).toBe('converged');
      expect(r.iterations).toBe(r.refIterations);
      expect(errors).toEqual([]);
    });
  });

  it('runs threaded with shared memory (2 workers) in a module worker of a cross-origin-isolated page', async () => {
    await withPage(async (page) => {
      const [r] = await outcome(page, `${isolated!.url}/threaded.html`, ['__result']);
      expect(r.error).toBeUndefined();
      expect([r.isolated, r.sharedMemory]).toEqual([true, true]);
      expect(r.stopReason).toBe('converged');
      expect(r.relError).toBeLessThan(1e-5);
    });
  });
});
