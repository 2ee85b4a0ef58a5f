// Environment tests: remove features on purpose and check that matsense says so clearly (hash-wasm style).
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => { vi.unstubAllGlobals(); vi.resetModules(); });

describe('missing platform features', () => {
  it('no WebAssembly SIMD: a KernelLoadError that names the engines that have it', async () => {
    const real = WebAssembly;
    vi.stubGlobal('WebAssembly', { ...real, validate: () => false, Memory: real.Memory, Module: real.Module, compile: real.compile, instantiate: real.instantiate });
    const { compileKernels } = await import('../src/kernels/load.js');
    await expect(compileKernels('simd', new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))).rejects.toThrow(/no WebAssembly SIMD support/);
  });

  it('no SharedArrayBuffer: shared runtimes are refused, plain ones work', async () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    const { createRuntime, sharedMemorySupported } = await import('../src/index.js');
    expect(sharedMemorySupported()).toBe(false);
    await expect(createRuntime({ shared: true })).rejects.toThrow(/shared memory is not available/);
    const rt = await createRuntime();
    expect(rt.shared).toBe(false);
  });

  it('a page that is not cross-origin isolated reports no shared memory', async () => {
    vi.stubGlobal('process', { ...process, versions: { ...process.versions, node: undefined } });
    vi.stubGlobal('crossOriginIsolated', false);
    const { sharedMemorySupported } = await import('../src/kernels/load.js');
    expect(sharedMemorySupported()).toBe(false);
  });

  it('a corrupt binary gives a KernelLoadError, not a crash', async () => {
    const { compileKernels, KernelLoadError } = await import('../src/index.js');
    const err = await compileKernels('simd', new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99])).catch((e) => e);
    expect(err).toBeInstanceOf(KernelLoadError);
    expect(String(err.message)).toMatch(/failed to compile/);
  });

  it('a server that refuses the kernels (HTTP 403, a linked install outside Vite\'s server.fs.allow) is explained', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => { res.statusCode = 403; res.end('forbidden'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const { compileKernels, KernelLoadError } = await import('../src/index.js');
      const err = await compileKernels('simd', new URL(`http://127.0.0.1:${port}/node_modules/matsense/build/matsense.wasm`)).catch((e) => e);
      expect(err).toBeInstanceOf(KernelLoadError);
      expect(String(err.message)).toMatch(/HTTP 403\)\. Under Vite's dev server a linked install .* outside server\.fs\.allow/);
    } finally {
      server.close();
    }
  });

});
