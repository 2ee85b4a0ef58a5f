/**
 * The dense operator: the m × (n1·n2) matrix A (row i = vec(A_i)) stored as f32 rows (half the bytes of f64), on a
 * placement that says where the rows live and which threads compute on them (src/placement/). Its factor-form pass
 * forms each trajectory's X = F Gᵀ, reads A once for all of them (the fused residual/adjoint block program: r = A x
 * − y and E = Aᵀ r, B trajectories per read), and takes E·G and Eᵀ·F. Vectors are f64; the arithmetic of a pass is
 * its workspace's precision.
 *
 * Row i of a Gaussian operator depends only on (seed, stream, i), so every placement and thread count generates the
 * same bits, and passes differ across thread counts only by the order of the sum over row blocks.
 */
import { ValidationError } from '../errors.js';
import { PRECISION_CODE } from '../kernels/programs.js';
import { STREAM, splitSeed } from '../random.js';
import { F32Buf, F64Buf, Runtime } from '../runtime.js';
import { createPlacement } from '../placement/create.js';
import { LocalPlacement, type Job, type Placement, type PlacementKind, type PlacementOptions, type RowData } from '../placement/placement.js';
import type { RowLayout } from '../workers/protocol.js';
import { MeasurementOperator, type Vec } from './operator.js';
import type { PassWorkspace, WorkspaceSpec } from './pass.js';
import { DenseFormWorkspace } from './workspace.js';

/** Options of {@link DenseOperator.gaussian}. */
export interface GaussianOperatorOptions {
  m: number;
  n1: number;
  n2: number;
  /** Symmetric (PSD-sensing) operator A_i = (B_i + B_iᵀ)/2; needs n1 = n2. */
  symmetric?: boolean;
  seed?: number;
  /** Which independent random stream of the seed (train and test operators differ). */
  stream?: number;
}

export class DenseOperator extends MeasurementOperator {
  readonly name: string;

  private constructor(readonly rt: Runtime, readonly rows: Placement, m: number, n1: number, n2: number, symmetric: boolean, name: string) {
    super(m, n1, n2, symmetric);
    this.name = name;
    rt.own(this);
  }

  /** The row layout of an n1 × n2 dense operator: one f32 array of n1·n2 entries per row. */
  static layout(n1: number, n2: number): RowLayout { return { bytesPerRow: [n1 * n2 * 4] }; }

  /** Bytes of the f32 operator for these sizes. */
  static bytesFor(m: number, n1: number, n2: number): number { return m * n1 * n2 * 4; }

  /**
   * A Gaussian operator, entries iid N(0, 1/m) (or its symmetrized form), generated in the runtime's memory on the
   * calling thread. For threads, see {@link DenseOperator.create}.
   */
  static gaussian(rt: Runtime, o: GaussianOperatorOptions): DenseOperator {
    const { m, n1, n2, symmetric } = checkGaussian(o);
    const op = new DenseOperator(rt, new LocalPlacement(rt, m, DenseOperator.layout(n1, n2)), m, n1, n2, symmetric, gaussianName(symmetric));
    op.rows.run(op.generateJob(o));
    return op;
  }

  /**
   * A Gaussian operator (bit for bit {@link gaussian}'s) or your own matrix (`data`: m × n1·n2 row-major, row i =
   * vec(A_i), copied as f32), on any placement: `threads` and `memory` (see {@link PlacementOptions}).
   */
  static async create(rt: Runtime, o: (GaussianOperatorOptions | { m: number; n1: number; n2: number; data: Float32Array | Float64Array; symmetric?: boolean | 'auto' }) & PlacementOptions): Promise<DenseOperator> {
    if (o === null || typeof o !== 'object') throw new ValidationError('operator options must be an object');
    if ('data' in o) {
      const sym = checkOperatorMatrix(o.data, o.m, o.n1, o.n2, o.symmetric ?? 'auto');
      const rows = await createPlacement(rt, o.m, DenseOperator.layout(o.n1, o.n2), o, [toF32(o.data)]);
      return new DenseOperator(rt, rows, o.m, o.n1, o.n2, sym, 'dense');
    }
    const { m, n1, n2, symmetric } = checkGaussian(o);
    const rows = await createPlacement(rt, m, DenseOperator.layout(n1, n2), o);
    const op = new DenseOperator(rt, rows, m, n1, n2, symmetric, gaussianName(symmetric));
    try {
      await rows.runAsync(op.generateJob(o));
    } catch (e) { op.dispose(); throw e; }
    return op;
  }

  /**
   * Wrap your own operator matrix (m × n1·n2, row-major: row i is vec(A_i)), copied into the runtime as f32.
   * `symmetric: 'auto'` checks whether every A_i is symmetric.
   */
  static fromArray(rt: Runtime, data: Float32Array | Float64Array, m: number, n1: number, n2: number, symmetric: boolean | 'auto' = 'auto'): DenseOperator {
    const sym = checkOperatorMatrix(data, m, n1, n2, symmetric);
    return new DenseOperator(rt, new LocalPlacement(rt, m, DenseOperator.layout(n1, n2), [toF32(data)]), m, n1, n2, sym, 'dense');
  }

  private generateJob(o: GaussianOperatorOptions): Job {
    const [hi, lo] = splitSeed(o.seed ?? 0);
    return {
      program: 'dense.generate', params: [this.N, 1 / Math.sqrt(this.m), hi, lo, o.stream ?? STREAM.operator, this.seesOnlySymmetric ? this.n1 : 0],
      inputLen: 0, rowsIn: 0, rowsOut: 0, partialLen: 0,
    };
  }

  override get synchronous(): boolean { return this.rows.synchronous; }
  override get threads(): number { return this.rows.threads; }
  override get placement(): PlacementKind { return this.rows.kind; }
  get memoryBytes(): number { return this.rows.runtimeBytes; }
  /** Bytes of the operator wherever it lives (the runtime, or the workers' own memories). */
  get operatorBytes(): number { return DenseOperator.bytesFor(this.m, this.n1, this.n2); }
  protected override runtimeDisposed(): boolean { return this.rt.isDisposed; }

  /**
   * The f32 rows (m × n1·n2) in the runtime's memory, for local and shared placements; undefined where workers hold
   * them in memories of their own.
   */
  get A(): F32Buf | undefined {
    const p = this.rows.rowPointers()?.[0];
    return p === undefined ? undefined : new F32Buf(this.rt, p, this.m * this.N);
  }

  protected _apply(X: Vec, out: Vec): void { void this.vecJob('apply', X, out); }
  protected _adjoint(r: Vec, S: Vec): void { void this.vecJob('adjoint', r, S); }
  protected override _applyAsync(X: Vec, out: Vec): Promise<void> { return this.vecJob('apply', X, out, true) as Promise<void>; }
  protected override _adjointAsync(r: Vec, S: Vec): Promise<void> { return this.vecJob('adjoint', r, S, true) as Promise<void>; }

  /**
   * One vec-form job through the placement. A vector that lives in the runtime's memory is passed by pointer, any
   * other through a temporary runtime buffer (not a hot path: diagnostics, the dot-test, generating y).
   */
  private vecJob(which: 'apply' | 'adjoint', v: Vec, out: Vec, async = false): void | Promise<void> {
    const rt = this.rt, N = this.N, temps: F64Buf[] = [];
    const inMem = (a: Vec) => a.buffer === rt.memory.buffer ? new F64Buf(rt, a.byteOffset, a.length) : undefined;
    const vIn = inMem(v), oIn = inMem(out);
    const vBuf = vIn ?? (() => { const b = rt.f64(v.length).set(v); temps.push(b); return b; })();
    const oBuf = oIn ?? (() => { const b = rt.f64(out.length); temps.push(b); return b; })();
    const job: Job = which === 'apply'
      ? { program: 'dense.apply', params: [N], inputLen: N, rowsIn: 0, rowsOut: 1, partialLen: 0, input: vBuf, rowsOutBuf: oBuf }
      : { program: 'dense.adjoint', params: [N], inputLen: 0, rowsIn: 1, rowsOut: 0, partialLen: N, rowsInBuf: vBuf, out: oBuf };
    const release = () => { for (const b of temps) b.free(); };
    const fin = () => { if (!oIn) out.set(oBuf.a); release(); };
    if (async) return this.rows.runAsync(job).then(fin, (e) => { release(); throw e; });
    try { this.rows.run(job); } catch (e) { release(); throw e; }
    fin();
  }

  /**
   * One streaming read of the rows on every participant of the placement (each sums its own block), the memory
   * bandwidth bound of a pass; for benchmarks. @returns the sum of every entry
   */
  readOnce(): number {
    this.checkLive();
    const out = this.rt.f64(1);
    try {
      this.rows.run({ program: 'dense.read', params: [this.N], inputLen: 0, rowsIn: 0, rowsOut: 0, partialLen: 1, out });
      return out.a[0];
    } finally { out.free(); }
  }

  /** Σ_i vec(A_i) vec(A_i)ᵀ (upper triangle; N × N f64) into G, over any placement (Gram mode). */
  override async gramInto(G: F64Buf): Promise<void> {
    this.checkLive();
    if (G.length < this.N * this.N) throw new ValidationError(`G must hold ${this.N} × ${this.N} entries`);
    await this.rows.runAsync({ program: 'dense.gram', params: [this.N], inputLen: 0, rowsIn: 0, rowsOut: 0, partialLen: this.N * this.N, out: G });
    this.rt.kernels.symmetrize_upper_f64(G.ptr, this.N);
  }

  /** The dense-form buffers, and for precision 'mixed' the refinement state (X and r per trajectory). */
  override workspaceBytes(spec: Omit<WorkspaceSpec, 'y'>): number { return super.workspaceBytes(spec) + DenseWorkspace.refineBytes(this, spec); }

  protected override _workspace(rt: Runtime, spec: WorkspaceSpec): PassWorkspace {
    if (rt !== this.rt) throw new ValidationError('a dense operator serves solvers of the runtime it was made in');
    return new DenseWorkspace(rt, this, spec);
  }

  protected override _dispose(): void {
    this.rows.dispose();
    this.rt.disown(this);
  }

  /** {@link dispose}, then wait until every worker has exited. */
  async close(): Promise<void> { this.dispose(); await this.rows.close(); }

  /** Workers that have exited (tests). */
  get exitedWorkers(): number { return this.rows.exitedWorkers; }
}

/**
 * Passes of the default precision between exact refreshes: a refined residual drifts from the exact one by the f32
 * rounding of A·ΔX summed over these passes (see {@link DenseWorkspace}).
 */
export const REFRESH_EVERY = 32;

/**
 * The fused pass over the placement: one read of A for every trajectory of the pass.
 *
 * Precision 'mixed' (the default) refines the residual instead of recomputing it: for a trajectory whose previous
 * pass left (X⁻, r⁻ = A(X⁻) − y), the pass computes r = r⁻ + A·(X − X⁻) and E = Aᵀr with the increment's products
 * and E's sums in f32 (half the arithmetic of f64 products) and r in f64. The increment's rounding error is at most
 * γ_N·‖A_i‖₂·‖X − X⁻‖_F per measurement (γ_N = N·2⁻²⁴; typically √N·2⁻²⁴), which vanishes as GD converges; every
 * {@link REFRESH_EVERY} passes — and at a trajectory's first pass — the residual is recomputed exactly (f64
 * products), so the drift is never carried further. The attainable accuracy is that of f64 (docs/performance.md).
 */
class DenseWorkspace extends DenseFormWorkspace {
  private readonly code: number;
  /** Refinement state of precision 'mixed' (per slot): X and r of its last main pass; passes since an exact one. */
  private readonly refine?: { X: F64Buf; R: F64Buf; dX: F64Buf; Rin: F64Buf; since: Int32Array };

  constructor(rt: Runtime, private readonly op: DenseOperator, spec: WorkspaceSpec) {
    super(rt, op, spec);
    this.code = PRECISION_CODE[spec.precision];
    if (spec.precision === 'mixed') {
      const B = spec.widths.length, { N, m } = op, bufs: F64Buf[] = [];
      try {
        for (const n of [B * N, B * m, B * N, B * m]) bufs.push(rt.f64(n));
      } catch (e) {
        for (const b of bufs) b.free();
        super.dispose();
        throw e;
      }
      const [X, R, dX, Rin] = bufs;
      this.refine = { X, R, dX, Rin, since: new Int32Array(B).fill(-1) };
    }
  }

  /** Bytes of the refinement state (precision 'mixed'). */
  static refineBytes(op: MeasurementOperator, spec: Omit<WorkspaceSpec, 'y'>): number {
    if (spec.precision !== 'mixed') return 0;
    const b = Runtime.blockBytes, B = spec.widths.length;
    return 2 * b(B * op.N * 8) + 2 * b(B * op.m * 8);
  }

  protected override disposeOwn(): void {
    if (this.refine) for (const b of [this.refine.X, this.refine.R, this.refine.dX, this.refine.Rin]) b.free();
  }

  /** Whether every slot of this main pass can be refined (each has a previous pass, and no refresh is due). */
  private canRefine(slots: readonly number[], needE: boolean, main: boolean): boolean {
    if (!this.refine || !main || !needE) return false;
    return slots.every((s) => this.refine!.since[s] >= 0 && this.refine!.since[s] < REFRESH_EVERY);
  }

  /** The job of a pass: refined, fused (residuals and E), or residuals only (their norms after the count·N entries of E). */
  private makeJob(count: number, X: F64Buf, E: F64Buf, R: F64Buf, slots: readonly number[], needE: boolean, refine: boolean): Job {
    const { N, m } = this.op, y = this.spec.y;
    if (refine) {
      const st = this.refine!, dX = st.dX.a, Xa = X.a, Xprev = st.X.a;
      slots.forEach((s, p) => {
        for (let j = 0; j < N; j++) dX[p * N + j] = Xa[p * N + j] - Xprev[s * N + j];
        st.Rin.a.set(st.R.a.subarray(s * m, (s + 1) * m), p * m);
      });
      return { program: 'dense.refine', params: [N, count], inputLen: count * N, rowsIn: count, rowsOut: count, partialLen: count * N + count, input: st.dX, rowsInBuf: st.Rin, rowsOutBuf: R, out: E };
    }
    if (needE) {
      return { program: 'dense.fused', params: [N, count, this.code], inputLen: count * N, rowsIn: 1, rowsOut: count, partialLen: count * N + count, input: X, rowsInBuf: y, rowsOutBuf: R, out: E };
    }
    return { program: 'dense.residual', params: [N, count], inputLen: count * N, rowsIn: 1, rowsOut: count, partialLen: count, input: X, rowsInBuf: y, rowsOutBuf: R, out: new F64Buf(this.rt, E.ptr + count * N * 8, count) };
  }

  /** After a main pass: each slot's X and r become the base of its next refinement. */
  private keep(X: F64Buf, R: F64Buf, slots: readonly number[], refined: boolean): void {
    const st = this.refine;
    if (!st) return;
    const { N, m } = this.op;
    slots.forEach((s, p) => {
      st.X.a.set(X.a.subarray(p * N, (p + 1) * N), s * N);
      st.R.a.set(R.a.subarray(p * m, (p + 1) * m), s * m);
      st.since[s] = refined ? st.since[s] + 1 : 0;
    });
  }

  protected residualAdjoint(count: number, X: F64Buf, E: F64Buf, R: F64Buf, slots: readonly number[], needE: boolean, main: boolean): void {
    const refine = this.canRefine(slots, needE, main);
    this.op.rows.run(this.makeJob(count, X, E, R, slots, needE, refine));
    if (main) this.keep(X, R, slots, refine);
  }

  protected override async residualAdjointAsync(count: number, X: F64Buf, E: F64Buf, R: F64Buf, slots: readonly number[], needE: boolean, main: boolean): Promise<void> {
    const refine = this.canRefine(slots, needE, main);
    await this.op.rows.runAsync(this.makeJob(count, X, E, R, slots, needE, refine));
    if (main) this.keep(X, R, slots, refine);
  }
}

function gaussianName(symmetric: boolean): string { return symmetric ? 'dense-gaussian-sym' : 'dense-gaussian'; }

function checkGaussian(o: GaussianOperatorOptions): { m: number; n1: number; n2: number; symmetric: boolean } {
  if (o === null || typeof o !== 'object') throw new ValidationError('operator options must be an object');
  const { m, n1, n2 } = o;
  for (const [k, v] of [['m', m], ['n1', n1], ['n2', n2]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValidationError(`${k} must be a positive integer, got ${String(v)}`);
  }
  const symmetric = o.symmetric ?? false;
  if (typeof symmetric !== 'boolean') throw new ValidationError(`symmetric must be a boolean, got ${String(symmetric)}`);
  if (symmetric && n1 !== n2) throw new ValidationError(`a symmetric operator needs n1 = n2, got ${n1} × ${n2}`);
  return { m, n1, n2, symmetric };
}

function toF32(data: Float32Array | Float64Array): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

/**
 * Check a given operator matrix (m × n1·n2 row-major): its length and that every entry is finite; resolve `symmetric`
 * ('auto': whether every A_i is symmetric; true: checked). Used by every operator built from your data.
 * @returns whether every A_i is symmetric
 */
export function checkOperatorMatrix(data: Float32Array | Float64Array, m: number, n1: number, n2: number, symmetric: boolean | 'auto' = 'auto'): boolean {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) throw new ValidationError('the operator matrix must be a Float32Array or Float64Array');
  const N = n1 * n2;
  if (data.length !== m * N) throw new ValidationError(`operator matrix has ${data.length} entries, expected m · n1 · n2 = ${m} · ${n1} · ${n2} = ${m * N}`);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) throw new ValidationError(`operator entry ${i} (row ${Math.floor(i / N)}) is ${v}: every entry must be finite`);
    if (Math.abs(v) > F32_MAX) throw new ValidationError(`operator entry ${i} (row ${Math.floor(i / N)}) is ${v}, beyond the float32 range (±${F32_MAX.toPrecision(5)}) the operator is stored in`);
  }
  if (symmetric === 'auto') return n1 === n2 && isRowSymmetric(data, m, n1);
  if (typeof symmetric !== 'boolean') throw new ValidationError(`symmetric must be a boolean or 'auto', got ${String(symmetric)}`);
  if (symmetric && (n1 !== n2 || !isRowSymmetric(data, m, n1))) throw new ValidationError('symmetric: true, but the A_i are not all symmetric');
  return symmetric;
}

/** The largest finite float32. */
const F32_MAX = 3.4028234663852886e38;

function isRowSymmetric(data: ArrayLike<number>, m: number, n: number): boolean {
  const N = n * n;
  for (let q = 0; q < m; q++) {
    const o = q * N;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (data[o + i * n + j] !== data[o + j * n + i]) return false;
  }
  return true;
}

export type { RowData };
