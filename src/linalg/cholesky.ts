/**
 * Cholesky factorization, right-hand solves with a symmetric positive definite matrix, and the symmetric
 * pseudo-inverse fallback — the k×k machinery behind the preconditioners F·(GᵀG + λI)⁻¹ of ScaledGD(λ),
 * PrecGD and AGN (docs/theory.md §6).
 *
 * @module
 */

import { assertDim, assertInput, assertMatrix, assertNoOverlap } from './check.js';
import { symEig, type SymEigOptions } from './eig.js';

/** Options of {@link cholesky}. */
export interface CholeskyOptions {
  /**
   * Relative pivot guard: the factorization fails (returns null) at column j when the pivot
   * d_j = S_jj − Σ_{p<j} L_jp² satisfies d_j ≤ pivotTol·S_jj, i.e. when column j is, to within
   * rounding, a combination of the earlier ones (the rounding error in d_j is about j·ε·S_jj).
   * Default 4·n·ε. The guard is scale-invariant: D·S·D has the same outcome as S for diagonal D > 0.
   */
  pivotTol?: number;
}

/**
 * Cholesky factor S = L·Lᵀ of a symmetric positive definite matrix. Only the lower triangle of S is read.
 *
 * @param S - n×n, symmetric, finite. Not modified.
 * @returns L, n×n lower triangular with positive diagonal (upper triangle zero), newly allocated; or
 *   `null` if S is not (numerically) positive definite — a non-positive diagonal entry or a pivot that
 *   fails the relative guard {@link CholeskyOptions.pivotTol}.
 * @throws RangeError on bad shapes; Error on non-finite input.
 */
export function cholesky(S: Float64Array, n: number, opts: CholeskyOptions = {}): Float64Array | null {
  const where = 'cholesky';
  assertDim(where, 'n', n);
  assertInput(where, 'S', S, n, n);
  const pivotTol = opts.pivotTol ?? 4 * n * Number.EPSILON;
  if (!(pivotTol >= 0)) throw new RangeError(`${where}: pivotTol must be ≥ 0, got ${pivotTol}`);
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const sjj = S[j * n + j];
    if (!(sjj > 0)) return null;
    let d = sjj;
    const lj = j * n;
    for (let p = 0; p < j; p++) d -= L[lj + p] * L[lj + p];
    if (!(d > pivotTol * sjj)) return null;
    const ljj = Math.sqrt(d);
    L[lj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const li = i * n;
      let v = S[li + j];
      for (let p = 0; p < j; p++) v -= L[li + p] * L[lj + p];
      L[li + j] = v * inv;
    }
  }
  return L;
}

/**
 * Right solve out = B·S⁻¹ with S = L·Lᵀ given by its Cholesky factor — for each row b of B, solves
 * S·xᵀ = bᵀ by a forward and a back substitution. O(rows·n²).
 *
 * @param B - rows×n, finite.
 * @param L - n×n lower triangular Cholesky factor (as returned by {@link cholesky}); only its lower
 *   triangle is read.
 * @param out - rows×n destination; may be B itself (in place, row by row). Allocated when omitted;
 *   otherwise nothing is allocated.
 * @returns out.
 * @throws RangeError on bad shapes or a zero on the diagonal of L; Error on non-finite B.
 */
export function cholSolveRight(
  B: Float64Array,
  rows: number,
  L: Float64Array,
  n: number,
  out?: Float64Array,
): Float64Array {
  const where = 'cholSolveRight';
  assertDim(where, 'rows', rows, 0);
  assertDim(where, 'n', n);
  assertInput(where, 'B', B, rows, n);
  assertMatrix(where, 'L', L, n, n);
  for (let i = 0; i < n; i++) {
    const d = L[i * n + i];
    if (!(d !== 0 && Number.isFinite(d))) {
      throw new RangeError(`${where}: L(${i}, ${i}) = ${d}; L must be a Cholesky factor with nonzero diagonal`);
    }
  }
  const X = out ?? new Float64Array(rows * n);
  if (out !== undefined) {
    assertMatrix(where, 'out', out, rows, n);
    if (out !== B) assertNoOverlap(where, 'out', out, 'B', B);
  }
  assertNoOverlap(where, 'out', X, 'L', L);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    if (X !== B) for (let i = 0; i < n; i++) X[o + i] = B[o + i];
    // Forward: L y = b.
    for (let i = 0; i < n; i++) {
      let v = X[o + i];
      const li = i * n;
      for (let p = 0; p < i; p++) v -= L[li + p] * X[o + p];
      X[o + i] = v / L[li + i];
    }
    // Backward: Lᵀ x = y.
    for (let i = n - 1; i >= 0; i--) {
      let v = X[o + i];
      for (let p = i + 1; p < n; p++) v -= L[p * n + i] * X[o + p];
      X[o + i] = v / L[i * n + i];
    }
  }
  return X;
}

/** Result of {@link pinvSymWithRank}. */
export interface PinvResult {
  /** n×n pseudo-inverse. */
  P: Float64Array;
  /** Number of eigenvalues kept (|λ| > rcond·max|λ|). */
  rank: number;
}

/**
 * Moore–Penrose pseudo-inverse of a symmetric matrix through {@link symEig}: S = V Λ Vᵀ,
 * S⁺ = V Λ⁺ Vᵀ with Λ⁺_ii = 1/λ_i when |λ_i| > rcond·max_j |λ_j| and 0 otherwise, together with the
 * numerical rank.
 *
 * @param S - n×n symmetric, finite (PSD in the intended use; the result is then PSD).
 * @param rcond - relative cutoff, ≥ 0. Default n·ε (numpy's default for Hermitian pinv).
 * @returns `{ P: n×n symmetric, rank }`, newly allocated (plus the eigendecomposition's n×n arrays).
 */
export function pinvSymWithRank(S: Float64Array, n: number, rcond?: number, eigOpts: SymEigOptions = {}): PinvResult {
  const where = 'pinvSym';
  assertDim(where, 'n', n);
  assertInput(where, 'S', S, n, n);
  const rc = rcond ?? n * Number.EPSILON;
  if (!(rc >= 0) || !Number.isFinite(rc)) throw new RangeError(`${where}: rcond must be finite and ≥ 0, got ${String(rcond)}`);
  const { values, vectors } = symEig(S, n, eigOpts);
  let maxAbs = 0;
  for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i]));
  const cutoff = rc * maxAbs;
  const inv = new Float64Array(n);
  let rank = 0;
  for (let i = 0; i < n; i++) {
    if (Math.abs(values[i]) > cutoff) {
      inv[i] = 1 / values[i];
      rank++;
    }
  }
  const P = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let acc = 0;
      for (let q = 0; q < n; q++) {
        if (inv[q] !== 0) acc += vectors[i * n + q] * inv[q] * vectors[j * n + q];
      }
      P[i * n + j] = acc;
      P[j * n + i] = acc;
    }
  }
  return { P, rank };
}

/**
 * Pseudo-inverse of a symmetric (PSD) matrix: {@link pinvSymWithRank} without the rank.
 *
 * @param S - n×n symmetric, finite.
 * @param rcond - relative eigenvalue cutoff (default n·ε).
 * @returns S⁺, n×n symmetric, newly allocated.
 */
export function pinvSym(S: Float64Array, n: number, rcond?: number): Float64Array {
  return pinvSymWithRank(S, n, rcond).P;
}

/** Options of {@link solveRightPsd}. */
export interface SolveRightPsdOptions {
  /** Ridge λ ≥ 0 added to the diagonal: the system solved is S + λI. Default 0. */
  lambda?: number;
  /** Cutoff of the pseudo-inverse fallback (see {@link pinvSymWithRank}). */
  rcond?: number;
  /** Pivot guard of the Cholesky attempt (see {@link CholeskyOptions}). */
  pivotTol?: number;
}

/** Which path {@link solveRightPsd} took. */
export interface SolveRightPsdResult {
  /** out (rows×n). */
  out: Float64Array;
  /** `'cholesky'` when S + λI was numerically positive definite, else `'pinv'`. */
  path: 'cholesky' | 'pinv';
  /** Numerical rank of S + λI: n on the Cholesky path, the kept eigenvalue count on the pinv path. */
  rank: number;
}

/**
 * out = B·(S + λI)⁻¹ for a symmetric positive semidefinite S: tries the Cholesky factorization of S + λI
 * and, if it fails the pivot guard, falls back to out = B·(S + λI)⁺ (pseudo-inverse). This is how the
 * preconditioned directions E·G·(GᵀG + λI)⁻¹ are applied, with S = GᵀG.
 *
 * @param B - rows×n, finite.
 * @param S - n×n symmetric PSD, finite. Not modified.
 * @param out - rows×n destination; may be B itself. Allocated when omitted.
 * @returns `{ out, path, rank }`. Allocates O(n²) per call (the shifted copy, L or the eigenvectors)
 *   and one length-n row buffer on the pinv path; nothing proportional to `rows` unless `out` is omitted.
 */
export function solveRightPsd(
  B: Float64Array,
  rows: number,
  S: Float64Array,
  n: number,
  out?: Float64Array,
  opts: SolveRightPsdOptions = {},
): SolveRightPsdResult {
  const where = 'solveRightPsd';
  assertDim(where, 'rows', rows, 0);
  assertDim(where, 'n', n);
  assertInput(where, 'B', B, rows, n);
  assertInput(where, 'S', S, n, n);
  const lambda = opts.lambda ?? 0;
  if (!(lambda >= 0) || !Number.isFinite(lambda)) {
    throw new RangeError(`${where}: lambda must be finite and ≥ 0, got ${String(opts.lambda)}`);
  }
  const X = out ?? new Float64Array(rows * n);
  if (out !== undefined) {
    assertMatrix(where, 'out', out, rows, n);
    if (out !== B) assertNoOverlap(where, 'out', out, 'B', B);
  }
  assertNoOverlap(where, 'out', X, 'S', S);
  const Sl = Float64Array.from(S);
  if (lambda !== 0) for (let i = 0; i < n; i++) Sl[i * n + i] += lambda;

  const cholOpts: CholeskyOptions = {};
  if (opts.pivotTol !== undefined) cholOpts.pivotTol = opts.pivotTol;
  const L = cholesky(Sl, n, cholOpts);
  if (L !== null) {
    cholSolveRight(B, rows, L, n, X);
    return { out: X, path: 'cholesky', rank: n };
  }
  const { P, rank } = pinvSymWithRank(Sl, n, opts.rcond);
  const row = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let j = 0; j < n; j++) row[j] = B[o + j];
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let q = 0; q < n; q++) acc += row[q] * P[q * n + j];
      X[o + j] = acc;
    }
  }
  return { out: X, path: 'pinv', rank };
}
