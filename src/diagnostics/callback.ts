/**
 * Diagnostics are callbacks, never written into the loop (after PyLops' Callbacks): each declares what it records and
 * is called once per iteration with read-only access to the solver's state.
 */
import type { Problem } from '../problems/problem.js';
import type { FactorModel, Gradient } from '../rules/types.js';
import type { F64Buf, Runtime } from '../runtime.js';

/** What the solver exposes to callbacks after computing the residual and gradient at iterate `iter`. */
export interface IterateState {
  iter: number;
  rt: Runtime;
  problem: Problem;
  model: FactorModel;
  /** X = F Gᵀ (or F Fᵀ), n1 × n2. */
  X: F64Buf;
  /** E = A*(A(X) − y). */
  E: F64Buf;
  /** Residual vector A(X) − y. */
  r: F64Buf;
  /** ∇f at the iterate (before the rule transforms it). */
  grad: Gradient;
  loss: number;
  relResidual: number;
  /** Milliseconds since the run started. */
  elapsedMs: number;
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
  onSetup?(state: { rt: Runtime; problem: Problem; model: FactorModel; maxIter: number }): void;
  /** Called at every iterate (including the final one). */
  onIterate?(s: IterateState): void;
  /** Called once when the run ends. */
  onFinish?(): void;
  /** Free runtime memory. */
  dispose?(): void;
}
