/**
 * Dense measurement operator: the m × (n1·n2) matrix A stored as f32 rows in wasm memory (math.md §2, §8).
 * Vectors are f64 and all sums accumulate in f64, so the iteration is exact for this f32 operator.
 * The fused residual/adjoint kernel reads A once per GD iteration.
 */
import { ValidationError } from '../errors.js';
import type { F32Buf, Runtime } from '../runtime.js';
import { STREAM, splitSeed } from '../random.js';
import { MeasurementOperator, type Vec } from './base.js';
import { ScratchVectors } from './scratch.js';

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

/**
 * Arithmetic of the fused residual/adjoint pass (the operator is always stored in f32):
 * - 'f64': products and sums in f64 — GD is exact for the f32 operator;
 * - 'mixed' (default): residuals exactly as 'f64'; the adjoint's 4-row partial sums in f32, accumulated over rows
 *   in f64 (gradient relative error ~1e-7, which does not limit the attainable accuracy, ~1.2× faster);
 * - 'f32': everything in f32 (fastest; residuals floor at ~1e-6 relative).
 */
export type Precision = 'f64' | 'mixed' | 'f32';

export class DenseOperator extends MeasurementOperator {
  readonly name: string;
  private _precision: Precision = 'mixed';
  private f32scratch?: { x: F32Buf; b: F32Buf; r: F32Buf; S: F32Buf };
  /** The operator rows (m × n1·n2, f32, row-major). */
  readonly A: F32Buf;
  private readonly scratch: ScratchVectors<'x' | 'r' | 'S' | 'b'>;

  private constructor(readonly rt: Runtime, A: F32Buf, m: number, n1: number, n2: number, symmetric: boolean, name: string) {
    super(m, n1, n2, symmetric);
    this.A = A;
    this.name = name;
    this.scratch = new ScratchVectors(rt);
  }

  /** Bytes of the f32 operator for these sizes (what {@link gaussian} will allocate). */
  static bytesFor(m: number, n1: number, n2: number): number { return m * n1 * n2 * 4; }

  /**
   * A Gaussian operator, entries iid N(0, 1/m) (or its symmetrized form), generated inside wasm row by row:
   * row i depends only on (seed, stream, i), so any thread count gives the same bits.
   */
  static gaussian(rt: Runtime, o: GaussianOperatorOptions): DenseOperator {
    const { m, n1, n2 } = o;
    const symmetric = o.symmetric ?? false;
    if (symmetric && n1 !== n2) throw new ValidationError(`a symmetric operator needs n1 = n2, got ${n1} × ${n2}`);
    const N = n1 * n2;
    const A = rt.f32(m * N);
    const [hi, lo] = splitSeed(o.seed ?? 0);
    // Generate in chunks of rows so huge operators do not hold the thread for seconds without a break point.
    const scale = 1 / Math.sqrt(m);
    rt.kernels.normal_rows_f32(A.ptr, m, N, scale, hi, lo, o.stream ?? STREAM.operator, 0, rt.zigTable);
    if (symmetric) rt.kernels.symmetrize_rows_f32(A.ptr, m, n1);
    return new DenseOperator(rt, A, m, n1, n2, symmetric, symmetric ? 'dense-gaussian-sym' : 'dense-gaussian');
  }

  /**
   * Wrap your own operator matrix (m × n1·n2, row-major: row i is vec(A_i)). It is copied into wasm memory as f32.
   * `symmetric: 'auto'` checks whether every A_i is symmetric.
   */
  static fromArray(rt: Runtime, data: Float32Array | Float64Array, m: number, n1: number, n2: number, symmetric: boolean | 'auto' = 'auto'): DenseOperator {
    const sym = checkOperatorMatrix(data, m, n1, n2, symmetric);
    const A = rt.f32(m * n1 * n2).set(data);
    return new DenseOperator(rt, A, m, n1, n2, sym, 'dense');
  }

  get memoryBytes(): number { return this.A.length * 4; }

  /** Arithmetic of the fused pass (see {@link Precision}). Setting 'f32' allocates its f32 scratch vectors now. */
  get precision(): Precision { return this._precision; }
  set precision(p: Precision) {
    if (p !== 'f64' && p !== 'mixed' && p !== 'f32') throw new ValidationError(`precision must be 'f64', 'mixed' or 'f32', got ${String(p)}`);
    this._precision = p;
    if (p === 'f32' && !this.f32scratch) {
      this.f32scratch = { x: this.rt.f32(this.N), b: this.rt.f32(this.m), r: this.rt.f32(this.m), S: this.rt.f32(this.N) };
    }
  }

  protected _apply(X: Vec, out: Vec): void {
    const x = this.inMemory(X, 'x', this.N), o = this.inMemory(out, 'r', this.m);
    this.rt.kernels.gemv_f32_f64(o.ptr, this.A.ptr, x.ptr, this.m, this.N);
    o.done(out);
  }

  protected _adjoint(r: Vec, S: Vec): void {
    const v = this.inMemory(r, 'r', this.m), s = this.inMemory(S, 'S', this.N);
    this.rt.kernels.gemvt_f32_f64(s.ptr, this.A.ptr, v.ptr, this.m, this.N);
    s.done(S);
  }

  protected override _residualAdjoint(X: Vec, b: Vec, r: Vec, S: Vec): number {
    const x = this.inMemory(X, 'x', this.N), bb = this.inMemory(b, 'b', this.m);
    const rr = this.inMemory(r, 'r', this.m), s = this.inMemory(S, 'S', this.N);
    const K = this.rt.kernels;
    let ss: number;
    if (this._precision === 'f32') {
      const f = this.f32scratch!;
      K.cvt_f64_to_f32(f.x.ptr, x.ptr, this.N);
      K.cvt_f64_to_f32(f.b.ptr, bb.ptr, this.m);
      ss = K.residual_adjoint_f32(f.S.ptr, f.r.ptr, this.A.ptr, f.x.ptr, f.b.ptr, this.m, this.N);
      K.cvt_f32_to_f64(rr.ptr, f.r.ptr, this.m);
      K.cvt_f32_to_f64(s.ptr, f.S.ptr, this.N);
    } else if (this._precision === 'mixed') {
      ss = K.residual_adjoint_mixed(s.ptr, rr.ptr, this.A.ptr, x.ptr, bb.ptr, this.m, this.N);
    } else {
      ss = K.residual_adjoint_f32_f64(s.ptr, rr.ptr, this.A.ptr, x.ptr, bb.ptr, this.m, this.N);
    }
    rr.done(r); s.done(S);
    return ss;
  }

  private inMemory(a: Vec, slot: 'x' | 'r' | 'S' | 'b', n: number) { return this.scratch.inMemory(a, slot, n); }

  override dispose(): void {
    if (this.f32scratch) for (const b of Object.values(this.f32scratch)) b.free();
    this.f32scratch = undefined;
    this.scratch.free();
    this.A.free();
  }
}

/**
 * Check a given operator matrix (m × n1·n2 row-major): its length and that every entry is finite; resolve `symmetric`
 * ('auto': whether every A_i is symmetric; true: checked). Used by every operator built from your data.
 * @returns whether the operator is symmetric
 */
export function checkOperatorMatrix(data: Float32Array | Float64Array, m: number, n1: number, n2: number, symmetric: boolean | 'auto' = 'auto'): boolean {
  const N = n1 * n2;
  if (data.length !== m * N) throw new ValidationError(`operator matrix has ${data.length} entries, expected m · n1 · n2 = ${m} · ${n1} · ${n2} = ${m * N}`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new ValidationError(`operator entry ${i} (row ${Math.floor(i / N)}) is ${data[i]}: every entry must be finite`);
  }
  if (symmetric === 'auto') return n1 === n2 && isRowSymmetric(data, m, n1);
  if (symmetric && (n1 !== n2 || !isRowSymmetric(data, m, n1))) throw new ValidationError('symmetric: true, but the A_i are not all symmetric');
  return symmetric;
}

function isRowSymmetric(data: ArrayLike<number>, m: number, n: number): boolean {
  const N = n * n;
  for (let q = 0; q < m; q++) {
    const o = q * N;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (data[o + i * n + j] !== data[o + j * n + i]) return false;
  }
  return true;
}
