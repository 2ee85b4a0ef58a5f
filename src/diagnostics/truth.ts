/**
 * Distance of a run's estimate to the ground truth, from factors. With M* known densely, X = F Gᵀ is formed in the
 * runtime and compared entry by entry (the problem already holds n1 × n2 numbers). With M* = U* Σ V*ᵀ known only as
 * factors (structured problems never form it), the distance comes from thin QRs (docs/theory.md, relative error
 * from factors): W = [F, U*] = Q_W R_W, Z = [G, −V*Σ] = Q_Z R_Z, ‖F Gᵀ − M*‖_F = ‖R_W R_Zᵀ‖_F — O((n1 + n2)(k + r)²)
 * with a floor of ~1e-16 relative, where the expansion ‖FGᵀ‖² − 2⟨FGᵀ, M*⟩ + ‖M*‖² would floor at ~1e-8.
 */
import { qrR } from '../linalg/qr.js';
import type { Problem } from '../problems/problem.js';
import { Runtime, type F64Buf } from '../runtime.js';
import type { EstimateFactors } from './callback.js';

export class TruthDistance {
  private readonly X?: F64Buf;

  constructor(private readonly rt: Runtime, private readonly problem: Problem) {
    if (problem.Mstar) this.X = rt.f64(problem.n1 * problem.n2);
  }

  /** Runtime bytes it allocates for `problem`. */
  static bytesFor(problem: Problem): number {
    return problem.Mstar ? Runtime.blockBytes(problem.n1 * problem.n2 * 8) : 0;
  }

  /** ‖F Gᵀ − M*‖_F / ‖M*‖_F. */
  relError(e: EstimateFactors): number {
    const p = this.problem, norm = p.MstarNorm!;
    if (this.X) {
      const K = this.rt.kernels;
      K.gemm_nt_f64(this.X.ptr, e.F.ptr, e.G.ptr, p.n1, p.n2, e.k);
      return Math.sqrt(K.sqdist_f64(this.X.ptr, p.Mstar!.ptr, p.n1 * p.n2)) / norm;
    }
    return factorDistance(e.F.a, e.G.a, e.k, p.Ustar!, p.sigma!, p.Vstar!, p.n1, p.n2) / norm;
  }

  dispose(): void { this.X?.free(); }
}

/** ‖F Gᵀ − U diag(σ) Vᵀ‖_F by the thin QRs of [F, U] and [G, −V diag(σ)] (see the module doc). */
export function factorDistance(F: Float64Array, G: Float64Array, k: number, U: Float64Array, sigma: Float64Array, V: Float64Array, n1: number, n2: number): number {
  const r = sigma.length, p = k + r;
  const W = new Float64Array(n1 * p), Z = new Float64Array(n2 * p);
  for (let a = 0; a < n1; a++) {
    for (let j = 0; j < k; j++) W[a * p + j] = F[a * k + j];
    for (let q = 0; q < r; q++) W[a * p + k + q] = U[a * r + q];
  }
  for (let b = 0; b < n2; b++) {
    for (let j = 0; j < k; j++) Z[b * p + j] = G[b * k + j];
    for (let q = 0; q < r; q++) Z[b * p + k + q] = -V[b * r + q] * sigma[q];
  }
  if (p > n1 || p > n2) {
    // wider than tall: the product itself is small enough to form
    let s = 0;
    for (let a = 0; a < n1; a++) for (let b = 0; b < n2; b++) {
      let d = 0;
      for (let j = 0; j < p; j++) d += W[a * p + j] * Z[b * p + j];
      s += d * d;
    }
    return Math.sqrt(s);
  }
  const RW = qrR(W, n1, p), RZ = qrR(Z, n2, p);
  let s = 0;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) {
    // (R_W R_Zᵀ)[i, j] = Σ_c R_W[i, c] R_Z[j, c], upper triangular: c ≥ max(i, j)
    let d = 0;
    for (let c = Math.max(i, j); c < p; c++) d += RW[i * p + c] * RZ[j * p + c];
    s += d * d;
  }
  return Math.sqrt(s);
}
