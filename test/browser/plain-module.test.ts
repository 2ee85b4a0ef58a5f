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
import { ISOLATED_PAGES, PLAIN_PAGES } from './pages.js';

describe.skipIf(SKIP_BROWSER)('plain <script type="module"> page, no bundler', { timeout: 60_000 }, () => {
  let server: StaticServer | undefined;
  let isolated: StaticServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'build/matsense.wasm'))) execFileSync('npm', ['run', 'build:wasm'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (!existsSync(join(REPO_ROOT, 'build/matsense-worker.js'))) execFileSync('npm', ['run', 'build:worker'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (!existsSync(join(REPO_ROOT, 'dist/index.js'))) execFileSync('npm', ['run', 'build:ts'], { cwd: REPO_ROOT, stdio: 'inherit' });
    server = await serveStatic(REPO_ROOT, { pages: PLAIN_PAGES });
    isolated = await serveStatic(REPO_ROOT, { isolate: true, pages: ISOLATED_PAGES });
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
