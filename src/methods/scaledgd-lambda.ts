/** ScaledGD(λ) (Xu, Shen, Chi & Ma 2023; docs/theory.md §6): overparameterized, from a small random init. */
import { ValidationError } from '../errors.js';
import { scaledGdLambda } from '../rules/precondition.js';
import type { MethodConfig } from './types.js';

/** Default damping: λ = 0.1 · σ̂1, σ̂1 = top singular value of A*(y) (a data-only stand-in for σ_r(M*), κ ≲ 10). */
export function defaultLambda(sigma1Hat: number): number {
  return sigma1Hat > 0 ? 0.1 * sigma1Hat : 0.1;
}

export const scaledGdLambdaMethod: MethodConfig = {
  name: 'scaledgd-lambda',
  summary: 'ScaledGD(λ): X ← X − η ∇f (XᵀX + λI)⁻¹ (each factor by the other\'s Gram + λI); η = 0.1, λ = 0.1·σ̂1',
  models: ['asymmetric', 'symmetric'],
  params: [
    { name: 'eta', doc: 'step size η > 0 (default 0.1: the early effective step is η/λ, larger η diverges from a tiny init)', min: 0, exclusiveMin: true },
    { name: 'lambda', doc: 'damping λ ≥ 0, of the order of σ_r(M*) (default 0.1·σ̂1, σ̂1 = top singular value of A*(y))', min: 0 },
  ],
  create(p, ctx) {
    const eta = p.eta ?? 0.1 * ctx.stepScale;
    const lambda = p.lambda ?? defaultLambda(ctx.sigma1Hat);
    if (!(lambda >= 0)) throw new ValidationError(`scaledgd-lambda: lambda must be ≥ 0, got ${lambda}`);
    return { rule: scaledGdLambda(eta, lambda), eta, params: { eta, lambda } };
  },
};
