// The package as published: `npm pack --json` is JSON; the tarball holds what the README links to (docs/, LICENSE),
// the four kernel builds and no tests; installed into an empty project with only Node (no network: matsense has no
// runtime dependencies; vega and vega-lite are optional peers), the README's first example runs as written and the
// `matsense` binary works.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
let packed: { filename: string; files: { path: string }[] };
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'matsense-pack-'));
  // --ignore-scripts: the build is this checkout's (the test run has built it); scripts print to stderr anyway
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  packed = JSON.parse(out)[0];
}, 120_000);

describe('the packed package', () => {
  it('holds what the README links to, the four kernel builds, the CLI, the sweeps\' files, and no tests', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of ['LICENSE', 'README.md', 'package.json', 'bin/matsense.js', 'dist/index.js', 'dist/index.d.ts', 'build/matsense-worker.js', 'build/manifest.json',
      'build/matsense.wasm', 'build/matsense-threads.wasm', 'build/matsense-relaxed.wasm', 'build/matsense-relaxed-threads.wasm',
      // the sweeps: their worker-thread program, the spec's schema, the example specs, the `matsense/sweeps` entry
      'build/matsense-sweep-worker.js', 'schema/sweep.schema.json', 'sweeps/phase-transition.json', 'dist/sweeps/index.js']) expect(files).toContain(f);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(((?:docs\/)?[\w./-]+\.md|LICENSE)(#[\w-]+)?\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    for (const l of links) expect(files, `README links to ${l}`).toContain(l);
    expect(files.some((f) => f.startsWith('test/'))).toBe(false);
  });

  it('installs into an empty project without the network and runs the README example as written', () => {
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, packed.filename)], { cwd: app, stdio: 'pipe' });
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const example = /## A first example\s+```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    writeFileSync(join(app, 'example.mjs'), example);
    const r = spawnSync(process.execPath, ['example.mjs'], { cwd: app, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const last = r.stdout.trim().split('\n').at(-1)!.split(' ');
    expect(['converged', 'max-iterations', 'error-tolerance']).toContain(last[0]);
    expect(Number(last[1])).toBeLessThan(1e-2); // relative error
    const bin = spawnSync(join(app, 'node_modules', '.bin', 'matsense'), ['solve', '--n1', '12', '--r', '1', '--m', '150', '--k', '1', '--progress', 'off'], { cwd: app, encoding: 'utf8' });
    expect(bin.status).toBe(0);
    expect(bin.stdout).toMatch(/stop reason\s+converged/);
    // a sweep from the installed package: its worker-thread program and kernels are found next to its code
    writeFileSync(join(app, 'spec.json'), JSON.stringify({ $schema: './node_modules/matsense/schema/sweep.schema.json', problem: { n1: 8, r: 1, m: 60, seed: [0, 1] }, solver: { maxIter: 50 } }));
    const sweep = spawnSync(join(app, 'node_modules', '.bin', 'matsense'), ['sweep', 'run', 'spec.json', '--out', 'out', '--threads', '2'], { cwd: app, encoding: 'utf8' });
    expect(sweep.stderr).toBe('');
    expect(sweep.stdout).toMatch(/finished: 2 trials run/);
    expect(readFileSync(join(app, 'out', 'results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    // bullmq and ioredis are optional peers: without them --queue says what to install
    const queued = spawnSync(join(app, 'node_modules', '.bin', 'matsense'), ['sweep', 'run', 'spec.json', '--out', 'out2', '--queue', 'redis://127.0.0.1:1'], { cwd: app, encoding: 'utf8' });
    expect(queued.status).toBe(2);
    expect(queued.stderr).toMatch(/--queue needs the optional packages bullmq and ioredis: npm install bullmq ioredis/);
  }, 120_000);

  it('the esbuild recipe (docs/browser.md): a bundle that passes the kernels it ships beside itself', async () => {
    const app = join(dir, 'app');
    writeFileSync(join(app, 'bundled.mjs'), [
      "import { readFile } from 'node:fs/promises';",
      "import { createRuntime, createProblem, solve } from 'matsense';",
      "const module = await WebAssembly.compile(await readFile(new URL('./matsense.wasm', import.meta.url)));",
      'const rt = await createRuntime({ module });',
      'const p = createProblem(rt, { n1: 20, n2: 20, r: 2, m: 300, seed: 1 });',
      'const res = await solve(rt, p, { k: 2, init: { alpha: 1e-3 }, maxIter: 3000, tol: 1e-7 });',
      'console.log(res.stopReason, res.record.relError.at(-1));',
    ].join('\n'));
    const { build } = await import('esbuild');
    const out = join(dir, 'out');
    await build({ entryPoints: [join(app, 'bundled.mjs')], bundle: true, platform: 'node', format: 'esm', outfile: join(out, 'app.mjs'), logLevel: 'error', absWorkingDir: app });
    copyFileSync(join(app, 'node_modules', 'matsense', 'build', 'matsense.wasm'), join(out, 'matsense.wasm'));
    const r = spawnSync(process.execPath, [join(out, 'app.mjs')], { cwd: out, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^converged /);
  }, 60_000);

  it('the wasm build logs to stderr only (npm pack --json with its scripts stays JSON) and skips unchanged sources', () => {
    // up to date here (the run was built): nothing is rewritten while other test files load the binaries
    const r = spawnSync(process.execPath, ['scripts/build-wasm.mjs'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/wasm up to date \(sources [0-9a-f]{16}\): nothing to compile/);
  });
});
