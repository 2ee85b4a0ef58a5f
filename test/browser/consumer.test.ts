/**
 * matsense as an installed dependency of a Vite app (the README's bundler recipe): the package is packed
 * (`npm pack`, as published), unpacked into a scratch app's node_modules, and imported as `'matsense'` by a page
 * served by Vite's dev server. With `optimizeDeps: { exclude: ['matsense'] }` the wasm is found next to the package
 * and the page converges; without it, Vite's pre-bundling moves the code away from build/ and the error says what to
 * add. (A production build, `vite build`, works either way; the demo's build test covers that path.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SKIP_BROWSER, freePort, launchChromium } from './helpers.js';

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
  import { createRuntime, createProblem, solve } from 'matsense';
  try {
    const rt = await createRuntime();
    const p = createProblem(rt, { n1: 20, n2: 20, r: 2, m: 300, kappa: 2, seed: 1 });
    const res = await solve(rt, p, { k: 2, init: { alpha: 1e-3 }, maxIter: 3000, tol: 1e-7 });
    window.__result = { stopReason: res.stopReason, relError: res.record.relError.at(-1) };
  } catch (e) { window.__result = { error: String(e) }; }
</script>`;

describe.skipIf(SKIP_BROWSER)('matsense installed in a Vite app', { timeout: 60_000 }, () => {
  const app = mkdtempSync(join(tmpdir(), 'matsense-consumer-'));
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'build/matsense.wasm'))) execFileSync('npm', ['run', 'build:wasm'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (!existsSync(join(REPO_ROOT, 'dist/index.js'))) execFileSync('npm', ['run', 'build:ts'], { cwd: REPO_ROOT, stdio: 'inherit' });
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', app], { cwd: REPO_ROOT, encoding: 'utf8' });
    const tgz = out.trim().split('\n').pop()!;
    const pkg = join(app, 'node_modules', 'matsense');
    mkdirSync(pkg, { recursive: true });
    execFileSync('tar', ['xzf', join(app, tgz), '-C', pkg, '--strip-components=1']);
    expect(readdirSync(join(pkg, 'build'))).toContain('matsense.wasm');
    writeFileSync(join(app, 'index.html'), PAGE);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(app, { recursive: true, force: true });
  });

  async function runPage(exclude: boolean): Promise<{ stopReason?: string; relError?: number; error?: string }> {
    const port = await freePort();
    const server = await createServer({
      root: app,
      configFile: false,
      logLevel: 'error',
      cacheDir: join(app, exclude ? '.vite-excluded' : '.vite-prebundled'),
      optimizeDeps: exclude ? { exclude: ['matsense'] } : {},
      server: { host: '127.0.0.1', port, strictPort: true, hmr: false },
    });
    await server.listen();
    const page = await browser!.newPage();
    try {
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => (window as any).__result, null, { timeout: 30_000 });
      return await page.evaluate(() => (window as any).__result);
    } finally {
      await page.close();
      await server.close();
    }
  }

  it("works in Vite's dev server with optimizeDeps.exclude: ['matsense']", async () => {
    const r = await runPage(true);
    expect(r.error).toBeUndefined();
    expect(r.stopReason).toBe('converged');
    expect(r.relError).toBeLessThan(1e-5);
  });

  it('without the exclude, fails with a message that names the fix', async () => {
    const r = await runPage(false);
    expect(r.error).toMatch(/KernelLoadError: .*optimizeDeps: \{ exclude: \['matsense'\] \}/);
  });
});
