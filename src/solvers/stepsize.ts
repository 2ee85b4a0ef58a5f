/**
 * A default step size from the data alone (never from M*): since E[A*A] = I, A*(y) ≈ M*, so its top singular value
 * σ̂ estimates σ1(M*) (over-estimates it when m is small, which only makes the step safer). Local analysis of GD at
 * a balanced solution gives stability for η < 1/σ1 for both models; we take η = c / σ̂ with c = 0.5.
 */
import type { Problem } from '../problems/problem.js';

/** σ̂1: the top singular value of the problem's back projection A*(y) (computed once per problem). */
export function estimateSigma1(p: Problem): number {
  return p.sigma1Hat();
}

/** Default GD step size 0.5 / σ̂1(A*(y)). */
export function defaultGdStep(sigma1Hat: number): number {
  return sigma1Hat > 0 ? 0.5 / sigma1Hat : 0.5;
}
