/**
 * The demo page in headless Chromium: served by Vite's dev server (with the COOP/COEP headers, or without them
 * via `?isolated=0`), it runs a small problem to convergence in its Web Worker and shows the final error; bad
 * inputs give a message; Stop and restart work. A screenshot of the finished run goes to
 * test-artifacts/demo-finished.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, REPO_ROOT, SKIP_BROWSER, freePort, launchChromium } from './helpers.js';

/** k = r: plain GD converges linearly; reaches tol in ~170 iterations (a few ms of compute). */
const SMALL = 'n1=20&n2=20&r=2&k=2&m=300&kappa=2&alpha=1e-3&maxIter=3000&tol=1e-7';

describe.skipIf(SKIP_BROWSER)('demo page in Chromium', { timeout: 60_000 }, () => {
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  let base = '';
  let isolatedError = NaN;

  beforeAll(async () => {
    const port = await freePort();
    server = await createServer({
      configFile: join(REPO_ROOT, 'demo/vite.config.ts'),
      server: { host: '127.0.0.1', port, strictPort: true, hmr: false },
      logLevel: 'error',
    });
    await server.listen();
    base = `http://127.0.0.1:${port}/`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(query: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base + query);
    return { page, errors };
  }

  async function waitState(page: Page, states: string[], timeout = 30_000): Promise<string> {
    await page.waitForFunction(
      (s) => s.includes(document.querySelector<HTMLElement>('#status')!.dataset.state ?? ''),
      states,
      { timeout },
    );
    return page.$eval('#status', (el) => (el as HTMLElement).dataset.state!);
  }

  async function finalError(page: Page): Promise<number> {
    return Number(await page.$eval('#final-error', (el) => (el as HTMLElement).dataset.value));
  }

  it('runs threaded to convergence on a cross-origin-isolated page and says so', async () => {
    const { page, errors } = await open(`?${SMALL}&run=1`);
    try {
      expect(await waitState(page, ['done', 'error', 'stopped'])).toBe('done');
      expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
      expect(await page.$eval('#mode', (el) => (el as HTMLElement).dataset.isolated)).toBe('true');
      expect(await page.$eval('#mode', (el) => (el as HTMLElement).dataset.threads)).toBe('shared');
      expect(await page.textContent('#mode')).toMatch(/^Cross-origin isolated: threaded/);
      expect(await page.textContent('#stop-reason')).toMatch(/^converged/);
      // the default on an isolated page: min(4, hardware threads) — 2 or more wherever the machine has 2 cores
      const threads = Number(await page.inputValue('input[name=threads]'));
      expect(threads).toBe(await page.evaluate(() => Math.min(4, Math.max(1, navigator.hardwareConcurrency))));
      expect(await page.textContent('#solver-ms')).toContain(`${threads} thread${threads === 1 ? '' : 's'}`);
      const err = await finalError(page);
      expect(err).toBeGreaterThan(0);
      expect(err).toBeLessThan(1e-5);
      isolatedError = err;
      // the three live plots were drawn (SVG from the shared Vega-Lite specs)
      expect(await page.locator('#plots svg.marks').count()).toBe(3);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'demo-finished.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('runs threaded by messages without COOP/COEP (?isolated=0: no SharedArrayBuffer) and says so', async () => {
    const { page, errors } = await open(`?isolated=0&${SMALL}&run=1`);
    try {
      expect(await waitState(page, ['done', 'error', 'stopped'])).toBe('done');
      expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(false);
      expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('undefined');
      expect(await page.$eval('#mode', (el) => (el as HTMLElement).dataset.threads)).toBe('message');
      expect(await page.textContent('#mode')).toMatch(/^Not cross-origin isolated.*threads exchange vectors by message/);
      // the fastest default here is 1 thread (messages cost more than they save at demo sizes); 2 by message still work
      expect(await page.inputValue('input[name=threads]')).toBe('1');
      expect(await page.isDisabled('input[name=threads]')).toBe(false);
      await page.fill('input[name=threads]', '2');
      await page.click('#run');
      expect(await waitState(page, ['done', 'error', 'stopped'])).toBe('done');
      expect(await page.textContent('#solver-ms')).toContain('2 threads, messages');
      const err = await finalError(page);
      expect(err).toBeGreaterThan(0);
      expect(err).toBeLessThan(1e-5);
      // same seed, same operator bits: shared-memory and message threads agree (up to summation order)
      expect(Math.abs(err - isolatedError) / err).toBeLessThan(1e-3);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('runs the structured operators (completion, rank-one) threaded by messages, and checks their sizes on the page', async () => {
    const { page, errors } = await open('?isolated=0');
    try {
      await waitState(page, ['idle']);
      for (const [operator, n, m] of [['completion', '30', '500'], ['rank-one', '20', '600']] as const) {
        await page.selectOption('select[name=operator]', operator);
        for (const [name, v] of [['n1', n], ['n2', n], ['r', '2'], ['k', '2'], ['m', m], ['kappa', '2'], ['alpha', '1e-3'], ['maxIter', '3000'], ['tol', '1e-7']]) {
          await page.fill(`input[name=${name}]`, v);
        }
        await page.click('#run');
        expect(await waitState(page, ['done', 'error', 'stopped'])).toBe('done');
        expect(await page.textContent('#stop-reason')).toMatch(/^converged/);
        const err = await finalError(page);
        expect(err).toBeGreaterThan(0);
        expect(err).toBeLessThan(1e-5);
      }
      // completion observes at most n1 · n2 entries: the page says so before running
      await page.selectOption('select[name=operator]', 'completion');
      await page.fill('input[name=m]', '401'); // n1 = n2 = 20 from the rank-one run
      await page.click('#run');
      expect(await waitState(page, ['invalid'])).toBe('invalid');
      expect(await page.textContent('#message')).toContain('completion observes at most n1 · n2 = 400 entries, got m = 401');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('the default run converges and says what happened; the result panel is hidden before any run', async () => {
    const { page, errors } = await open('?isolated=0');
    try {
      await waitState(page, ['idle']);
      expect(await page.isVisible('#result')).toBe(false); // hidden, not a grid of empty labels
      expect(await page.isVisible('#explain')).toBe(false);
      await page.click('#run');
      expect(await waitState(page, ['done', 'error', 'stopped'], 60_000)).toBe('done');
      expect(await page.textContent('#stop-reason')).toMatch(/^converged/);
      expect(await finalError(page)).toBeLessThan(1e-6);
      const explain = await page.textContent('#explain');
      expect(explain).toMatch(/^What happened: gd-rebalance recovered M\* to relative error .* although the model has 10 columns for a rank-3 target/);
      expect(explain).toMatch(/extra singular values of F Gᵀ stayed near the init scale/);
      expect(explain).toMatch(/one-step modification rebalanced the factors/);
      // the configuration is in the URL, so a link restores it
      expect(new URL(page.url()).searchParams.get('method')).toBe('gd-rebalance');
      expect(await page.isDisabled('#export-json')).toBe(false);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
      expect(download.suggestedFilename()).toBe('matsense-run.csv');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('overlays the runs of a comparison as distinct, labelled curves (α, α/100, α/10⁴; X Xᵀ vs F Gᵀ)', async () => {
    const { page, errors } = await open(`?isolated=0&${SMALL}&k=4&compare=alpha&maxIter=800&run=1`);
    try {
      expect(await waitState(page, ['done', 'error', 'stopped'], 60_000)).toBe('done');
      const legend = await page.locator('#plot-error .role-legend-label text').allTextContents();
      expect(legend).toEqual(['α = 1e-3: relative error', 'α = 1e-5: relative error', 'α = 1e-7: relative error']);
      expect(await page.locator('#plot-error path.mark-line, #plot-error .mark-line path').count()).toBeGreaterThanOrEqual(3);
      await page.selectOption('select[name=compare]', 'model');
      await page.click('#run');
      expect(await waitState(page, ['done', 'error', 'stopped'], 60_000)).toBe('done');
      expect(await page.locator('#plot-error .role-legend-label text').allTextContents()).toEqual(['X Xᵀ: relative error', 'F Gᵀ: relative error']);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('fits a 400 px wide screen without horizontal overflow', async () => {
    const page = await browser!.newPage({ viewport: { width: 400, height: 800 } });
    try {
      await page.goto(base + `?isolated=0&${SMALL}&run=1`);
      expect(await waitState(page, ['done', 'error', 'stopped'], 60_000)).toBe('done');
      const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      expect(scroll).toBeLessThanOrEqual(client);
      // nothing hidden either: every plot, legend included, lies inside the screen (.plot clips what overflows)
      const rights = await page.$$eval('.plot svg', (els) => els.map((e) => e.getBoundingClientRect().right));
      expect(rights.length).toBeGreaterThanOrEqual(3);
      for (const r of rights) expect(r).toBeLessThanOrEqual(client);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'demo-400px.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('reports the solver time per iteration within 1.3× of solve() on the same problem in the same page', async () => {
    const { page, errors } = await open('?isolated=0&threads=1&run=1');
    try {
      expect(await waitState(page, ['done', 'error', 'stopped'], 60_000)).toBe('done');
      // the same problem and options, solved on the page's main thread without the demo's sampling or plots
      const direct = () => page.evaluate(async () => {
        const m = await (window as unknown as { matsenseDemo: { library(): Promise<typeof import('../../src/index.js')> } }).matsenseDemo.library();
        const rt = await m.createRuntime();
        const p = m.createProblem(rt, { operator: 'gaussian', n1: 60, n2: 60, r: 3, m: 2000, kappa: 2, seed: 1, mTest: 200 });
        const res = await m.solve(rt, p, { k: 10, method: 'gd-rebalance', init: { alpha: 1e-3 }, maxIter: 1500, tol: 1e-10 });
        p.dispose();
        return res.timeMs / res.iterations;
      });
      const again = async () => {
        await page.click('#run');
        await page.waitForFunction(() => document.querySelector<HTMLElement>('#status')!.dataset.state === 'running');
        expect(await waitState(page, ['done', 'error', 'stopped'], 60_000)).toBe('done');
        return Number(await page.$eval('#solver-ms', (el) => (el as HTMLElement).dataset.value));
      };
      // interleaved, best of four each: other test files share the two cores, and a run that overlaps their busy
      // moments is slower by up to 1.4× (measured); the first demo run also compiled the kernels
      const reported: number[] = [], measured: number[] = [];
      for (let i = 0; i < 4; i++) { measured.push(await direct()); reported.push(await again()); }
      const rep = Math.min(...reported), dir = Math.min(...measured);
      console.log(`demo: solver ${rep.toFixed(3)} ms/iteration reported, solve() on the page ${dir.toFixed(3)} ms/iteration ` +
        `(runs: ${reported.map((x) => x.toFixed(2)).join(', ')} / ${measured.map((x) => x.toFixed(2)).join(', ')})`);
      expect(rep).toBeGreaterThan(0);
      expect(rep / dir).toBeLessThan(1.3);
      expect(dir / rep).toBeLessThan(1.3);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);

  it('reports bad inputs instead of running, and the library\'s own errors from the worker', async () => {
    const { page, errors } = await open('?isolated=0');
    try {
      await waitState(page, ['idle']);
      // rejected by the page's checks: nothing is sent to the worker
      await page.fill('input[name=n1]', 'abc');
      await page.fill('input[name=eta]', '-1');
      await page.click('#run');
      expect(await waitState(page, ['invalid'])).toBe('invalid');
      const msg = await page.textContent('#message');
      expect(msg).toContain('n1: "abc" is not a number');
      expect(msg).toContain('eta must be > 0');
      // rejected by matsense in the worker (r > min(n1, n2)): the library's message is shown, the page stays usable
      await page.fill('input[name=n1]', '20');
      await page.fill('input[name=n2]', '20');
      await page.fill('input[name=r]', '50');
      await page.fill('input[name=eta]', '');
      await page.click('#run');
      expect(await waitState(page, ['error'])).toBe('error');
      expect(await page.textContent('#message')).toMatch(/ValidationError: r = 50 exceeds min\(n1, n2\) = 20/);
      await page.fill('input[name=r]', '2');
      await page.fill('input[name=m]', '1');
      await page.fill('input[name=maxIter]', '50');
      await page.click('#run');
      // m = 1 is valid input; the run itself must end (done or diverged), never hang
      expect(['done', 'error']).toContain(await waitState(page, ['done', 'error']));
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('stops a long run, runs again, and restarts while running', async () => {
    const { page, errors } = await open('?isolated=0&n1=80&n2=80&r=3&k=20&m=4000&alpha=1e-6&maxIter=1000000&tol=0');
    try {
      await waitState(page, ['idle']);
      await page.click('#run');
      // wait until some iterations have been reported, then stop
      await page.waitForFunction(() => /iteration [1-9]/.test(document.querySelector('#status')!.textContent ?? ''), null, { timeout: 20_000 });
      await page.click('#stop');
      expect(await waitState(page, ['stopped'])).toBe('stopped');
      expect(await page.textContent('#stop-reason')).toMatch(/^aborted/);
      // the page stayed responsive: run the long problem again, and while it runs, restart with a small one
      await page.click('#run');
      await page.waitForFunction(() => /iteration [1-9]/.test(document.querySelector('#status')!.textContent ?? ''), null, { timeout: 20_000 });
      await page.fill('input[name=n1]', '20');
      await page.fill('input[name=n2]', '20');
      await page.fill('input[name=r]', '2');
      await page.fill('input[name=k]', '2');
      await page.fill('input[name=m]', '300');
      await page.fill('input[name=alpha]', '1e-3');
      await page.fill('input[name=maxIter]', '3000');
      await page.fill('input[name=tol]', '1e-7');
      await page.click('#run');
      expect(await waitState(page, ['done', 'error'])).toBe('done');
      expect(await page.textContent('#stop-reason')).toMatch(/^converged/); // the small run's result, not the aborted one
      expect(await page.textContent('#iterations')).not.toBe('0');
      expect(await finalError(page)).toBeLessThan(1e-5);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
