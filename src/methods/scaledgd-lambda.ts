/** ScaledGD(λ) (Xu, Shen, Chi & Ma 2023; docs/theory.md §6): overparameterized, from a small random init. */
import { ValidationError } from '../errors.js';
import { scaledGdLambda } from '../rules/precondition.js';
import type { MethodConfig } from './types.js';

/**
 * Default damping λ = 0.01 · s_{k+1}, s the singular values of A*(y) (s_k for k = min(n1, n2)), at least 1e-6·s_1.
 * λ must be well below σ_r(M*) — the old default 0.1·σ̂1 was ~10·σ_r at κ = 100, where the damping swamped the
 * preconditioner (47 → 1318 iterations from κ = 1 to 100, stalling at 5e-4) — but the data resolve σ_r only above
 * their noise floor, and for k ≥ r the value s_{k+1} is that floor: never above σ_r where σ_r is seen, of σ_r's
 * order where it is not. Measured (n = 20, r = 2, k = 4, m = 600, α = 1e-3): σ_r learned in about 40 / 90 / 150
 * iterations at κ = 1 / 10 / 100, each reaching 1e-10.
 */
export function defaultLambda(spectrum: Float64Array, k: number): number {
  const s1 = spectrum[0] ?? 0;
  if (!(s1 > 0)) return 1e-3;
  const floor = spectrum[Math.min(k, spectrum.length - 1)]!;
  return 0.01 * Math.max(floor, 1e-6 * s1);
}

export const scaledGdLambdaMethod: MethodConfig = {
  name: 'scaledgd-lambda',
  summary: 'ScaledGD(λ): X ← X − η ∇f (XᵀX + λI)⁻¹ (each factor by the other\'s Gram + λI); η = 0.1, λ = 0.01·s_{k+1}(A*(y))',
  models: ['asymmetric', 'symmetric'],
  params: [
    { name: 'eta', doc: 'step size η > 0 (default 0.1: the early effective step is η/λ, larger η diverges from a tiny init)', min: 0, exclusiveMin: true },
    { name: 'lambda', doc: 'damping λ ≥ 0, well below σ_r(M*) (default 0.01·s_{k+1}, s the singular values of A*(y): the data\'s noise floor)', min: 0 },
  ],
  create(p, ctx) {
    const eta = p.eta ?? 0.1 * ctx.stepScale;
    const lambda = p.lambda ?? defaultLambda(ctx.spectrum(ctx.k + 1), ctx.k);
    if (!(lambda >= 0)) throw new ValidationError(`scaledgd-lambda: lambda must be ≥ 0, got ${lambda}`);
    return { rule: scaledGdLambda(eta, lambda), eta, params: { eta, lambda } };
  },
};
