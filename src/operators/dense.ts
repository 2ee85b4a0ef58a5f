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
import { F32Buf, F64Buf, type Runtime } from '../runtime.js';
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
      inputLen: 0, rowsIn: false, rowsOut: 0, partialLen: 0,
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
      ? { program: 'dense.apply', params: [N], inputLen: N, rowsIn: false, rowsOut: 1, partialLen: 0, input: vBuf, rowsOutBuf: oBuf }
      : { program: 'dense.adjoint', params: [N], inputLen: 0, rowsIn: true, rowsOut: 0, partialLen: N, rowsInBuf: vBuf, out: oBuf };
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
      this.rows.run({ program: 'dense.read', params: [this.N], inputLen: 0, rowsIn: false, rowsOut: 0, partialLen: 1, out });
      return out.a[0];
    } finally { out.free(); }
  }

  /** Σ_i vec(A_i) vec(A_i)ᵀ (upper triangle; N × N f64) into G, over any placement (Gram mode). */
  override async gramInto(G: F64Buf): Promise<void> {
    this.checkLive();
    if (G.length < this.N * this.N) throw new ValidationError(`G must hold ${this.N} × ${this.N} entries`);
    await this.rows.runAsync({ program: 'dense.gram', params: [this.N], inputLen: 0, rowsIn: false, rowsOut: 0, partialLen: this.N * this.N, out: G });
    this.rt.kernels.symmetrize_upper_f64(G.ptr, this.N);
  }

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

/** The fused pass over the placement: one read of A for every trajectory of the pass. */
class DenseWorkspace extends DenseFormWorkspace {
  private readonly code: number;

  constructor(rt: Runtime, private readonly op: DenseOperator, spec: WorkspaceSpec) {
    super(rt, op, spec);
    this.code = PRECISION_CODE[spec.precision];
  }

  /** The fused pass (residuals and E), or residuals only (their squared norms land after the count·N entries of E). */
  private makeJob(count: number, X: F64Buf, E: F64Buf, R: F64Buf, needE: boolean): Job {
    const { N } = this.op, y = this.spec.y;
    if (needE) {
      return { program: 'dense.fused', params: [N, count, this.code], inputLen: count * N, rowsIn: true, rowsOut: count, partialLen: count * N + count, input: X, rowsInBuf: y, rowsOutBuf: R, out: E };
    }
    return { program: 'dense.residual', params: [N, count], inputLen: count * N, rowsIn: true, rowsOut: count, partialLen: count, input: X, rowsInBuf: y, rowsOutBuf: R, out: new F64Buf(this.rt, E.ptr + count * N * 8, count) };
  }

  protected residualAdjoint(count: number, X: F64Buf, E: F64Buf, R: F64Buf, _slots: readonly number[], needE: boolean): void {
    this.op.rows.run(this.makeJob(count, X, E, R, needE));
  }

  protected override residualAdjointAsync(count: number, X: F64Buf, E: F64Buf, R: F64Buf, _slots: readonly number[], needE: boolean): Promise<void> {
    return this.op.rows.runAsync(this.makeJob(count, X, E, R, needE));
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
