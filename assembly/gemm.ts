// Dense f64 products of the gradient: X = F Gᵀ, E G, Eᵀ F and the k × k Grams. All row-major, f64.
// Sizes are (M, N, K) of out = op(A) · op(B), out being M × N; strides are the natural row lengths.
import { hsum2, madd2 } from "./inline/simd";

/**
 * out (M × N) = A (M × K) · Bᵀ, B being N × K — e.g. X = F Gᵀ. 2 × 2 output tile, f64x2 over K;
 * ragged M, N and K tails are handled. Any alignment. @returns out
 */
export function gemm_nt_f64(out: usize, A: usize, B: usize, M: i32, N: i32, K: i32): usize {
  const K2 = K & ~1;
  const rowA = <usize>K << 3;
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    const a0 = A + <usize>i * rowA, a1 = a0 + rowA;
    const o0 = out + <usize>i * (<usize>N << 3), o1 = o0 + (<usize>N << 3);
    let j = 0;
    for (; j + 2 <= N; j += 2) {
      const b0 = B + <usize>j * rowA, b1 = b0 + rowA;
      let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s10 = f64x2.splat(0), s11 = f64x2.splat(0);
      for (let p = 0; p < K2; p += 2) {
        const o = <usize>p << 3;
        const va0 = v128.load(a0 + o), va1 = v128.load(a1 + o), vb0 = v128.load(b0 + o), vb1 = v128.load(b1 + o);
        s00 = madd2(s00, va0, vb0); s01 = madd2(s01, va0, vb1);
        s10 = madd2(s10, va1, vb0); s11 = madd2(s11, va1, vb1);
      }
      let d00 = hsum2(s00), d01 = hsum2(s01), d10 = hsum2(s10), d11 = hsum2(s11);
      if (K2 < K) {
        const o = <usize>K2 << 3;
        const x0 = load<f64>(a0 + o), x1 = load<f64>(a1 + o), y0 = load<f64>(b0 + o), y1 = load<f64>(b1 + o);
        d00 += x0 * y0; d01 += x0 * y1; d10 += x1 * y0; d11 += x1 * y1;
      }
      store<f64>(o0 + (<usize>j << 3), d00); store<f64>(o0 + (<usize>j << 3), d01, 8);
      store<f64>(o1 + (<usize>j << 3), d10); store<f64>(o1 + (<usize>j << 3), d11, 8);
    }
    if (j < N) {
      const b0 = B + <usize>j * rowA;
      store<f64>(o0 + (<usize>j << 3), dotF64(a0, b0, K));
      store<f64>(o1 + (<usize>j << 3), dotF64(a1, b0, K));
    }
  }
  if (i < M) {
    const a0 = A + <usize>i * rowA, o0 = out + <usize>i * (<usize>N << 3);
    for (let j = 0; j < N; j++) store<f64>(o0 + (<usize>j << 3), dotF64(a0, B + <usize>j * rowA, K));
  }
  return out;
}

// @ts-ignore: decorator
@inline function dotF64(a: usize, b: usize, K: i32): f64 {
  let s = f64x2.splat(0);
  const K2 = K & ~1;
  for (let p = 0; p < K2; p += 2) s = madd2(s, v128.load(a + (<usize>p << 3)), v128.load(b + (<usize>p << 3)));
  let d = hsum2(s);
  if (K2 < K) d += load<f64>(a + (<usize>K2 << 3)) * load<f64>(b + (<usize>K2 << 3));
  return d;
}

/** y[0..N) += c · x[0..N), f64x2 with a scalar tail. */
// @ts-ignore: decorator
@inline function axpyRow(y: usize, x: usize, c: f64, N: i32): void {
  const cv = f64x2.splat(c);
  const N2 = N & ~1;
  for (let j = 0; j < N2; j += 2) {
    const o = <usize>j << 3;
    v128.store(y + o, madd2(v128.load(y + o), v128.load(x + o), cv));
  }
  if (N2 < N) { const o = <usize>N2 << 3; store<f64>(y + o, load<f64>(y + o) + c * load<f64>(x + o)); }
}

/** y[0..N) += c0 x0 + c1 x1 + c2 x2 + c3 x3 (four rows of B in one pass over y). */
// @ts-ignore: decorator
@inline function axpy4Rows(y: usize, x0: usize, rowB: usize, c0: f64, c1: f64, c2: f64, c3: f64, N: i32): void {
  const x1 = x0 + rowB, x2 = x1 + rowB, x3 = x2 + rowB;
  const v0 = f64x2.splat(c0), v1 = f64x2.splat(c1), v2 = f64x2.splat(c2), v3 = f64x2.splat(c3);
  const N2 = N & ~1;
  for (let j = 0; j < N2; j += 2) {
    const o = <usize>j << 3;
    let acc = v128.load(y + o);
    acc = madd2(acc, v128.load(x0 + o), v0); acc = madd2(acc, v128.load(x1 + o), v1);
    acc = madd2(acc, v128.load(x2 + o), v2); acc = madd2(acc, v128.load(x3 + o), v3);
    v128.store(y + o, acc);
  }
  if (N2 < N) {
    const o = <usize>N2 << 3;
    store<f64>(y + o, load<f64>(y + o) + c0 * load<f64>(x0 + o) + c1 * load<f64>(x1 + o)
      + c2 * load<f64>(x2 + o) + c3 * load<f64>(x3 + o));
  }
}

/**
 * out (M × N) = A (M × K) · B (K × N) — e.g. E G (n1 × n2 times n2 × k). Each output row is built from 4 rows
 * of B per pass. `out` is overwritten and must not alias A or B. @returns out
 */
export function gemm_nn_f64(out: usize, A: usize, B: usize, M: i32, N: i32, K: i32): usize {
  const rowB = <usize>N << 3, rowA = <usize>K << 3;
  memory.fill(out, 0, <usize>M * rowB);
  for (let i = 0; i < M; i++) {
    const a = A + <usize>i * rowA, o = out + <usize>i * rowB;
    let p = 0;
    for (; p + 4 <= K; p += 4) {
      const pa = a + (<usize>p << 3);
      axpy4Rows(o, B + <usize>p * rowB, rowB, load<f64>(pa), load<f64>(pa, 8), load<f64>(pa, 16), load<f64>(pa, 24), N);
    }
    for (; p < K; p++) axpyRow(o, B + <usize>p * rowB, load<f64>(a + (<usize>p << 3)), N);
  }
  return out;
}

/**
 * out (M × N) = Aᵀ · B with A being K × M and B being K × N — e.g. Eᵀ F (E n1 × n2, F n1 × k) or the Gram
 * FᵀF (A = B = F). Streams A and B once, 4 of their rows per pass. `out` is overwritten, must not alias. @returns out
 */
export function gemm_tn_f64(out: usize, A: usize, B: usize, M: i32, N: i32, K: i32): usize {
  const rowB = <usize>N << 3, rowA = <usize>M << 3;
  memory.fill(out, 0, <usize>M * rowB);
  let p = 0;
  for (; p + 4 <= K; p += 4) {
    const a0 = A + <usize>p * rowA, a1 = a0 + rowA, a2 = a1 + rowA, a3 = a2 + rowA;
    const b = B + <usize>p * rowB;
    for (let i = 0; i < M; i++) {
      const io = <usize>i << 3;
      axpy4Rows(out + <usize>i * rowB, b, rowB, load<f64>(a0 + io), load<f64>(a1 + io), load<f64>(a2 + io), load<f64>(a3 + io), N);
    }
  }
  for (; p < K; p++) {
    const a = A + <usize>p * rowA, b = B + <usize>p * rowB;
    for (let i = 0; i < M; i++) axpyRow(out + <usize>i * rowB, b, load<f64>(a + (<usize>i << 3)), N);
  }
  return out;
}

/** Rows of A per chunk of gram_f64: 64 rows of k ≤ 32 f64 stay in L1 while every tile of the output passes over them. */
const GRAM_CHUNK = 64;

/**
 * out (k × k) = Aᵀ A for A (rows × k, row-major): the Gram of a factor (FᵀF). Each 4 × 4 tile of the upper triangle
 * is held in eight f64x2 registers while a chunk of rows passes, so a row costs 2 loads, 4 splats and 8 multiply–adds
 * per tile (about half the instructions of gemm_tn_f64 on A, A, and half the tiles); the sums run over the rows in
 * order. Ragged k is handled; the lower triangle is mirrored. Any alignment. @returns out
 */
export function gram_f64(out: usize, A: usize, rows: i32, k: i32): usize {
  const row = <usize>k << 3, k4 = k & ~3;
  memory.fill(out, 0, <usize>k * row);
  for (let p0 = 0; p0 < rows; p0 += GRAM_CHUNK) {
    const p1 = min(rows, p0 + GRAM_CHUNK);
    for (let i0 = 0; i0 < k4; i0 += 4) {
      for (let j0 = i0; j0 < k4; j0 += 4) {
        const o0 = out + <usize>i0 * row + (<usize>j0 << 3), o1 = o0 + row, o2 = o1 + row, o3 = o2 + row;
        let s00 = v128.load(o0), s01 = v128.load(o0, 16), s10 = v128.load(o1), s11 = v128.load(o1, 16);
        let s20 = v128.load(o2), s21 = v128.load(o2, 16), s30 = v128.load(o3), s31 = v128.load(o3, 16);
        for (let p = p0; p < p1; p++) {
          const a = A + <usize>p * row;
          const x0 = v128.load(a + (<usize>j0 << 3)), x1 = v128.load(a + (<usize>j0 << 3), 16);
          const ai = a + (<usize>i0 << 3);
          const c0 = f64x2.splat(load<f64>(ai)), c1 = f64x2.splat(load<f64>(ai, 8));
          const c2 = f64x2.splat(load<f64>(ai, 16)), c3 = f64x2.splat(load<f64>(ai, 24));
          s00 = madd2(s00, c0, x0); s01 = madd2(s01, c0, x1);
          s10 = madd2(s10, c1, x0); s11 = madd2(s11, c1, x1);
          s20 = madd2(s20, c2, x0); s21 = madd2(s21, c2, x1);
          s30 = madd2(s30, c3, x0); s31 = madd2(s31, c3, x1);
        }
        v128.store(o0, s00); v128.store(o0, s01, 16); v128.store(o1, s10); v128.store(o1, s11, 16);
        v128.store(o2, s20); v128.store(o2, s21, 16); v128.store(o3, s30); v128.store(o3, s31, 16);
      }
    }
    // the columns past the last whole tile, every row i ≤ j
    for (let j = k4; j < k; j++) {
      for (let i = 0; i <= j; i++) {
        let s = load<f64>(out + <usize>i * row + (<usize>j << 3));
        for (let p = p0; p < p1; p++) {
          const a = A + <usize>p * row;
          s += load<f64>(a + (<usize>i << 3)) * load<f64>(a + (<usize>j << 3));
        }
        store<f64>(out + <usize>i * row + (<usize>j << 3), s);
      }
    }
  }
  for (let i = 1; i < k; i++) {
    for (let j = 0; j < i; j++) store<f64>(out + <usize>i * row + (<usize>j << 3), load<f64>(out + <usize>j * row + (<usize>i << 3)));
  }
  return out;
}
