/**
 * A sensing problem: operator, measurements, and (when known) the ground truth and held-out test data. Generated
 * ({@link createProblem}) or built from your own arrays ({@link problemFromData}).
 *
 * Lifecycle: a problem owns its operator and buffers; `dispose()` frees them and stops the operator's workers. Any
 * later use — solving it, a running solve's next step — throws a StateError; nothing is ever computed on freed
 * memory.
 */
import { StateError } from '../errors.js';
import type { MeasurementOperator } from '../operators/operator.js';
import type { LinearMap } from '../operators/pass.js';
import { topKSvd, topSingularValue } from '../linalg/topk.js';
import { PlacedOperator, type BlockLinearMap } from '../operators/placed.js';
import type { F64Buf } from '../runtime.js';
import { samplingInfo } from './sampling.js';

/** Held-out measurements used for the test error. */
export interface TestData {
  op: MeasurementOperator;
  y: F64Buf;
}

/** Degrees-of-freedom summary computed when a problem is created (docs/theory.md §9). */
export interface SamplingInfo {
  /** m / (r (n1 + n2 − r)): ≥ 1 is needed to identify a rank-r matrix at all. Undefined when r is unknown. */
  oversamplingRank?: number;
  /** n1 · n2: an operator with m ≥ this is (generically) injective. */
  ambientDimension: number;
}

/** What a problem is made of (the generators and `problemFromData` fill it). */
export interface ProblemParts {
  n1: number;
  n2: number;
  m: number;
  r?: number;
  /** The target is symmetric PSD: the X Xᵀ model applies (the default model). */
  symmetric: boolean;
  op: MeasurementOperator;
  y: F64Buf;
  Mstar?: F64Buf;
  Ustar?: Float64Array;
  Vstar?: Float64Array;
  sigma?: Float64Array;
  test?: TestData;
  seed?: number;
}

/** Something a problem owns in the runtime. */
export type Owned = { free(): void } | { dispose(): void };

/**
 * Collects what a problem allocates; `release()` frees it all in reverse order (used on error, and by the problem's
 * `dispose`).
 */
export function ownedResources(): { add<T extends Owned>(x: T): T; release(): void } {
  const items: Owned[] = [];
  let released = false;
  return {
    add(x) { items.push(x); return x; },
    release() {
      if (released) return;
      released = true;
      for (const b of items.reverse()) ('dispose' in b ? b.dispose() : b.free());
    },
  };
}

export class Problem {
  readonly n1: number;
  readonly n2: number;
  /** Number of measurements. */
  readonly m: number;
  /** Rank of the ground truth, when known. */
  readonly r?: number;
  /** True when the target is symmetric PSD: the X Xᵀ model applies (and is the default). */
  readonly symmetric: boolean;
  readonly op: MeasurementOperator;
  /** Measurements y (length m). */
  readonly y: F64Buf;
  /** ‖y‖₂. */
  readonly yNorm: number;
  /** Ground truth M* (n1 × n2 row-major), when known densely. */
  readonly Mstar?: F64Buf;
  /** ‖M*‖_F, when M* is known (densely or as factors). */
  readonly MstarNorm?: number;
  /** U* (n1 × r) and V* (n2 × r), orthonormal columns, and σ (length r), when known: M* = U* diag(σ) V*ᵀ. */
  readonly Ustar?: Float64Array;
  readonly Vstar?: Float64Array;
  readonly sigma?: Float64Array;
  readonly test?: TestData;
  readonly seed?: number;
  readonly sampling: SamplingInfo;
  private disposed = false;
  private backProj?: LinearMap;
  private sigma1?: number;
  private readonly spectra = new Map<number, Float64Array>();

  constructor(parts: ProblemParts, private readonly release: () => void, private readonly base?: Problem) {
    this.n1 = parts.n1; this.n2 = parts.n2; this.m = parts.m; this.r = parts.r; this.symmetric = parts.symmetric;
    this.op = parts.op; this.y = parts.y; this.Mstar = parts.Mstar; this.Ustar = parts.Ustar; this.Vstar = parts.Vstar;
    this.sigma = parts.sigma; this.test = parts.test; this.seed = parts.seed;
    this.yNorm = norm(parts.y.a);
    this.MstarNorm = parts.Mstar ? norm(parts.Mstar.a) : parts.sigma && parts.Ustar ? norm(parts.sigma) : undefined;
    this.sampling = samplingInfo(this.m, this.n1, this.n2, this.r);
  }

  /** True once this problem (or the problem it is a view of, or their runtime) has been disposed. */
  get isDisposed(): boolean { return this.disposed || (this.base?.isDisposed ?? false) || this.op.isDisposed; }

  /** Throw a StateError if this problem can no longer be used. */
  checkLive(): void {
    if (this.isDisposed) throw new StateError('this problem has been disposed (or its runtime has): create it again');
  }

  /** Whether M* is known (densely or as factors), so relative errors can be recorded. */
  get hasTruth(): boolean { return this.MstarNorm !== undefined && this.MstarNorm > 0; }

  /**
   * The data-only estimate of M* as a linear map (A*(y), corrected where E[A*A] ≠ I), computed once: the default
   * step size and the spectral initialization use it. Operators whose passes are asynchronous need
   * {@link backProjectionAsync} first (the async problem constructors call it).
   */
  backProjection(): LinearMap {
    this.checkLive();
    // a placed operator reads the problem's y in place (no copy of m numbers); y lives as long as the problem
    return (this.backProj ??= this.op instanceof PlacedOperator ? this.op.backProjection(this.y) : this.op.backProjection(this.y.a));
  }

  /**
   * σ̂1, the top singular value of the back projection (an estimate of σ1(M*) from the data alone, never from M*):
   * the default step sizes are fractions of 1/σ̂1. Computed once.
   */
  sigma1Hat(): number {
    if (this.sigma1 === undefined) {
      const M = this.backProjection();
      this.sigma1 = topSingularValue((x, o) => M.apply(x, o), (x, o) => M.applyT(x, o), this.n1, this.n2);
    }
    return this.sigma1;
  }

  /**
   * The top q singular values of the back projection A*(y), descending (randomized subspace iteration: products
   * only, never formed). Since E[A*A] = I they estimate M*'s above the data's noise floor. Cached per q.
   */
  backProjectionSpectrum(q: number): Float64Array {
    this.checkLive();
    const qq = Math.max(1, Math.min(q, this.n1, this.n2));
    const hit = this.spectra.get(qq);
    if (hit) return hit;
    const M = this.backProjection() as LinearMap & Partial<Pick<BlockLinearMap, 'applyBlock' | 'applyTBlock'>>;
    const { s } = topKSvd((x, o) => M.apply(x, o), (x, o) => M.applyT(x, o), this.n1, this.n2, qq, {
      iters: 8, oversample: 10, seed: 1, applyBlock: M.applyBlock, applyTBlock: M.applyTBlock,
    });
    this.spectra.set(qq, s);
    return s;
  }

  /** {@link backProjection}, awaitable. */
  async backProjectionAsync(): Promise<LinearMap> {
    this.checkLive();
    if (this.op instanceof PlacedOperator && this.op.synchronous) return this.backProjection();
    return (this.backProj ??= await this.op.backProjectionAsync(this.y.a));
  }

  /**
   * The same problem with another operator over the same measurements (e.g. Gram mode): a view that shares y, M*
   * and the test data. Disposing the view disposes only `op`; disposing this problem makes the view unusable too.
   */
  withOperator(op: MeasurementOperator): Problem {
    this.checkLive();
    const view = new Problem({ ...this, op }, () => op.dispose(), this);
    view.backProj = this.backProj;
    view.sigma1 = this.sigma1;
    return view;
  }

  /** Free every buffer this problem holds and stop its operator's workers. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.base) this.backProj?.dispose?.(); // a view shares its base's
    this.backProj = undefined;
    this.release();
  }
}

function norm(a: ArrayLike<number>): number { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * a[i]; return Math.sqrt(s); }
