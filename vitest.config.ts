import { spawnSync } from 'node:child_process';
import { defineConfig } from 'vitest/config';

/**
 * The kernels come in two builds: baseline SIMD and relaxed SIMD (fused multiply–add). `createRuntime()` picks the
 * relaxed one where the engine validates it. On an engine that has relaxed SIMD only behind a flag (Node 20, 21),
 * a second project runs the kernel, operator, precision and solver suites again with that flag, so both builds are
 * tested; on one that has it natively, test/kernels/variants.test.ts compares the two in one process.
 */
function relaxedFlag(): string[] | null {
  const probe = 'process.exit(WebAssembly.validate(new Uint8Array([0,97,115,109,1,0,0,0,1,8,1,96,3,123,123,123,1,123,3,2,1,0,10,13,1,11,0,32,0,32,1,32,2,253,133,2,11])) ? 0 : 1)';
  if (spawnSync(process.execPath, ['-e', probe]).status === 0) return null; // native: the main project runs it
  const flag = '--experimental-wasm-relaxed-simd';
  return spawnSync(process.execPath, [flag, '-e', probe]).status === 0 ? [flag] : null;
}

const flag = relaxedFlag();
const shared = {
  globalSetup: ['test/setup/worker-bundle.ts'],
  testTimeout: 120_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    // Kernels are memory-bandwidth bound; two cores: keep test files from starving each other.
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'matsense', include: ['test/**/*.test.ts'], exclude: ['test/browser/**', '**/node_modules/**'] } },
      // The browser suites run after everything else, one file at a time: the demo's solver-time check compares two
      // timings in one page, and other test files competing for the two cores skewed it (1.40× measured in CI)
      { test: { ...shared, name: 'browser', include: ['test/browser/**/*.test.ts'], sequence: { groupOrder: 1 }, fileParallelism: false } },
      ...(flag ? [{
        test: {
          ...shared, name: 'relaxed-simd', execArgv: flag, env: { MATSENSE_TEST_RELAXED: '1' },
          include: ['test/kernels/**/*.test.ts', 'test/operators/**/*.test.ts', 'test/perf/precision.test.ts', 'test/solvers/**/*.test.ts'],
        },
      }] : []),
    ],
  },
});
