import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../../src/runtime.js';
import { ParallelDenseOperator } from '../../src/operators/parallel.js';
import { DenseOperator } from '../../src/operators/dense.js';

const dist = fileURLToPath(new URL('../../dist/operators/parallel.js', import.meta.url));
const runtimeJs = fileURLToPath(new URL('../../dist/runtime.js', import.meta.url));

describe('worker barrier and lifecycle', () => {
  it('survives thousands of back-to-back passes (no missed wake-up) with results unchanged', async () => {
    const rt = await Runtime.create({ shared: true });
    const op = await ParallelDenseOperator.gaussian(rt, { m: 61, n1: 4, n2: 4, seed: 1, threads: 3 });
    const ref = DenseOperator.gaussian(await Runtime.create(), { m: 61, n1: 4, n2: 4, seed: 1 });
    const x = Float64Array.from({ length: 16 }, (_, i) => i - 7), y = new Float64Array(61), y0 = new Float64Array(61);
    ref.apply(x, y0);
    for (let it = 0; it < 3000; it++) {
      op.apply(x, y);
      if (y[it % 61] !== y0[it % 61]) throw new Error(`pass ${it} differs`);
    }
    await op.close();
    expect(op.pool!.exitedCount).toBe(2);
  });

  it('close() waits for every worker to exit; dispose() is idempotent; use after dispose throws', async () => {
    for (const memory of ['shared', 'private'] as const) {
      const rt = await Runtime.create({ shared: memory === 'shared' });
      const op = await ParallelDenseOperator.gaussian(rt, { m: 40, n1: 3, n2: 3, threads: 3, memory });
      op.dispose(); op.dispose();
      await op.close();
      expect(op.pool!.exitedCount).toBe(op.pool!.size);
      expect(() => op.apply(new Float64Array(9), new Float64Array(40))).toThrow(/closed/);
    }
  });

  // The process must exit on its own after a run, after an error, and when an operator is never disposed
  // (workers are unref()ed once started). Runs the built package (npm run build) in a child process.
  it.skipIf(!existsSync(dist))('a Node process exits after a run, an error, or a forgotten operator', () => {
    for (const scenario of ['run', 'error', 'forgotten', 'private']) {
      const code = `
        import { Runtime } from ${JSON.stringify(runtimeJs)};
        import { ParallelDenseOperator } from ${JSON.stringify(dist)};
        const s = ${JSON.stringify(scenario)};
        const rt = await Runtime.create({ shared: s !== 'private' });
        const op = await ParallelDenseOperator.gaussian(rt, { m: 400, n1: 6, n2: 6, threads: 2, memory: s === 'private' ? 'private' : 'shared' });
        const y = new Float64Array(400);
        op.apply(new Float64Array(36).fill(1), y);
        if (s === 'error') { try { op.apply(new Float64Array(3), y); } catch (e) { console.log('caught', e.name); } }
        if (s === 'run') await op.close();
        console.log('done', s);`;
      const t0 = Date.now();
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20000 });
      expect(r.status, `${scenario}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`done ${scenario}`);
      expect(Date.now() - t0).toBeLessThan(15000);
    }
  });
});
