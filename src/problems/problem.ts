/**
 * A sensing problem: operator, measurements, and (when known) the ground truth and held-out test data.
 * Generated per math.md §2 ({@link createProblem}) or built from your own arrays ({@link problemFromData}).
 */
import type { MeasurementOperator } from '../operators/base.js';
import type { F64Buf } from '../runtime.js';

/** Held-out measurements used for the test error. */
export interface TestData {
  op: MeasurementOperator;
  y: F64Buf;
}

/** Degrees-of-freedom summary computed when a problem is created (math.md §9.7). */
export interface SamplingInfo {
  /** m / (r (n1 + n2 − r)): ≥ 1 is needed to identify a rank-r matrix at all. Undefined when r is unknown. */
  oversamplingRank?: number;
  /** n1 · n2: an operator with m ≥ this is (generically) injective. */
  ambientDimension: number;
}

export interface Problem {
  readonly n1: number;
  readonly n2: number;
  /** Number of measurements. */
  readonly m: number;
  /** Rank of the ground truth, when known. */
  readonly r?: number;
  /** True when the target is symmetric PSD and every A_i symmetric: the X Xᵀ model applies. */
  readonly symmetric: boolean;
  readonly op: MeasurementOperator;
  /** Measurements y (length m). */
  readonly y: F64Buf;
  /** ‖y‖₂. */
  readonly yNorm: number;
  /** Ground truth M* (n1 × n2 row-major), when known. */
  readonly Mstar?: F64Buf;
  /** ‖M*‖_F. */
  readonly MstarNorm?: number;
  /** U* (n1 × r) and V* (n2 × r), orthonormal columns, and σ (length r), when generated. */
  readonly Ustar?: Float64Array;
  readonly Vstar?: Float64Array;
  readonly sigma?: Float64Array;
  readonly test?: TestData;
  readonly seed?: number;
  readonly sampling: SamplingInfo;
  /**
   * A*(y), computed once when the problem was made, for operators whose passes are asynchronous (the default step
   * size and the spectral init need it before a synchronous setup).
   */
  readonly adjointOfY?: Float64Array;
  /** Free every buffer this problem holds in the runtime. */
  dispose(): void;
}

/** Something a problem owns in the runtime. */
export type Owned = { free(): void } | { dispose(): void };

/**
 * Collects what a problem allocates; `release()` frees it all in reverse order (used on error, and as the
 * problem's idempotent `dispose`).
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
