/** PrecGD (Zhang, Fattahi & Zhang 2021; docs/theory.md §6): ScaledGD(λ) with λ_t = sqrt(f(X_t)) recomputed every step. */
import { precGd } from '../rules/precondition.js';
import type { MethodConfig } from './types.js';

export const precGdMethod: MethodConfig = {
  name: 'precgd',
  summary: 'PrecGD: X ← X − η ∇f (XᵀX + λ_t I)⁻¹ with λ_t = sqrt(f(X_t)); η = 0.1',
  models: ['asymmetric', 'symmetric'],
  params: [{ name: 'eta', doc: 'step size η > 0 (default 0.1)', min: 0, exclusiveMin: true }],
  create(p, ctx) {
    const eta = p.eta ?? 0.1 * ctx.stepScale;
    return { rule: precGd(eta), eta, params: { eta } };
  },
};
