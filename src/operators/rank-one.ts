/**
 * Rank-one measurements (docs/theory.md §10): A_i = a_i b_iᵀ with a_i ∈ R^{n1}, b_i ∈ R^{n2} iid
 * N(0, m^{-1/2}) entries (variance m^{-1/2}, so E[A*A] = I), stored as the f32 matrices Amat (m × n1) and Bmat
 * (m × n2) — m(n1 + n2) numbers instead of m·n1·n2. In factor form
 *
 *     P = Amat F,  Q = Bmat G,  r_i = ⟨P_i, Q_i⟩ − y_i,  E·G = Amatᵀ diag(r) Q,  Eᵀ·F = Bmatᵀ diag(r) P,
 *
 * O(m (n1 + n2) k) per pass, done chunk by chunk in register-tiled wasm SIMD kernels so each chunk of Amat and Bmat is
 * read from memory once, on every thread of the placement.
 *
 * Symmetric (PSD) measurements A_i = a_i a_iᵀ (covariance sketching, phase retrieval): P = Amat X, r_i = ‖P_i‖² − y_i,
 * ∇ = Amatᵀ diag(r) P. For this operator E[A*A](X) = 2X + tr(X)·I, not the identity: E[A*(y)] = 2M* + tr(M*)·I with
 * tr(M*) ≈ √m·ȳ, so its back projection (the default step size, the spectral init) is M̂ = (A*(y) − √m·ȳ·I)/2.
 *
 * Arithmetic ('precision'): 'f64' all in f64; 'mixed' (default) P, Q and the residuals in f64, the gradient products
 * as f32 sums per chunk accumulated in f64; 'f32' the products P, Q in f32 too (residuals floor at ~1e-7 relative).
 */
import { ValidationError } from '../errors.js';
import { PRECISION_CODE } from '../kernels/programs.js';
import { STREAM, splitSeed } from '../random.js';
import type { F64Buf, Runtime } from '../runtime.js';
import { createPlacement } from '../placement/create.js';
import { LocalPlacement, type Job, type Placement, type PlacementOptions, type RowData } from '../placement/placement.js';
import type { RowLayout } from '../workers/protocol.js';
import { PlacedOperator, type FactorJobOptions, type FactorJobShape } from './placed.js';

/** Options of {@link RankOneOperator.gaussian}. */
export interface RankOneOptions {
  m: number;
  n1: number;
  n2: number;
  /** Symmetric measurements A_i = a_i a_iᵀ; needs n1 = n2. */
  symmetric?: boolean;
  seed?: number;
  /** Streams of the a_i and the b_i (defaults: the operator's). */
  stream?: number;
  streamB?: number;
}

export class RankOneOperator extends PlacedOperator {
  readonly name: string;

  private constructor(rt: Runtime, rows: Placement, m: number, n1: number, n2: number, symmetric: boolean) {
    super(rt, rows, m, n1, n2, symmetric);
    this.name = symmetric ? 'rank-one-sym' : 'rank-one';
  }

  /**
   * Symmetric measurements: E[A*A](X) = 2X + tr(X)·I makes the loss about 2–3× as curved as the Gaussian operator's,
   * so the default step sizes are divided by 5 (measured: GD is stable up to ≈ 0.2/σ̂1 here against 0.5/σ̂1, ScaledGD
   * up to ≈ 0.1–0.15 against 0.5).
   */
  override get stepScale(): number { return this.seesOnlySymmetric ? 0.2 : 1; }

  /** The row layout: a_i (n1 f32) and, unless symmetric, b_i (n2 f32). */
  static layout(n1: number, n2: number, symmetric: boolean): RowLayout {
    return { bytesPerRow: symmetric ? [n1 * 4] : [n1 * 4, n2 * 4] };
  }

  /** Bytes of the stored vectors. */
  static bytesFor(m: number, n1: number, n2: number, symmetric: boolean): number { return m * (n1 + (symmetric ? 0 : n2)) * 4; }

  /** Gaussian vectors, generated in the runtime's memory on the calling thread (row i from (seed, stream, i) alone). */
  static gaussian(rt: Runtime, o: RankOneOptions): RankOneOperator {
    const { m, n1, n2, symmetric } = checkOptions(o);
    const op = new RankOneOperator(rt, new LocalPlacement(rt, m, RankOneOperator.layout(n1, n2, symmetric)), m, n1, n2, symmetric);
    for (const job of op.generateJobs(o)) op.rows.run(job);
    return op;
  }

  /** {@link gaussian} (bit for bit) on any placement: `threads`, `memory`. */
  static async create(rt: Runtime, o: RankOneOptions & PlacementOptions): Promise<RankOneOperator> {
    const { m, n1, n2, symmetric } = checkOptions(o);
    const rows = await createPlacement(rt, m, RankOneOperator.layout(n1, n2, symmetric), o);
    const op = new RankOneOperator(rt, rows, m, n1, n2, symmetric);
    try {
      for (const job of op.generateJobs(o)) await rows.runAsync(job);
    } catch (e) { op.dispose(); throw e; }
    return op;
  }

  /**
   * Your vectors: `a` (m × n1, row i = a_i) and, unless symmetric, `b` (m × n2), row-major, copied as f32 (checked:
   * finite, within the f32 range), on any placement.
   */
  static async fromVectors(rt: Runtime, o: PlacementOptions & { n1: number; n2: number; a: Float32Array | Float64Array; b?: Float32Array | Float64Array; symmetric?: boolean }): Promise<RankOneOperator> {
    const { m, symmetric, data } = checkVectors(o);
    const rows = await createPlacement(rt, m, RankOneOperator.layout(o.n1, o.n2, symmetric), o, data);
    return new RankOneOperator(rt, rows, m, o.n1, o.n2, symmetric);
  }

  /** {@link fromVectors} on the calling thread, synchronously. */
  static fromVectorsLocal(rt: Runtime, o: { n1: number; n2: number; a: Float32Array | Float64Array; b?: Float32Array | Float64Array; symmetric?: boolean }): RankOneOperator {
    const { m, symmetric, data } = checkVectors(o);
    return new RankOneOperator(rt, new LocalPlacement(rt, m, RankOneOperator.layout(o.n1, o.n2, symmetric), data), m, o.n1, o.n2, symmetric);
  }

  private generateJobs(o: RankOneOptions): Job[] {
    const [hi, lo] = splitSeed(o.seed ?? 0), scale = 1 / Math.sqrt(Math.sqrt(this.m)); // m^(−1/4) from correctly rounded operations (Math.pow varies by engine)
    const job = (cols: number, stream: number, array: number): Job => ({
      program: 'dense.generate', params: [cols, scale, hi, lo, stream, 0, array], inputLen: 0, rowsIn: 0, rowsOut: 0, partialLen: 0,
    });
    const jobs = [job(this.n1, o.stream ?? STREAM.operator, 0)];
    if (!this.seesOnlySymmetric) jobs.push(job(this.n2, o.streamB ?? STREAM.operatorB, 1));
    return jobs;
  }

  /** The vectors in the runtime's memory (local and shared placements): a (m × n1) and b (m × n2, or a when symmetric). */
  vectors(): { a: Float32Array; b: Float32Array } | undefined {
    const p = this.rows.rowPointers();
    if (!p) return undefined;
    const a = new Float32Array(this.rt.memory.buffer, p[0], this.m * this.n1).slice();
    return { a, b: this.seesOnlySymmetric ? a : new Float32Array(this.rt.memory.buffer, p[1], this.m * this.n2).slice() };
  }

  /** The program's "G = F" (Q = P) applies when the model is symmetric and so are the measurements. */
  private sameFactor(symModel: boolean): boolean { return symModel && this.seesOnlySymmetric; }

  jobShape(o: FactorJobOptions): FactorJobShape {
    const { n1, n2 } = this, k = o.k, same = this.sameFactor(o.symModel);
    return {
      program: 'rankone.pass',
      params: [n1, n2, k, this.seesOnlySymmetric ? 1 : 0, same ? 1 : 0, PRECISION_CODE[o.precision], o.wantEG ? 1 : 0, o.wantEtF ? 1 : 0, o.given ? 1 : 0],
      inputLen: k * n1 + (same ? 0 : k * n2),
      partialLen: k * (n1 + n2) + 1,
    };
  }

  fillInput(F: F64Buf, G: F64Buf, k: number, symModel: boolean, input: F64Buf): void {
    const K = this.rt.kernels, { n1, n2 } = this;
    K.transpose_f64(input.ptr, F.ptr, n1, k);
    if (!this.sameFactor(symModel)) K.transpose_f64(input.ptr + k * n1 * 8, G.ptr, n2, k);
  }

  readOutput(partial: F64Buf, k: number, EG: F64Buf | undefined, EtF: F64Buf | undefined): number {
    const K = this.rt.kernels, { n1, n2 } = this;
    if (EG) K.transpose_f64(EG.ptr, partial.ptr, k, n1);
    if (EtF) K.transpose_f64(EtF.ptr, partial.ptr + k * n1 * 8, k, n2);
    return partial.a[k * (n1 + n2)];
  }

  /** Symmetric measurements: M̂ = (A*(y) − √m·ȳ·I)/2, whose expectation is M* (see the module doc). */
  protected override correctBackProjection(X: Float64Array, l: number, out: Float64Array, y: Float64Array): void {
    if (!this.seesOnlySymmetric) return;
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += y[i];
    const t = Math.sqrt(this.m) * (sum / y.length);
    for (let i = 0; i < this.n1 * l; i++) out[i] = 0.5 * (out[i] - t * X[i]);
  }
}

function checkOptions(o: RankOneOptions): { m: number; n1: number; n2: number; symmetric: boolean } {
  if (o === null || typeof o !== 'object') throw new ValidationError('rank-one options must be an object');
  for (const k of ['m', 'n1', 'n2'] as const) {
    if (typeof o[k] !== 'number' || !Number.isInteger(o[k]) || o[k] < 1) throw new ValidationError(`${k} must be a positive integer, got ${String(o[k])}`);
  }
  const symmetric = o.symmetric ?? false;
  if (typeof symmetric !== 'boolean') throw new ValidationError(`symmetric must be a boolean, got ${String(symmetric)}`);
  if (symmetric && o.n1 !== o.n2) throw new ValidationError(`symmetric rank-one measurements need n1 = n2, got ${o.n1} × ${o.n2}`);
  return { m: o.m, n1: o.n1, n2: o.n2, symmetric };
}

const F32_MAX = 3.4028234663852886e38;

function checkVectors(o: { n1: number; n2: number; a: Float32Array | Float64Array; b?: Float32Array | Float64Array; symmetric?: boolean }): { m: number; symmetric: boolean; data: RowData } {
  if (o === null || typeof o !== 'object') throw new ValidationError('rank-one data must be an object');
  for (const k of ['n1', 'n2'] as const) if (!Number.isInteger(o[k]) || o[k] < 1) throw new ValidationError(`${k} must be a positive integer, got ${String(o[k])}`);
  const symmetric = o.symmetric ?? o.b === undefined;
  if (symmetric && o.n1 !== o.n2) throw new ValidationError(`symmetric rank-one measurements need n1 = n2, got ${o.n1} × ${o.n2}`);
  if (symmetric && o.b !== undefined) throw new ValidationError('symmetric rank-one measurements take only a (A_i = a_i a_iᵀ)');
  if (!symmetric && o.b === undefined) throw new ValidationError('rank-one measurements a_i b_iᵀ need b');
  const check = (name: string, x: unknown, n: number): Float32Array => {
    if (!(x instanceof Float32Array || x instanceof Float64Array)) throw new ValidationError(`${name} must be a Float32Array or Float64Array`);
    if (x.length === 0 || x.length % n !== 0) throw new ValidationError(`${name} has ${x.length} entries, not a positive multiple of ${n}`);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (!Number.isFinite(v)) throw new ValidationError(`${name}[${i}] (row ${Math.floor(i / n)}) is ${v}: every entry must be finite`);
      if (Math.abs(v) > F32_MAX) throw new ValidationError(`${name}[${i}] (row ${Math.floor(i / n)}) is ${v}, beyond the float32 range the vectors are stored in`);
    }
    return x instanceof Float32Array ? x : Float32Array.from(x);
  };
  const a = check('a', o.a, o.n1), m = a.length / o.n1;
  if (symmetric) return { m, symmetric, data: [a] };
  const b = check('b', o.b, o.n2);
  if (b.length / o.n2 !== m) throw new ValidationError(`a has ${m} rows but b has ${b.length / o.n2}`);
  return { m, symmetric, data: [a, b] };
}
