// Smoke test of the package as npm ships it: pack, unpack into a temp dir, import dist/ from there in a fresh
// Node process (no src/, no vitest transforms), solve a small problem, and use the `matsense/testing` subpath.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'matsense-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the packed tarball installs, imports and solves (ESM, types shipped, wasm found next to dist)', () => {
  expect(existsSync(join(root, 'dist/index.js')), 'run npm run build first').toBe(true);
  execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: root, stdio: 'pipe' });
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  const app = join(dir, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  execFileSync('tar', ['xzf', join(dir, tgz), '-C', dir]);
  symlinkSync(join(dir, 'package'), join(app, 'node_modules', 'matsense'));
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'build/matsense.wasm', 'build/matsense-threads.wasm', 'dist/testing/index.js']) {
    expect(existsSync(join(dir, 'package', f)), f).toBe(true);
  }
  writeFileSync(join(app, 'main.mjs'), `
    import { createRuntime, createProblem, solve } from 'matsense';
    import { dotTest } from 'matsense/testing';
    const rt = await createRuntime();
    const p = createProblem(rt, { n1: 8, n2: 6, r: 2, m: 120, seed: 3 });
    const dt = dotTest(p.op);
    const res = await solve(rt, p, { k: 2, init: { alpha: 1e-3 }, maxIter: 3000, tol: 1e-9 });
    console.log(JSON.stringify({ dt: dt.passed, stop: res.stopReason, err: res.record.relError.at(-1) }));
  `);
  const out = spawnSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' });
  expect(out.stderr).toBe('');
  const r = JSON.parse(out.stdout.trim().split('\n').pop()!);
  expect(r.dt).toBe(true);
  expect(r.stop).toBe('converged');
  expect(r.err).toBeLessThan(1e-7);
});
