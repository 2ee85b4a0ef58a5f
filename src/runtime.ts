/**
 * The runtime owns the WebAssembly memory: one instance of the kernels, a first-fit allocator over its linear
 * memory (64-byte aligned blocks), typed views that are rebuilt whenever the memory grows, and accounting.
 * Everything large (the operator, the factors, the residual matrix) lives here so kernels run on it in place.
 */
import { KernelLoadError, OutOfMemoryError, StateError, ValidationError, formatBytes } from './errors.js';
import type { Kernels } from './kernels/api.js';
import { ZIG_TABLE_BYTES } from './kernels/api.js';
import { compileKernels, instantiateKernels, relaxedSimdSupported, sharedMemorySupported, type KernelVariant } from './kernels/load.js';
import { checkKeys } from './validate.js';
import type { WorkerScript } from './workers/spawn.js';

const PAGE = 65536;
/** wasm32 addresses at most 4 GiB: 65536 pages of 64 KiB. */
export const WASM32_MAX_BYTES = 65536 * PAGE;
/** The first 64 KiB are left to the module's constant data (AssemblyScript's math tables live at 1–8 KiB). */
const HEAP_BASE = PAGE;
const ALIGN = 64;

/** Options of {@link Runtime.create}. */
export interface RuntimeOptions {
  /** Use a shared memory and the threaded kernel build (needed for workers over shared memory). Default false. */
  shared?: boolean;
  /** Upper bound on the memory this runtime may grow to, in bytes (≤ 4 GiB, the wasm32 limit). */
  maxBytes?: number;
  /**
   * The compiled SIMD kernels (build/matsense.wasm) to use instead of loading the packaged binary: a non-shared
   * runtime runs on it, and so do the workers of private and message placements. Pass it where the package's files
   * are not reachable (a bundled or differently hosted application, an edge runtime that imports wasm as a module).
   */
  module?: WebAssembly.Module;
  /** The compiled SIMD + threads kernels (build/matsense-threads.wasm): a shared runtime and its workers run on it. */
  threadsModule?: WebAssembly.Module;
  /**
   * The worker program (build/matsense-worker.js): its URL, or its source text. Default: the packaged file, found
   * next to the package code.
   */
  workerScript?: WorkerScript;
  /** Use this memory (e.g. a shared memory created by a coordinator) instead of creating one. Workers only. */
  memory?: WebAssembly.Memory;
  /**
   * Which packaged kernels to load: 'relaxed' (relaxed SIMD's fused multiply–add: ~10 % faster passes, results that
   * differ from the baseline's in the last bits), 'baseline' (plain SIMD, the same bits on every engine), or 'auto'
   * (default): relaxed where the engine validates it (Node ≥ 22, Chromium ≥ 114), baseline elsewhere. Ignored for a
   * kernel you pass as `module` / `threadsModule`.
   */
  simd?: 'auto' | 'baseline' | 'relaxed';
}

/** Accounting returned by {@link Runtime.stats}. */
export interface RuntimeStats {
  /** Bytes in live allocations. */
  used: number;
  /** Largest `used` seen so far. */
  peak: number;
  /** Number of live allocations. */
  blocks: number;
  /** Current size of the wasm memory in bytes. */
  memoryBytes: number;
  /** How many times the memory has grown. */
  grows: number;
}

interface Block { ptr: number; bytes: number }

type TypedArrayOf<T> = T extends Float64Array ? Float64ArrayConstructor : Float32ArrayConstructor;

/** A typed array living in the runtime's memory. `.a` is always a valid view, also after the memory grew. */
abstract class WasmArray<T extends Float64Array | Float32Array> {
  private view: T;
  constructor(readonly rt: Runtime, readonly ptr: number, readonly length: number, private readonly ctor: TypedArrayOf<T>) {
    this.view = new ctor(rt.memory.buffer, ptr, length) as T;
  }
  /** The typed view (rebuilt if the memory has grown since it was made). */
  get a(): T {
    if (this.view.buffer !== this.rt.memory.buffer) this.view = new this.ctor(this.rt.memory.buffer, this.ptr, this.length) as T;
    return this.view;
  }
  /** Copy `src` in (lengths must match). */
  set(src: ArrayLike<number>): this {
    if (src.length !== this.length) throw new ValidationError(`copy of length ${src.length} into a buffer of length ${this.length}`);
    this.a.set(src);
    return this;
  }
  /** A fresh JS-owned copy. */
  copy(): T { return this.a.slice() as T; }
  /** Return the memory to the runtime. */
  free(): void { this.rt.free(this.ptr); }
}

/** An f64 array in the runtime's memory. */
export class F64Buf extends WasmArray<Float64Array> {
  constructor(rt: Runtime, ptr: number, length: number) { super(rt, ptr, length, Float64Array); }
}

/** An f32 array in the runtime's memory. */
export class F32Buf extends WasmArray<Float32Array> {
  constructor(rt: Runtime, ptr: number, length: number) { super(rt, ptr, length, Float32Array); }
}

/** Owner of one wasm memory and one kernel instance. Create with {@link Runtime.create} (or {@link createRuntime}). */
export class Runtime {
  /** Pointer to the ziggurat tables the Gaussian generators read. */
  readonly zigTable: number;
  private live = new Map<number, number>();
  private freeList: Block[] = [];
  private top = HEAP_BASE;
  private used = 0;
  private peak = 0;
  private grows = 0;
  private disposed = false;
  private readonly owned = new Set<{ dispose(): void }>();

  private constructor(
    readonly memory: WebAssembly.Memory,
    readonly kernels: Kernels,
    readonly shared: boolean,
    readonly maxBytes: number,
    /** The compiled kernels this runtime runs on (the threads build when shared); workers of shared placements get it. */
    readonly module: WebAssembly.Module,
    private readonly simdModuleGiven: WebAssembly.Module | undefined,
    /** The worker program its placements start (undefined: the packaged file). */
    readonly workerScript: WorkerScript | undefined,
    /** The packaged kernel build this runtime runs on ('given': a module passed in the options). */
    readonly kernelVariant: KernelVariant | 'given',
  ) {
    this.zigTable = this.alloc(ZIG_TABLE_BYTES);
    kernels.zig_init(this.zigTable);
  }

  /** Compile (once per process) and instantiate the kernels over a new memory. */
  static async create(opts: RuntimeOptions = {}): Promise<Runtime> {
    checkKeys('runtime options', opts, ['shared', 'maxBytes', 'module', 'threadsModule', 'workerScript', 'memory', 'simd']);
    const shared = opts.shared ?? false;
    if (shared && !sharedMemorySupported()) {
      throw new ValidationError('shared memory is not available here (no SharedArrayBuffer, or the page is not cross-origin isolated)');
    }
    const maxBytes = opts.maxBytes ?? WASM32_MAX_BYTES;
    if (!(maxBytes > HEAP_BASE && maxBytes <= WASM32_MAX_BYTES)) {
      throw new ValidationError(`maxBytes must be in (64 KiB, 4 GiB], got ${maxBytes}`);
    }
    for (const key of ['module', 'threadsModule'] as const) {
      if (opts[key] !== undefined && !(opts[key] instanceof WebAssembly.Module)) throw new ValidationError(`${key} must be a compiled WebAssembly.Module`);
    }
    const simd = opts.simd ?? 'auto';
    if (simd !== 'auto' && simd !== 'baseline' && simd !== 'relaxed') throw new ValidationError(`simd must be 'auto', 'baseline' or 'relaxed', got ${String(simd)}`);
    if (simd === 'relaxed' && !relaxedSimdSupported()) {
      throw new KernelLoadError("simd: 'relaxed' needs an engine with relaxed SIMD (Node ≥ 22, Chromium ≥ 114; Node 20 with --experimental-wasm-relaxed-simd)");
    }
    const relaxed = simd === 'relaxed' || (simd === 'auto' && relaxedSimdSupported());
    const given = shared ? opts.threadsModule : opts.module;
    const variant: KernelVariant = given ? (shared ? 'threads' : 'simd') : relaxed ? (shared ? 'relaxed-threads' : 'relaxed') : (shared ? 'threads' : 'simd');
    const module = given ?? (await compileKernels(variant));
    const memory = opts.memory ?? new WebAssembly.Memory({ initial: 2, maximum: Math.floor(maxBytes / PAGE), shared } as WebAssembly.MemoryDescriptor);
    const kernels = await instantiateKernels(module, memory);
    return new Runtime(memory, kernels, shared, maxBytes, module, opts.module, opts.workerScript, given ? 'given' : variant);
  }

  /** The SIMD kernels (non-shared memory) that workers owning their rows instantiate: the given module or the packaged one. */
  async simdModule(): Promise<WebAssembly.Module> {
    if (!this.shared) return this.module;
    return this.simdModuleGiven ?? compileKernels(this.kernelVariant === 'relaxed-threads' ? 'relaxed' : 'simd');
  }

  /** Register something to dispose with the runtime (operators whose workers must stop). */
  own(x: { dispose(): void }): void { this.owned.add(x); }
  /** Forget a registration (the thing was disposed on its own). */
  disown(x: { dispose(): void }): void { this.owned.delete(x); }

  /** Bytes an allocation of `bytes` really takes (rounded up to the alignment). */
  static blockBytes(bytes: number): number { return Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN; }

  /** Bytes still allocatable before the 4 GiB (or `maxBytes`) limit, ignoring fragmentation. */
  available(): number { return this.maxBytes - this.top + this.freeList.reduce((s, b) => s + b.bytes, 0); }

  /**
   * Allocate `bytes` (64-byte aligned) and return the byte offset. Grows the memory if needed.
   * @throws OutOfMemoryError when the request cannot fit under the wasm32 limit or the host refuses to grow.
   */
  alloc(bytes: number): number {
    if (this.disposed) throw new StateError('this runtime has been disposed');
    if (!Number.isFinite(bytes) || bytes < 0) throw new ValidationError(`allocation size must be a finite non-negative number, got ${bytes}`);
    const size = Runtime.blockBytes(bytes);
    for (let i = 0; i < this.freeList.length; i++) {
      const b = this.freeList[i];
      if (b.bytes >= size) {
        const ptr = b.ptr;
        if (b.bytes === size) this.freeList.splice(i, 1);
        else { b.ptr += size; b.bytes -= size; }
        return this.track(ptr, size);
      }
    }
    const ptr = this.top;
    const end = ptr + size;
    if (end > this.maxBytes) {
      throw new OutOfMemoryError(
        `cannot allocate ${formatBytes(size)}: the runtime would need ${formatBytes(end)} but one WebAssembly memory is limited to ${formatBytes(this.maxBytes)}` +
          (this.maxBytes === WASM32_MAX_BYTES ? ' (wasm32)' : ''),
        size, this.maxBytes);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch (e) {
        throw new OutOfMemoryError(`the host refused to grow the WebAssembly memory to ${formatBytes(have + pages * PAGE)}: ${(e as Error).message}`, size, this.maxBytes);
      }
      this.grows++;
    }
    this.top = end;
    return this.track(ptr, size);
  }

  private track(ptr: number, size: number): number {
    this.live.set(ptr, size);
    this.used += size;
    if (this.used > this.peak) this.peak = this.used;
    return ptr;
  }

  /** Return a block to the allocator (adjacent free blocks are merged; a free block at the top lowers the top). */
  free(ptr: number): void {
    if (this.disposed) return; // everything went with the runtime
    const size = this.live.get(ptr);
    if (size === undefined) throw new StateError(`free of ${ptr}, which is not a live allocation (double free?)`);
    this.live.delete(ptr);
    this.used -= size;
    let blk: Block = { ptr, bytes: size };
    // insert sorted, merge neighbours
    let i = 0;
    while (i < this.freeList.length && this.freeList[i].ptr < ptr) i++;
    this.freeList.splice(i, 0, blk);
    if (i + 1 < this.freeList.length && blk.ptr + blk.bytes === this.freeList[i + 1].ptr) {
      blk.bytes += this.freeList[i + 1].bytes; this.freeList.splice(i + 1, 1);
    }
    if (i > 0 && this.freeList[i - 1].ptr + this.freeList[i - 1].bytes === blk.ptr) {
      this.freeList[i - 1].bytes += blk.bytes; this.freeList.splice(i, 1); blk = this.freeList[i - 1];
    }
    const last = this.freeList[this.freeList.length - 1];
    if (last && last.ptr + last.bytes === this.top) { this.top = last.ptr; this.freeList.pop(); }
  }

  /** Allocate an f64 array of `n` entries (contents unspecified unless `fill` is given). */
  f64(n: number, fill?: number): F64Buf {
    const b = new F64Buf(this, this.alloc(n * 8), n);
    if (fill !== undefined) b.a.fill(fill);
    return b;
  }

  /** Allocate an f32 array of `n` entries. */
  f32(n: number, fill?: number): F32Buf {
    const b = new F32Buf(this, this.alloc(n * 4), n);
    if (fill !== undefined) b.a.fill(fill);
    return b;
  }

  /** Copy an array into a new runtime buffer of the same precision class (f64 for Float64Array, else f64 too). */
  fromArray(src: ArrayLike<number>): F64Buf { return this.f64(src.length).set(src); }

  /** Accounting of live memory. */
  stats(): RuntimeStats {
    return { used: this.used, peak: this.peak, blocks: this.live.size, memoryBytes: this.memory.buffer.byteLength, grows: this.grows };
  }

  /**
   * Dispose everything made in this runtime (operators stop their workers), then drop every allocation; any later use
   * of the runtime, or of a problem, operator or solver made in it, throws a StateError. The memory itself is
   * released by the garbage collector. Idempotent.
   */
  dispose(): void {
    if (this.disposed) return;
    for (const x of [...this.owned]) x.dispose();
    this.owned.clear();
    this.disposed = true;
    this.live.clear();
    this.freeList = [];
  }

  get isDisposed(): boolean { return this.disposed; }
}

/** Create a runtime (compiles the kernels once per process). */
export function createRuntime(opts?: RuntimeOptions): Promise<Runtime> {
  return Runtime.create(opts);
}
