/**
 * A symmetric PSD target M* = U diag(σ) Uᵀ (the generator's, for `seed`) measured by a general — not symmetric —
 * Gaussian operator (seed + 1000): Xiong, Ding & Du's setting, where the X Xᵀ and the F Gᵀ models fit the same data.
 * (A symmetric operator would hide the antisymmetric part of F Gᵀ from the loss.) Used by the sym-vs-asym experiment
 * and by sweeps with `generalOperator: true`.
 */
import { DenseOperator } from '../operators/dense.js';
import type { Runtime } from '../runtime.js';
import { problemFromOperator } from './data.js';
import { createProblem } from './generate.js';
import type { Problem } from './problem.js';

export function psdTargetGeneralOperator(rt: Runtime, o: { n: number; r: number; m: number; kappa?: number; seed: number }): Problem {
  const t = createProblem(rt, { n1: o.n, r: o.r, m: 1, kappa: o.kappa ?? 1, symmetric: true, seed: o.seed });
  const U = t.Ustar!.slice(), sigma = t.sigma!.slice();
  t.dispose();
  const M = new Float64Array(o.n * o.n);
  for (let a = 0; a < o.n; a++) for (let b = 0; b < o.n; b++) {
    let v = 0;
    for (let j = 0; j < o.r; j++) v += U[a * o.r + j]! * sigma[j]! * U[b * o.r + j]!;
    M[a * o.n + b] = v;
  }
  const op = DenseOperator.gaussian(rt, { m: o.m, n1: o.n, n2: o.n, seed: o.seed + 1000 });
  const y = new Float64Array(o.m);
  op.apply(M, y);
  return problemFromOperator(rt, { op, y, truth: { U, sigma, V: U }, r: o.r, symmetric: true });
}
