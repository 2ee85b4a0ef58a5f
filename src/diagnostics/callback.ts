/**
 * Diagnostics are callbacks, never written into the loop (after PyLops' Callbacks): each declares what it records and
 * is called once per iteration with read-only access to the solver's state.
 */
import type { Problem } from '../problems/problem.js';
import type { FactorModel, Gradient } from '../rules/types.js';
import type { F64Buf, Runtime } from '../runtime.js';

/** The factors of a run's reported estimate: F Gᵀ, or sym(F Gᵀ) = [F, G]·[½G, ½F]ᵀ (width 2k) when symmetrized. */
export interface EstimateFactors {
  F: F64Buf;
  G: F64Buf;
  k: number;
}

/** What the solver exposes to callbacks after the pass at iterate `iter` (read-only). */
export interface IterateState {
  iter: number;
  rt: Runtime;
  problem: Problem;
  model: FactorModel;
  /** ∇f at the iterate (before the rule transforms it). */
  grad: Gradient;
  loss: number;
  relResidual: number;
  /** Milliseconds since the run started. */
  elapsedMs: number;
  /** Which trajectory of its solver this is (0 for a single run). */
  trajectory: number;
  /** Factors of the estimate the run reports (never the n1 × n2 matrix itself). */
  estimate(): EstimateFactors;
}

/** What a callback is given once, before the first iteration. */
export interface SetupState {
  rt: Runtime;
  problem: Problem;
  model: FactorModel;
  maxIter: number;
  /** Which trajectory of its solver this is (0 for a single run). */
  trajectory: number;
  /** Width of the estimate's factors (k, or 2k when the estimate is symmetrized). */
  estimateWidth: number;
}

/** A solver callback. All hooks optional. */
export interface Callback {
  /** Key under which `result()` appears in `RunResult.diagnostics`. */
  readonly name?: string;
  /** What this callback recorded, copied out of wasm memory (put into `RunResult.diagnostics[name]`). */
  result?(): unknown;
  /** Warnings to attach to the run result (e.g. "interpolating but not recovering"). Called at finalize. */
  warnings?(): string[];
  /** Called once before the first iteration; allocate here, never in `onIterate`. */
  onSetup?(state: SetupState): void;
  /** Called at every iterate (including the final one). */
  onIterate?(s: IterateState): void;
  /** Called once when the run ends. */
  onFinish?(): void;
  /** Free runtime memory. */
  dispose?(): void;
}
