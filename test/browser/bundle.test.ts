/**
 * The package is browser-clean: nothing reachable from the main entry through static imports is a Node built-in,
 * and a Vite production build of the demo (which imports matsense from src/) externalizes no Node module and emits
 * the wasm kernels as assets. The built demo, served by `vite preview` with COOP/COEP, then runs in Chromium.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SKIP_BROWSER, freePort, launchChromium } from './helpers.js';

const BUILTINS = new Set(builtinModules);

/** Specifiers of the static (value) imports and re-exports of a TS/JS source; `import type` is left out. */
function staticImports(code: string): string[] {
  const noComments = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  const re = /^\s*(?:import|export)\s+(type\s+)?(?:[\s\S]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (let m; (m = re.exec(noComments)); ) if (!m[1]) out.push(m[2]!);
  return out;
}

/** Walk the static import graph of `entry` (relative .js imports resolve to the .ts sources). */
function staticGraph(entry: string): { files: string[]; external: Map<string, string> } {
  const seen = new Set<string>();
  const external = new Map<string, string>(); // specifier → first importer
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const base = resolve(dirname(file), spec);
        const ts = base.replace(/\.js$/, '.ts');
        todo.push(existsSync(ts) ? ts : base);
      } else if (!external.has(spec)) {
        external.set(spec, relative(REPO_ROOT, file));
      }
    }
  }
  return { files: [...seen], external };
}

describe('browser-clean package', () => {
  it('the main entry reaches no Node built-in through static imports', () => {
    const { files, external } = staticGraph(join(REPO_ROOT, 'src/index.ts'));
    expect(files.length).toBeGreaterThan(10);
    const node = [...external].filter(([s]) => s.startsWith('node:') || BUILTINS.has(s.split('/')[0]!));
    expect(node.map(([s, by]) => `${s} (imported by ${by})`)).toEqual([]);
  });

  it('the import scanner sees value imports and skips type-only ones', () => {
    const code = `import type { A } from 'node:fs';\nimport { b,\n  type C } from './b.js';\nexport * from "./c.js";\n// import 'node:path'\nexport type { D } from './d.js';\nimport './side.js';`;
    expect(staticImports(code)).toEqual(['./b.js', './c.js', './side.js']);
  });
});

describe.skipIf(SKIP_BROWSER)('production build of the demo', { timeout: 60_000 }, () => {
  const outDir = mkdtempSync(join(tmpdir(), 'matsense-demo-'));
  const warnings: string[] = [];
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    const configFile = join(REPO_ROOT, 'demo/vite.config.ts');
    const logger = {
      hasWarned: false,
      info() {}, clearScreen() {}, hasErrorLogged: () => false,
      warn(msg: string) { warnings.push(msg); },
      warnOnce(msg: string) { warnings.push(msg); },
      error(msg: string) { warnings.push(msg); },
    };
    await build({ configFile, logLevel: 'warn', customLogger: logger, build: { outDir, emptyOutDir: true, minify: false, reportCompressedSize: false } });
    const port = await freePort();
    server = await preview({ configFile, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port, strictPort: true } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('externalizes no Node module and emits the four wasm binaries (baseline and relaxed SIMD, each with and without threads)', () => {
    expect(warnings.filter((w) => /externalized for browser compatibility|node:/.test(w))).toEqual([]);
    const assets = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.wasm'));
    // Vite names them <name>-<8-character hash>.wasm
    expect(assets.map((f) => f.replace(/-[\w-]{8}\.wasm$/, '')).sort()).toEqual(['matsense', 'matsense-relaxed', 'matsense-relaxed-threads', 'matsense-threads']);
    expect(assets.some((f) => f.endsWith('.wat'))).toBe(false);
  });

  it('the preview server sends COOP/COEP, and ?isolated=0 drops them', async () => {
    const base = server!.resolvedUrls!.local[0]!;
    const iso = await fetch(base);
    expect(iso.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(iso.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const plain = await fetch(`${base}?isolated=0`);
    expect(plain.headers.get('cross-origin-opener-policy')).toBeNull();
    expect(plain.headers.get('cross-origin-embedder-policy')).toBeNull();
  });

  it('the built demo converges in Chromium, cross-origin isolated', async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${server!.resolvedUrls!.local[0]}?n1=20&n2=20&r=2&k=2&m=300&maxIter=3000&tol=1e-7&run=1`);
      await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector<HTMLElement>('#status')!.dataset.state ?? ''), null, { timeout: 30_000 });
      expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
      expect(await page.$eval('#status', (el) => (el as HTMLElement).dataset.state)).toBe('done');
      expect(Number(await page.$eval('#final-error', (el) => (el as HTMLElement).dataset.value))).toBeLessThan(1e-5);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
