/**
 * Top-k singular triplets of an implicitly given matrix by randomized subspace iteration
 * (Halko, Martinsson & Tropp 2011, Algorithms 4.4 and 5.1) — used for the spectral initialization from
 * A*(y) (docs/theory.md §6).
 *
 * @module
 */

import { assertDim, assertInput } from './check.js';
import { matmulNT } from './dense.js';
import { mulberry32, type UniformRandom } from './prng.js';
import { orthonormalize } from './qr.js';
import { svd, type SvdResult } from './svd.js';

/** y ← M·x (x of length n2, out of length n1) or y ← Mᵀ·x (x of length n1, out of length n2). */
export type MatVec = (x: Float64Array, out: Float64Array) => void;

/** Options of {@link topKSvd}. */
export interface TopKSvdOptions {
  /**
   * Number q of power (subspace) iterations. The error in σ_j decays like (σ_{l+1}/σ_j)^(2q+1),
   * l = k + oversample. Default 4.
   */
  iters?: number;
  /** Extra sketch columns beyond k (capped at min(n1, n2) − k). Default 10. */
  oversample?: number;
  /** Seed of the random sketch (a `mulberry32` stream, entries uniform in [−1, 1)). Default 0x5eed. Ignored when `random` is given. */
  seed?: number;
  /** A uniform [0, 1) generator to draw the sketch from instead of a seeded one (it is advanced). */
  random?: UniformRandom;
  /**
   * Block products, when the matrix has them (one pass over a structured operator per block instead of one per
   * column): out (n1 × l) = M X for X (n2 × l), and out (n2 × l) = Mᵀ X for X (n1 × l), row-major.
   */
  applyBlock?: (X: Float64Array, l: number, out: Float64Array) => void;
  applyTBlock?: (X: Float64Array, l: number, out: Float64Array) => void;
}

/** Result of {@link topKSvd}: M ≈ U·diag(s)·Vᵀ on the top-k singular subspaces. */
export interface TopKSvdResult extends SvdResult {
  /** Number of calls made to `apply` and to `applyT`. */
  applyCount: number;
  applyTCount: number;
}

/**
 * Top-k singular triplets of an n1×n2 matrix M known only through products with M and Mᵀ.
 *
 * Sketch Y = M·Ω with an n2×l Gaussian Ω (l = k + oversample), orthonormalize, then `iters` rounds of
 * Z = orth(Mᵀ·Q), Q = orth(M·Z) (re-orthonormalizing at every half step keeps the small singular
 * directions from being lost to rounding), and finally the exact SVD of the small l×n2 matrix Qᵀ·M.
 * Calls `apply` l·(iters + 1) times and `applyT` l·(iters + 1) times, one column at a time.
 *
 * Deterministic for a given seed. Accuracy is governed by the gap: with a clear gap after σ_k (or a
 * matrix of rank ≤ l) a few iterations give the top values to ~1e-12 relative.
 *
 * @param apply - out ← M·x; x has length n2, out length n1. Must not keep or modify x.
 * @param applyT - out ← Mᵀ·x; x has length n1, out length n2. Must not keep or modify x.
 * @param k - number of triplets, 1 ≤ k ≤ min(n1, n2).
 * @returns `{ U: n1×k, s: k (descending), V: n2×k, applyCount, applyTCount }`, newly allocated (plus
 *   O((n1 + n2)·l) temporaries).
 * @throws RangeError on bad sizes or options; Error if apply/applyT produce non-finite values.
 */
export function topKSvd(
  apply: MatVec,
  applyT: MatVec,
  n1: number,
  n2: number,
  k: number,
  opts: TopKSvdOptions = {},
): TopKSvdResult {
  const where = 'topKSvd';
  assertDim(where, 'n1', n1);
  assertDim(where, 'n2', n2);
  assertDim(where, 'k', k);
  const pmax = Math.min(n1, n2);
  if (k > pmax) throw new RangeError(`${where}: k = ${k} exceeds min(n1, n2) = ${pmax}`);
  const iters = opts.iters ?? 4;
  const oversample = opts.oversample ?? 10;
  assertDim(where, 'iters', iters, 0);
  assertDim(where, 'oversample', oversample, 0);
  const l = Math.min(k + oversample, pmax);
  const random = opts.random ?? mulberry32(opts.seed ?? 0x5eed);
  // the sketch's entries uniform in [−1, 1): any random subspace serves, and exact arithmetic keeps every engine's bits equal
  const normal = () => 2 * random() - 1;

  let applyCount = 0;
  let applyTCount = 0;
  const xin1 = new Float64Array(n1);
  const xin2 = new Float64Array(n2);
  const y1 = new Float64Array(n1);
  const y2 = new Float64Array(n2);

  /** Columns of X (rows×l) mapped by op into the columns of the result (outRows×l). */
  const mapColumns = (op: MatVec, X: Float64Array, rows: number, outRows: number, forward: boolean): Float64Array => {
    const block = forward ? opts.applyBlock : opts.applyTBlock;
    if (block) {
      const Y = new Float64Array(outRows * l);
      block(X, l, Y);
      if (forward) applyCount += l; else applyTCount += l;
      assertInput(where, forward ? 'M·X (from applyBlock)' : 'Mᵀ·X (from applyTBlock)', Y, outRows, l);
      return Y;
    }
    const xin = forward ? xin2 : xin1;
    const yout = forward ? y1 : y2;
    const Y = new Float64Array(outRows * l);
    for (let c = 0; c < l; c++) {
      for (let r = 0; r < rows; r++) xin[r] = X[r * l + c];
      yout.fill(0);
      op(xin, yout);
      if (forward) applyCount++;
      else applyTCount++;
      for (let r = 0; r < outRows; r++) Y[r * l + c] = yout[r];
    }
    assertInput(where, forward ? 'M·x (from apply)' : 'Mᵀ·x (from applyT)', Y, outRows, l);
    return Y;
  };

  const Omega = new Float64Array(n2 * l);
  for (let i = 0; i < Omega.length; i++) Omega[i] = normal();
  let Q = orthonormalize(mapColumns(apply, Omega, n2, n1, true), n1, l);
  for (let q = 0; q < iters; q++) {
    const Z = orthonormalize(mapColumns(applyT, Q, n1, n2, false), n2, l);
    Q = orthonormalize(mapColumns(apply, Z, n2, n1, true), n1, l);
  }
  // W = Mᵀ Q (n2×l) = (Qᵀ M)ᵀ. With W = Ũ S Ṽᵀ: Qᵀ M = Ṽ S Ũᵀ, so M ≈ (Q Ṽ) S Ũᵀ.
  const W = mapColumns(applyT, Q, n1, n2, false);
  const small = svd(W, n2, l); // Ũ: n2×l, Ṽ: l×l
  const U = new Float64Array(n1 * k);
  const V = new Float64Array(n2 * k);
  const s = small.s.slice(0, k);
  // U = Q·Ṽ[:, :k]
  const Vk = new Float64Array(k * l); // rows = the first k columns of Ṽ
  for (let j = 0; j < k; j++) for (let c = 0; c < l; c++) Vk[j * l + c] = small.V[c * l + j];
  matmulNT(Q, Vk, n1, l, k, U);
  for (let r = 0; r < n2; r++) for (let j = 0; j < k; j++) V[r * k + j] = small.U[r * l + j];
  return { U, s, V, applyCount, applyTCount };
}

/**
 * {@link topKSvd} of an explicit dense matrix.
 *
 * @param M - n1×n2, finite.
 * @returns as {@link topKSvd}.
 */
export function topKSvdDense(M: Float64Array, n1: number, n2: number, k: number, opts: TopKSvdOptions = {}): TopKSvdResult {
  const where = 'topKSvdDense';
  assertDim(where, 'n1', n1);
  assertDim(where, 'n2', n2);
  assertInput(where, 'M', M, n1, n2);
  const apply: MatVec = (x, out) => {
    for (let i = 0; i < n1; i++) {
      let acc = 0;
      const o = i * n2;
      for (let j = 0; j < n2; j++) acc += M[o + j] * x[j];
      out[i] = acc;
    }
  };
  const applyT: MatVec = (x, out) => {
    out.fill(0);
    for (let i = 0; i < n1; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      const o = i * n2;
      for (let j = 0; j < n2; j++) out[j] += M[o + j] * xi;
    }
  };
  return topKSvd(apply, applyT, n1, n2, k, opts);
}

/**
 * Largest singular value of an n1 × n2 matrix known by its products, by power iteration on MᵀM from a fixed start
 * (deterministic). 30 iterations by default: enough for a step-size estimate (it errs low by a factor that goes to
 * 1 geometrically with the gap σ2/σ1).
 */
export function topSingularValue(apply: MatVec, applyT: MatVec, n1: number, n2: number, iters = 30): number {
  // a fixed, non-degenerate start from exact arithmetic (golden-ratio fractions: the same bits in every engine)
  let v = new Float64Array(n2).map((_, j) => 1 + 0.01 * (((j + 1) * 0.6180339887498949) % 1));
  const u = new Float64Array(n1);
  let w = new Float64Array(n2);
  let sigma = 0;
  for (let t = 0; t < iters; t++) {
    let nv = 0; for (const x of v) nv += x * x; nv = Math.sqrt(nv);
    if (nv === 0) return 0;
    for (let j = 0; j < n2; j++) v[j] /= nv;
    apply(v, u);
    let nu = 0; for (const x of u) nu += x * x; sigma = Math.sqrt(nu);
    applyT(u, w);
    [v, w] = [w, v];
  }
  return sigma;
}
