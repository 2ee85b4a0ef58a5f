// createRuntime({ module, threadsModule, workerScript }) must reach every worker: an application that is bundled or
// hosted elsewhere has no build/ folder next to the code (old: threaded operators fetched the packaged path, 404).
// Checked end to end in a child process that runs a copy of dist/ with no build/ beside it.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = existsSync(join(root, 'dist/index.js')) && existsSync(join(root, 'build/matsense-worker.js'));

describe.skipIf(!built)('kernels and worker program given to the runtime', () => {
  it('reach the workers of every placement, with no packaged files to fall back on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'matsense-hosted-'));
    try {
      cpSync(join(root, 'dist'), join(dir, 'app/dist'), { recursive: true });
      writeFileSync(join(dir, 'app/package.json'), JSON.stringify({ type: 'module' }));
      // the binaries and the worker program live somewhere else entirely
      cpSync(join(root, 'build'), join(dir, 'elsewhere'), { recursive: true });
      const code = `
        import { readFileSync } from 'node:fs';
        import { createRuntime, createProblemParallel, solve } from ${JSON.stringify(join(dir, 'app/dist/index.js'))};
        const at = (f) => readFileSync(${JSON.stringify(join(dir, 'elsewhere'))} + '/' + f);
        const module = await WebAssembly.compile(at('matsense.wasm'));
        const threadsModule = await WebAssembly.compile(at('matsense-threads.wasm'));
        const workerScript = at('matsense-worker.js').toString('utf8');
        for (const memory of ['shared', 'private', 'message']) {
          const rt = await createRuntime({ shared: memory === 'shared', module, threadsModule, workerScript });
          const p = await createProblemParallel(rt, { n1: 8, r: 2, m: 200, seed: 1, threads: 2, memory });
          const res = await solve(rt, p, { k: 2, maxIter: 20, tol: 0 });
          console.log(memory, p.op.placement, res.iterations);
          p.dispose();
        }
        // without them, the same code names the missing file
        try { await createRuntime(); } catch (e) { console.log('packaged:', e.name); }`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('shared shared 20');
      expect(r.stdout).toContain('private private 20');
      expect(r.stdout).toContain('message message 20');
      expect(r.stdout).toContain('packaged: KernelLoadError');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the worker program is a bundled build of src/workers/worker.ts, not a string in the source', () => {
    const src = readFileSync(join(root, 'src/workers/spawn.ts'), 'utf8');
    expect(src).not.toMatch(/String\.raw`/);
    expect(readFileSync(join(root, 'build/matsense-worker.js'), 'utf8')).toContain('src/workers/worker.ts');
  });
});
