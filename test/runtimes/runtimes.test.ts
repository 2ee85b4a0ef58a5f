// The same fixed-seed solve under Node, Deno, Bun and workerd (Cloudflare's runtime, through miniflare), compared bit
// for bit: the baseline kernels are deterministic WebAssembly, and the TypeScript side uses only IEEE-exact
// arithmetic where results depend on it (no Math.hypot/sin/pow, whose last bits differ between engines). The runtimes
// come from their npm packages (deno, bun, miniflare), installed by CI into the folder MATSENSE_RUNTIMES names (its
// node_modules); without it these tests are skipped — the global set-up says so.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const RUNTIMES = process.env.MATSENSE_RUNTIMES; // a node_modules folder holding deno, bun and miniflare
const script = join(ROOT, 'test', 'runtimes', 'print-solve.mjs');
let reference: Record<string, unknown>;

beforeAll(() => {
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  reference = JSON.parse(r.stdout);
  expect(reference.variant).toBe('simd');
});

describe.skipIf(!RUNTIMES)('the same solve, bit for bit, in every runtime', () => {
  const bin = (name: string) => join(RUNTIMES!, '.bin', name);

  it('Deno (with --allow-read); without it, the error names the permission', () => {
    expect(existsSync(bin('deno'))).toBe(true);
    const r = spawnSync(bin('deno'), ['run', '--allow-read', script], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(reference);
    const denied = spawnSync(bin('deno'), ['run', script], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/KernelLoadError: .*the runtime denies reading files: give it read access to the package \(Deno: `--allow-read`\)/);
    expect(denied.stderr).not.toMatch(/npm run build/);
  });

  it('Bun', () => {
    const r = spawnSync(bin('bun'), [script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(reference);
  });

  it('workerd (miniflare): the kernels imported as a module, passed with createRuntime({ module })', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'matsense-workerd-'));
    await build({ entryPoints: [join(ROOT, 'test', 'runtimes', 'workerd-worker.mjs')], bundle: true, format: 'esm', platform: 'neutral',
      outfile: join(dir, 'worker.js'), external: ['*.wasm'], logLevel: 'error' });
    copyFileSync(join(ROOT, 'build', 'matsense.wasm'), join(dir, 'matsense.wasm'));
    const { Miniflare } = await import(join(RUNTIMES!, 'miniflare', 'dist', 'src', 'index.js'));
    const mf = new Miniflare({
      modules: [
        { type: 'ESModule', path: join(dir, 'worker.js'), contents: readFileSync(join(dir, 'worker.js'), 'utf8') },
        { type: 'CompiledWasm', path: join(dir, 'matsense.wasm'), contents: readFileSync(join(dir, 'matsense.wasm')) },
      ],
      modulesRoot: dir,
      compatibilityDate: '2025-09-01',
    });
    try {
      const res = await mf.dispatchFetch('http://localhost/');
      const got = await res.json() as Record<string, unknown>;
      expect(got.error).toBeUndefined();
      expect({ ...got, variant: 'simd' }).toEqual(reference); // 'given': the module passed in
      expect(got.variant).toBe('given');
    } finally {
      await mf.dispose();
    }
  }, 60_000);
});
