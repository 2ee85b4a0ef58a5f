/** GD with the one-step modification of docs/theory.md §5 (Xiong, Ding & Du): asymmetric model. */
import { gdRebalance } from '../rules/rebalance.js';
import { defaultGdStep } from '../solvers/stepsize.js';
import type { MethodConfig } from './types.js';

export const gdRebalanceMethod: MethodConfig = {
  name: 'gd-rebalance',
  summary: 'GD plus the one-step modification (docs/theory.md §5) once ‖A(FGᵀ) − y‖/‖y‖ < τ: removes the α dependence of the asymmetric rate',
  models: ['asymmetric'],
  params: [
    { name: 'eta', doc: 'step size η > 0 (default 0.5 / σ̂1, σ̂1 = top singular value of A*(y))', min: 0, exclusiveMin: true },
    { name: 'tau', doc: 'residual trigger τ > 0: rebalance the first time the relative residual < τ (default 1e-2)', min: 0, exclusiveMin: true },
    { name: 'at', doc: 'iteration trigger T0 ≥ 0: rebalance at iteration T0 instead of by residual (default: off)', min: 0, integer: true },
  ],
  create(p, ctx) {
    const eta = p.eta ?? defaultGdStep(ctx.sigma1Hat) * ctx.stepScale;
    const tau = p.tau ?? 1e-2;
    const params: Record<string, number> = { eta, tau };
    if (p.at !== undefined) params.at = p.at;
    return { rule: gdRebalance(eta, { tau, at: p.at }), eta, params };
  },
};
