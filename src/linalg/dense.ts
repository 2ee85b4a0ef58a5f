/**
 * Small dense matrix helpers on row-major `Float64Array`s.
 *
 * Convention throughout `linalg`: an m×n matrix is a `Float64Array` of length `m * n` whose element (i, j)
 * is `a[i * n + j]` (C order). The three products take the *output* shape and the *inner* dimension in
 * the same order `(m, k, n)`: the result is always m×n and k is the summed-over dimension.
 *
 * Allocation: every function that returns a matrix accepts an optional `out` of the right length and
 * allocates a fresh array only when `out` is omitted. `out` must not overlap the inputs.
 *
 * @module
 */

import { assertDim, assertFinite, assertInput, assertMatrix, assertNoOverlap } from './check.js';

function prepareOut(where: string, out: Float64Array | undefined, rows: number, cols: number): Float64Array {
  if (out === undefined) return new Float64Array(rows * cols);
  assertMatrix(where, 'out', out, rows, cols);
  return out;
}

/** Checks shared by the products: sizes, the inputs' shapes, and an m×n destination that overlaps neither input. */
function prepareProduct(where: string, A: Float64Array, aShape: [number, number], B: Float64Array, bShape: [number, number],
  m: number, k: number, n: number, out?: Float64Array): Float64Array {
  assertDim(where, 'm', m);
  assertDim(where, 'k', k);
  assertDim(where, 'n', n);
  assertInput(where, 'A', A, aShape[0], aShape[1]);
  assertInput(where, 'B', B, bShape[0], bShape[1]);
  const C = prepareOut(where, out, m, n);
  assertNoOverlap(where, 'out', C, 'A', A);
  assertNoOverlap(where, 'out', C, 'B', B);
  return C;
}

/**
 * Matrix product C = A·B.
 *
 * @param A - m×k.
 * @param B - k×n.
 * @param out - optional m×n destination (must not overlap A or B); allocated when omitted.
 * @returns C, m×n.
 */
export function matmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number, out?: Float64Array): Float64Array {
  const C = prepareProduct('matmul', A, [m, k], B, [k, n], m, k, n, out);
  C.fill(0);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      if (a === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) C[ci + j] += a * B[bp + j];
    }
  }
  return C;
}

/**
 * Product with the first factor transposed, C = Aᵀ·B.
 *
 * @param A - k×m (so Aᵀ is m×k).
 * @param B - k×n.
 * @param out - optional m×n destination (must not overlap A or B); allocated when omitted.
 * @returns C, m×n.
 */
export function matmulTN(A: Float64Array, B: Float64Array, m: number, k: number, n: number, out?: Float64Array): Float64Array {
  const C = prepareProduct('matmulTN', A, [k, m], B, [k, n], m, k, n, out);
  C.fill(0);
  for (let p = 0; p < k; p++) {
    const ap = p * m;
    const bp = p * n;
    for (let i = 0; i < m; i++) {
      const a = A[ap + i];
      if (a === 0) continue;
      const ci = i * n;
      for (let j = 0; j < n; j++) C[ci + j] += a * B[bp + j];
    }
  }
  return C;
}

/**
 * Product with the second factor transposed, C = A·Bᵀ.
 *
 * @param A - m×k.
 * @param B - n×k (so Bᵀ is k×n).
 * @param out - optional m×n destination (must not overlap A or B); allocated when omitted.
 * @returns C, m×n.
 */
export function matmulNT(A: Float64Array, B: Float64Array, m: number, k: number, n: number, out?: Float64Array): Float64Array {
  const C = prepareProduct('matmulNT', A, [m, k], B, [n, k], m, k, n, out);
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let acc = 0;
      for (let p = 0; p < k; p++) acc += A[ai + p] * B[bj + p];
      C[i * n + j] = acc;
    }
  }
  return C;
}

/**
 * Transpose.
 *
 * @param A - m×n.
 * @param out - optional n×m destination (must not overlap A); allocated when omitted.
 * @returns Aᵀ, n×m.
 */
export function transpose(A: Float64Array, m: number, n: number, out?: Float64Array): Float64Array {
  const where = 'transpose';
  assertDim(where, 'm', m);
  assertDim(where, 'n', n);
  assertMatrix(where, 'A', A, m, n);
  const T = prepareOut(where, out, n, m);
  assertNoOverlap(where, 'out', T, 'A', A);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  }
  return T;
}

/**
 * Euclidean norm of a whole array — the Frobenius norm ‖A‖_F when the array holds a matrix of any shape.
 * Computed with scaling (max-abs first), so it neither overflows nor underflows for entries near the
 * limits of the double range. Allocates nothing.
 *
 * @throws Error if an element is not finite.
 */
export function frobNorm(A: Float64Array): number {
  let scale = 0;
  for (let i = 0; i < A.length; i++) {
    const v = Math.abs(A[i]);
    if (!(v <= Number.MAX_VALUE)) assertFinite('frobNorm', 'A', A);
    if (v > scale) scale = v;
  }
  if (scale === 0) return 0;
  const inv = 1 / scale;
  let ssq = 0;
  for (let i = 0; i < A.length; i++) {
    const v = A[i] * inv;
    ssq += v * v;
  }
  return scale * Math.sqrt(ssq);
}

/**
 * Identity matrix.
 *
 * @returns a newly allocated n×n identity (n ≥ 1).
 */
export function eye(n: number): Float64Array {
  assertDim('eye', 'n', n);
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

/**
 * Gram matrix AᵀA. The result is exactly symmetric (the upper triangle is computed and mirrored).
 *
 * @param A - m×n.
 * @param out - optional n×n destination (must not overlap A); allocated when omitted.
 * @returns AᵀA, n×n.
 */
export function gram(A: Float64Array, m: number, n: number, out?: Float64Array): Float64Array {
  const where = 'gram';
  assertDim(where, 'm', m);
  assertDim(where, 'n', n);
  assertInput(where, 'A', A, m, n);
  const G = prepareOut(where, out, n, n);
  assertNoOverlap(where, 'out', G, 'A', A);
  G.fill(0);
  for (let p = 0; p < m; p++) {
    const ap = p * n;
    for (let i = 0; i < n; i++) {
      const a = A[ap + i];
      if (a === 0) continue;
      const gi = i * n;
      for (let j = i; j < n; j++) G[gi + j] += a * A[ap + j];
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) G[i * n + j] = G[j * n + i];
  }
  return G;
}

/**
 * Entropy effective rank of Roy & Vetterli (2007, "The effective rank: a measure of effective
 * dimensionality"): erank = exp(H(p)) with p = s / Σs and H(p) = −Σ pᵢ log pᵢ (0·log 0 = 0).
 * It lies in [1, number of nonzero entries] and equals r exactly when r entries are equal and the rest 0.
 *
 * @param s - singular values (any order, all ≥ 0 and finite).
 * @returns the effective rank; 0 for an empty or all-zero `s` (the zero matrix). Allocates nothing.
 * @throws RangeError if an entry is negative; Error if an entry is not finite.
 */
export function effectiveRank(s: Float64Array): number {
  assertFinite('effectiveRank', 's', s);
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (v < 0) throw new RangeError(`effectiveRank: s[${i}] = ${v} is negative; singular values must be ≥ 0`);
    sum += v;
  }
  if (sum === 0) return 0;
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    const p = s[i] / sum;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}
