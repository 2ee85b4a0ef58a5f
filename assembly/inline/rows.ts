// Row-block building blocks shared by gemv, gemvt and the fused residual/adjoint pass.
// A is an f32 matrix with `N` columns, row-major; rows are `rowBytes = 4 N` apart and need no alignment
// (unaligned v128 loads are legal in wasm). Vectors are f64 unless the name says f32.
import { loadF32x2AsF64, hsum2, hsum4, madd2, madd4 } from "./simd";

/**
 * Dot products of 4 consecutive f32 rows at `a` with the f64 vector `x` (length N), accumulated in f64.
 * Writes the 4 results to `out[0..3]` (f64).
 */
// @ts-ignore: decorator
@inline export function dot4RowsF64(out: usize, a: usize, x: usize, N: i32, rowBytes: usize): void {
  const a1 = a + rowBytes, a2 = a1 + rowBytes, a3 = a2 + rowBytes;
  let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s10 = f64x2.splat(0), s11 = f64x2.splat(0);
  let s20 = f64x2.splat(0), s21 = f64x2.splat(0), s30 = f64x2.splat(0), s31 = f64x2.splat(0);
  const N4 = N & ~3;
  for (let j = 0; j < N4; j += 4) {
    const xo = x + (<usize>j << 3), ao = <usize>j << 2;
    const x0 = v128.load(xo), x1 = v128.load(xo, 16);
    s00 = madd2(s00, loadF32x2AsF64(a + ao), x0);  s01 = madd2(s01, loadF32x2AsF64(a + ao + 8), x1);
    s10 = madd2(s10, loadF32x2AsF64(a1 + ao), x0); s11 = madd2(s11, loadF32x2AsF64(a1 + ao + 8), x1);
    s20 = madd2(s20, loadF32x2AsF64(a2 + ao), x0); s21 = madd2(s21, loadF32x2AsF64(a2 + ao + 8), x1);
    s30 = madd2(s30, loadF32x2AsF64(a3 + ao), x0); s31 = madd2(s31, loadF32x2AsF64(a3 + ao + 8), x1);
  }
  let d0 = hsum2(f64x2.add(s00, s01)), d1 = hsum2(f64x2.add(s10, s11));
  let d2 = hsum2(f64x2.add(s20, s21)), d3 = hsum2(f64x2.add(s30, s31));
  for (let j = N4; j < N; j++) {
    const xj = load<f64>(x + (<usize>j << 3)), ao = <usize>j << 2;
    d0 += <f64>load<f32>(a + ao) * xj;  d1 += <f64>load<f32>(a1 + ao) * xj;
    d2 += <f64>load<f32>(a2 + ao) * xj; d3 += <f64>load<f32>(a3 + ao) * xj;
  }
  store<f64>(out, d0); store<f64>(out, d1, 8); store<f64>(out, d2, 16); store<f64>(out, d3, 24);
}

/** Dot product of one f32 row with an f64 vector, accumulated in f64. */
// @ts-ignore: decorator
@inline export function dot1RowF64(a: usize, x: usize, N: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  const N4 = N & ~3;
  for (let j = 0; j < N4; j += 4) {
    const xo = x + (<usize>j << 3), ao = a + (<usize>j << 2);
    s0 = madd2(s0, loadF32x2AsF64(ao), v128.load(xo));
    s1 = madd2(s1, loadF32x2AsF64(ao + 8), v128.load(xo, 16));
  }
  let d = hsum2(f64x2.add(s0, s1));
  for (let j = N4; j < N; j++) d += <f64>load<f32>(a + (<usize>j << 2)) * load<f64>(x + (<usize>j << 3));
  return d;
}

/** e += c0 a0 + c1 a1 + c2 a2 + c3 a3 for 4 consecutive f32 rows at `a`; `e` is f64 of length N. */
// @ts-ignore: decorator
@inline export function axpy4RowsF64(e: usize, a: usize, c: usize, N: i32, rowBytes: usize): void {
  const a1 = a + rowBytes, a2 = a1 + rowBytes, a3 = a2 + rowBytes;
  const c0s = load<f64>(c), c1s = load<f64>(c, 8), c2s = load<f64>(c, 16), c3s = load<f64>(c, 24);
  const c0 = f64x2.splat(c0s), c1 = f64x2.splat(c1s), c2 = f64x2.splat(c2s), c3 = f64x2.splat(c3s);
  const N4 = N & ~3;
  for (let j = 0; j < N4; j += 4) {
    const eo = e + (<usize>j << 3), ao = <usize>j << 2;
    let e0 = v128.load(eo), e1 = v128.load(eo, 16);
    e0 = madd2(e0, loadF32x2AsF64(a + ao), c0);  e1 = madd2(e1, loadF32x2AsF64(a + ao + 8), c0);
    e0 = madd2(e0, loadF32x2AsF64(a1 + ao), c1); e1 = madd2(e1, loadF32x2AsF64(a1 + ao + 8), c1);
    e0 = madd2(e0, loadF32x2AsF64(a2 + ao), c2); e1 = madd2(e1, loadF32x2AsF64(a2 + ao + 8), c2);
    e0 = madd2(e0, loadF32x2AsF64(a3 + ao), c3); e1 = madd2(e1, loadF32x2AsF64(a3 + ao + 8), c3);
    v128.store(eo, e0); v128.store(eo, e1, 16);
  }
  for (let j = N4; j < N; j++) {
    const eo = e + (<usize>j << 3), ao = <usize>j << 2;
    store<f64>(eo, load<f64>(eo) + c0s * <f64>load<f32>(a + ao) + c1s * <f64>load<f32>(a1 + ao)
      + c2s * <f64>load<f32>(a2 + ao) + c3s * <f64>load<f32>(a3 + ao));
  }
}

/** e += c a for one f32 row `a`; `e` is f64 of length N. */
// @ts-ignore: decorator
@inline export function axpy1RowF64(e: usize, a: usize, c: f64, N: i32): void {
  const cv = f64x2.splat(c);
  const N4 = N & ~3;
  for (let j = 0; j < N4; j += 4) {
    const eo = e + (<usize>j << 3), ao = a + (<usize>j << 2);
    v128.store(eo, madd2(v128.load(eo), loadF32x2AsF64(ao), cv));
    v128.store(eo, madd2(v128.load(eo, 16), loadF32x2AsF64(ao + 8), cv), 16);
  }
  for (let j = N4; j < N; j++) {
    const eo = e + (<usize>j << 3);
    store<f64>(eo, load<f64>(eo) + c * <f64>load<f32>(a + (<usize>j << 2)));
  }
}

// ---- pure f32 arithmetic (the "f32" precision mode) ----

/** Dot products of 4 f32 rows with an f32 vector in f32 arithmetic; results (f32) to out[0..3]. */
// @ts-ignore: decorator
@inline export function dot4RowsF32(out: usize, a: usize, x: usize, N: i32, rowBytes: usize): void {
  const a1 = a + rowBytes, a2 = a1 + rowBytes, a3 = a2 + rowBytes;
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  const N4 = N & ~3;
  for (let j = 0; j < N4; j += 4) {
    const o = <usize>j << 2;
    const xv = v128.load(x + o);
    s0 = madd4(s0, v128.load(a + o), xv);  s1 = madd4(s1, v128.load(a1 + o), xv);
    s2 = madd4(s2, v128.load(a2 + o), xv); s3 = madd4(s3, v128.load(a3 + o), xv);
  }
  let d0 = hsum4(s0), d1 = hsum4(s1), d2 = hsum4(s2), d3 = hsum4(s3);
  for (let j = N4; j < N; j++) {
    const o = <usize>j << 2; const xj = <f64>load<f32>(x + o);
    d0 += <f64>load<f32>(a + o) * xj;  d1 += <f64>load<f32>(a1 + o) * xj;
    d2 += <f64>load<f32>(a2 + o) * xj; d3 += <f64>load<f32>(a3 + o) * xj;
  }
  store<f32>(out, <f32>d0); store<f32>(out, <f32>d1, 4); store<f32>(out, <f32>d2, 8); store<f32>(out, <f32>d3, 12);
}

/** e += Σ_q c[q] a_q over 4 f32 rows, all f32. */
// @ts-ignore: decorator
@inline export function axpy4RowsF32(e: usize, a: usize, c: usize, N: i32, rowBytes: usize): void {
  const a1 = a + rowBytes, a2 = a1 + rowBytes, a3 = a2 + rowBytes;
  const c0s = load<f32>(c), c1s = load<f32>(c, 4), c2s = load<f32>(c, 8), c3s = load<f32>(c, 12);
  const c0 = f32x4.splat(c0s), c1 = f32x4.splat(c1s), c2 = f32x4.splat(c2s), c3 = f32x4.splat(c3s);
  const N4 = N & ~3;
  for (let j = 0; j < N4; j += 4) {
    const o = <usize>j << 2;
    let ev = v128.load(e + o);
    ev = madd4(ev, v128.load(a + o), c0);  ev = madd4(ev, v128.load(a1 + o), c1);
    ev = madd4(ev, v128.load(a2 + o), c2); ev = madd4(ev, v128.load(a3 + o), c3);
    v128.store(e + o, ev);
  }
  for (let j = N4; j < N; j++) {
    const o = <usize>j << 2;
    store<f32>(e + o, load<f32>(e + o) + c0s * load<f32>(a + o) + c1s * load<f32>(a1 + o)
      + c2s * load<f32>(a2 + o) + c3s * load<f32>(a3 + o));
  }
}

/**
 * e += Σ_q c[q] a_q over 4 f32 rows, with the 4-row partial sum formed in f32 (c rounded to f32) and added to the
 * f64 accumulator e. Half the arithmetic of axpy4RowsF64; the sum over all rows still accumulates in f64, so the
 * result has a relative error ~1e-7 per entry and no growth with m (the "mixed" adjoint).
 */
// @ts-ignore: decorator
@inline export function axpy4RowsMixed(e: usize, a: usize, c: usize, N: i32, rowBytes: usize): void {
  const a1 = a + rowBytes, a2 = a1 + rowBytes, a3 = a2 + rowBytes;
  const c0s = <f32>load<f64>(c), c1s = <f32>load<f64>(c, 8), c2s = <f32>load<f64>(c, 16), c3s = <f32>load<f64>(c, 24);
  const c0 = f32x4.splat(c0s), c1 = f32x4.splat(c1s), c2 = f32x4.splat(c2s), c3 = f32x4.splat(c3s);
  const N4 = N & ~3;
  for (let j = 0; j < N4; j += 4) {
    const ao = <usize>j << 2, eo = e + (<usize>j << 3);
    let t = f32x4.mul(v128.load(a + ao), c0);
    t = madd4(t, v128.load(a1 + ao), c1); t = madd4(t, v128.load(a2 + ao), c2); t = madd4(t, v128.load(a3 + ao), c3);
    v128.store(eo, f64x2.add(v128.load(eo), f64x2.promote_low_f32x4(t)));
    v128.store(eo, f64x2.add(v128.load(eo, 16), f64x2.promote_low_f32x4(i32x4.shuffle(t, t, 2, 3, 2, 3))), 16);
  }
  for (let j = N4; j < N; j++) {
    const ao = <usize>j << 2, eo = e + (<usize>j << 3);
    store<f64>(eo, load<f64>(eo) + <f64>(c0s * load<f32>(a + ao) + c1s * load<f32>(a1 + ao) + c2s * load<f32>(a2 + ao) + c3s * load<f32>(a3 + ao)));
  }
}
