/**
 * Symmetric eigendecomposition by the cyclic Jacobi method.
 *
 * Chosen for robustness and accuracy on the small (k×k, k ≲ 200) matrices this library decomposes:
 * Jacobi is backward stable, needs no tridiagonalization or shifts, and delivers eigenvectors that are
 * orthonormal to rounding even for clustered or repeated eigenvalues. Cost: O(n³) per sweep, and a
 * handful of sweeps (typically 6–12, converging quadratically).
 *
 * @module
 */

import { assertDim, assertInput } from './check.js';
import { frobNorm } from './dense.js';

/** Result of {@link symEig}. */
export interface SymEigResult {
  /** The n eigenvalues, in descending order. */
  values: Float64Array;
  /** n×n orthogonal; column j (entries `vectors[i*n + j]`) is the unit eigenvector of `values[j]`. */
  vectors: Float64Array;
  /** Number of Jacobi sweeps performed (the last one found nothing left to rotate). */
  sweeps: number;
}

/** Options of {@link symEig}. */
export interface SymEigOptions {
  /**
   * Relative threshold: a rotation on (p, q) is skipped when |a_pq| ≤ tol·√(|a_pp|·|a_qq|) (or when
   * |a_pq| is below ε²·‖S‖_F, which is numerically zero). Default 4ε ≈ 8.9e-16. The computed eigenvalues
   * are then exact for a matrix within O(ε)·‖S‖ of S.
   */
  tol?: number;
  /** Maximum number of sweeps before giving up with an Error. Default 60 (convergence takes ~10). */
  maxSweeps?: number;
  /**
   * Largest tolerated relative asymmetry max|S − Sᵀ| / max|S|; larger asymmetry is a caller bug and
   * throws a RangeError. Default 1e-10. Within tolerance, the symmetric part (S + Sᵀ)/2 is decomposed.
   */
  symTol?: number;
}

/**
 * Eigendecomposition S = V·diag(values)·Vᵀ of a real symmetric n×n matrix by cyclic Jacobi rotations.
 *
 * Eigenvectors are normalized to unit length with their largest-magnitude entry positive, so the output
 * is deterministic.
 *
 * @param S - n×n, symmetric (see {@link SymEigOptions.symTol}), finite. Not modified.
 * @returns `{ values: n (descending), vectors: n×n (column j ↔ values[j]), sweeps }`, newly allocated
 *   (plus an n×n work copy).
 * @throws RangeError on bad shapes or an asymmetric S; Error on non-finite input or if `maxSweeps` is
 *   exhausted (not expected to happen for finite input).
 */
export function symEig(S: Float64Array, n: number, opts: SymEigOptions = {}): SymEigResult {
  const where = 'symEig';
  assertDim(where, 'n', n);
  assertInput(where, 'S', S, n, n);
  const tol = opts.tol ?? 4 * Number.EPSILON;
  const maxSweeps = opts.maxSweeps ?? 60;
  const symTol = opts.symTol ?? 1e-10;
  if (!(tol > 0)) throw new RangeError(`${where}: tol must be > 0, got ${tol}`);
  assertDim(where, 'maxSweeps', maxSweeps);

  // Work copy: the symmetric part, with an asymmetry check.
  let maxAbs = 0;
  for (let i = 0; i < n * n; i++) maxAbs = Math.max(maxAbs, Math.abs(S[i]));
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    A[i * n + i] = S[i * n + i];
    for (let j = i + 1; j < n; j++) {
      const a = S[i * n + j];
      const b = S[j * n + i];
      if (Math.abs(a - b) > symTol * maxAbs) {
        throw new RangeError(
          `${where}: S is not symmetric: S(${i}, ${j}) = ${a} but S(${j}, ${i}) = ${b} (relative tolerance ${symTol})`,
        );
      }
      const s = 0.5 * (a + b);
      A[i * n + j] = s;
      A[j * n + i] = s;
    }
  }
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;

  const normS = frobNorm(A);
  const absFloor = Number.EPSILON * Number.EPSILON * normS;
  let sweeps = 0;
  let converged = n === 1 || normS === 0;
  while (!converged) {
    if (sweeps === maxSweeps) {
      throw new Error(`${where}: no convergence after ${maxSweeps} sweeps (n = ${n}); increase maxSweeps or tol`);
    }
    sweeps++;
    let rotations = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        const app = A[p * n + p];
        const aqq = A[q * n + q];
        const absApq = Math.abs(apq);
        if (absApq <= absFloor || absApq <= tol * Math.sqrt(Math.abs(app)) * Math.sqrt(Math.abs(aqq))) {
          if (apq !== 0) {
            A[p * n + q] = 0;
            A[q * n + p] = 0;
          }
          continue;
        }
        rotations++;
        // Rotation J = [[c, s], [−s, c]] on (p, q) annihilating a_pq (Golub & Van Loan §8.5).
        const theta = (aqq - app) / (2 * apq);
        const absTheta = Math.abs(theta);
        let t = absTheta > 1e150 ? 0.5 / absTheta : 1 / (absTheta + Math.sqrt(1 + theta * theta));
        if (theta < 0) t = -t;
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        A[p * n + p] = app - t * apq;
        A[q * n + q] = aqq + t * apq;
        A[p * n + q] = 0;
        A[q * n + p] = 0;
        for (let r = 0; r < n; r++) {
          if (r === p || r === q) continue;
          const arp = A[r * n + p];
          const arq = A[r * n + q];
          const nrp = c * arp - s * arq;
          const nrq = s * arp + c * arq;
          A[r * n + p] = nrp;
          A[p * n + r] = nrp;
          A[r * n + q] = nrq;
          A[q * n + r] = nrq;
        }
        for (let r = 0; r < n; r++) {
          const vrp = V[r * n + p];
          const vrq = V[r * n + q];
          V[r * n + p] = c * vrp - s * vrq;
          V[r * n + q] = s * vrp + c * vrq;
        }
      }
    }
    if (rotations === 0) converged = true;
  }

  // Sort descending and normalize signs.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[j * n + j] - A[i * n + i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let jj = 0; jj < n; jj++) {
    const j = order[jj];
    values[jj] = A[j * n + j];
    let big = 0;
    let sign = 1;
    for (let r = 0; r < n; r++) {
      const v = V[r * n + j];
      if (Math.abs(v) > big) {
        big = Math.abs(v);
        sign = v < 0 ? -1 : 1;
      }
    }
    for (let r = 0; r < n; r++) vectors[r * n + jj] = sign * V[r * n + j];
  }
  return { values, vectors, sweeps };
}
