import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/worker-bundle.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Kernels are memory-bandwidth bound; two cores: keep test files from starving each other.
    maxWorkers: 2,
  },
});
