/**
 * Warnings that keep an under-sampled run from looking like a success (docs/theory.md §9.7): a method can drive the train
 * loss to ~0 while the held-out test error stays O(1). The solver always attaches this callback; its warnings land in
 * `RunResult.warnings`.
 *
 * - Degrees of freedom, at setup: a rank-r n1 × n2 matrix has r(n1 + n2 − r) of them, the width-k model
 *   k(n1 + n2 − k). m < r(n1 + n2 − r): M* is not identifiable from the data at all. m < k(n1 + n2 − k): the model has
 *   more freedom than there are measurements, so it can interpolate y without recovering M* — recovery then relies
 *   on the implicit low-rank bias of a small initialization.
 * - Interpolating but not recovering, at finish: the final relative train residual is ≤ `trainTol` (default 1e-3)
 *   while the relative held-out test error (or, without test data, the relative error against a known M*) is
 *   ≥ `testTol` (default 0.1).
 */
import { ValidationError } from '../errors.js';
import { degreesOfFreedom } from '../problems/sampling.js';
import type { Problem } from '../problems/problem.js';
import type { FactorModel } from '../rules/types.js';
import type { Callback } from './callback.js';
import type { RunRecord } from './record.js';

/** Options of {@link RecoveryWarnings}. */
export interface RecoveryWarningOptions {
  /** "Tiny" train residual: final ‖A(X) − y‖/‖y‖ ≤ trainTol. Default 1e-3. */
  trainTol?: number;
  /** "Not recovering": final test (or relative) error ≥ testTol. Default 0.1. */
  testTol?: number;
}

/** Where the final metrics come from: the solver's cheap-metrics recorder (anything with `last`). */
export interface LastMetric {
  last(name: keyof RunRecord): number | undefined;
}

/** The degrees-of-freedom warnings for m measurements of an n1 × n2 rank-r target fitted at width k. */
export function degreesOfFreedomWarnings(m: number, n1: number, n2: number, k: number, r?: number): string[] {
  const out: string[] = [];
  if (r !== undefined) {
    const dr = degreesOfFreedom(n1, n2, r);
    if (m < dr) out.push(`under-sampled: m = ${m} measurements < r(n1 + n2 − r) = ${dr} degrees of freedom of a rank-${r} ${n1} × ${n2} matrix; M* cannot be identified from the data`);
  }
  const dk = degreesOfFreedom(n1, n2, k);
  if (m < dk && m < n1 * n2) {
    out.push(`m = ${m} measurements < k(n1 + n2 − k) = ${dk} degrees of freedom of the width-${k} model: it can fit the data exactly without recovering M*; recovery relies on the low-rank bias of a small init — check the test error`);
  }
  return out;
}

/** Degrees-of-freedom and "interpolating but not recovering" warnings (see the module doc). */
export class RecoveryWarnings implements Callback {
  readonly name = 'recovery';
  readonly trainTol: number;
  readonly testTol: number;
  private setupWarnings: string[] = [];
  private problem?: Problem;

  constructor(private readonly metrics: LastMetric, o: RecoveryWarningOptions = {}) {
    this.trainTol = o.trainTol ?? 1e-3;
    this.testTol = o.testTol ?? 0.1;
    if (!(this.trainTol > 0) || !Number.isFinite(this.trainTol)) throw new ValidationError(`trainTol must be a finite number > 0, got ${this.trainTol}`);
    if (!(this.testTol > 0) || !Number.isFinite(this.testTol)) throw new ValidationError(`testTol must be a finite number > 0, got ${this.testTol}`);
  }

  onSetup(s: { problem: Problem; model: FactorModel }): void {
    this.problem = s.problem;
    this.setupWarnings = degreesOfFreedomWarnings(s.problem.m, s.problem.n1, s.problem.n2, s.model.k, s.problem.r);
    const extra = s.problem.r !== undefined ? s.problem.op.sampleComplexityWarning(s.problem.r) : undefined;
    if (extra) this.setupWarnings.push(extra);
  }

  /** The final verdict: undefined when there is nothing to warn about. */
  interpolationWarning(): string | undefined {
    const train = this.metrics.last('relResidual');
    if (train === undefined || !(train <= this.trainTol)) return undefined;
    const test = this.problem?.test ? this.metrics.last('testError') : undefined;
    const err = test ?? (this.problem?.Mstar ? this.metrics.last('relError') : undefined);
    if (err === undefined || !(err >= this.testTol)) return undefined;
    const what = test !== undefined ? 'held-out test error' : 'relative error ‖X − M*‖_F/‖M*‖_F';
    return `interpolating but not recovering: the train residual is ${train.toExponential(2)} (≤ ${this.trainTol}) while the ${what} is ${err.toPrecision(3)} (≥ ${this.testTol}); the model fits the measurements but not M* (too few measurements for this width, or too large an init)`;
  }

  warnings(): string[] {
    const w = [...this.setupWarnings];
    const i = this.interpolationWarning();
    if (i) w.push(i);
    return w;
  }

  result(): { degreesOfFreedom: string[]; interpolating: boolean } {
    return { degreesOfFreedom: [...this.setupWarnings], interpolating: this.interpolationWarning() !== undefined };
  }
}
