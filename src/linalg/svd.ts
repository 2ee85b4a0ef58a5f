/**
 * Singular value decomposition by one-sided (Hestenes) Jacobi, and the thin SVD of a product F·Gᵀ
 * from its factors.
 *
 * For a tall m×n matrix (m > n) the SVD is computed as A = Q·R (Householder), R = U_R·S·Vᵀ (Jacobi on
 * the n×n R), U = Q·U_R: the Jacobi sweeps then cost O(n³) instead of O(mn²) each, and the total is
 * O(mn²). Wide matrices are transposed. One-sided Jacobi computes the singular values to high relative
 * accuracy, and U and V are orthonormal to rounding even for repeated or zero singular values (U's
 * columns for zero singular values are an orthonormal completion).
 *
 * @module
 */

import { assertDim, assertInput } from './check.js';
import { matmul, matmulNT, transpose } from './dense.js';
import { qrR, qrThin } from './qr.js';

/** A thin SVD A = U·diag(s)·Vᵀ of an m×n matrix, p = min(m, n). */
export interface SvdResult {
  /** m×p with orthonormal columns. */
  U: Float64Array;
  /** p singular values, descending, ≥ 0. */
  s: Float64Array;
  /** n×p with orthonormal columns (column j is the right singular vector of s[j]). */
  V: Float64Array;
}

/** Options of {@link svd} and {@link singularValues}. */
export interface SvdOptions {
  /**
   * A pair of columns (i, j) is rotated while |aᵢ·aⱼ| > tol·‖aᵢ‖‖aⱼ‖. Default √p·ε·4 (p = min(m, n)),
   * a little above the rounding level of a computed cosine.
   */
  tol?: number;
  /** Maximum number of sweeps before giving up with an Error. Default 60 (convergence takes ~5–12). */
  maxSweeps?: number;
}

/**
 * One-sided Jacobi on the rows of Wt (n×len; row i = column i of the working matrix). Rotations are
 * accumulated into the rows of Vt (n×n) when given. On return the rows of Wt are mutually orthogonal.
 */
function jacobiRows(
  where: string,
  Wt: Float64Array,
  len: number,
  n: number,
  Vt: Float64Array | null,
  tol: number,
  maxSweeps: number,
): void {
  for (let sweep = 0; ; sweep++) {
    if (sweep === maxSweeps) {
      throw new Error(`${where}: one-sided Jacobi did not converge in ${maxSweeps} sweeps (${len}×${n}); increase maxSweeps or tol`);
    }
    let rotations = 0;
    for (let i = 0; i < n - 1; i++) {
      const ri = i * len;
      for (let j = i + 1; j < n; j++) {
        const rj = j * len;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let r = 0; r < len; r++) {
          const x = Wt[ri + r];
          const y = Wt[rj + r];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        rotations++;
        const zeta = (beta - alpha) / (2 * gamma);
        const absZeta = Math.abs(zeta);
        let t = absZeta > 1e150 ? 0.5 / absZeta : 1 / (absZeta + Math.sqrt(1 + zeta * zeta));
        if (zeta < 0) t = -t;
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotateRows(Wt, ri, rj, len, c, s);
        if (Vt !== null) rotateRows(Vt, i * n, j * n, n, c, s);
      }
    }
    if (rotations === 0) return;
  }
}

function rowNorm(W: Float64Array, start: number, len: number): number {
  let scale = 0;
  for (let r = 0; r < len; r++) scale = Math.max(scale, Math.abs(W[start + r]));
  if (scale === 0) return 0;
  let ssq = 0;
  for (let r = 0; r < len; r++) {
    const v = W[start + r] / scale;
    ssq += v * v;
  }
  return scale * Math.sqrt(ssq);
}

/**
 * Replaces the rows of Ut (count×len) flagged in `missing` by unit vectors orthogonal to all other rows
 * (which must already be orthonormal): standard basis vectors, projected twice (CGS2), accepted when the
 * residual keeps at least 1/(2·len) of the squared norm — one always does, since the squared residuals
 * over all len basis vectors sum to len − (rows already set) ≥ 1.
 */
function completeOrthonormalRows(Ut: Float64Array, count: number, len: number, missing: boolean[]): void {
  const isSet = missing.map((m) => !m);
  const w = new Float64Array(len);
  let candidate = 0;
  for (let i = 0; i < count; i++) {
    if (!missing[i]) continue;
    let accepted = false;
    for (let tries = 0; tries < len && !accepted; tries++, candidate = (candidate + 1) % len) {
      w.fill(0);
      w[candidate] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let q = 0; q < count; q++) {
          if (!isSet[q]) continue;
          const rq = q * len;
          let d = 0;
          for (let r = 0; r < len; r++) d += Ut[rq + r] * w[r];
          for (let r = 0; r < len; r++) w[r] -= d * Ut[rq + r];
        }
      }
      let nrm2 = 0;
      for (let r = 0; r < len; r++) nrm2 += w[r] * w[r];
      if (nrm2 > 0.5 / len) {
        const inv = 1 / Math.sqrt(nrm2);
        for (let r = 0; r < len; r++) Ut[i * len + r] = w[r] * inv;
        isSet[i] = true;
        accepted = true;
      }
    }
    if (!accepted) throw new Error('svd: internal error: could not complete an orthonormal basis');
  }
}

/** Smallest column norm treated as nonzero when normalizing U (the matrix is prescaled to max |a| = 1). */
const TINY = 1e-290;

interface TallSvd {
  s: Float64Array;
  U: Float64Array | null;
  V: Float64Array | null;
}

/** SVD of a tall or square matrix (m ≥ n). A has been validated. */
function svdTall(where: string, A: Float64Array, m: number, n: number, wantVectors: boolean, opts: SvdOptions): TallSvd {
  const tol = opts.tol ?? 4 * Number.EPSILON * Math.sqrt(n);
  const maxSweeps = opts.maxSweeps ?? 60;
  if (!(tol > 0)) throw new RangeError(`${where}: tol must be > 0, got ${tol}`);
  assertDim(where, 'maxSweeps', maxSweeps);

  let scale = 0;
  for (let i = 0; i < A.length; i++) scale = Math.max(scale, Math.abs(A[i]));
  const inv = scale === 0 ? 1 : 1 / scale;
  const As = new Float64Array(A.length);
  for (let i = 0; i < A.length; i++) As[i] = A[i] * inv;

  // Working matrix: columns as rows of Wt (n × len).
  let Q: Float64Array | null = null;
  let Wt: Float64Array;
  let len: number;
  if (m > n) {
    let R: Float64Array;
    if (wantVectors) {
      const qr = qrThin(As, m, n);
      Q = qr.Q;
      R = qr.R;
    } else {
      R = qrR(As, m, n);
    }
    Wt = transpose(R, n, n);
    len = n;
  } else {
    Wt = transpose(As, m, n);
    len = m;
  }
  let Vt: Float64Array | null = null;
  if (wantVectors) {
    Vt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) Vt[i * n + i] = 1;
  }
  jacobiRows(where, Wt, len, n, Vt, tol, maxSweeps);

  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) norms[i] = rowNorm(Wt, i * len, len);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => norms[j] - norms[i]);
  const s = new Float64Array(n);
  for (let jj = 0; jj < n; jj++) s[jj] = norms[order[jj]] * scale;
  if (!wantVectors || Vt === null) return { s, U: null, V: null };

  // Left vectors of the working matrix (rows of Ut, n × len), in sorted order.
  const Ut = new Float64Array(n * len);
  const VtSorted = new Float64Array(n * n);
  const missing: boolean[] = [];
  for (let jj = 0; jj < n; jj++) {
    const j = order[jj];
    const nrm = norms[j];
    missing.push(!(nrm > TINY));
    if (nrm > TINY) {
      const invN = 1 / nrm;
      for (let r = 0; r < len; r++) Ut[jj * len + r] = Wt[j * len + r] * invN;
    }
    VtSorted.set(Vt.subarray(j * n, j * n + n), jj * n);
  }
  if (missing.some((x) => x)) completeOrthonormalRows(Ut, n, len, missing);
  const U = Q !== null ? matmulNT(Q, Ut, m, n, n) : transpose(Ut, n, len);
  const V = transpose(VtSorted, n, n);
  return { s, U, V };
}

/**
 * Thin singular value decomposition A = U·diag(s)·Vᵀ by one-sided Jacobi (QR-preconditioned when tall).
 *
 * @param A - m×n, finite. Not modified.
 * @returns `{ U: m×p, s: p (descending, ≥ 0), V: n×p }` with p = min(m, n), newly allocated (plus O(mn)
 *   temporaries).
 * @throws RangeError on bad shapes; Error on non-finite input or (not expected) non-convergence.
 */
export function svd(A: Float64Array, m: number, n: number, opts: SvdOptions = {}): SvdResult {
  const where = 'svd';
  assertDim(where, 'm', m);
  assertDim(where, 'n', n);
  assertInput(where, 'A', A, m, n);
  if (m >= n) {
    const r = svdTall(where, A, m, n, true, opts);
    return { U: r.U as Float64Array, s: r.s, V: r.V as Float64Array };
  }
  // A = (Aᵀ)ᵀ = (U' S V'ᵀ)ᵀ = V' S U'ᵀ.
  const r = svdTall(where, transpose(A, m, n), n, m, true, opts);
  return { U: r.V as Float64Array, s: r.s, V: r.U as Float64Array };
}

/**
 * Singular values of A only (no vectors are accumulated, Q is never formed).
 *
 * @param A - m×n, finite.
 * @returns p = min(m, n) singular values, descending, ≥ 0; newly allocated (plus O(mn) temporaries).
 */
export function singularValues(A: Float64Array, m: number, n: number, opts: SvdOptions = {}): Float64Array {
  const where = 'singularValues';
  assertDim(where, 'm', m);
  assertDim(where, 'n', n);
  assertInput(where, 'A', A, m, n);
  if (m >= n) return svdTall(where, A, m, n, false, opts).s;
  return svdTall(where, transpose(A, m, n), n, m, false, opts).s;
}

/** Options of {@link thinSvdOfProduct}. */
export interface ProductSvdOptions extends SvdOptions {
  /** Also compute the singular vectors (default false: singular values only). */
  vectors?: boolean;
}

/** Factor X (rows×k) as Q·Rx with Q rows×a orthonormal, a = min(rows, k); Q = null means Q = I. */
function compress(X: Float64Array, rows: number, k: number, wantQ: boolean): { Q: Float64Array | null; Rx: Float64Array; a: number } {
  if (rows < k) return { Q: null, Rx: X, a: rows };
  if (wantQ) {
    const { Q, R } = qrThin(X, rows, k);
    return { Q, Rx: R, a: k };
  }
  return { Q: null, Rx: qrR(X, rows, k), a: k };
}

/**
 * Thin SVD of the product M = F·Gᵀ without forming it (docs/theory.md §7): F = Q_F R_F, G = Q_G R_G (thin
 * Householder QR), then the SVD of the small core C = R_F R_Gᵀ = W·diag(s)·Zᵀ gives
 * M = (Q_F W)·diag(s)·(Q_G Z)ᵀ. Cost O((n1 + n2)k² + k³) instead of O(n1·n2·k). A factor with fewer
 * rows than k is used as is (its own Q is the identity).
 *
 * @param F - n1×k, finite.
 * @param G - n2×k, finite.
 * @param k - the common inner dimension (number of columns of F and G).
 * @param opts - `vectors: true` to also return U and V.
 * @returns `{ s }` (p = min(n1, n2, k) singular values of F·Gᵀ, descending) or, with `vectors: true`,
 *   `{ U: n1×p, s, V: n2×p }`; newly allocated (plus O((n1 + n2)k) temporaries).
 */
export function thinSvdOfProduct(
  F: Float64Array,
  G: Float64Array,
  n1: number,
  n2: number,
  k: number,
  opts: ProductSvdOptions & { vectors: true },
): SvdResult;
export function thinSvdOfProduct(
  F: Float64Array,
  G: Float64Array,
  n1: number,
  n2: number,
  k: number,
  opts?: ProductSvdOptions,
): { s: Float64Array; U?: Float64Array; V?: Float64Array };
export function thinSvdOfProduct(
  F: Float64Array,
  G: Float64Array,
  n1: number,
  n2: number,
  k: number,
  opts: ProductSvdOptions = {},
): { s: Float64Array; U?: Float64Array; V?: Float64Array } {
  const where = 'thinSvdOfProduct';
  assertDim(where, 'n1', n1);
  assertDim(where, 'n2', n2);
  assertDim(where, 'k', k);
  assertInput(where, 'F', F, n1, k);
  assertInput(where, 'G', G, n2, k);
  const wantVectors = opts.vectors === true;
  const f = compress(F, n1, k, wantVectors);
  const g = compress(G, n2, k, wantVectors);
  const C = matmulNT(f.Rx, g.Rx, f.a, k, g.a); // a × b
  const svdOpts: SvdOptions = {};
  if (opts.tol !== undefined) svdOpts.tol = opts.tol;
  if (opts.maxSweeps !== undefined) svdOpts.maxSweeps = opts.maxSweeps;
  if (!wantVectors) return { s: singularValues(C, f.a, g.a, svdOpts) };
  const core = svd(C, f.a, g.a, svdOpts);
  const p = core.s.length;
  const U = f.Q === null ? core.U : matmul(f.Q, core.U, n1, f.a, p);
  const V = g.Q === null ? core.V : matmul(g.Q, core.V, n2, g.a, p);
  return { U, s: core.s, V };
}

/** Apply the Givens rotation [c −s; s c] to the rows of M starting at offsets a and b (len entries each), in place. */
function rotateRows(M: Float64Array, a: number, b: number, len: number, c: number, s: number): void {
  for (let r = 0; r < len; r++) {
    const x = M[a + r];
    const y = M[b + r];
    M[a + r] = c * x - s * y;
    M[b + r] = s * x + c * y;
  }
}
