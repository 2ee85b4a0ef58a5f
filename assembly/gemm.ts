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
  return gemmNn(out, 0, A, B, M, N, K);
}

/**
 * out (M × N) = D − A (M × K) · B (K × N), e.g. the part F − U*(U*ᵀF) of F outside span U* (one pass instead of a
 * product, a scaling and an axpy). `out` may be D; it must not alias A or B. @returns out
 */
export function sub_gemm_nn_f64(out: usize, D: usize, A: usize, B: usize, M: i32, N: i32, K: i32): usize {
  return gemmNn(out, D, A, B, M, N, K);
}

/** out = A·B (D = 0) or D − A·B: each output row built from 4 rows of B per pass. */
// @ts-ignore: decorator
@inline function gemmNn(out: usize, D: usize, A: usize, B: usize, M: i32, N: i32, K: i32): usize {
  const rowB = <usize>N << 3, rowA = <usize>K << 3;
  const s: f64 = D != 0 ? -1 : 1;
  if (D == 0) memory.fill(out, 0, <usize>M * rowB);
  else if (D != out) memory.copy(out, D, <usize>M * rowB);
  for (let i = 0; i < M; i++) {
    const a = A + <usize>i * rowA, o = out + <usize>i * rowB;
    let p = 0;
    for (; p + 4 <= K; p += 4) {
      const pa = a + (<usize>p << 3);
      axpy4Rows(o, B + <usize>p * rowB, rowB, s * load<f64>(pa), s * load<f64>(pa, 8), s * load<f64>(pa, 16), s * load<f64>(pa, 24), N);
    }
    for (; p < K; p++) axpyRow(o, B + <usize>p * rowB, s * load<f64>(a + (<usize>p << 3)), N);
  }
  return out;
}

/**
 * out (M × N) = Aᵀ · B with A being K × M and B being K × N — e.g. Eᵀ F (E n1 × n2, F n1 × k) or the Gram
 * FᵀF (A = B = F). Streams A and B once, 4 of their rows per pass; when M and N are both small (tall-skinny A and B,
 * e.g. U*ᵀ F) it takes the register-tiled path of gram_f64 instead. `out` is overwritten, must not alias. @returns out
 */
export function gemm_tn_f64(out: usize, A: usize, B: usize, M: i32, N: i32, K: i32): usize {
  if (M <= TALL_MAX && N <= TALL_MAX) return tallTn(out, A, B, M, N, K, false);
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

/** Rows per chunk of the tall-skinny products: 64 rows of A and B (≤ 32 columns each) stay in L1 while every tile passes. */
const TALL_CHUNK = 64;
/** Widest A and B that gemm_tn_f64 sends to the tall-skinny path. */
const TALL_MAX = 32;

/**
 * out (k × k) = Aᵀ A for A (rows × k, row-major): the Gram of a factor (FᵀF). The register-tiled tall-skinny product
 * on the upper triangle's tiles, the lower triangle mirrored (exactly symmetric). Any k, any alignment. @returns out
 */
export function gram_f64(out: usize, A: usize, rows: i32, k: i32): usize {
  tallTn(out, A, A, k, k, rows, true);
  const row = <usize>k << 3;
  for (let i = 1; i < k; i++) {
    for (let j = 0; j < i; j++) store<f64>(out + <usize>i * row + (<usize>j << 3), load<f64>(out + <usize>j * row + (<usize>i << 3)));
  }
  return out;
}

/**
 * out (M × N) = Aᵀ B for tall-skinny A (K × M) and B (K × N). Each 4 × 4 output tile is held in eight f64x2
 * registers while a chunk of TALL_CHUNK rows passes: per row 2 loads, 4 splats and 8 multiply–adds, about half the
 * instructions of the row-axpy form. The rows and columns past the last whole tile take 1 × 4 and 4 × 1 tiles, the
 * corner entry by entry. `upper`: only tiles on or above the diagonal, and of the corner only entries i ≤ j (a Gram,
 * A = B, M = N).
 */
function tallTn(out: usize, A: usize, B: usize, M: i32, N: i32, K: i32, upper: bool): usize {
  const rowA = <usize>M << 3, rowB = <usize>N << 3, M4 = M & ~3, N4 = N & ~3;
  memory.fill(out, 0, <usize>M * rowB);
  for (let p0 = 0; p0 < K; p0 += TALL_CHUNK) {
    const p1 = min(K, p0 + TALL_CHUNK);
    for (let i0 = 0; i0 < M4; i0 += 4) {
      for (let j0 = upper ? i0 : 0; j0 < N4; j0 += 4) {
        const o0 = out + <usize>i0 * rowB + (<usize>j0 << 3), o1 = o0 + rowB, o2 = o1 + rowB, o3 = o2 + rowB;
        let s00 = v128.load(o0), s01 = v128.load(o0, 16), s10 = v128.load(o1), s11 = v128.load(o1, 16);
        let s20 = v128.load(o2), s21 = v128.load(o2, 16), s30 = v128.load(o3), s31 = v128.load(o3, 16);
        for (let p = p0; p < p1; p++) {
          const b = B + <usize>p * rowB + (<usize>j0 << 3), a = A + <usize>p * rowA + (<usize>i0 << 3);
          const x0 = v128.load(b), x1 = v128.load(b, 16);
          const c0 = f64x2.splat(load<f64>(a)), c1 = f64x2.splat(load<f64>(a, 8));
          const c2 = f64x2.splat(load<f64>(a, 16)), c3 = f64x2.splat(load<f64>(a, 24));
          s00 = madd2(s00, c0, x0); s01 = madd2(s01, c0, x1);
          s10 = madd2(s10, c1, x0); s11 = madd2(s11, c1, x1);
          s20 = madd2(s20, c2, x0); s21 = madd2(s21, c2, x1);
          s30 = madd2(s30, c3, x0); s31 = madd2(s31, c3, x1);
        }
        v128.store(o0, s00); v128.store(o0, s01, 16); v128.store(o1, s10); v128.store(o1, s11, 16);
        v128.store(o2, s20); v128.store(o2, s21, 16); v128.store(o3, s30); v128.store(o3, s31, 16);
      }
    }
    // the rows past the last whole tile (never in a Gram: there they lie in the last columns), 1 × 4 tiles
    if (!upper) {
      for (let i = M4; i < M; i++) {
        for (let j0 = 0; j0 < N4; j0 += 4) {
          const o = out + <usize>i * rowB + (<usize>j0 << 3);
          let s0 = v128.load(o), s1 = v128.load(o, 16);
          for (let p = p0; p < p1; p++) {
            const b = B + <usize>p * rowB + (<usize>j0 << 3), c = f64x2.splat(load<f64>(A + <usize>p * rowA + (<usize>i << 3)));
            s0 = madd2(s0, c, v128.load(b)); s1 = madd2(s1, c, v128.load(b, 16));
          }
          v128.store(o, s0); v128.store(o, s1, 16);
        }
      }
    }
    // the columns past the last whole tile: 4 × 1 tiles for the rows of whole tiles, then entry by entry (a Gram: i ≤ j)
    for (let j = N4; j < N; j++) {
      for (let i0 = 0; i0 < M4; i0 += 4) {
        const o = out + <usize>i0 * rowB + (<usize>j << 3);
        let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
        for (let p = p0; p < p1; p++) {
          const a = A + <usize>p * rowA + (<usize>i0 << 3), c = f64x2.splat(load<f64>(B + <usize>p * rowB + (<usize>j << 3)));
          s0 = madd2(s0, v128.load(a), c); s1 = madd2(s1, v128.load(a, 16), c);
        }
        store<f64>(o, load<f64>(o) + f64x2.extract_lane(s0, 0));
        store<f64>(o + rowB, load<f64>(o + rowB) + f64x2.extract_lane(s0, 1));
        store<f64>(o + 2 * rowB, load<f64>(o + 2 * rowB) + f64x2.extract_lane(s1, 0));
        store<f64>(o + 3 * rowB, load<f64>(o + 3 * rowB) + f64x2.extract_lane(s1, 1));
      }
    }
    for (let i = M4; i < M; i++) {
      for (let j = upper && i > N4 ? i : N4; j < N; j++) {
        const o = out + <usize>i * rowB + (<usize>j << 3);
        let s = load<f64>(o);
        for (let p = p0; p < p1; p++) s += load<f64>(A + <usize>p * rowA + (<usize>i << 3)) * load<f64>(B + <usize>p * rowB + (<usize>j << 3));
        store<f64>(o, s);
      }
    }
  }
  return out;
}
