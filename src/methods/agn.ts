/** AGN, approximated Gauss–Newton (Jia, Feng, Meng & Sun 2024; docs/theory.md §6): asymmetric model, two half-steps. */
import { AGN_RCOND, agn } from '../rules/agn.js';
import type { MethodConfig } from './types.js';

export const agnMethod: MethodConfig = {
  name: 'agn',
  summary: 'AGN: F ← F − η E G (GᵀG)⁺, then G ← G − η E(F_new)ᵀ F_new (F_newᵀF_new)⁺ (two residual passes per iteration); η = 0.5',
  models: ['asymmetric'],
  passesPerIteration: 2,
  params: [
    { name: 'eta', doc: 'step size η > 0 (default 0.5; descent for η ≤ 2/(1+δ); η = 1 is exact in one step for an isometry)', min: 0, exclusiveMin: true },
    { name: 'rcond', doc: `relative eigenvalue cutoff of the k × k pseudo-inverses, in [0, 1) (default ${AGN_RCOND})`, min: 0, max: 0.999999 },
  ],
  create(p, ctx) {
    const eta = p.eta ?? 0.5 * ctx.stepScale;
    const rcond = p.rcond ?? AGN_RCOND;
    return { rule: agn(eta, rcond), eta, params: { eta, rcond } };
  },
};
