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
  /**
   * The gradient products at other factors F', G' with this iterate's residual, without another operator pass:
   * EG = E·G', EtF = Eᵀ·F' (symmetric model: EG = ½(E + Eᵀ)·X'). Valid when F' G'ᵀ = F Gᵀ (a rebalancing).
   */
  productsAt(F: F64Buf, G: F64Buf, EG: F64Buf, EtF?: F64Buf): void;
  /**
   * One more operator pass, at other factors (AGN's second half-step): writes E'·G' into `out.EG` and E'ᵀ·F' into
   * `out.EtF` (either may be omitted), E' = A*(A(F' G'ᵀ) − y), and returns the loss there. A method that uses it
   * declares `passesPerIteration: 2` (operators whose passes are asynchronous cannot serve it).
   */
  passAt(F: F64Buf, G: F64Buf, out: { EG?: F64Buf; EtF?: F64Buf }): number;
  /** Record an event in the run result (e.g. `{ kind: 'rebalance' }` when the one-step modification fires). */
  addEvent(kind: string, detail?: string): void;
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
