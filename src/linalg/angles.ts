/**
 * Principal angles between column spaces (Björck & Golub 1973), computed accurately for small angles
 * as well as large ones (Knyazev & Argentati 2002).
 *
 * @module
 */

import { assertDim, assertInput } from './check.js';
import { matmul, matmulTN } from './dense.js';
import { orthonormalize } from './qr.js';
import { singularValues } from './svd.js';

/**
 * Principal angles 0 ≤ θ₁ ≤ … ≤ θ_p ≤ π/2 between col(A) and col(B), p = min(ka, kb).
 *
 * Both inputs are orthonormalized by thin Householder QR (Q_A, Q_B); the cosines are the singular
 * values of Q_Aᵀ·Q_B, clamped to [0, 1] before `acos`. Because acos loses half the digits near 1 (an
 * angle of 1e-9 would come out as 0), angles below π/4 are instead taken from their sines: the singular
 * values of Q_S − Q_L·(Q_Lᵀ·Q_S), where Q_S is the basis of the smaller subspace and Q_L of the larger.
 * Both routes cost O(n·ka·kb + n·p²).
 *
 * Precondition: A and B have full column rank. For a rank-deficient input, its QR basis contains
 * arbitrary extra directions and the result is not meaningful.
 *
 * @param A - n×ka, finite, ka ≤ n.
 * @param B - n×kb, finite, kb ≤ n.
 * @returns p angles in radians, ascending; newly allocated (plus O(n·(ka + kb)) temporaries).
 * @throws RangeError on bad shapes (ka > n or kb > n); Error on non-finite input.
 */
export function principalAngles(A: Float64Array, B: Float64Array, n: number, ka: number, kb: number): Float64Array {
  const where = 'principalAngles';
  assertDim(where, 'n', n);
  assertDim(where, 'ka', ka);
  assertDim(where, 'kb', kb);
  if (ka > n || kb > n) {
    throw new RangeError(`${where}: a subspace of R^${n} has at most ${n} basis columns, got ka = ${ka}, kb = ${kb}`);
  }
  assertInput(where, 'A', A, n, ka);
  assertInput(where, 'B', B, n, kb);
  const QA = orthonormalize(A, n, ka);
  const QB = orthonormalize(B, n, kb);
  // L = the larger subspace (kl columns), S = the smaller (ks ≤ kl).
  const [QL, kl, QS, ks] = ka >= kb ? [QA, ka, QB, kb] : [QB, kb, QA, ka];
  const C = matmulTN(QL, QS, kl, n, ks); // kl × ks
  const cosines = singularValues(C, kl, ks); // descending ↔ angles ascending
  const P = matmul(QL, C, n, kl, ks); // projection of Q_S onto col(Q_L)
  for (let i = 0; i < P.length; i++) P[i] = QS[i] - P[i];
  const sines = singularValues(P, n, ks); // descending ↔ angles descending
  const angles = new Float64Array(ks);
  for (let i = 0; i < ks; i++) {
    const c = Math.min(1, Math.max(0, cosines[i]));
    const s = Math.min(1, Math.max(0, sines[ks - 1 - i]));
    angles[i] = s * s < 0.5 ? Math.asin(s) : Math.acos(c);
  }
  // The two routes agree to rounding; enforce the ascending order exactly.
  for (let i = 1; i < ks; i++) if (angles[i] < angles[i - 1]) angles[i] = angles[i - 1];
  return angles;
}

/**
 * Subspace distance sin θ_max: the sine of the largest principal angle between col(A) and col(B).
 * For equal dimensions (ka = kb) this is the projection distance ‖P_A − P_B‖₂; for ka ≠ kb it measures
 * how far the smaller subspace is from lying inside the larger one (0 when contained).
 *
 * Same shapes, preconditions and allocations as {@link principalAngles}.
 *
 * @returns a number in [0, 1].
 */
export function subspaceDistance(A: Float64Array, B: Float64Array, n: number, ka: number, kb: number): number {
  const angles = principalAngles(A, B, n, ka, kb);
  return Math.sin(angles[angles.length - 1]);
}
