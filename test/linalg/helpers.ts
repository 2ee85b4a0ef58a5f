// Independent reference helpers for the linalg tests (naive loops, no library code unless noted).
import { qrThin } from '../../src/linalg/qr.js';
import { randn } from '../../src/linalg/prng.js';

export const EPS = Number.EPSILON;

/** Row-major matrix from nested arrays. */
export function fromRows(rows: number[][]): Float64Array {
  return Float64Array.from(rows.flat());
}

export function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Naive C = A·B (A m×k, B k×n). */
export function refMatmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[i * k + p] * B[p * n + j];
      C[i * n + j] = s;
    }
  return C;
}

/** Naive transpose of an m×n matrix. */
export function refTranspose(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  return T;
}

/** max |QᵀQ − I| for Q m×n. */
export function orthoError(Q: Float64Array, m: number, n: number): number {
  let e = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let r = 0; r < m; r++) s += Q[r * n + i] * Q[r * n + j];
      e = Math.max(e, Math.abs(s - (i === j ? 1 : 0)));
    }
  return e;
}

/** U·diag(s)·Vᵀ with U m×p, V n×p. */
export function reconstruct(U: Float64Array, s: ArrayLike<number>, V: Float64Array, m: number, n: number, p: number): Float64Array {
  const M = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let q = 0; q < p; q++) acc += U[i * p + q] * s[q] * V[j * p + q];
      M[i * n + j] = acc;
    }
  return M;
}

/** Random m×p matrix with orthonormal columns (uses qrThin, which is tested on its own). */
export function randomOrthonormal(m: number, p: number, seed: number): Float64Array {
  return qrThin(randn(m * p, seed), m, p).Q;
}

/** m×n matrix with singular values s (length ≤ min(m, n)) and random singular vectors. */
export function planted(m: number, n: number, s: number[], seed: number): Float64Array {
  const p = s.length;
  return reconstruct(randomOrthonormal(m, p, seed), s, randomOrthonormal(n, p, seed + 1), m, n, p);
}

/** The shapes every routine is run on (m×n). */
export const SHAPES: Array<[number, number]> = [
  [1, 1],
  [5, 3],
  [7, 7],
  [13, 4],
  [13, 1],
  [1, 6],
  [3, 5],
  [4, 13],
];
