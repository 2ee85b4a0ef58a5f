/**
 * Locating, compiling and instantiating the wasm kernels. Compile once per variant (cached), instantiate per
 * runtime or per worker against a memory the caller owns. Works in Node (reads the file) and in browsers
 * (fetch + compileStreaming); the binary is found with `new URL(…, import.meta.url)`, which bundlers understand.
 */
import { KernelLoadError } from '../errors.js';
import { KERNEL_NAMES, type Kernels } from './api.js';

/**
 * `simd`: non-shared memory. `threads`: SIMD + atomics over a shared memory (needs SharedArrayBuffer). `relaxed` and
 * `relaxed-threads`: the same with relaxed SIMD's fused multiply–add (engines that validate it: Node ≥ 22, Chromium ≥ 114).
 */
export type KernelVariant = 'simd' | 'threads' | 'relaxed' | 'relaxed-threads';

const FILES: Record<KernelVariant, string> = {
  simd: 'matsense.wasm', threads: 'matsense-threads.wasm', relaxed: 'matsense-relaxed.wasm', 'relaxed-threads': 'matsense-relaxed-threads.wasm',
};
const compiled = new Map<KernelVariant, Promise<WebAssembly.Module>>();

/** URL of a variant's binary (src/kernels/ and dist/kernels/ both sit two levels below the package root). */
export function kernelUrl(variant: KernelVariant = 'simd'): URL {
  // One literal `new URL('…', import.meta.url)` per file: bundlers (Vite, webpack 5, esbuild with a loader) then
  // emit exactly these binaries as assets (a template literal would make Vite glob the whole build/ folder).
  if (!(variant in FILES)) throw new KernelLoadError(`unknown kernel variant ${String(variant)}`);
  try {
    switch (variant) {
      case 'threads': return new URL('../../build/matsense-threads.wasm', import.meta.url);
      case 'relaxed': return new URL('../../build/matsense-relaxed.wasm', import.meta.url);
      case 'relaxed-threads': return new URL('../../build/matsense-relaxed-threads.wasm', import.meta.url);
      default: return new URL('../../build/matsense.wasm', import.meta.url);
    }
  } catch (e) {
    // a bundle whose module URL is not a URL (e.g. a Cloudflare Worker): the binary cannot be located from here
    throw new KernelLoadError(`the wasm kernels cannot be located from this module's URL (${String(import.meta.url)}: ${(e as Error).message}): ` +
      'import build/matsense.wasm as a module and pass it with createRuntime({ module }) (docs/browser.md, "Edge runtimes")');
  }
}

/**
 * Whether this engine validates relaxed SIMD (the relaxed kernels' fused multiply–add): a probe module
 * (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd).
 */
export function relaxedSimdSupported(): boolean {
  if (typeof WebAssembly !== 'object') return false;
  const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0,
    10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]);
  try {
    return WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

/** True when running under Node.js (as opposed to a browser or a web worker). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Whether this platform can run the kernels at all (WebAssembly with SIMD). */
export function simdSupported(): boolean {
  if (typeof WebAssembly !== 'object') return false;
  // (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)) — validates only where SIMD exists.
  const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
  try {
    return WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

/** Whether shared WebAssembly memory (and hence the threaded variant) can be used here. */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (!isNode() && g.crossOriginIsolated === false) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * What to do about a failed read of the kernels, from its cause: a missing build (ENOENT: `npm run build`), or a
 * runtime's permission model (Deno: `--allow-read`), or anything else (the message says it).
 */
function readFailureHint(e: unknown): string {
  const err = e as { code?: string; name?: string; message?: string };
  if (err?.code === 'ENOENT') return 'the package is not built: run `npm run build`';
  if (err?.name === 'NotCapable' || err?.name === 'PermissionDenied' || /--allow-read|read access|permission/i.test(err?.message ?? '')) {
    return 'the runtime denies reading files: give it read access to the package (Deno: `--allow-read`), or pass the compiled kernels with createRuntime({ module })';
  }
  return 'check that the package is built (`npm run build`) and readable, or pass the compiled kernels with createRuntime({ module })';
}

async function fetchBytes(url: URL): Promise<ArrayBuffer | Uint8Array> {
  if (url.protocol === 'file:' && isNode()) {
    // Non-literal specifiers: browser bundlers must not try to resolve Node built-ins (this branch runs only in Node).
    const fsSpec = 'node:fs/promises', urlSpec = 'node:url';
    const fs = (await import(/* @vite-ignore */ fsSpec)) as typeof import('node:fs/promises');
    const { fileURLToPath } = (await import(/* @vite-ignore */ urlSpec)) as typeof import('node:url');
    try {
      return await fs.readFile(fileURLToPath(url));
    } catch (e) {
      throw new KernelLoadError(`cannot read the wasm kernels at ${url.href} (${(e as Error).message}); ${readFailureHint(e)}`);
    }
  }
  const res = await fetch(url);
  if (res.status === 403) {
    throw new KernelLoadError(`the server refused the wasm kernels at ${url.href} (HTTP 403). Under Vite's dev server a linked ` +
      `install (npm install /path/to/matsense, npm link) lies outside server.fs.allow: add the package's folder to ` +
      `server.fs.allow in the Vite config (docs/browser.md).`);
  }
  if (!res.ok) throw new KernelLoadError(`cannot fetch the wasm kernels at ${url.href}: HTTP ${res.status}`);
  if ((res.headers.get('content-type') ?? '').includes('text/html')) {
    // a dev server's HTML fallback: the binary is not served where the package expects it
    throw new KernelLoadError(
      `${url.href} answered with an HTML page instead of the wasm kernels. Under Vite's dev server, add ` +
        `optimizeDeps: { exclude: ['matsense'] } to the Vite config (pre-bundling moves the code away from build/); ` +
        `elsewhere, serve build/*.wasm or pass a compiled module with createRuntime({ module }).`,
    );
  }
  return res.arrayBuffer();
}

/**
 * The compiled module of a variant, compiled once and cached. Pass `source` to use bytes or a module you
 * obtained yourself (e.g. inlined by a bundler); by default the file next to the package is used.
 */
export function compileKernels(
  variant: KernelVariant = 'simd',
  source?: WebAssembly.Module | ArrayBuffer | Uint8Array | URL,
): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (source === undefined) {
    let p = compiled.get(variant);
    if (!p) {
      p = compileFrom(kernelUrl(variant));
      compiled.set(variant, p);
      p.catch(() => compiled.delete(variant));
    }
    return p;
  }
  return compileFrom(source);
}

async function compileFrom(source: ArrayBuffer | Uint8Array | URL): Promise<WebAssembly.Module> {
  if (!simdSupported()) {
    throw new KernelLoadError('this JavaScript engine has no WebAssembly SIMD support (Node ≥ 16.4, Chrome ≥ 91, Firefox ≥ 89, Safari ≥ 16.4 needed)');
  }
  const bytes = source instanceof URL ? await fetchBytes(source) : source;
  try {
    return await WebAssembly.compile(bytes as BufferSource);
  } catch (e) {
    throw new KernelLoadError(`the wasm kernels failed to compile: ${(e as Error).message}`);
  }
}

/** Instantiate a compiled module against `memory` and check that every expected export is present. */
export async function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<Kernels> {
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, { env: { memory } });
  } catch (e) {
    throw new KernelLoadError(`the wasm kernels failed to instantiate: ${(e as Error).message}`);
  }
  const exp = instance.exports as Record<string, unknown>;
  for (const name of KERNEL_NAMES) {
    if (typeof exp[name] !== 'function') throw new KernelLoadError(`the wasm binary lacks the export ${name}: rebuild with \`npm run build\``);
  }
  return exp as unknown as Kernels;
}
