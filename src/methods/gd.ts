/** Plain GD on F Gᵀ or X Xᵀ (docs/theory.md §3). */
import { gd } from '../rules/gd.js';
import { defaultGdStep } from '../solvers/stepsize.js';
import type { MethodConfig } from './types.js';

export const gdMethod: MethodConfig = {
  name: 'gd',
  summary: 'gradient descent on the factors (docs/theory.md §3); η defaults to 0.5 / σ̂1(A*(y))',
  models: ['asymmetric', 'symmetric'],
  params: [{ name: 'eta', doc: 'step size η > 0 (default 0.5 / σ̂1, σ̂1 = top singular value of A*(y))', min: 0, exclusiveMin: true }],
  create(p, ctx) {
    const eta = p.eta ?? defaultGdStep(ctx.sigma1Hat) * ctx.stepScale;
    return { rule: gd(eta), eta, params: { eta } };
  },
};
