/**
 * The SVD-based diagnostics of docs/theory.md §7, every K iterations, as a solver callback (`name: 'spectral'`, so its
 * result lands in `RunResult.diagnostics.spectral`). Each sample costs O((n1 + n2) k² + k³) in plain TypeScript
 * (thin QR + small SVDs/eigendecompositions, never the n1 × n2 product) and allocates only JS temporaries.
 *
 * At each sampled iterate t (t = 0, K, 2K, …, and the final iterate of the run) it records:
 * - `svProduct`: singular values of F Gᵀ (X Xᵀ), via thin QR of F and G and the SVD of the k × k core R_F R_Gᵀ;
 * - `svF`, `svG`: singular values of F and of G (asymmetric; for X Xᵀ only `svF`, those of X);
 * - `imbalanceEig`: eigenvalues of FᵀF − GᵀG, descending (asymmetric only);
 * - `anglesU`, `anglesV` (when U*, V* are known): principal angles (radians, ascending) between col(U*) and the
 *   span of the top-min(r, k) left singular vectors of F (resp. col(V*) and those of G) — for k ≤ r this is col(F)
 *   itself; for k > r it is the part of col(F) that carries the signal (all of col(F) would trivially contain
 *   col(U*) at k = n);
 * - the Stöger–Soltanolkotabi signal/noise split of F (and G): with U*ᵀF = P Σ Wᵀ (W: k × p, p = min(r, k)) the
 *   signal part is F W Wᵀ and the noise part F (I − W Wᵀ); `signalMinF` = σ_min(F W), `noiseF` = ‖F (I − W Wᵀ)‖₂
 *   (spectral norm; 0 when k ≤ r); likewise `signalMinG`, `noiseG` with V*;
 * - `effectiveRank`: entropy effective rank (Roy & Vetterli) of the singular values of F Gᵀ;
 * - `relResidual`: the relative train residual at that iterate.
 *
 * The phases (docs/theory.md §1, §7) are estimated from these curves at finish — see {@link PhaseEstimate}.
 */
import { ValidationError } from '../errors.js';
import { effectiveRank } from '../linalg/dense.js';
import { symEig } from '../linalg/eig.js';
import { principalAngles } from '../linalg/angles.js';
import { singularValues, svd, thinSvdOfProduct } from '../linalg/svd.js';
import { topKSvd } from '../linalg/topk.js';
import type { BlockLinearMap } from '../operators/placed.js';
import type { Problem } from '../problems/problem.js';
import type { FactorModel } from '../rules/types.js';
import type { Runtime } from '../runtime.js';
import type { Callback, IterateState, SetupState } from './callback.js';

/** Options of {@link SpectralDiagnostics}. */
export interface SpectralOptions {
  /** Sample every K iterations (K ≥ 1). Default 10. */
  every?: number;
  /**
   * Alignment threshold: phase I (alignment) ends at the first sample where sin θ_max ≤ alignTol for the
   * angles of col(U*) (and col(V*)). Default 0.1.
   */
  alignTol?: number;
  /**
   * Saddle-escape threshold: phase II ends at the first sample, not before the end of alignment, where
   * σ_r(F Gᵀ) ≥ escapeFraction · σ_r(M*). Default 0.5.
   */
  escapeFraction?: number;
}

/**
 * Where the phases of small-init GD end, estimated from the sampled curves (iteration numbers are sample
 * iterations, so they are exact only to within K).
 *
 * - `alignmentEnd`: the first sampled t with sin θ_max(col U*, top-p left singular space of F_t) ≤ alignTol — and, for
 *   the asymmetric model, the same for G_t and V*. Needs U* (V*). When the angles are unknown (no U*), or the
 *   threshold is never met, it is undefined.
 * - `saddleEscapeEnd`: the first sampled t ≥ alignmentEnd (or ≥ 0 when alignment is undefined) with
 *   σ_r(F_t G_tᵀ) ≥ escapeFraction · σ_r(M*), σ_r(M*) = the smallest of the problem's σ. Needs σ (the rank r
 *   and the spectrum); undefined when unknown or not reached.
 * - After `saddleEscapeEnd` comes phase III, local refinement.
 *
 * `notes` says, for each boundary that is undefined, why.
 */
export interface PhaseEstimate {
  alignmentEnd?: number;
  saddleEscapeEnd?: number;
  /** The criteria used, in words, with the thresholds. */
  criteria: string;
  notes: string[];
}

/** What {@link SpectralDiagnostics} records (one entry per sample; arrays of arrays are per-sample spectra). */
export interface SpectralRecord {
  every: number;
  iter: number[];
  relResidual: number[];
  svProduct: Float64Array[];
  svF: Float64Array[];
  svG?: Float64Array[];
  imbalanceEig?: Float64Array[];
  anglesU?: Float64Array[];
  anglesV?: Float64Array[];
  /**
   * Principal angles (radians, ascending) between the top-r left (right) singular space of the back projection A*(y)
   * — the space the near-zero power method turns F (G) towards — and the top-r singular space of F (G). Recorded when
   * the rank r is known; the alignment phase is measured against these (docs/theory.md §7).
   */
  anglesDataU?: Float64Array[];
  anglesDataV?: Float64Array[];
  signalMinF?: number[];
  noiseF?: number[];
  signalMinG?: number[];
  noiseG?: number[];
  effectiveRank: number[];
  phases: PhaseEstimate;
}

/** Signal/noise split of a factor A (n × k) against an orthonormal truth basis T (n × r). */
export function signalNoiseSplit(A: Float64Array, T: Float64Array, n: number, k: number, r: number): { signalMin: number; noise: number; W: Float64Array; p: number } {
  // C = Tᵀ A (r × k)
  const C = new Float64Array(r * k);
  for (let a = 0; a < n; a++) {
    for (let q = 0; q < r; q++) {
      const t = T[a * r + q];
      if (t === 0) continue;
      for (let j = 0; j < k; j++) C[q * k + j] += t * A[a * k + j];
    }
  }
  const { V: W, s } = svd(C, r, k); // W: k × p (right singular vectors), p = min(r, k)
  const p = s.length;
  // A W (n × p) and the noise part A (I − W Wᵀ) (n × k)
  const AW = new Float64Array(n * p);
  for (let a = 0; a < n; a++) for (let q = 0; q < p; q++) {
    let acc = 0;
    for (let j = 0; j < k; j++) acc += A[a * k + j] * W[j * p + q];
    AW[a * p + q] = acc;
  }
  const signal = singularValues(AW, n, p);
  let noise = 0;
  if (k > p) {
    const N = new Float64Array(n * k);
    for (let a = 0; a < n; a++) for (let j = 0; j < k; j++) {
      let acc = 0;
      for (let q = 0; q < p; q++) acc += AW[a * p + q] * W[j * p + q];
      N[a * k + j] = A[a * k + j] - acc;
    }
    noise = singularValues(N, n, k)[0];
  }
  return { signalMin: signal[p - 1], noise, W, p };
}

/** The top-p left singular vectors of A (n × k), n × p. */
function topLeft(A: Float64Array, n: number, k: number, p: number): Float64Array {
  const { U } = svd(A, n, k);
  const q = Math.min(n, k);
  const out = new Float64Array(n * p);
  for (let a = 0; a < n; a++) for (let j = 0; j < p; j++) out[a * p + j] = U[a * q + j];
  return out;
}

/** Records the spectral diagnostics of docs/theory.md §7 every K iterations and estimates the phase boundaries. */
export class SpectralDiagnostics implements Callback {
  readonly name = 'spectral';
  readonly every: number;
  readonly alignTol: number;
  readonly escapeFraction: number;
  private rec!: SpectralRecord;
  private problem!: Problem;
  private model!: FactorModel;
  /** Top-r left and right singular spaces of A*(y) (n1 × r, n2 × r), when r is known. */
  private dataSpaces?: { U: Float64Array; V: Float64Array; r: number };
  private lastIter = -1;
  private lastRel = NaN;

  constructor(o: SpectralOptions = {}) {
    if (o === null || typeof o !== 'object') throw new ValidationError('spectral diagnostics options must be an object');
    const every = o.every ?? 10;
    if (typeof every !== 'number' || !Number.isInteger(every) || every < 1) throw new ValidationError(`diagnostics every must be a positive integer, got ${String(every)}`);
    const alignTol = o.alignTol ?? 0.1;
    if (typeof alignTol !== 'number' || !(alignTol > 0 && alignTol < 1)) throw new ValidationError(`alignTol must be in (0, 1), got ${String(alignTol)}`);
    const escapeFraction = o.escapeFraction ?? 0.5;
    if (typeof escapeFraction !== 'number' || !(escapeFraction > 0 && escapeFraction <= 1)) throw new ValidationError(`escapeFraction must be in (0, 1], got ${String(escapeFraction)}`);
    this.every = every; this.alignTol = alignTol; this.escapeFraction = escapeFraction;
  }

  onSetup(s: SetupState): void {
    this.problem = s.problem;
    this.model = s.model;
    const asym = s.model.kind === 'asymmetric';
    const truthU = s.problem.Ustar !== undefined && s.problem.r !== undefined;
    const truthV = asym && s.problem.Vstar !== undefined && s.problem.r !== undefined;
    this.rec = {
      every: this.every, iter: [], relResidual: [], svProduct: [], svF: [], effectiveRank: [],
      svG: asym ? [] : undefined, imbalanceEig: asym ? [] : undefined,
      anglesU: truthU ? [] : undefined, signalMinF: truthU ? [] : undefined, noiseF: truthU ? [] : undefined,
      anglesV: truthV ? [] : undefined, signalMinG: truthV ? [] : undefined, noiseG: truthV ? [] : undefined,
      phases: { criteria: '', notes: [] },
    };
    this.dataSpaces = undefined;
    const r = s.problem.r;
    if (r !== undefined && r <= Math.min(s.problem.n1, s.problem.n2)) {
      try {
        const M = s.problem.backProjection() as ReturnType<Problem['backProjection']> & Partial<Pick<BlockLinearMap, 'applyBlock' | 'applyTBlock'>>;
        const { U, V } = topKSvd((x, o) => M.apply(x, o), (x, o) => M.applyT(x, o), s.problem.n1, s.problem.n2, r, {
          iters: 12, oversample: 10, seed: 1, applyBlock: M.applyBlock, applyTBlock: M.applyTBlock,
        });
        this.dataSpaces = { U, V, r };
        this.rec.anglesDataU = [];
        if (asym) this.rec.anglesDataV = [];
      } catch {
        // an operator whose back projection is reachable only asynchronously: no data-space angles (noted at finish)
      }
    }
  }

  onIterate(s: IterateState): void {
    this.lastIter = s.iter;
    this.lastRel = s.relResidual;
    if (s.iter % this.every !== 0) return;
    this.sample(s.iter, s.relResidual);
  }

  /** Record one sample at the model's current factors. */
  private sample(iter: number, relResidual: number): void {
    const { model, problem } = this, rec = this.rec;
    const { n1, n2, k } = model;
    const F = model.F.copy();
    const asym = model.kind === 'asymmetric';
    const G = asym ? model.G.copy() : F;
    rec.iter.push(iter);
    rec.relResidual.push(relResidual);
    const svF = singularValues(F, n1, k);
    rec.svF.push(svF);
    let svP: Float64Array;
    if (asym) {
      svP = thinSvdOfProduct(F, G, n1, n2, k).s;
      rec.svG!.push(singularValues(G, n2, k));
      const D = new Float64Array(k * k);
      for (let a = 0; a < n1; a++) for (let i = 0; i < k; i++) { const x = F[a * k + i]; for (let j = 0; j < k; j++) D[i * k + j] += x * F[a * k + j]; }
      for (let b = 0; b < n2; b++) for (let i = 0; i < k; i++) { const x = G[b * k + i]; for (let j = 0; j < k; j++) D[i * k + j] -= x * G[b * k + j]; }
      for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) { const v = 0.5 * (D[i * k + j] + D[j * k + i]); D[i * k + j] = v; D[j * k + i] = v; }
      rec.imbalanceEig!.push(symEig(D, k).values);
    } else {
      svP = svF.map((x) => x * x);
    }
    rec.svProduct.push(svP);
    rec.effectiveRank.push(effectiveRank(svP));
    const ds = this.dataSpaces;
    if (ds) {
      const p = Math.min(ds.r, k);
      rec.anglesDataU!.push(principalAngles(ds.U, topLeft(F, n1, k, p), n1, ds.r, p));
      if (asym) rec.anglesDataV!.push(principalAngles(ds.V, topLeft(G, n2, k, p), n2, ds.r, p));
    }
    const r = problem.r;
    if (rec.anglesU && r !== undefined) {
      const p = Math.min(r, k, n1);
      rec.anglesU.push(principalAngles(problem.Ustar!, topLeft(F, n1, k, p), n1, r, p));
      const sp = signalNoiseSplit(F, problem.Ustar!, n1, k, r);
      rec.signalMinF!.push(sp.signalMin);
      rec.noiseF!.push(sp.noise);
    }
    if (rec.anglesV && r !== undefined) {
      const p = Math.min(r, k, n2);
      rec.anglesV.push(principalAngles(problem.Vstar!, topLeft(G, n2, k, p), n2, r, p));
      const sp = signalNoiseSplit(G, problem.Vstar!, n2, k, r);
      rec.signalMinG!.push(sp.signalMin);
      rec.noiseG!.push(sp.noise);
    }
  }

  onFinish(): void {
    // the final iterate (the factors hold it, also after a rolled-back divergence) unless it was just sampled
    if (this.lastIter >= 0 && this.rec.iter[this.rec.iter.length - 1] !== this.lastIter) this.sample(this.lastIter, this.lastRel);
    this.rec.phases = estimatePhases(this.rec, this.problem, this.alignTol, this.escapeFraction);
  }

  result(): SpectralRecord {
    return this.rec;
  }
}

/** Estimate the phase boundaries from a spectral record (criteria: see {@link PhaseEstimate}). */
export function estimatePhases(rec: SpectralRecord, problem: Pick<Problem, 'r' | 'sigma'>, alignTol = 0.1, escapeFraction = 0.5): PhaseEstimate {
  const notes: string[] = [];
  const criteria = `alignment ends at the first sample with sin θ_max(top-r singular space of A*(y), top-r singular space of F) ≤ ${alignTol}` +
    ` (and the same for G and the right space in the asymmetric model); saddle escape ends at the first later sample with σ_r(F Gᵀ) ≥ ${escapeFraction}·σ_r(M*)`;
  let alignmentEnd: number | undefined;
  if (!rec.anglesDataU) {
    notes.push('alignment: the rank r (or the back projection A*(y)) is unknown, so the alignment angles were not recorded');
  } else {
    const maxSin = (a: Float64Array[] | undefined, i: number) => (a ? Math.sin(a[i]![a[i]!.length - 1]!) : 0);
    for (let i = 0; i < rec.iter.length; i++) {
      if (maxSin(rec.anglesDataU, i) <= alignTol && maxSin(rec.anglesDataV, i) <= alignTol) { alignmentEnd = rec.iter[i]; break; }
    }
    if (alignmentEnd === undefined) notes.push(`alignment: sin θ_max never fell to ${alignTol} in the sampled iterates`);
  }
  let saddleEscapeEnd: number | undefined;
  const r = problem.r, sigma = problem.sigma;
  if (r === undefined || sigma === undefined || sigma.length < r) {
    notes.push('saddle escape: σ(M*) is unknown');
  } else {
    const target = escapeFraction * sigma[r - 1];
    const from = alignmentEnd ?? 0;
    for (let i = 0; i < rec.iter.length; i++) {
      if (rec.iter[i] < from) continue;
      const s = rec.svProduct[i];
      if (s.length >= r && s[r - 1] >= target) { saddleEscapeEnd = rec.iter[i]; break; }
    }
    if (saddleEscapeEnd === undefined) notes.push(`saddle escape: σ_r(F Gᵀ) never reached ${escapeFraction}·σ_r(M*) in the sampled iterates`);
  }
  return { alignmentEnd, saddleEscapeEnd, criteria, notes };
}
