/**
 * Thin QR factorization by Householder reflections.
 *
 * Internally the matrix is held transposed (column j of A is a contiguous row), so every reflector and
 * every update runs over contiguous memory. Cost: about 2mn² − (2/3)n³ flops to factor, the same again to
 * form Q.
 *
 * @module
 */

import { assertDim, assertInput } from './check.js';
import { transpose } from './dense.js';

/** Result of {@link qrThin}. */
export interface QrResult {
  /** m×n with orthonormal columns (QᵀQ = I). */
  Q: Float64Array;
  /** n×n upper triangular with diag(R) ≥ 0. */
  R: Float64Array;
}

/** Euclidean norm of x[start..end) with scaling (no overflow/underflow). */
function scaledNorm(x: Float64Array, start: number, end: number): number {
  let scale = 0;
  for (let i = start; i < end; i++) {
    const v = Math.abs(x[i]);
    if (v > scale) scale = v;
  }
  if (scale === 0) return 0;
  const inv = 1 / scale;
  let ssq = 0;
  for (let i = start; i < end; i++) {
    const v = x[i] * inv;
    ssq += v * v;
  }
  return scale * Math.sqrt(ssq);
}

/**
 * Householder factorization in place on W = Aᵀ (n×m, row j = column j of A), LAPACK dgeqr2 style.
 * On return the upper triangle of R sits in W (R[i][c] = W[c*m + i], i ≤ c) and the essential part of
 * the j-th reflector vector v (v_j = 1 implied) in W[j*m + i], i > j; H_j = I − tau_j v vᵀ.
 */
function factorTransposed(W: Float64Array, m: number, n: number, tau: Float64Array): void {
  for (let j = 0; j < n; j++) {
    const rj = j * m;
    const x0 = W[rj + j];
    const xnorm = scaledNorm(W, rj + j + 1, rj + m);
    if (xnorm === 0) {
      tau[j] = 0; // already upper triangular in this column: H_j = I
      continue;
    }
    const alpha = hypot2(x0, xnorm);
    const beta = x0 >= 0 ? -alpha : alpha;
    tau[j] = (beta - x0) / beta;
    const scale = 1 / (x0 - beta);
    for (let i = j + 1; i < m; i++) W[rj + i] *= scale;
    W[rj + j] = beta;
    const t = tau[j];
    for (let c = j + 1; c < n; c++) {
      const rc = c * m;
      let w = W[rc + j];
      for (let i = j + 1; i < m; i++) w += W[rj + i] * W[rc + i];
      w *= t;
      if (w === 0) continue;
      W[rc + j] -= w;
      for (let i = j + 1; i < m; i++) W[rc + i] -= w * W[rj + i];
    }
  }
}

/** Forms Qᵀ (n×m, row c = column c of Q) from the reflectors stored in W (LAPACK dorg2r). */
function formQTransposed(W: Float64Array, m: number, n: number, tau: Float64Array): Float64Array {
  const Qt = new Float64Array(n * m);
  for (let j = n - 1; j >= 0; j--) {
    const rj = j * m;
    const t = tau[j];
    // Columns c > j: apply H_j to rows j..m−1.
    for (let c = j + 1; c < n; c++) {
      const rc = c * m;
      let w = Qt[rc + j];
      for (let i = j + 1; i < m; i++) w += W[rj + i] * Qt[rc + i];
      w *= t;
      if (w === 0) continue;
      Qt[rc + j] -= w;
      for (let i = j + 1; i < m; i++) Qt[rc + i] -= w * W[rj + i];
    }
    // Column j is still e_j here; H_j e_j = e_j − tau v.
    Qt[rj + j] = 1 - t;
    for (let i = j + 1; i < m; i++) Qt[rj + i] = -t * W[rj + i];
  }
  return Qt;
}

/** Extracts R (n×n, row-major) from W, flipping the sign of each row whose diagonal is negative. */
function extractR(W: Float64Array, m: number, n: number): Float64Array {
  const R = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const flip = W[i * m + i] < 0 ? -1 : 1;
    for (let c = i; c < n; c++) R[i * n + c] = flip * W[c * m + i];
  }
  return R;
}

function factor(where: string, A: Float64Array, m: number, n: number): { W: Float64Array; tau: Float64Array } {
  assertDim(where, 'm', m);
  assertDim(where, 'n', n);
  if (m < n) {
    throw new RangeError(`${where}: needs m ≥ n (a tall or square matrix), got ${m}×${n}; transpose the input`);
  }
  assertInput(where, 'A', A, m, n);
  const W = transpose(A, m, n);
  const tau = new Float64Array(n);
  factorTransposed(W, m, n, tau);
  return { W, tau };
}

/**
 * Thin QR factorization A = Q·R by Householder reflections, for m ≥ n, with the signs fixed so that
 * diag(R) ≥ 0. With that convention the factorization of a full-rank A is unique, and Q from the QR of
 * an m×n matrix of i.i.d. N(0, 1) entries is distributed uniformly (Haar) on the Stiefel manifold.
 *
 * Rank-deficient A is handled: Q still has exactly orthonormal columns (to rounding) and R has the
 * corresponding (near-)zero diagonal entries; the columns of Q that belong to those entries are then an
 * arbitrary orthonormal completion.
 *
 * @param A - m×n, m ≥ n, finite. Not modified.
 * @returns `{ Q: m×n, R: n×n upper triangular }`, both newly allocated (plus O(mn) temporaries).
 * @throws RangeError on bad shapes or m < n; Error on non-finite input.
 */
export function qrThin(A: Float64Array, m: number, n: number): QrResult {
  const { W, tau } = factor('qrThin', A, m, n);
  const Qt = formQTransposed(W, m, n, tau);
  for (let i = 0; i < n; i++) {
    if (W[i * m + i] < 0) {
      for (let r = 0; r < m; r++) Qt[i * m + r] = -Qt[i * m + r];
    }
  }
  return { Q: transpose(Qt, n, m), R: extractR(W, m, n) };
}

/**
 * The R factor alone of the thin QR A = Q·R (m ≥ n, diag(R) ≥ 0), skipping the formation of Q.
 * RᵀR = AᵀA, so R has the singular values and right singular vectors of A.
 *
 * @param A - m×n, m ≥ n, finite.
 * @returns R, n×n upper triangular, newly allocated (plus an O(mn) temporary).
 */
export function qrR(A: Float64Array, m: number, n: number): Float64Array {
  const { W } = factor('qrR', A, m, n);
  return extractR(W, m, n);
}

/**
 * An orthonormal basis of col(A): the Q factor of {@link qrThin}, m×n with QᵀQ = I (m ≥ n).
 * If A has full column rank, col(Q) = col(A); if not, Q spans col(A) plus arbitrary extra directions.
 *
 * @param A - m×n, m ≥ n, finite.
 * @returns Q, m×n, newly allocated.
 */
export function orthonormalize(A: Float64Array, m: number, n: number): Float64Array {
  return qrThin(A, m, n).Q;
}

/**
 * √(a² + b²) without overflow, from IEEE-exact operations only (Math.hypot's rounding differs between engines:
 * V8, JavaScriptCore and SpiderMonkey would give results that differ in the last bits).
 */
export function hypot2(a: number, b: number): number {
  const x = Math.abs(a), y = Math.abs(b), s = Math.max(x, y);
  if (s === 0 || !Number.isFinite(s)) return s;
  const p = x / s, q = y / s;
  return s * Math.sqrt(p * p + q * q);
}
