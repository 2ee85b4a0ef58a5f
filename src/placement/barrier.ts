/**
 * The two placements driven through an Atomics barrier (src/workers/pool.ts): `shared` (the rows in the runtime's
 * shared memory; the calling thread takes block 0) and `private` (each worker owns its rows in its own memory;
 * vectors go through the exchange array of src/workers/protocol.ts). Both block the calling thread while a job runs.
 */
import { ValidationError } from '../errors.js';
import { PROGRAMS, aligned, programIndex, type ProgramName } from '../kernels/programs.js';
import type { Runtime } from '../runtime.js';
import { BarrierPool } from '../workers/pool.js';
import { CMD, MAX_DATA, MAX_PARAMS, SLOT, exchangeLayout, type RowLayout } from '../workers/protocol.js';
import { Placement, rowBytes, rowSlice, splitRows, type Job, type RowData } from './placement.js';

interface Buf { ptr: number; bytes: number }

function writeCommon(a: Float64Array, b: number, job: Job, row0: number, rows: number): void {
  if (job.params.length > MAX_PARAMS) throw new ValidationError(`a block job takes at most ${MAX_PARAMS} parameters`);
  a[b + SLOT.PROGRAM] = programIndex(job.program);
  a[b + SLOT.ROW0] = row0;
  a[b + SLOT.ROWS] = rows;
  a[b + SLOT.NPARAMS] = job.params.length;
  for (let j = 0; j < job.params.length; j++) a[b + SLOT.PARAMS + j] = job.params[j];
}

/** Rows in the runtime's shared memory: the calling thread and T − 1 workers each run a block. */
export class SharedPlacement extends Placement {
  readonly kind = 'shared';
  readonly threads: number;
  readonly blocks: ReadonlyArray<readonly [number, number]>;
  private readonly data: number[];
  /** Per participant: scratch; for t ≥ 1 also its partial output. */
  private readonly scratch: Buf[];
  private readonly partial: Buf[];

  private constructor(rt: Runtime, m: number, layout: RowLayout, blocks: Array<[number, number]>, private readonly pool: BarrierPool | null, data: number[]) {
    super(rt, m, layout);
    this.blocks = blocks;
    this.threads = blocks.length;
    this.data = data;
    this.scratch = blocks.map(() => ({ ptr: 0, bytes: 0 }));
    this.partial = blocks.map(() => ({ ptr: 0, bytes: 0 }));
  }

  static async create(rt: Runtime, m: number, layout: RowLayout, threads: number, data?: RowData): Promise<SharedPlacement> {
    if (!rt.shared) throw new ValidationError("memory: 'shared' needs a runtime created with { shared: true }");
    if (layout.bytesPerRow.length > MAX_DATA) throw new ValidationError(`an operator may have at most ${MAX_DATA} row arrays`);
    const blocks = splitRows(m, threads);
    // every worker instantiates the kernels on the shared memory before any row is written
    const pool = blocks.length > 1
      ? await BarrierPool.start(blocks.length - 1, () => ({ mode: 'shared', module: rt.module, memory: rt.memory }), rt.workerScript)
      : null;
    const ptrs: number[] = [];
    try {
      layout.bytesPerRow.forEach((b, j) => {
        const ptr = rt.alloc(m * b);
        ptrs.push(ptr);
        if (data) new Uint8Array(rt.memory.buffer, ptr, m * b).set(rowSlice(data[j], b, 0, m));
      });
    } catch (e) {
      pool?.dispose();
      for (const p of ptrs) rt.free(p);
      throw e;
    }
    return new SharedPlacement(rt, m, layout, blocks, pool, ptrs);
  }

  override rowPointers(): readonly number[] { return this.data; }
  override get runtimeBytes(): number { return this.m * rowBytes(this.layout); }
  override jobBytes(program: ProgramName, params: readonly number[], partialLen: number): number {
    const P = PROGRAMS[programIndex(program)];
    return this.blocks.reduce((s, [lo, hi], t) => s + aligned(P.scratchBytes(hi - lo, params)) + (t > 0 ? aligned(partialLen * 8) : 0), 0);
  }
  override get exitedWorkers(): number { return this.pool?.exitedCount ?? 0; }
  override injectWorkerDeath(i: number): void { this.pool!.injectDeath(i); }

  private ensure(b: Buf, bytes: number): number {
    if (bytes > b.bytes) {
      if (b.bytes) this.rt.free(b.ptr);
      b.ptr = this.rt.alloc(aligned(bytes));
      b.bytes = aligned(bytes);
    }
    return b.ptr;
  }

  protected _run(job: Job): void {
    const rt = this.rt, K = rt.kernels, program = PROGRAMS[programIndex(job.program)];
    const argsOf = (t: number) => {
      const [lo, hi] = this.blocks[t];
      return {
        row0: lo, rows: hi - lo,
        data: this.data.map((p, j) => p + lo * this.layout.bytesPerRow[j]),
        input: job.input?.ptr ?? 0,
        rowsIn: job.rowsInBuf ? job.rowsInBuf.ptr + lo * 8 : 0,
        rowsOut: job.rowsOutBuf ? job.rowsOutBuf.ptr + lo * 8 : 0,
        ldOut: this.m,
        partial: t === 0 ? job.out?.ptr ?? 0 : (job.partialLen ? this.ensure(this.partial[t], job.partialLen * 8) : 0),
        scratch: this.ensure(this.scratch[t], program.scratchBytes(hi - lo, job.params)),
        zig: rt.zigTable,
      };
    };
    const own = argsOf(0);
    if (this.pool) {
      const a = this.pool.args;
      for (let t = 1; t < this.threads; t++) {
        const x = argsOf(t), b = this.pool.slot(t - 1);
        writeCommon(a, b, job, x.row0, x.rows);
        a[b + SLOT.INPUT] = x.input; a[b + SLOT.ROWS_IN] = x.rowsIn; a[b + SLOT.ROWS_OUT] = x.rowsOut; a[b + SLOT.LD_OUT] = x.ldOut;
        a[b + SLOT.PARTIAL] = x.partial; a[b + SLOT.SCRATCH] = x.scratch; a[b + SLOT.ZIG] = x.zig;
        a[b + SLOT.NDATA] = x.data.length;
        x.data.forEach((p, j) => { a[b + SLOT.DATA + j] = p; });
      }
      this.pool.run(CMD.RUN, () => program.run(K, own, job.params));
    } else {
      program.run(K, own, job.params);
    }
    if (job.out && job.partialLen) {
      for (let t = 1; t < this.threads; t++) K.add_f64(job.out.ptr, job.out.ptr, this.partial[t].ptr, job.partialLen);
    }
  }

  protected _dispose(): void {
    this.pool?.dispose();
    if (this.rt.isDisposed) return;
    for (const p of this.data) this.rt.free(p);
    for (const b of [...this.scratch, ...this.partial]) if (b.bytes) this.rt.free(b.ptr);
  }

  protected override _closed(): Promise<void> { return this.pool?.close() ?? Promise.resolve(); }
}

/** Bytes one worker may hold in its own memory (rows and work vectors) — under the 4 GiB of one wasm memory. */
export const PRIVATE_BLOCK_BYTES = 65536 * 65536 - 256 * 2 ** 20;

/** Enough workers that each one's rows fit in one memory, with room for its work area. */
export function workersFor(m: number, layout: RowLayout, threads: number, workBytes: number): number {
  const rowsBytes = m * rowBytes(layout);
  return Math.max(threads, Math.ceil(rowsBytes / Math.max(1, PRIVATE_BLOCK_BYTES - workBytes)));
}

/**
 * The row blocks of workers that own their rows (private and message placements), and each one's start-up message:
 * the non-shared kernels, its rows' count and layout, and its slice of the data (copied, then transferred).
 */
export async function ownRows(rt: Runtime, m: number, layout: RowLayout, threads: number, data?: RowData) {
  const blocks = splitRows(m, workersFor(m, layout, threads, 0));
  const module = await rt.simdModule();
  const init = (i: number) => {
    const [lo, hi] = blocks[i];
    return { module, rows: hi - lo, layout, data: data?.map((d, j) => rowSlice(d, layout.bytesPerRow[j], lo, hi).slice().buffer as ArrayBuffer) };
  };
  return { blocks, init };
}

/** Each worker owns its rows in its own memory; vectors go through a SharedArrayBuffer exchange array. */
export class PrivatePlacement extends Placement {
  readonly kind = 'private';
  readonly threads: number;
  readonly blocks: ReadonlyArray<readonly [number, number]>;
  private xchg: Float64Array;

  private constructor(rt: Runtime, m: number, layout: RowLayout, blocks: Array<[number, number]>, private readonly pool: BarrierPool) {
    super(rt, m, layout);
    this.blocks = blocks;
    this.threads = blocks.length;
    this.xchg = new Float64Array(0);
  }

  static async create(rt: Runtime, m: number, layout: RowLayout, threads: number, data?: RowData): Promise<PrivatePlacement> {
    const { blocks, init } = await ownRows(rt, m, layout, threads, data);
    const pool = await BarrierPool.start(blocks.length, (i) => ({ mode: 'private', ...init(i) }), rt.workerScript);
    return new PrivatePlacement(rt, m, layout, blocks, pool);
  }

  override get exitedWorkers(): number { return this.pool.exitedCount; }
  override injectWorkerDeath(i: number): void { this.pool.injectDeath(i); }

  protected _run(job: Job): void {
    const L = exchangeLayout(this.m, job, this.threads);
    if (L.length > this.xchg.length) {
      // a larger exchange array: the workers take it between commands
      const sab = new SharedArrayBuffer(Math.max(L.length, Math.ceil(this.xchg.length * 1.5)) * 8);
      this.pool.reconfigure(() => ({ type: 'config', xchg: sab }));
      this.xchg = new Float64Array(sab);
    }
    const x = this.xchg, m = this.m, a = this.pool.args;
    if (job.inputLen) x.set(job.input!.a.subarray(0, job.inputLen), L.input);
    if (job.rowsIn) x.set(job.rowsInBuf!.a.subarray(0, job.rowsIn * m), L.rowsIn);
    this.blocks.forEach(([lo, hi], i) => {
      const b = this.pool.slot(i);
      writeCommon(a, b, job, lo, hi - lo);
      a[b + SLOT.INPUT_LEN] = job.inputLen; a[b + SLOT.ROWS_IN_COUNT] = job.rowsIn; a[b + SLOT.OUT_COUNT] = job.rowsOut;
      a[b + SLOT.PARTIAL_LEN] = job.partialLen; a[b + SLOT.M] = m; a[b + SLOT.WORKERS] = this.threads;
    });
    this.pool.run(CMD.RUN);
    if (job.rowsOut) job.rowsOutBuf!.a.set(x.subarray(L.rowsOut, L.rowsOut + job.rowsOut * m));
    if (job.partialLen) reducePartials(job.out!.a, job.partialLen, this.threads, (t) => x.subarray(L.partial + t * job.partialLen, L.partial + (t + 1) * job.partialLen));
  }

  protected _dispose(): void { this.pool.dispose(); }
  protected override _closed(): Promise<void> { return this.pool.close(); }
}

/** out = Σ_t part(t), t = 0, 1, … in order. */
export function reducePartials(out: Float64Array, len: number, parts: number, part: (t: number) => Float64Array): void {
  out.set(part(0).subarray(0, len));
  for (let t = 1; t < parts; t++) {
    const p = part(t);
    for (let j = 0; j < len; j++) out[j] += p[j];
  }
}
