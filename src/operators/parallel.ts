/**
 * A dense operator whose rows are split across worker threads (math.md §8: "the residuals need no reduction, E needs
 * one"). Two modes:
 *
 * - `shared`: one shared WebAssembly.Memory (a runtime made with `{ shared: true }`) holds A; every worker instantiates
 *   the threaded kernels on it (all of them before A is written: instantiation rewrites the module's data segment);
 *   the calling thread does the first row block itself, each worker one more, and the partial adjoints S_t are added
 *   with `add_f64`. Nothing is copied per iteration.
 * - `private`: each worker owns its rows in its own (non-shared) memory, so the operator may exceed one wasm memory's
 *   4 GiB (a 6 GiB operator runs on a 24 GiB machine). Vectors go through a plain SharedArrayBuffer: x and b in, the
 *   worker's residual rows and its partial S_t out (O(m + T·N) copies per pass, against the m·N operator).
 *
 * Both modes block the calling thread in `Atomics.wait` while the workers run: fine in Node and inside a Web Worker,
 * not allowed on a browser page's main thread — there, run the solver in a worker (and serve the page
 * cross-origin-isolated, which SharedArrayBuffer needs). Row i is generated from (seed, stream, i) alone, so the
 * operator is bit-identical to {@link DenseOperator.gaussian} for every thread count and mode. Results of a pass
 * differ across thread counts only by the order of the final sum over row blocks (tolerance: see docs/performance.md).
 *
 * Workers are started once, in `create`; `dispose()` (or `await close()`) stops them. They are unref()ed in Node, so a
 * forgotten operator never keeps the process alive.
 */
import { ValidationError } from '../errors.js';
import { compileKernels } from '../kernels/load.js';
import { STREAM, splitSeed } from '../random.js';
import { WASM32_MAX_BYTES, type F32Buf, type F64Buf, type Runtime } from '../runtime.js';
import { OP } from '../workers/source.js';
import { WorkerPool, resolveThreads } from '../workers/pool.js';
import { MeasurementOperator, type Vec } from './base.js';
import { ScratchVectors } from './scratch.js';
import { checkOperatorMatrix, type GaussianOperatorOptions, type Precision } from './dense.js';

/** Options of the parallel operator. */
export interface ParallelOptions {
  /** Threads taking part (the calling thread counts as one in shared mode). Default 'auto' (hardware threads). */
  threads?: number | 'auto';
  /**
   * 'shared' (needs a runtime created with `{ shared: true }`), 'private' (rows in per-worker memories), or 'auto'
   * (default): shared when the runtime is shared and the operator fits in it, else private. 'message' (only for
   * `createProblemParallel`, and its default where SharedArrayBuffer does not exist): a {@link MessageDenseOperator}.
   */
  memory?: 'shared' | 'private' | 'auto' | 'message';
  /** Largest batch (B trajectories) a private-mode operator must serve in one pass. Default 8. */
  maxBatch?: number;
}

/** Bytes one private worker may hold (rows + vectors) — under the 4 GiB of one wasm memory. */
export const PRIVATE_BLOCK_BYTES = WASM32_MAX_BYTES - 256 * 2 ** 20;

export class ParallelDenseOperator extends MeasurementOperator {
  readonly name: string;
  private _precision: Precision = 'mixed';
  /** Row block [lo, hi) of each participant (shared: participant 0 is the calling thread). */
  readonly blocks: Array<[number, number]>;
  private readonly scratch: ScratchVectors<'x' | 'r' | 'S' | 'b'>;
  private partS: F64Buf[] = [];
  private f32?: { x: F32Buf; b: F32Buf; r: F32Buf; S: F32Buf[]; tmp: F64Buf };
  private batchS: F64Buf[] = [];
  private batchSS?: F64Buf;
  private xchg?: Float64Array;
  private disposed = false;

  private constructor(
    readonly rt: Runtime,
    readonly pool: WorkerPool | null,
    readonly mode: 'shared' | 'private',
    readonly threads: number,
    readonly A: F32Buf | null,
    m: number, n1: number, n2: number, symmetric: boolean,
    blocks: Array<[number, number]>,
    readonly maxBatch: number,
    xchg: SharedArrayBuffer | undefined,
  ) {
    super(m, n1, n2, symmetric);
    this.blocks = blocks;
    this.name = `${symmetric ? 'dense-gaussian-sym' : 'dense-gaussian'}×${threads}${mode === 'private' ? '-private' : ''}`;
    if (xchg) this.xchg = new Float64Array(xchg);
    this.scratch = new ScratchVectors(rt);
  }

  /** A Gaussian operator (as {@link DenseOperator.gaussian}, bit for bit), generated in parallel. */
  static async gaussian(rt: Runtime, o: GaussianOperatorOptions & ParallelOptions): Promise<ParallelDenseOperator> {
    const { m, n1, n2 } = o;
    const symmetric = o.symmetric ?? false;
    if (symmetric && n1 !== n2) throw new ValidationError(`a symmetric operator needs n1 = n2, got ${n1} × ${n2}`);
    const op = await ParallelDenseOperator.create(rt, m, n1, n2, symmetric, o, null);
    const [hi, lo] = splitSeed(o.seed ?? 0);
    op.generate(1 / Math.sqrt(m), hi, lo, o.stream ?? STREAM.operator);
    return op;
  }

  /** Wrap your own operator matrix (m × n1·n2 row-major, copied as f32). */
  static async fromArray(rt: Runtime, data: Float32Array | Float64Array, m: number, n1: number, n2: number, o: ParallelOptions & { symmetric?: boolean | 'auto' } = {}): Promise<ParallelDenseOperator> {
    const symmetric = checkOperatorMatrix(data, m, n1, n2, o.symmetric ?? 'auto');
    return ParallelDenseOperator.create(rt, m, n1, n2, symmetric, o, data);
  }

  private static async create(rt: Runtime, m: number, n1: number, n2: number, symmetric: boolean, o: ParallelOptions, data: Float32Array | Float64Array | null): Promise<ParallelDenseOperator> {
    if (!Number.isInteger(m) || m < 1 || !Number.isInteger(n1) || n1 < 1 || !Number.isInteger(n2) || n2 < 1) throw new ValidationError(`sizes must be positive integers, got m = ${m}, n1 = ${n1}, n2 = ${n2}`);
    const N = n1 * n2, bytes = m * N * 4;
    let threads = await resolveThreads(o.threads);
    const maxBatch = o.maxBatch ?? 8;
    let mode = o.memory ?? 'auto';
    if (mode === 'message') throw new ValidationError("memory: 'message' is a different operator: use MessageDenseOperator.gaussian or createProblemParallel");
    if (mode !== 'shared' && mode !== 'private' && mode !== 'auto') throw new ValidationError(`memory must be 'shared', 'private', 'auto' or 'message', got ${String(mode)}`);
    if (mode === 'auto') mode = rt.shared && bytes + 4 * (threads * N * 8) < rt.available() ? 'shared' : 'private';
    if (mode === 'shared') {
      if (!rt.shared) throw new ValidationError("memory: 'shared' needs a runtime created with { shared: true }");
      const blocks = splitRows(m, threads);
      // instantiate every worker before A is written (instantiation rewrites the data segment)
      const module = await compileKernels('threads');
      const pool = threads > 1 ? await WorkerPool.start(threads - 1, () => ({ mode: 'shared', module, memory: rt.memory })) : null;
      let A: F32Buf;
      try {
        A = rt.f32(m * N);
      } catch (e) { pool?.dispose(); throw e; }
      const op = new ParallelDenseOperator(rt, pool, 'shared', threads, A, m, n1, n2, symmetric, blocks, maxBatch, undefined);
      try {
        for (let t = 1; t < threads; t++) op.partS.push(rt.f64(N));
        if (data) A.set(data);
      } catch (e) { op.dispose(); throw e; }
      return op;
    }
    // private: enough workers that each block fits in one wasm memory
    const perRowBytes = N * 4 + 8 * (1 + 2 * maxBatch);
    const minWorkers = Math.ceil((m * perRowBytes + 4 * N * 8 * maxBatch) / PRIVATE_BLOCK_BYTES);
    threads = Math.max(threads, minWorkers);
    const blocks = splitRows(m, threads);
    const module = await compileKernels('simd');
    const xchg = new SharedArrayBuffer((maxBatch * N + m + maxBatch * m + threads * (maxBatch * N + maxBatch)) * 8);
    const pool = await WorkerPool.start(threads, (i) => {
      const [lo, hi] = blocks[i];
      let buf: ArrayBuffer | undefined;
      if (data) { const f = new Float32Array(data.subarray(lo * N, hi * N)); buf = f.buffer as ArrayBuffer; }
      return { mode: 'private', module, rows: hi - lo, N, maxBatch, data: buf, xchg };
    });
    const op = new ParallelDenseOperator(rt, pool, 'private', threads, null, m, n1, n2, symmetric, blocks, maxBatch, xchg);
    for (let i = 0; i < threads; i++) { const b = pool.slot(i); pool.args[b] = blocks[i][0]; pool.args[b + 1] = blocks[i][1] - blocks[i][0]; }
    return op;
  }

  /** Bytes of the operator (in the runtime in shared mode, spread over the workers' memories in private mode). */
  get memoryBytes(): number { return this.m * this.N * 4; }

  /** Arithmetic of the fused pass, as {@link DenseOperator.precision}. */
  get precision(): Precision { return this._precision; }
  set precision(p: Precision) {
    if (p !== 'f64' && p !== 'mixed' && p !== 'f32') throw new ValidationError(`precision must be 'f64', 'mixed' or 'f32', got ${String(p)}`);
    this._precision = p;
    if (p === 'f32' && this.mode === 'shared' && !this.f32) {
      const rt = this.rt, T = this.threads;
      this.f32 = { x: rt.f32(this.N), b: rt.f32(this.m), r: rt.f32(this.m), S: Array.from({ length: T }, () => rt.f32(this.N)), tmp: rt.f64(this.N) };
    }
  }

  private precCode(): number { return this._precision === 'f64' ? 0 : this._precision === 'mixed' ? 1 : 2; }

  private setCommon(B = 1): void {
    const a = this.pool!.args;
    a[0] = this.N; a[1] = this.m; a[2] = this.threads; a[3] = this.precCode(); a[4] = B;
  }

  private generate(scale: number, hi: number, lo: number, stream: number): void {
    const K = this.rt.kernels, N = this.N, symN = this.symmetric ? this.n1 : 0;
    if (this.mode === 'shared') {
      const A = this.A!.ptr, rowBytes = N * 4;
      const gen = (t: number) => {
        const [r0, r1] = this.blocks[t];
        return [A + r0 * rowBytes, r1 - r0, N, scale, hi, lo, stream, r0, this.rt.zigTable];
      };
      for (let t = 1; t < this.threads; t++) this.pool!.setCall(t - 1, 'normal_rows_f32', gen(t));
      const own = () => {
        const g = gen(0);
        K.normal_rows_f32(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8]);
        if (symN) K.symmetrize_rows_f32(g[0], g[1], symN);
      };
      if (!this.pool) { own(); return; }
      this.pool.run(OP.CALL, own);
      if (symN) {
        for (let t = 1; t < this.threads; t++) { const [r0, r1] = this.blocks[t]; this.pool.setCall(t - 1, 'symmetrize_rows_f32', [A + r0 * rowBytes, r1 - r0, symN]); }
        this.pool.run(OP.CALL);
      }
      return;
    }
    this.setCommon();
    const a = this.pool!.args;
    a[5] = scale; a[6] = hi; a[7] = lo; a[8] = stream; a[9] = symN;
    this.pool!.run(OP.P_GENERATE);
  }

  protected _apply(X: Vec, out: Vec): void {
    if (this.mode === 'private') {
      // exchange layout for one vector (B = 1): x at 0, b at N, r at N + m, then the workers' S_t
      const xg = this.xchg!, N = this.N, m = this.m;
      xg.set(X, 0);
      this.setCommon();
      this.pool!.run(OP.P_APPLY);
      out.set(xg.subarray(N + m, N + 2 * m));
      return;
    }
    const K = this.rt.kernels, x = this.inMemory(X, 'x', this.N), o = this.inMemory(out, 'r', this.m);
    const A = this.A!.ptr, rowBytes = this.N * 4;
    const call = (t: number) => { const [r0, r1] = this.blocks[t]; return [o.ptr + r0 * 8, A + r0 * rowBytes, x.ptr, r1 - r0, this.N]; };
    for (let t = 1; t < this.threads; t++) this.pool!.setCall(t - 1, 'gemv_f32_f64', call(t));
    const own = () => { const c = call(0); K.gemv_f32_f64(c[0], c[1], c[2], c[3], c[4]); };
    if (this.pool) this.pool.run(OP.CALL, own); else own();
    o.done(out);
  }

  protected _adjoint(r: Vec, S: Vec): void {
    const N = this.N, m = this.m;
    if (this.mode === 'private') {
      const xg = this.xchg!;
      xg.set(r, N + m);
      this.setCommon();
      this.pool!.run(OP.P_ADJOINT);
      this.reducePrivate(S, 1);
      return;
    }
    const K = this.rt.kernels, v = this.inMemory(r, 'r', m), s = this.inMemory(S, 'S', N);
    const A = this.A!.ptr, rowBytes = N * 4;
    const call = (t: number) => { const [r0, r1] = this.blocks[t]; return [t === 0 ? s.ptr : this.partS[t - 1].ptr, A + r0 * rowBytes, v.ptr + r0 * 8, r1 - r0, N]; };
    for (let t = 1; t < this.threads; t++) this.pool!.setCall(t - 1, 'gemvt_f32_f64', call(t));
    const own = () => { const c = call(0); K.gemvt_f32_f64(c[0], c[1], c[2], c[3], c[4]); };
    if (this.pool) this.pool.run(OP.CALL, own); else own();
    for (let t = 1; t < this.threads; t++) K.add_f64(s.ptr, s.ptr, this.partS[t - 1].ptr, N);
    s.done(S);
  }

  protected override _residualAdjoint(X: Vec, b: Vec, r: Vec, S: Vec): number {
    const N = this.N, m = this.m;
    if (this.mode === 'private') {
      const xg = this.xchg!;
      xg.set(X, 0); xg.set(b, N);
      this.setCommon();
      this.pool!.run(OP.P_FUSED);
      r.set(xg.subarray(N + m, N + 2 * m));
      return this.reducePrivate(S, 1);
    }
    const K = this.rt.kernels, T = this.threads;
    const x = this.inMemory(X, 'x', N), bb = this.inMemory(b, 'b', m), rr = this.inMemory(r, 'r', m), s = this.inMemory(S, 'S', N);
    const A = this.A!.ptr, rowBytes = N * 4;
    let ss = 0;
    if (this._precision === 'f32') {
      const f = this.f32!;
      K.cvt_f64_to_f32(f.x.ptr, x.ptr, N);
      K.cvt_f64_to_f32(f.b.ptr, bb.ptr, m);
      const call = (t: number) => { const [r0, r1] = this.blocks[t]; return [f.S[t].ptr, f.r.ptr + r0 * 4, A + r0 * rowBytes, f.x.ptr, f.b.ptr + r0 * 4, r1 - r0, N]; };
      for (let t = 1; t < T; t++) this.pool!.setCall(t - 1, 'residual_adjoint_f32', call(t));
      const own = () => { const c = call(0); ss = K.residual_adjoint_f32(c[0], c[1], c[2], c[3], c[4], c[5], c[6]); };
      if (this.pool) this.pool.run(OP.CALL, own); else own();
      K.cvt_f32_to_f64(rr.ptr, f.r.ptr, m);
      K.cvt_f32_to_f64(s.ptr, f.S[0].ptr, N);
      for (let t = 1; t < T; t++) { K.cvt_f32_to_f64(f.tmp.ptr, f.S[t].ptr, N); K.add_f64(s.ptr, s.ptr, f.tmp.ptr, N); ss += this.pool!.result(t - 1); }
    } else {
      const name = this._precision === 'mixed' ? 'residual_adjoint_mixed' : 'residual_adjoint_f32_f64';
      const call = (t: number) => { const [r0, r1] = this.blocks[t]; return [t === 0 ? s.ptr : this.partS[t - 1].ptr, rr.ptr + r0 * 8, A + r0 * rowBytes, x.ptr, bb.ptr + r0 * 8, r1 - r0, N]; };
      for (let t = 1; t < T; t++) this.pool!.setCall(t - 1, name, call(t));
      const own = () => { const c = call(0); ss = K[name](c[0], c[1], c[2], c[3], c[4], c[5], c[6]); };
      if (this.pool) this.pool.run(OP.CALL, own); else own();
      for (let t = 1; t < T; t++) { K.add_f64(s.ptr, s.ptr, this.partS[t - 1].ptr, N); ss += this.pool!.result(t - 1); }
    }
    rr.done(r); s.done(S);
    return ss;
  }

  /**
   * B fused passes in one read of A (see assembly/residual_adjoint_batch.ts). X (B × N), b (m), R (B × m), S (B × N)
   * live in this runtime's memory; ss receives ‖R_t‖². `exact`: f64 adjoint (precision 'f64') instead of 'mixed'.
   */
  residualAdjointBatch(X: F64Buf, b: F64Buf, R: F64Buf, S: F64Buf, ss: Float64Array, B: number, exact: boolean): void {
    const N = this.N, m = this.m, T = this.threads, K = this.rt.kernels;
    if (B > this.maxBatch && this.mode === 'private') throw new ValidationError(`batch of ${B} exceeds this operator's maxBatch ${this.maxBatch}`);
    this.fusedCount += B;
    if (this.mode === 'private') {
      const xg = this.xchg!;
      xg.set(X.a.subarray(0, B * N), 0); xg.set(b.a, B * N);
      this.setCommon(B);
      const a = this.pool!.args; a[3] = exact ? 0 : 1;
      this.pool!.run(OP.P_BATCH);
      R.a.set(xg.subarray(B * N + m, B * N + m + B * m));
      const offS = B * N + m + B * m, Sa = S.a;
      Sa.fill(0, 0, B * N); ss.fill(0);
      for (let t = 0; t < T; t++) {
        const mine = offS + t * (B * N + B);
        for (let j = 0; j < B * N; j++) Sa[j] += xg[mine + j];
        for (let q = 0; q < B; q++) ss[q] += xg[mine + B * N + q];
      }
      return;
    }
    const need = B * N;
    if (this.batchS.length && this.batchS[0].length < need) { for (const p of this.batchS) p.free(); this.batchS = []; this.batchSS?.free(); this.batchSS = undefined; }
    if (!this.batchSS) { this.batchSS = this.rt.f64(T * B); for (let t = 1; t < T; t++) this.batchS.push(this.rt.f64(need)); }
    const A = this.A!.ptr, rowBytes = N * 4, ssb = this.batchSS!;
    const call = (t: number) => { const [r0, r1] = this.blocks[t]; return [t === 0 ? S.ptr : this.batchS[t - 1].ptr, R.ptr + r0 * 8, ssb.ptr + t * B * 8, A + r0 * rowBytes, X.ptr, b.ptr + r0 * 8, r1 - r0, N, B, m, exact ? 1 : 0]; };
    for (let t = 1; t < T; t++) this.pool!.setCall(t - 1, 'residual_adjoint_batch_f32_f64', call(t));
    const own = () => { const c = call(0); K.residual_adjoint_batch_f32_f64(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]); };
    if (this.pool) this.pool.run(OP.CALL, own); else own();
    for (let t = 1; t < T; t++) K.add_f64(S.ptr, S.ptr, this.batchS[t - 1].ptr, need);
    const sa = ssb.a;
    for (let q = 0; q < B; q++) { let v = 0; for (let t = 0; t < T; t++) v += sa[t * B + q]; ss[q] = v; }
  }

  /** Sum the workers' partial S_t (private mode) into S; returns Σ ss_t. */
  private reducePrivate(S: Vec, B: number): number {
    const xg = this.xchg!, N = this.N, m = this.m, T = this.threads;
    const offS = B * N + m + B * m;
    S.fill(0);
    let ss = 0;
    for (let t = 0; t < T; t++) {
      const mine = offS + t * (B * N + B);
      for (let j = 0; j < N; j++) S[j] += xg[mine + j];
      ss += xg[mine + N];
    }
    return ss;
  }

  private inMemory(a: Vec, slot: 'x' | 'r' | 'S' | 'b', n: number) { return this.scratch.inMemory(a, slot, n); }

  /** Stop the workers and free the operator's memory. Idempotent. */
  override dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.dispose();
    if (this.rt.isDisposed) return;
    this.scratch.free();
    for (const b of this.partS) b.free();
    for (const b of this.batchS) b.free();
    this.batchSS?.free();
    if (this.f32) { this.f32.x.free(); this.f32.b.free(); this.f32.r.free(); this.f32.tmp.free(); for (const b of this.f32.S) b.free(); }
    this.A?.free();
  }

  /** {@link dispose}, then wait until every worker has exited. */
  async close(): Promise<void> {
    this.dispose();
    await this.pool?.close();
  }

  get isDisposed(): boolean { return this.disposed; }
}

/** Split m rows into `parts` contiguous blocks whose sizes are multiples of 4 (the last takes the rest). */
/** Row blocks [lo, hi) of `parts` nearly equal sizes, multiples of 4 rows except the last. */
export function splitRows(m: number, parts: number): Array<[number, number]> {
  const per = Math.ceil(m / parts / 4) * 4;
  const out: Array<[number, number]> = [];
  for (let t = 0; t < parts; t++) {
    const lo = Math.min(m, t * per), hi = t === parts - 1 ? m : Math.min(m, (t + 1) * per);
    out.push([lo, hi]);
  }
  return out;
}
