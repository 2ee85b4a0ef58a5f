// Rank-one measurements in factor form (docs/theory.md §10): A_i = a_i b_iᵀ (or a_i a_iᵀ), the
// vectors stored as the rows of f32 matrices Amat (m × n1) and Bmat (m × n2). A pass over a chunk of rows is four
// tall-skinny products — P = Amat F, Q = Bmat G, r_i = ⟨P_i, Q_i⟩ − y_i, then E·G = Amatᵀ diag(r) Q and
// Eᵀ·F = Bmatᵀ diag(r) P — done chunk by chunk so that each chunk of Amat and Bmat is read from memory once.
// Factors come transposed (Fᵀ: k × n, rows contiguous) so every product runs along contiguous rows; the gradient
// products accumulate transposed too (k × n), and the caller transposes once per pass.
import { hsum2, hsum4, madd2, madd4, loadF32x2AsF64 } from "./inline/simd";

/**
 * P (rows × k, f64) = A (rows × n, f32, row-major) · Ftᵀ, Ft being k × n f64: P[i, j] = ⟨A[i, :], Ft[j, :]⟩,
 * f64 products and sums. Tiles of 4 rows × 2 columns (8 f64x2 accumulators). Ragged rows, k and n handled.
 * @returns P
 */
export function rows_dot_f32_f64(P: usize, A: usize, rows: i32, n: i32, Ft: usize, k: i32): usize {
  const rowA = <usize>n << 2, rowF = <usize>n << 3, n2 = n & ~1;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const a0 = A + <usize>i * rowA, a1 = a0 + rowA, a2 = a1 + rowA, a3 = a2 + rowA;
    let j = 0;
    for (; j + 2 <= k; j += 2) {
      const f0 = Ft + <usize>j * rowF, f1 = f0 + rowF;
      let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s10 = f64x2.splat(0), s11 = f64x2.splat(0);
      let s20 = f64x2.splat(0), s21 = f64x2.splat(0), s30 = f64x2.splat(0), s31 = f64x2.splat(0);
      for (let a = 0; a < n2; a += 2) {
        const oa = <usize>a << 2, ofs = <usize>a << 3;
        const x0 = v128.load(f0 + ofs), x1 = v128.load(f1 + ofs);
        const v0 = loadF32x2AsF64(a0 + oa), v1 = loadF32x2AsF64(a1 + oa), v2 = loadF32x2AsF64(a2 + oa), v3 = loadF32x2AsF64(a3 + oa);
        s00 = madd2(s00, v0, x0); s01 = madd2(s01, v0, x1);
        s10 = madd2(s10, v1, x0); s11 = madd2(s11, v1, x1);
        s20 = madd2(s20, v2, x0); s21 = madd2(s21, v2, x1);
        s30 = madd2(s30, v3, x0); s31 = madd2(s31, v3, x1);
      }
      let d00 = hsum2(s00), d01 = hsum2(s01), d10 = hsum2(s10), d11 = hsum2(s11);
      let d20 = hsum2(s20), d21 = hsum2(s21), d30 = hsum2(s30), d31 = hsum2(s31);
      if (n2 < n) {
        const oa = <usize>n2 << 2, ofs = <usize>n2 << 3;
        const x0 = load<f64>(f0 + ofs), x1 = load<f64>(f1 + ofs);
        const w0 = <f64>load<f32>(a0 + oa), w1 = <f64>load<f32>(a1 + oa), w2 = <f64>load<f32>(a2 + oa), w3 = <f64>load<f32>(a3 + oa);
        d00 += w0 * x0; d01 += w0 * x1; d10 += w1 * x0; d11 += w1 * x1;
        d20 += w2 * x0; d21 += w2 * x1; d30 += w3 * x0; d31 += w3 * x1;
      }
      const p = P + ((<usize>i * <usize>k + <usize>j) << 3), rk = <usize>k << 3;
      store<f64>(p, d00); store<f64>(p, d01, 8);
      store<f64>(p + rk, d10); store<f64>(p + rk, d11, 8);
      store<f64>(p + 2 * rk, d20); store<f64>(p + 2 * rk, d21, 8);
      store<f64>(p + 3 * rk, d30); store<f64>(p + 3 * rk, d31, 8);
    }
    for (; j < k; j++) {
      const f0 = Ft + <usize>j * rowF;
      for (let q = 0; q < 4; q++) store<f64>(P + ((<usize>(i + q) * <usize>k + <usize>j) << 3), dotF32F64(A + <usize>(i + q) * rowA, f0, n));
    }
  }
  for (; i < rows; i++) {
    for (let j = 0; j < k; j++) store<f64>(P + ((<usize>i * <usize>k + <usize>j) << 3), dotF32F64(A + <usize>i * rowA, Ft + <usize>j * rowF, n));
  }
  return P;
}

// @ts-ignore: decorator
@inline function dotF32F64(a: usize, f: usize, n: i32): f64 {
  let s = f64x2.splat(0);
  const n2 = n & ~1;
  for (let j = 0; j < n2; j += 2) s = madd2(s, loadF32x2AsF64(a + (<usize>j << 2)), v128.load(f + (<usize>j << 3)));
  let d = hsum2(s);
  if (n2 < n) d += <f64>load<f32>(a + (<usize>n2 << 2)) * load<f64>(f + (<usize>n2 << 3));
  return d;
}

/**
 * P (rows × k, f64) = A · Ftᵀ as rows_dot_f32_f64, in f32 arithmetic: Ft is k × n f32; each product sums in f32
 * (4 lanes), the result is stored as f64. Tiles of 4 rows × 2 columns (8 f32x4 accumulators). @returns P
 */
export function rows_dot_f32(P: usize, A: usize, rows: i32, n: i32, Ft: usize, k: i32): usize {
  const rowA = <usize>n << 2, n4 = n & ~3;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const a0 = A + <usize>i * rowA, a1 = a0 + rowA, a2 = a1 + rowA, a3 = a2 + rowA;
    let j = 0;
    for (; j + 2 <= k; j += 2) {
      const f0 = Ft + <usize>j * rowA, f1 = f0 + rowA;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      for (let a = 0; a < n4; a += 4) {
        const o = <usize>a << 2;
        const x0 = v128.load(f0 + o), x1 = v128.load(f1 + o);
        const v0 = v128.load(a0 + o), v1 = v128.load(a1 + o), v2 = v128.load(a2 + o), v3 = v128.load(a3 + o);
        s00 = madd4(s00, v0, x0); s01 = madd4(s01, v0, x1);
        s10 = madd4(s10, v1, x0); s11 = madd4(s11, v1, x1);
        s20 = madd4(s20, v2, x0); s21 = madd4(s21, v2, x1);
        s30 = madd4(s30, v3, x0); s31 = madd4(s31, v3, x1);
      }
      let d00 = hsum4(s00), d01 = hsum4(s01), d10 = hsum4(s10), d11 = hsum4(s11);
      let d20 = hsum4(s20), d21 = hsum4(s21), d30 = hsum4(s30), d31 = hsum4(s31);
      for (let a = n4; a < n; a++) {
        const o = <usize>a << 2;
        const x0 = <f64>load<f32>(f0 + o), x1 = <f64>load<f32>(f1 + o);
        const w0 = <f64>load<f32>(a0 + o), w1 = <f64>load<f32>(a1 + o), w2 = <f64>load<f32>(a2 + o), w3 = <f64>load<f32>(a3 + o);
        d00 += w0 * x0; d01 += w0 * x1; d10 += w1 * x0; d11 += w1 * x1;
        d20 += w2 * x0; d21 += w2 * x1; d30 += w3 * x0; d31 += w3 * x1;
      }
      const p = P + ((<usize>i * <usize>k + <usize>j) << 3), rk = <usize>k << 3;
      store<f64>(p, d00); store<f64>(p, d01, 8);
      store<f64>(p + rk, d10); store<f64>(p + rk, d11, 8);
      store<f64>(p + 2 * rk, d20); store<f64>(p + 2 * rk, d21, 8);
      store<f64>(p + 3 * rk, d30); store<f64>(p + 3 * rk, d31, 8);
    }
    for (; j < k; j++) {
      const f0 = Ft + <usize>j * rowA;
      for (let q = 0; q < 4; q++) store<f64>(P + ((<usize>(i + q) * <usize>k + <usize>j) << 3), dotF32(A + <usize>(i + q) * rowA, f0, n));
    }
  }
  for (; i < rows; i++) {
    for (let j = 0; j < k; j++) store<f64>(P + ((<usize>i * <usize>k + <usize>j) << 3), dotF32(A + <usize>i * rowA, Ft + <usize>j * rowA, n));
  }
  return P;
}

// @ts-ignore: decorator
@inline function dotF32(a: usize, f: usize, n: i32): f64 {
  let s = f32x4.splat(0);
  const n4 = n & ~3;
  for (let j = 0; j < n4; j += 4) s = madd4(s, v128.load(a + (<usize>j << 2)), v128.load(f + (<usize>j << 2)));
  let d = hsum4(s);
  for (let j = n4; j < n; j++) d += <f64>load<f32>(a + (<usize>j << 2)) * <f64>load<f32>(f + (<usize>j << 2));
  return d;
}

/**
 * r_i = ⟨P_i, Q_i⟩ − b_i for the `rows` rows of P, Q (rows × k, f64) — or, when `given` ≠ 0, r_i read from r —
 * then W_i = r_i Q_i and V_i = r_i P_i (rows × k, f64; V is skipped when V = 0). @returns Σ r_i²
 */
export function rankone_residual_f64(r: usize, W: usize, V: usize, P: usize, Q: usize, rows: i32, k: i32, b: usize, given: i32): f64 {
  const rk = <usize>k << 3;
  let ss: f64 = 0;
  for (let i = 0; i < rows; i++) {
    const p = P + <usize>i * rk, q = Q + <usize>i * rk;
    let ri: f64;
    if (given != 0) ri = load<f64>(r + (<usize>i << 3));
    else {
      let d: f64 = 0;
      for (let j = 0; j < k; j++) d += load<f64>(p + (<usize>j << 3)) * load<f64>(q + (<usize>j << 3));
      ri = d - load<f64>(b + (<usize>i << 3));
      store<f64>(r + (<usize>i << 3), ri);
    }
    ss += ri * ri;
    for (let j = 0; j < k; j++) {
      const o = <usize>j << 3;
      store<f64>(W + <usize>i * rk + o, ri * load<f64>(q + o));
      if (V != 0) store<f64>(V + <usize>i * rk + o, ri * load<f64>(p + o));
    }
  }
  return ss;
}

/**
 * Et (k × n, f64) += Σ_i W[i, j] A[i, :] over the `rows` rows of A (f32, rows × n) and W (rows × k, f64): the
 * transposed product Aᵀ W, in f64. Tiles of 4 rows × 2 columns of Et, the 8 coefficients held in registers.
 * @returns Et
 */
export function rows_axpy_t_f32_f64(Et: usize, A: usize, rows: i32, n: i32, W: usize, k: i32): usize {
  const rowA = <usize>n << 2, rowE = <usize>n << 3, rk = <usize>k << 3, n2 = n & ~1;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const a0 = A + <usize>i * rowA, a1 = a0 + rowA, a2 = a1 + rowA, a3 = a2 + rowA;
    const w = W + <usize>i * rk;
    let j = 0;
    for (; j + 2 <= k; j += 2) {
      const e0 = Et + <usize>j * rowE, e1 = e0 + rowE, o = <usize>j << 3;
      const c00 = f64x2.splat(load<f64>(w + o)), c01 = f64x2.splat(load<f64>(w + o, 8));
      const c10 = f64x2.splat(load<f64>(w + rk + o)), c11 = f64x2.splat(load<f64>(w + rk + o, 8));
      const c20 = f64x2.splat(load<f64>(w + 2 * rk + o)), c21 = f64x2.splat(load<f64>(w + 2 * rk + o, 8));
      const c30 = f64x2.splat(load<f64>(w + 3 * rk + o)), c31 = f64x2.splat(load<f64>(w + 3 * rk + o, 8));
      for (let a = 0; a < n2; a += 2) {
        const oa = <usize>a << 2, oe = <usize>a << 3;
        const v0 = loadF32x2AsF64(a0 + oa), v1 = loadF32x2AsF64(a1 + oa), v2 = loadF32x2AsF64(a2 + oa), v3 = loadF32x2AsF64(a3 + oa);
        let x0 = v128.load(e0 + oe), x1 = v128.load(e1 + oe);
        x0 = madd2(madd2(madd2(madd2(x0, v0, c00), v1, c10), v2, c20), v3, c30);
        x1 = madd2(madd2(madd2(madd2(x1, v0, c01), v1, c11), v2, c21), v3, c31);
        v128.store(e0 + oe, x0); v128.store(e1 + oe, x1);
      }
      if (n2 < n) {
        const oa = <usize>n2 << 2, oe = <usize>n2 << 3;
        const w0 = <f64>load<f32>(a0 + oa), w1 = <f64>load<f32>(a1 + oa), w2 = <f64>load<f32>(a2 + oa), w3 = <f64>load<f32>(a3 + oa);
        store<f64>(e0 + oe, load<f64>(e0 + oe) + w0 * f64x2.extract_lane(c00, 0) + w1 * f64x2.extract_lane(c10, 0) + w2 * f64x2.extract_lane(c20, 0) + w3 * f64x2.extract_lane(c30, 0));
        store<f64>(e1 + oe, load<f64>(e1 + oe) + w0 * f64x2.extract_lane(c01, 0) + w1 * f64x2.extract_lane(c11, 0) + w2 * f64x2.extract_lane(c21, 0) + w3 * f64x2.extract_lane(c31, 0));
      }
    }
    for (; j < k; j++) {
      for (let q = 0; q < 4; q++) axpyF32F64(Et + <usize>j * rowE, A + <usize>(i + q) * rowA, load<f64>(w + <usize>q * rk + (<usize>j << 3)), n);
    }
  }
  for (; i < rows; i++) {
    for (let j = 0; j < k; j++) axpyF32F64(Et + <usize>j * rowE, A + <usize>i * rowA, load<f64>(W + <usize>i * rk + (<usize>j << 3)), n);
  }
  return Et;
}

// @ts-ignore: decorator
@inline function axpyF32F64(e: usize, a: usize, c: f64, n: i32): void {
  const cv = f64x2.splat(c), n2 = n & ~1;
  for (let j = 0; j < n2; j += 2) {
    const oe = e + (<usize>j << 3);
    v128.store(oe, madd2(v128.load(oe), loadF32x2AsF64(a + (<usize>j << 2)), cv));
  }
  if (n2 < n) { const oe = e + (<usize>n2 << 3); store<f64>(oe, load<f64>(oe) + c * <f64>load<f32>(a + (<usize>n2 << 2))); }
}

/**
 * Et (k × n, f32) += Σ_i W[i, j] A[i, :] as rows_axpy_t_f32_f64, in f32 arithmetic (W rounded to f32). The caller adds
 * the f32 sums of a chunk of rows into its f64 accumulator (the "mixed" gradient). @returns Et
 */
export function rows_axpy_t_f32(Et: usize, A: usize, rows: i32, n: i32, W: usize, k: i32): usize {
  const rowA = <usize>n << 2, rk = <usize>k << 3, n4 = n & ~3;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const a0 = A + <usize>i * rowA, a1 = a0 + rowA, a2 = a1 + rowA, a3 = a2 + rowA;
    const w = W + <usize>i * rk;
    let j = 0;
    for (; j + 2 <= k; j += 2) {
      const e0 = Et + <usize>j * rowA, e1 = e0 + rowA, o = <usize>j << 3;
      const s00 = <f32>load<f64>(w + o), s01 = <f32>load<f64>(w + o, 8);
      const s10 = <f32>load<f64>(w + rk + o), s11 = <f32>load<f64>(w + rk + o, 8);
      const s20 = <f32>load<f64>(w + 2 * rk + o), s21 = <f32>load<f64>(w + 2 * rk + o, 8);
      const s30 = <f32>load<f64>(w + 3 * rk + o), s31 = <f32>load<f64>(w + 3 * rk + o, 8);
      const c00 = f32x4.splat(s00), c01 = f32x4.splat(s01), c10 = f32x4.splat(s10), c11 = f32x4.splat(s11);
      const c20 = f32x4.splat(s20), c21 = f32x4.splat(s21), c30 = f32x4.splat(s30), c31 = f32x4.splat(s31);
      for (let a = 0; a < n4; a += 4) {
        const oa = <usize>a << 2;
        const v0 = v128.load(a0 + oa), v1 = v128.load(a1 + oa), v2 = v128.load(a2 + oa), v3 = v128.load(a3 + oa);
        let x0 = v128.load(e0 + oa), x1 = v128.load(e1 + oa);
        x0 = madd4(madd4(madd4(madd4(x0, v0, c00), v1, c10), v2, c20), v3, c30);
        x1 = madd4(madd4(madd4(madd4(x1, v0, c01), v1, c11), v2, c21), v3, c31);
        v128.store(e0 + oa, x0); v128.store(e1 + oa, x1);
      }
      for (let a = n4; a < n; a++) {
        const oa = <usize>a << 2;
        const w0 = load<f32>(a0 + oa), w1 = load<f32>(a1 + oa), w2 = load<f32>(a2 + oa), w3 = load<f32>(a3 + oa);
        store<f32>(e0 + oa, load<f32>(e0 + oa) + w0 * s00 + w1 * s10 + w2 * s20 + w3 * s30);
        store<f32>(e1 + oa, load<f32>(e1 + oa) + w0 * s01 + w1 * s11 + w2 * s21 + w3 * s31);
      }
    }
    for (; j < k; j++) {
      for (let q = 0; q < 4; q++) axpyF32(Et + <usize>j * rowA, A + <usize>(i + q) * rowA, <f32>load<f64>(w + <usize>q * rk + (<usize>j << 3)), n);
    }
  }
  for (; i < rows; i++) {
    for (let j = 0; j < k; j++) axpyF32(Et + <usize>j * rowA, A + <usize>i * rowA, <f32>load<f64>(W + <usize>i * rk + (<usize>j << 3)), n);
  }
  return Et;
}

// @ts-ignore: decorator
@inline function axpyF32(e: usize, a: usize, c: f32, n: i32): void {
  const cv = f32x4.splat(c), n4 = n & ~3;
  for (let j = 0; j < n4; j += 4) {
    const oe = e + (<usize>j << 2);
    v128.store(oe, madd4(v128.load(oe), v128.load(a + (<usize>j << 2)), cv));
  }
  for (let j = n4; j < n; j++) { const oe = e + (<usize>j << 2); store<f32>(oe, load<f32>(oe) + c * load<f32>(a + (<usize>j << 2))); }
}

/** out[j] += f64(x[j]) for j < n: an f32 partial sum added into an f64 accumulator. @returns out */
export function add_f32_to_f64(out: usize, x: usize, n: i32): usize {
  const n2 = n & ~1;
  for (let j = 0; j < n2; j += 2) {
    const o = out + (<usize>j << 3);
    v128.store(o, f64x2.add(v128.load(o), loadF32x2AsF64(x + (<usize>j << 2))));
  }
  if (n2 < n) { const o = out + (<usize>n2 << 3); store<f64>(o, load<f64>(o) + <f64>load<f32>(x + (<usize>n2 << 2))); }
  return out;
}

/** out (n × k) = inᵀ for in (k × n), f64. @returns out */
export function transpose_f64(out: usize, inp: usize, k: i32, n: i32): usize {
  for (let j = 0; j < k; j++) {
    const src = inp + <usize>j * (<usize>n << 3);
    for (let a = 0; a < n; a++) store<f64>(out + ((<usize>a * <usize>k + <usize>j) << 3), load<f64>(src + (<usize>a << 3)));
  }
  return out;
}
