/**
 * Update rules are small `{init, step}` blocks (after Optax): `init` preallocates the rule's state in the runtime,
 * `step` turns the gradient (held in `grad`, mutated in place) into the update that the solver then adds to the
 * factors. Blocks compose with {@link chain}. A rule may also read per-step extras from `ctx` (the current loss for
 * PrecGD's damping) and recompute the residual at other factors (AGN's second half-step).
 */
import type { F64Buf, Runtime } from '../runtime.js';

/** Shapes and buffers of the factorized model. For the symmetric model `G === F` (X = F Fᵀ). */
export interface FactorModel {
  kind: 'asymmetric' | 'symmetric';
  n1: number;
  n2: number;
  k: number;
  F: F64Buf;
  G: F64Buf;
}

/** The gradient (∇_F f, ∇_G f), turned into the update in place by the rule. For the symmetric model only `dF`. */
export interface Gradient {
  dF: F64Buf;
  dG: F64Buf;
}

/** What a rule can see and do during one step. */
export interface StepContext {
  rt: Runtime;
  model: FactorModel;
  /** Iteration number (0-based) of the iterate the gradient was taken at. */
  iter: number;
  /** f at the current iterate (½‖r‖² asymmetric, ¼‖r‖² symmetric). */
  loss: number;
  /** ‖A(X) − y‖ / ‖y‖ at the current iterate. */
  relResidual: number;
  /** The residual matrix E = A*(A(X) − y) at the current iterate (n1 × n2). */
  E: F64Buf;
  /**
   * Recompute E (into `ctx.E`) at the factors currently held in `F` and `G`, and return the new loss. Costs one
   * pass over the operator; AGN uses it for its second half-step.
   */
  recomputeResidual(F: F64Buf, G: F64Buf): number;
  /** Record an event in the run result (e.g. `{ kind: 'rebalance' }` when the one-step modification fires). */
  addEvent(kind: string, detail?: string): void;
  /** Compute ∇ of the current E with respect to one factor: out = E·other (side 'F') or Eᵀ·other (side 'G'). */
  gradientOf(side: 'F' | 'G', other: F64Buf, out: F64Buf): void;
}

/** A composable update rule. `S` is the state its `init` returns. */
export interface UpdateRule<S = unknown> {
  /** Name for records and errors. */
  readonly name: string;
  /** Preallocate state (called once in `setup`; must not be called per step). */
  init(model: FactorModel, rt: Runtime): S;
  /** Turn `grad` into the update in place. */
  step(grad: Gradient, state: S, ctx: StepContext): void;
  /** Free the state's runtime memory. */
  dispose?(state: S): void;
}
