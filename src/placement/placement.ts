/**
 * Placement: where an operator's rows live and who computes on them (docs/theory.md §8: "rows of A split across workers:
 * the residuals need no reduction, E needs one"). An operator owns one placement and hands it block jobs
 * (src/kernels/programs.ts); the placement runs the job once per participant on its block of rows and sums the
 * participants' partial outputs in a fixed order (participant 0 first), so results depend on the thread count only
 * through the order of that sum.
 *
 * - `local`: the rows in the runtime's memory, the calling thread does everything;
 * - `shared`: the rows in the runtime's shared memory, the calling thread and T − 1 workers each take a block;
 * - `private`: each worker owns its rows in its own memory (an operator may then exceed one memory's 4 GiB);
 *   vectors go through a plain SharedArrayBuffer;
 * - `message`: as private, vectors by message (no SharedArrayBuffer; asynchronous, so usable on a page's main thread).
 */
import { StateError, ValidationError } from '../errors.js';
import { PROGRAMS, aligned, programIndex, type ProgramName } from '../kernels/programs.js';
import type { F64Buf, Runtime } from '../runtime.js';
import type { JobShape, RowLayout } from '../workers/protocol.js';

/** Where the rows live (see the module doc). */
export type PlacementKind = 'local' | 'shared' | 'private' | 'message';

/** Threads and memory of an operator's rows, as the user asks for them. */
export interface PlacementOptions {
  /** Threads taking part (default 1; 'auto': the hardware threads, at most 16). */
  threads?: number | 'auto';
  /**
   * 'auto' (default): local for one thread; shared when the runtime is shared and the rows fit in it; private where
   * the thread may block (Node, a Web Worker); message otherwise (a page's main thread, no SharedArrayBuffer).
   */
  memory?: 'auto' | PlacementKind;
}

/** A job and its buffers on the calling thread (runtime memory). */
export interface Job extends JobShape {
  program: ProgramName;
  params: readonly number[];
  /** The broadcast input (inputLen entries). */
  input?: F64Buf;
  /** The per-row inputs: vector t at t·m (rowsIn × m entries). Required when `rowsIn` > 0. */
  rowsInBuf?: F64Buf;
  /** Where the per-row outputs go: vector t at t·m (rowsOut × m entries). Required when `rowsOut` > 0. */
  rowsOutBuf?: F64Buf;
  /** Where the summed partial output goes (partialLen entries). Required when `partialLen` > 0. */
  out?: F64Buf;
}

export abstract class Placement {
  abstract readonly kind: PlacementKind;
  /** Participants (the calling thread counts as one in local and shared placements). */
  abstract readonly threads: number;
  /** Row block [lo, hi) of each participant. */
  abstract readonly blocks: ReadonlyArray<readonly [number, number]>;
  private disposed = false;

  constructor(readonly rt: Runtime, readonly m: number, readonly layout: RowLayout) {}

  /** False for placements whose jobs can only be awaited (message). */
  get synchronous(): boolean { return true; }

  get isDisposed(): boolean { return this.disposed; }

  /** Run a job on every block and reduce (synchronous placements). */
  run(job: Job): void {
    this.check(job);
    this._run(job);
  }

  /** Run a job on every block and reduce; every placement has it. */
  async runAsync(job: Job): Promise<void> {
    this.check(job);
    await this._runAsync(job);
  }

  /**
   * Runtime bytes a job of this program allocates besides its own buffers: the participants' scratch and, in shared
   * memory, the workers' partial outputs (kept and reused by the placement). 0 where workers hold them in their memory.
   */
  jobBytes(_program: ProgramName, _params: readonly number[], _partialLen: number): number { return 0; }

  /** Pointers of the row arrays in the runtime's memory (local and shared placements only). */
  rowPointers(): readonly number[] | undefined { return undefined; }

  /** Bytes of the rows held in the runtime's memory (0 where workers hold them). */
  get runtimeBytes(): number { return 0; }

  /** Stop the workers and free the rows. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this._dispose();
  }

  /** {@link dispose}, then wait until every worker has exited. */
  async close(): Promise<void> { this.dispose(); await this._closed(); }

  /** Workers that have exited (tests). */
  get exitedWorkers(): number { return 0; }

  /** Fault injection for tests: make worker i die during the next job (placements with workers). */
  injectWorkerDeath(_i: number): void { throw new StateError(`a ${this.kind} placement has no workers`); }

  protected abstract _run(job: Job): void;
  protected _runAsync(job: Job): Promise<void> | void { this._run(job); }
  protected abstract _dispose(): void;
  protected _closed(): Promise<void> { return Promise.resolve(); }

  private check(job: Job): void {
    if (this.disposed) throw new StateError(`this ${this.kind} placement has been disposed`);
    if (this.rt.isDisposed) throw new StateError('the runtime of this operator has been disposed');
    if (job.rowsOut > 0 && (!job.rowsOutBuf || job.rowsOutBuf.length < job.rowsOut * this.m)) throw new ValidationError(`job ${job.program}: rowsOutBuf must hold ${job.rowsOut} × ${this.m} entries`);
    if (job.partialLen > 0 && (!job.out || job.out.length < job.partialLen)) throw new ValidationError(`job ${job.program}: out must hold ${job.partialLen} entries`);
    if (job.inputLen > 0 && (!job.input || job.input.length < job.inputLen)) throw new ValidationError(`job ${job.program}: input must hold ${job.inputLen} entries`);
    if (job.rowsIn > 0 && (!job.rowsInBuf || job.rowsInBuf.length < job.rowsIn * this.m)) throw new ValidationError(`job ${job.program}: rowsInBuf must hold ${job.rowsIn} × ${this.m} entries`);
  }
}

/** Row blocks [lo, hi) of `parts` nearly equal sizes, multiples of 4 rows except the last (empty blocks dropped). */
export function splitRows(m: number, parts: number): Array<[number, number]> {
  const per = Math.ceil(m / parts / 4) * 4;
  const out: Array<[number, number]> = [];
  for (let t = 0; t < parts; t++) {
    const lo = Math.min(m, t * per), hi = t === parts - 1 ? m : Math.min(m, (t + 1) * per);
    if (hi > lo || t === 0) out.push([lo, hi]);
  }
  return out;
}

/** Bytes per row over every row array. */
export function rowBytes(layout: RowLayout): number { return layout.bytesPerRow.reduce((s, b) => s + b, 0); }

/** Row data given by the caller: one typed array per row array, each holding all m rows. */
export type RowData = ReadonlyArray<ArrayBufferView>;

/** The byte view of a row array's rows [lo, hi). */
export function rowSlice(data: ArrayBufferView, bytesPerRow: number, lo: number, hi: number): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset + lo * bytesPerRow, (hi - lo) * bytesPerRow);
}

/** The rows in the runtime's memory; the calling thread runs every job on all of them. */
export class LocalPlacement extends Placement {
  readonly kind = 'local';
  readonly threads = 1;
  readonly blocks: ReadonlyArray<readonly [number, number]>;
  private readonly data: number[] = [];
  private scratch = { ptr: 0, bytes: 0 };

  /** Allocate the rows in the runtime (copied from `data` when given). */
  constructor(rt: Runtime, m: number, layout: RowLayout, data?: RowData) {
    super(rt, m, layout);
    this.blocks = [[0, m]];
    try {
      layout.bytesPerRow.forEach((b, j) => {
        const ptr = rt.alloc(m * b);
        this.data.push(ptr);
        if (data) new Uint8Array(rt.memory.buffer, ptr, m * b).set(rowSlice(data[j], b, 0, m));
      });
    } catch (e) { for (const p of this.data) rt.free(p); throw e; }
  }

  override rowPointers(): readonly number[] { return this.data; }
  override get runtimeBytes(): number { return this.m * rowBytes(this.layout); }
  override jobBytes(program: ProgramName, params: readonly number[]): number {
    return aligned(PROGRAMS[programIndex(program)].scratchBytes(this.m, params));
  }

  protected _run(job: Job): void {
    const program = PROGRAMS[programIndex(job.program)];
    const need = program.scratchBytes(this.m, job.params);
    if (need > this.scratch.bytes) {
      if (this.scratch.bytes) this.rt.free(this.scratch.ptr);
      this.scratch = { ptr: this.rt.alloc(aligned(need)), bytes: aligned(need) };
    }
    program.run(this.rt.kernels, {
      row0: 0, rows: this.m, data: this.data, input: job.input?.ptr ?? 0, rowsIn: job.rowsInBuf?.ptr ?? 0,
      rowsOut: job.rowsOutBuf?.ptr ?? 0, ldOut: this.m, partial: job.out?.ptr ?? 0, scratch: this.scratch.ptr, zig: this.rt.zigTable,
    }, job.params);
  }

  protected _dispose(): void {
    if (this.rt.isDisposed) return;
    for (const p of this.data) this.rt.free(p);
    if (this.scratch.bytes) this.rt.free(this.scratch.ptr);
  }
}
