/**
 * A dense Gaussian operator whose rows live in worker threads that exchange vectors by message — for platforms
 * without SharedArrayBuffer (a browser page that is not cross-origin isolated), where neither the shared-memory nor
 * the private-memory mode of {@link ParallelDenseOperator} can run. Each worker owns its rows in its own wasm memory
 * (so the operator may also exceed 4 GiB) and answers each pass with its residual rows and partial adjoint; the
 * partial adjoints are summed here in worker order, so results are deterministic and equal the other modes' up to
 * the order of that sum.
 *
 * Its passes are asynchronous (`applyAsync`, `adjointAsync`, `residualAdjointAsync`); the synchronous ones throw.
 * `solve()`, `Solver.runAsync()` / `iterate()` / `stepAsync()` and `createProblemParallel` use the async passes.
 * Methods whose update needs a second operator pass inside the step (AGN) and batched runs are not available on it.
 * Workers are started once, in `gaussian`; `dispose()` (or `await close()`) stops them; in Node they hold the process
 * only while a pass is awaited.
 */
import { StateError, ValidationError } from '../errors.js';
import { compileKernels } from '../kernels/load.js';
import { STREAM, splitSeed } from '../random.js';
import type { Runtime } from '../runtime.js';
import { OP } from '../workers/source.js';
import { MessagePool } from '../workers/message-pool.js';
import { resolveThreads } from '../workers/pool.js';
import { MeasurementOperator, type Vec } from './base.js';
import { PRIVATE_BLOCK_BYTES, splitRows } from './parallel.js';
import { checkOperatorMatrix, type GaussianOperatorOptions, type Precision } from './dense.js';

/** Options of {@link MessageDenseOperator.gaussian}. */
export interface MessageOperatorOptions extends GaussianOperatorOptions {
  /** Worker threads (default 'auto': the hardware threads, at most 16); more are started if a block would not fit. */
  threads?: number | 'auto';
}

export class MessageDenseOperator extends MeasurementOperator {
  readonly name: string;
  private _precision: Precision = 'mixed';

  private constructor(
    readonly rt: Runtime,
    private readonly pool: MessagePool,
    readonly threads: number,
    /** Row block [lo, hi) of each worker. */
    readonly blocks: Array<[number, number]>,
    m: number, n1: number, n2: number, symmetric: boolean,
  ) {
    super(m, n1, n2, symmetric);
    this.name = `${symmetric ? 'dense-gaussian-sym' : 'dense-gaussian'}×${threads}-message`;
  }

  /** A Gaussian operator, bit for bit {@link DenseOperator.gaussian}'s, generated in the workers. */
  static async gaussian(rt: Runtime, o: MessageOperatorOptions): Promise<MessageDenseOperator> {
    const { m, n1, n2 } = o;
    const symmetric = o.symmetric ?? false;
    if (symmetric && n1 !== n2) throw new ValidationError(`a symmetric operator needs n1 = n2, got ${n1} × ${n2}`);
    const op = await MessageDenseOperator.start(rt, m, n1, n2, symmetric, o.threads, null);
    try {
      const [hi, lo] = splitSeed(o.seed ?? 0);
      const gen = [1 / Math.sqrt(m), hi, lo, o.stream ?? STREAM.operator, symmetric ? n1 : 0];
      await Promise.all(op.blocks.map(([r0], i) => op.pool.request(i, { op: OP.P_GENERATE, row0: r0, gen })));
    } catch (e) {
      op.dispose();
      throw e;
    }
    return op;
  }

  /** Your own operator matrix (m × n1·n2 row-major), its rows copied (as f32) into the workers' memories. */
  static async fromArray(rt: Runtime, data: Float32Array | Float64Array, m: number, n1: number, n2: number,
    o: { threads?: number | 'auto'; symmetric?: boolean | 'auto' } = {}): Promise<MessageDenseOperator> {
    const symmetric = checkOperatorMatrix(data, m, n1, n2, o.symmetric ?? 'auto');
    return MessageDenseOperator.start(rt, m, n1, n2, symmetric, o.threads, data);
  }

  private static async start(rt: Runtime, m: number, n1: number, n2: number, symmetric: boolean, threadsOpt: number | 'auto' | undefined,
    data: Float32Array | Float64Array | null): Promise<MessageDenseOperator> {
    if (!Number.isInteger(m) || m < 1 || !Number.isInteger(n1) || n1 < 1 || !Number.isInteger(n2) || n2 < 1) throw new ValidationError(`sizes must be positive integers, got m = ${m}, n1 = ${n1}, n2 = ${n2}`);
    const N = n1 * n2;
    const perRowBytes = N * 4 + 8 * 3;
    // enough workers that each block fits in one wasm memory
    const threads = Math.max(await resolveThreads(threadsOpt), Math.ceil((m * perRowBytes + 4 * N * 8) / PRIVATE_BLOCK_BYTES));
    const blocks = splitRows(m, threads).filter(([lo, hi]) => hi > lo);
    const module = await compileKernels('simd');
    const pool = await MessagePool.start(blocks.length, (i) => {
      const [lo, hi] = blocks[i];
      const rows = data ? (new Float32Array(data.subarray(lo * N, hi * N)).buffer as ArrayBuffer) : undefined;
      return { module, rows: hi - lo, N, maxBatch: 1, data: rows };
    });
    return new MessageDenseOperator(rt, pool, blocks.length, blocks, m, n1, n2, symmetric);
  }

  override get asynchronous(): boolean { return true; }

  /** Bytes of the operator, spread over the workers' memories (none of it in the runtime). */
  get memoryBytes(): number { return 0; }
  /** Bytes the workers hold for the operator's rows. */
  get workerBytes(): number { return this.m * this.N * 4; }

  /** Arithmetic of the fused pass, as {@link DenseOperator.precision}. */
  get precision(): Precision { return this._precision; }
  set precision(p: Precision) {
    if (p !== 'f64' && p !== 'mixed' && p !== 'f32') throw new ValidationError(`precision must be 'f64', 'mixed' or 'f32', got ${String(p)}`);
    this._precision = p;
  }

  private get precCode(): number { return this._precision === 'f64' ? 0 : this._precision === 'mixed' ? 1 : 2; }

  /** A getter for `a` valid after an await: a view into wasm memory is re-made if the memory grew meanwhile. */
  private later(a: Vec): () => Float64Array {
    const mem = this.rt.memory;
    if (a.buffer !== mem.buffer) return () => a;
    const off = a.byteOffset, n = a.length;
    return () => (a.length === n ? a : new Float64Array(mem.buffer, off, n)); // a detached view has length 0
  }

  private sync(what: string): never {
    throw new StateError(`${this.name}: ${what} is asynchronous on an operator that exchanges vectors by message (no SharedArrayBuffer); ` +
      `use ${what}Async(), solve() or Solver.runAsync()`);
  }

  protected _apply(): void { this.sync('apply'); }
  protected _adjoint(): void { this.sync('adjoint'); }
  protected override _residualAdjoint(): number { this.sync('residualAdjoint'); }

  protected override async _applyAsync(X: Vec, out: Vec): Promise<void> {
    const get = this.later(out), x = X.slice();
    const res = await Promise.all(this.blocks.map((_b, i) => this.pool.request(i, { op: OP.P_APPLY, x })));
    const o = get(), N = this.N;
    this.blocks.forEach(([lo, hi], i) => o.set(res[i].subarray(N + (hi - lo), N + 2 * (hi - lo)), lo));
  }

  protected override async _adjointAsync(r: Vec, S: Vec): Promise<void> {
    const get = this.later(S);
    const res = await Promise.all(this.blocks.map(([lo, hi], i) => this.pool.request(i, { op: OP.P_ADJOINT, r: r.slice(lo, hi) })));
    this.sumPartials(get(), res, 0);
  }

  protected override async _residualAdjointAsync(X: Vec, b: Vec, r: Vec, S: Vec): Promise<number> {
    const getR = this.later(r), getS = this.later(S), x = X.slice(), prec = this.precCode;
    const res = await Promise.all(this.blocks.map(([lo, hi], i) => this.pool.request(i, { op: OP.P_FUSED, prec, x, b: b.slice(lo, hi) })));
    const ro = getR(), N = this.N;
    this.blocks.forEach(([lo, hi], i) => ro.set(res[i].subarray(N + (hi - lo), N + 2 * (hi - lo)), lo));
    return this.sumPartials(getS(), res, 1);
  }

  /**
   * S = Σ_t S_t over the workers in order (S_t sits after x, b and r in worker t's exchange array); with `withSs`,
   * also returns Σ_t ‖r_t‖².
   */
  private sumPartials(S: Float64Array, res: Float64Array[], withSs: number): number {
    const N = this.N;
    S.fill(0);
    let ss = 0;
    this.blocks.forEach(([lo, hi], i) => {
      const off = N + 2 * (hi - lo), part = res[i];
      for (let j = 0; j < N; j++) S[j] += part[off + j];
      if (withSs) ss += part[off + N];
    });
    return ss;
  }

  /** Stop the workers. Idempotent. */
  override dispose(): void { this.pool.dispose(); }

  /** {@link dispose}, then wait until every worker has exited. */
  async close(): Promise<void> { await this.pool.close(); }

  /** Workers that have exited (all of them once `close()` resolves). */
  get exitedWorkers(): number { return this.pool.exitedCount; }
}
