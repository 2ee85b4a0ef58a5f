/**
 * Zero-copy access to vectors in wasm memory for the operators' kernels: a vector that already lives in the runtime's
 * memory (the solver's buffers do) is passed by pointer; any other is copied into a scratch buffer of its slot, kept
 * for the next call, and `done` copies the kernel's result back.
 */
import type { F64Buf, Runtime } from '../runtime.js';
import type { Vec } from './base.js';

/** A vector as a kernel argument: its pointer, a fresh view of it, and the copy-back for outputs. */
export interface InMemoryVec {
  ptr: number;
  /** A view valid until the next allocation in the runtime (memory growth detaches views). */
  view(): Float64Array;
  done(target: Vec): void;
}

export class ScratchVectors<Slot extends string> {
  private bufs: Partial<Record<Slot, F64Buf>> = {};

  constructor(private readonly rt: Runtime) {}

  /** `a` (length n) in wasm memory: by pointer when it already is, else copied into the slot's scratch buffer. */
  inMemory(a: Vec, slot: Slot, n: number): InMemoryVec {
    const rt = this.rt;
    if (a.buffer === rt.memory.buffer) return { ptr: a.byteOffset, view: () => new Float64Array(rt.memory.buffer, a.byteOffset, n), done() {} };
    let b = this.bufs[slot];
    if (!b || b.length !== n) { b?.free(); b = rt.f64(n); this.bufs[slot] = b; }
    const buf: F64Buf = b;
    buf.a.set(a);
    return { ptr: buf.ptr, view: () => buf.a, done(target: Vec) { target.set(buf.a); } };
  }

  /** Free every scratch buffer (they are allocated again on demand). */
  free(): void {
    for (const b of Object.values<F64Buf | undefined>(this.bufs)) b?.free();
    this.bufs = {};
  }
}
