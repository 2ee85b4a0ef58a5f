/**
 * A default step size from the data alone (never from M*): since E[A*A] = I, A*(y) ≈ M*, so its top singular value
 * σ̂ estimates σ1(M*) (over-estimates it when m is small, which only makes the step safer). Local analysis of GD at
 * a balanced solution gives stability for η < 1/σ1 for both models; we take η = c / σ̂ with c = 0.5.
 */
import type { Problem } from '../problems/problem.js';
import type { Runtime } from '../runtime.js';

/** Top singular value of A*(y) (power iteration on SᵀS, 30 iterations from a fixed start). */
export function estimateSigma1(rt: Runtime, p: Problem): number {
  if (p.adjointOfY) return topSingularValue(p.adjointOfY, p.n1, p.n2);
  const N = p.n1 * p.n2;
  const S = rt.f64(N);
  try {
    p.op.adjoint(p.y.a, S.a);
    return topSingularValue(S.a, p.n1, p.n2);
  } finally {
    S.free();
  }
}

/** Largest singular value of a dense n1 × n2 matrix by power iteration (deterministic start). */
export function topSingularValue(S: Float64Array, n1: number, n2: number, iters = 30): number {
  let v = new Float64Array(n2).map((_, j) => 1 + 0.01 * Math.sin(j + 1));
  const u = new Float64Array(n1);
  let sigma = 0;
  for (let t = 0; t < iters; t++) {
    let nv = 0; for (const x of v) nv += x * x; nv = Math.sqrt(nv);
    if (nv === 0) return 0;
    for (let j = 0; j < n2; j++) v[j] /= nv;
    for (let a = 0; a < n1; a++) { let s = 0; const o = a * n2; for (let b = 0; b < n2; b++) s += S[o + b] * v[b]; u[a] = s; }
    let nu = 0; for (const x of u) nu += x * x; sigma = Math.sqrt(nu);
    const w = new Float64Array(n2);
    for (let a = 0; a < n1; a++) { const ua = u[a], o = a * n2; for (let b = 0; b < n2; b++) w[b] += S[o + b] * ua; }
    v = w;
  }
  return sigma;
}

/** Default GD step size 0.5 / σ̂1(A*(y)). */
export function defaultGdStep(sigma1Hat: number): number {
  return sigma1Hat > 0 ? 0.5 / sigma1Hat : 0.5;
}
