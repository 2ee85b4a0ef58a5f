// Shared test helpers: deterministic data and plain-TypeScript f64 references.
import { createRuntime, type Runtime } from '../src/index.js';

/** A tiny deterministic PRNG (mulberry32) for test data that must not depend on the library's own generator. */
export function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [-1, 1). */
export function randArray(n: number, seed: number): Float64Array {
  const r = rand(seed);
  return Float64Array.from({ length: n }, () => 2 * r() - 1);
}

/** out = A x with A (m × N) row-major, f64 reference. */
export function refGemv(A: ArrayLike<number>, x: ArrayLike<number>, m: number, N: number): Float64Array {
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) { let s = 0; for (let j = 0; j < N; j++) s += A[i * N + j] * x[j]; out[i] = s; }
  return out;
}

/** out = Aᵀ v, f64 reference. */
export function refGemvT(A: ArrayLike<number>, v: ArrayLike<number>, m: number, N: number): Float64Array {
  const out = new Float64Array(N);
  for (let i = 0; i < m; i++) for (let j = 0; j < N; j++) out[j] += A[i * N + j] * v[i];
  return out;
}

/** C = A (M × K) B (K × N). */
export function refMatmul(A: ArrayLike<number>, B: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let p = 0; p < K; p++) { const a = A[i * K + p]; for (let j = 0; j < N; j++) C[i * N + j] += a * B[p * N + j]; }
  return C;
}

export function transpose(A: ArrayLike<number>, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  return T;
}

/** max |a − b| / max |b| (relative to the reference's largest entry; absolute only when b is all zeros). */
export function relMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return s > 0 ? d / s : d;
}

export function norm(a: ArrayLike<number>): number { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * a[i]; return Math.sqrt(s); }

/** A fresh runtime per test file (compiling is cached per process). */
export function runtime(): Promise<Runtime> { return createRuntime(); }

/** Shapes named like PyLops' test dicts: ragged = not a multiple of 4. */
export const OPERATOR_SHAPES = {
  '1x1': { m: 1, n1: 1, n2: 1 },
  square: { m: 24, n1: 4, n2: 4 },
  tall: { m: 9, n1: 7, n2: 3 },
  wide: { m: 13, n1: 3, n2: 9 },
  ragged: { m: 11, n1: 5, n2: 7 },
  big: { m: 37, n1: 9, n2: 11 },
} as const;
