/**
 * Distance of a run's estimate to the ground truth, from factors. With M* known densely, X = F Gᵀ is formed in the
 * runtime and compared entry by entry (the problem already holds n1 × n2 numbers). With M* = U* Σ V*ᵀ known only as
 * factors (structured problems never form it), the error splits into four mutually orthogonal parts (docs/theory.md §10,
 * relative error from factors): with A = U*ᵀF, B = V*ᵀG, F⊥ = F − U*A, G⊥ = G − V*B,
 *
 *     ‖F Gᵀ − M*‖²_F = ‖A Bᵀ − Σ‖² + ‖A G⊥ᵀ‖² + ‖F⊥ Bᵀ‖² + ‖F⊥ G⊥ᵀ‖²,
 *
 * each evaluated from k × k Grams of the explicitly formed small parts — O((n1 + n2)(r + k)k) in wasm, with a floor of
 * ~1e-16 relative (the expansion ‖F Gᵀ‖² − 2⟨F Gᵀ, M*⟩ + ‖M*‖² would floor at ~1e-8). {@link factorDistance} is the
 * same quantity by thin QRs of [F, U*] and [G, −V*Σ], in plain TypeScript (a reference).
 */
import { qrR } from '../linalg/qr.js';
import type { Problem } from '../problems/problem.js';
import { Runtime, type F64Buf } from '../runtime.js';
import type { EstimateFactors } from './callback.js';

export class TruthDistance {
  private readonly X?: F64Buf;
  private readonly bufs: F64Buf[] = [];
  private readonly f?: { U: F64Buf; V: F64Buf; A: F64Buf; B: F64Buf; Fp: F64Buf; Gp: F64Buf; gF: F64Buf; gG: F64Buf; gA: F64Buf; gB: F64Buf };

  /** `kmax`: the widest estimate factors it will be given. */
  constructor(private readonly rt: Runtime, private readonly problem: Problem, kmax: number) {
    const p = problem;
    if (p.Mstar) { this.X = rt.f64(p.n1 * p.n2); return; }
    const r = p.sigma!.length, f64 = (n: number) => { const b = rt.f64(n); this.bufs.push(b); return b; };
    try {
      this.f = {
        U: f64(p.n1 * r).set(p.Ustar!), V: f64(p.n2 * r).set(p.Vstar!), A: f64(r * kmax), B: f64(r * kmax),
        Fp: f64(p.n1 * kmax), Gp: f64(p.n2 * kmax), gF: f64(kmax * kmax), gG: f64(kmax * kmax), gA: f64(kmax * kmax), gB: f64(kmax * kmax),
      };
    } catch (e) { for (const b of this.bufs) b.free(); throw e; }
  }

  /** Runtime bytes it allocates for `problem` and estimates up to width `kmax`. */
  static bytesFor(problem: Problem, kmax: number): number {
    const b = Runtime.blockBytes, { n1, n2 } = problem;
    if (problem.Mstar) return b(n1 * n2 * 8);
    const r = problem.sigma?.length ?? 0;
    return b(n1 * r * 8) + b(n2 * r * 8) + 2 * b(r * kmax * 8) + b(n1 * kmax * 8) + b(n2 * kmax * 8) + 4 * b(kmax * kmax * 8);
  }

  /** ‖F Gᵀ − M*‖_F / ‖M*‖_F. */
  relError(e: EstimateFactors): number {
    const p = this.problem, norm = p.MstarNorm!, K = this.rt.kernels;
    if (this.X) {
      K.gemm_nt_f64(this.X.ptr, e.F.ptr, e.G.ptr, p.n1, p.n2, e.k);
      return Math.sqrt(K.sqdist_f64(this.X.ptr, p.Mstar!.ptr, p.n1 * p.n2)) / norm;
    }
    const f = this.f!, { n1, n2 } = p, k = e.k, sigma = p.sigma!, r = sigma.length;
    // A = Uᵀ F, F⊥ = F − U A (and B, G⊥ likewise)
    K.gemm_tn_f64(f.A.ptr, f.U.ptr, e.F.ptr, r, k, n1);
    K.sub_gemm_nn_f64(f.Fp.ptr, e.F.ptr, f.U.ptr, f.A.ptr, n1, k, r);
    K.gemm_tn_f64(f.B.ptr, f.V.ptr, e.G.ptr, r, k, n2);
    K.sub_gemm_nn_f64(f.Gp.ptr, e.G.ptr, f.V.ptr, f.B.ptr, n2, k, r);
    // k × k Grams
    K.gram_f64(f.gF.ptr, f.Fp.ptr, n1, k);
    K.gram_f64(f.gG.ptr, f.Gp.ptr, n2, k);
    K.gram_f64(f.gA.ptr, f.A.ptr, r, k);
    K.gram_f64(f.gB.ptr, f.B.ptr, r, k);
    const A = f.A.a, B = f.B.a, gF = f.gF.a, gG = f.gG.a, gA = f.gA.a, gB = f.gB.a;
    let core = 0;
    for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) {
      let s = a === b ? -sigma[a] : 0;
      for (let j = 0; j < k; j++) s += A[a * k + j] * B[b * k + j];
      core += s * s;
    }
    let cross = 0;
    for (let i = 0; i < k * k; i++) cross += gA[i] * gG[i] + gF[i] * gB[i] + gF[i] * gG[i];
    return Math.sqrt(core + Math.max(cross, 0)) / norm;
  }

  dispose(): void {
    this.X?.free();
    for (const b of this.bufs) b.free();
  }
}

/** ‖F Gᵀ − U diag(σ) Vᵀ‖_F by the thin QRs of [F, U] and [G, −V diag(σ)], in plain TypeScript (a reference). */
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
