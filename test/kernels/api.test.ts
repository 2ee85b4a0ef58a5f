// The typed kernel interface must list exactly the binary's exports (both variants), and the build is stamped.
import { readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_NAMES, ZIG_TABLE_BYTES } from '../../src/kernels/api.js';
import { kernelUrl } from '../../src/kernels/load.js';

describe.each(['simd', 'threads'] as const)('wasm binary %s', (variant) => {
  const url = kernelUrl(variant);
  it('exists (npm run build) and exports exactly KERNEL_NAMES plus the table-size constant', () => {
    expect(existsSync(url), `missing ${url.pathname}: run npm run build`).toBe(true);
    const mod = new WebAssembly.Module(readFileSync(url));
    const fns = WebAssembly.Module.exports(mod).filter((e) => e.kind === 'function').map((e) => e.name).sort();
    expect(fns).toEqual([...KERNEL_NAMES].sort());
    const imports = WebAssembly.Module.imports(mod);
    expect(imports).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
  });
  it('agrees on the ziggurat table size', async () => {
    const mod = new WebAssembly.Module(readFileSync(url));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: variant === 'threads' } as WebAssembly.MemoryDescriptor);
    const inst = new WebAssembly.Instance(mod, { env: { memory } });
    expect((inst.exports.ZIG_TABLE_BYTES as WebAssembly.Global).value).toBe(ZIG_TABLE_BYTES);
  });
});

it('build/manifest.json stamps each binary with its content hash, and the hash of its sources', async () => {
  const { createHash } = await import('node:crypto');
  const manifest = JSON.parse(readFileSync(new URL('../../build/manifest.json', import.meta.url), 'utf8'));
  expect(manifest.sources).toMatch(/^[0-9a-f]{16}$/);
  for (const variant of ['simd', 'threads', 'relaxed', 'relaxed-threads'] as const) {
    const bytes = readFileSync(kernelUrl(variant));
    expect(manifest[variant].sha256).toBe(createHash('sha256').update(bytes).digest('hex').slice(0, 16));
  }
});
