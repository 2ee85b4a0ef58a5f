/**
 * Gram preconditioning (docs/theory.md §6): the block behind ScaledGD, ScaledGD(λ) and PrecGD.
 *
 *     asymmetric:  ∇F f ← ∇F f · (GᵀG + λ I)⁻¹,   ∇G f ← ∇G f · (FᵀF + λ I)⁻¹   (both Grams at the current iterate)
 *     symmetric:   ∇X f ← ∇X f · (XᵀX + λ I)⁻¹
 *
 * λ is a constant (ScaledGD: 0; ScaledGD(λ): λ > 0) or recomputed every step as λ_t = sqrt(f(X_t)) (PrecGD).
 * The k × k solves go through `solveRightPsd`: Cholesky with a relative pivot guard, and the SVD (eigen)
 * pseudo-inverse when the regularized Gram is numerically singular.
 *
 * Memory: the two k × k Grams live in the runtime (allocated in `init`); each solve allocates O(k²) small JS
 * temporaries (the shifted copy and its Cholesky factor), nothing proportional to n.
 */
import { ValidationError } from '../errors.js';
import { solveRightPsd } from '../linalg/cholesky.js';
import type { F64Buf, Runtime } from '../runtime.js';
import { chain, checkEta, scale } from './blocks.js';
import type { FactorModel, Gradient, StepContext, UpdateRule } from './types.js';

/** Damping of {@link preconditionByGram}: a constant λ ≥ 0, or `'sqrt-loss'` for λ_t = sqrt(f(X_t)). */
export type Damping = number | 'sqrt-loss';

/** State: the Gram buffers and counters of the solve paths taken. */
export interface GramState {
  gramF: F64Buf;
  gramG: F64Buf;
  /** Number of k × k solves that fell back to the pseudo-inverse. */
  pinvSolves: number;
  /** λ used at the last step. */
  lastLambda: number;
}

/** Check a damping λ: a finite number ≥ 0 (or 'sqrt-loss'). */
export function checkLambda(lambda: unknown, name = 'lambda'): Damping {
  if (lambda === 'sqrt-loss') return lambda;
  if (typeof lambda !== 'number' || !Number.isFinite(lambda) || lambda < 0) {
    throw new ValidationError(`${name} (damping) must be a finite number ≥ 0, got ${String(lambda)}`);
  }
  return lambda;
}

/** Right-multiply the gradient by the inverse (regularized) Gram of the other factor (see the module doc). */
export function preconditionByGram(lambda: Damping = 0): UpdateRule<GramState> {
  const lam = checkLambda(lambda);
  return {
    name: lam === 'sqrt-loss' ? 'precondition(λ=√f)' : `precondition(λ=${lam})`,
    init(model: FactorModel, rt: Runtime): GramState {
      const kk = model.k * model.k;
      return { gramF: rt.f64(kk), gramG: rt.f64(kk), pinvSolves: 0, lastLambda: 0 };
    },
    step(g: Gradient, st: GramState, ctx: StepContext) {
      const { model } = ctx, K = ctx.rt.kernels, k = model.k;
      const l = lam === 'sqrt-loss' ? Math.sqrt(Math.max(ctx.loss, 0)) : lam;
      st.lastLambda = l;
      if (model.kind === 'asymmetric') {
        K.gram_f64(st.gramG.ptr, model.G.ptr, model.n2, k);
        K.gram_f64(st.gramF.ptr, model.F.ptr, model.n1, k);
        if (solveRightPsd(g.dF.a, model.n1, st.gramG.a, k, g.dF.a, { lambda: l }).path === 'pinv') st.pinvSolves++;
        if (solveRightPsd(g.dG.a, model.n2, st.gramF.a, k, g.dG.a, { lambda: l }).path === 'pinv') st.pinvSolves++;
      } else {
        K.gram_f64(st.gramF.ptr, model.F.ptr, model.n1, k);
        if (solveRightPsd(g.dF.a, model.n1, st.gramF.a, k, g.dF.a, { lambda: l }).path === 'pinv') st.pinvSolves++;
      }
    },
    dispose(st: GramState) { st.gramF.free(); st.gramG.free(); },
  };
}

/** ScaledGD (Tong, Ma & Chi 2021): `chain(preconditionByGram(0), scale(-η))`. Meant for k = r. */
export function scaledGd(eta: number): UpdateRule<unknown[]> {
  const rule = chain(preconditionByGram(0), scale(-checkEta(eta)));
  return { ...rule, name: `scaledgd(η=${eta})` };
}

/** ScaledGD(λ) (Xu, Shen, Chi & Ma 2023): `chain(preconditionByGram(λ), scale(-η))`, λ ≥ 0. */
export function scaledGdLambda(eta: number, lambda: number): UpdateRule<unknown[]> {
  if (lambda === undefined) throw new ValidationError('scaledgd-lambda needs a damping λ ≥ 0');
  const rule = chain(preconditionByGram(checkLambda(lambda)), scale(-checkEta(eta)));
  return { ...rule, name: `scaledgd-lambda(η=${eta}, λ=${lambda})` };
}

/** PrecGD (Zhang, Fattahi & Zhang 2021): `chain(preconditionByGram('sqrt-loss'), scale(-η))`, λ_t = sqrt(f). */
export function precGd(eta: number): UpdateRule<unknown[]> {
  const rule = chain(preconditionByGram('sqrt-loss'), scale(-checkEta(eta)));
  return { ...rule, name: `precgd(η=${eta})` };
}
