/** ScaledGD (Tong, Ma & Chi 2021; docs/theory.md §6): exact width k = r, spectral initialization by default. */
import { scaledGd } from '../rules/precondition.js';
import type { MethodConfig } from './types.js';

export const scaledGdMethod: MethodConfig = {
  name: 'scaledgd',
  summary: 'ScaledGD: F ← F − η E G (GᵀG)⁻¹, G ← G − η Eᵀ F (FᵀF)⁻¹ (k = r); spectral init by default; η = 0.5',
  models: ['asymmetric', 'symmetric'],
  params: [{ name: 'eta', doc: 'step size η > 0 (default 0.5; scale-free, so no σ̂1 needed)', min: 0, exclusiveMin: true }],
  defaultInit: { kind: 'spectral' },
  create(p, ctx) {
    const eta = p.eta ?? 0.5 * ctx.stepScale;
    return { rule: scaledGd(eta), eta, params: { eta } };
  },
};
