// Matrix completion in factor form (docs/theory.md §10): observed entries Ω = {(u_i, v_i)}, stored
// as i32 pairs sorted by u (so F's rows are reused), A_i = w e_u e_vᵀ. One pass over Ω gathers the rows F[u] and
// G[v], forms the residual and scatters its gradient contributions at once while the rows are in cache.
// Symmetric completion stores each pair u ≤ v once: A_i = w (e_u e_vᵀ + e_v e_uᵀ) for u < v, wd e_u e_uᵀ for u = v.
import { hsum2, hsum4, madd2, madd4 } from "./inline/simd";

/** ⟨x, y⟩ of two f64 rows of length k (f64x2 lanes, scalar tail). */
// @ts-ignore: decorator
@inline function dotRow(x: usize, y: usize, k: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  const k4 = k & ~3;
  let j = 0;
  for (; j < k4; j += 4) {
    const o = <usize>j << 3;
    s0 = madd2(s0, v128.load(x + o), v128.load(y + o));
    s1 = madd2(s1, v128.load(x + o, 16), v128.load(y + o, 16));
  }
  let d = hsum2(f64x2.add(s0, s1));
  for (; j < k; j++) d += load<f64>(x + (<usize>j << 3)) * load<f64>(y + (<usize>j << 3));
  return d;
}

/** out[0..k) += c · x[0..k) (f64x2 lanes, scalar tail). */
// @ts-ignore: decorator
@inline function axpyRow(out: usize, x: usize, c: f64, k: i32): void {
  const cv = f64x2.splat(c);
  const k2 = k & ~1;
  let j = 0;
  for (; j < k2; j += 2) {
    const o = <usize>j << 3;
    v128.store(out + o, madd2(v128.load(out + o), v128.load(x + o), cv));
  }
  if (j < k) { const o = <usize>j << 3; store<f64>(out + o, load<f64>(out + o) + c * load<f64>(x + o)); }
}

/** ⟨x, y⟩ of two f32 rows of length k: f32x4 products and sums, the lanes added in f64. */
// @ts-ignore: decorator
@inline function dotRowF32(x: usize, y: usize, k: i32): f64 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  const k8 = k & ~7;
  let j = 0;
  for (; j < k8; j += 8) {
    const o = <usize>j << 2;
    s0 = madd4(s0, v128.load(x + o), v128.load(y + o));
    s1 = madd4(s1, v128.load(x + o, 16), v128.load(y + o, 16));
  }
  if (j + 4 <= k) { const o = <usize>j << 2; s0 = madd4(s0, v128.load(x + o), v128.load(y + o)); j += 4; }
  let d = hsum4(f32x4.add(s0, s1));
  for (; j < k; j++) d += <f64>(load<f32>(x + (<usize>j << 2)) * load<f32>(y + (<usize>j << 2)));
  return d;
}

/** out[0..k) += c · x[0..k) on f32 rows (f32x4 lanes, scalar tail). */
// @ts-ignore: decorator
@inline function axpyRowF32(out: usize, x: usize, c: f32, k: i32): void {
  const cv = f32x4.splat(c);
  const k4 = k & ~3;
  let j = 0;
  for (; j < k4; j += 4) {
    const o = <usize>j << 2;
    v128.store(out + o, madd4(v128.load(out + o), v128.load(x + o), cv));
  }
  for (; j < k; j++) { const o = <usize>j << 2; store<f32>(out + o, load<f32>(out + o) + c * load<f32>(x + o)); }
}

/** out[0..k) += c · x[0..k) on rows of T (f64, or f32 with c rounded to f32). */
// @ts-ignore: decorator
@inline function axpyRowT<T>(out: usize, x: usize, c: f64, k: i32): void {
  if (sizeof<T>() == 8) axpyRow(out, x, c, k);
  else axpyRowF32(out, x, <f32>c, k);
}

/**
 * For the `count` entries at `idx` (i32 pairs (u, v)): r_i = w·(⟨F[u], G[v]⟩ + s⟨F[v], G[u]⟩) − b_i (s = 1 when `sym`
 * and u ≠ v; a diagonal entry of a symmetric operator uses wd instead of w and s = 0), written to r; then, when EG
 * (EtF) is not 0, its gradient contribution c = weight · r_i: EG[u] += c G[v] (and EG[v] += c G[u] when s),
 * EtF[v] += c F[u] (and EtF[u] += c F[v] when s). `given` ≠ 0: r is an input (the residual is not recomputed and b is
 * not read). F (n1 × k), G (n2 × k), EG (n1 × k), EtF (n2 × k) are f64 row-major; EG and EtF accumulate (zero them
 * first). No alignment needed; any k ≥ 1.
 * @returns Σ r_i²
 */
export function completion_pass_f64(EG: usize, EtF: usize, r: usize, idx: usize, count: i32, F: usize, G: usize, k: i32,
  w: f64, wd: f64, b: usize, sym: i32, given: i32): f64 {
  if (sym == 0 && given == 0 && EG != 0 && EtF != 0) return passAsymmetricF64(EG, EtF, r, idx, count, F, G, k, w, b);
  return passGeneral<f64>(EG, EtF, r, idx, count, F, G, F, G, k, w, wd, b, sym, given, false);
}

/** The f64 hot loop as a function of its own: compiled apart from the general loop, it runs ~5 % faster. */
function passAsymmetricF64(EG: usize, EtF: usize, r: usize, idx: usize, count: i32, F: usize, G: usize, k: i32, w: f64, b: usize): f64 {
  return passAsymmetric<f64>(EG, EtF, r, idx, count, F, G, F, G, k, w, b, false);
}

/**
 * completion_pass_f64 with the gradient rows in f32 (precisions 'mixed' and 'f32'): the residual r_i from the f64 rows
 * F[u], G[v] (`dot32` = 0: exact residuals) or from their f32 copies F32, G32 (`dot32` ≠ 0), stored in f64; then
 * EG32[u] += c G32[v], EtF32[v] += c F32[u] (c = weight · r_i in f32) on f32 rows — four lanes to f64's two, and
 * an error of ~1e-7 relative to the contributions, which shrink with the residuals, so it does not limit the
 * attainable accuracy of 'mixed'. EG32 and EtF32 (n1 × k, n2 × k f32) accumulate (zero them first); F and G are not
 * read when `dot32` ≠ 0, and neither is needed when `given` ≠ 0. Otherwise the conventions of completion_pass_f64.
 * @returns Σ r_i²
 */
export function completion_pass_f32grad(EG32: usize, EtF32: usize, r: usize, idx: usize, count: i32, F: usize, G: usize,
  F32: usize, G32: usize, k: i32, w: f64, wd: f64, b: usize, sym: i32, given: i32, dot32: i32): f64 {
  if (sym == 0 && given == 0 && EG32 != 0 && EtF32 != 0) {
    return dot32 != 0 ? passAsymmetric<f32>(EG32, EtF32, r, idx, count, F, G, F32, G32, k, w, b, true)
                      : passAsymmetric<f32>(EG32, EtF32, r, idx, count, F, G, F32, G32, k, w, b, false);
  }
  return dot32 != 0 ? passGeneral<f32>(EG32, EtF32, r, idx, count, F, G, F32, G32, k, w, wd, b, sym, given, true)
                    : passGeneral<f32>(EG32, EtF32, r, idx, count, F, G, F32, G32, k, w, wd, b, sym, given, false);
}

/**
 * Either pass entry by entry, any kind: the residual from the f64 rows of F and G (or, `dot32`, from the rows of Fx and
 * Gx), the gradient rows of type T accumulated into EGx and EtFx from the rows of Fx and Gx (F and G themselves when
 * T is f64).
 */
// @ts-ignore: decorator
@inline function passGeneral<T>(EGx: usize, EtFx: usize, r: usize, idx: usize, count: i32, F: usize, G: usize, Fx: usize,
  Gx: usize, k: i32, w: f64, wd: f64, b: usize, sym: i32, given: i32, dot32: bool): f64 {
  const row = <usize>k << 3, rowx = <usize>k << (sizeof<T>() == 8 ? 3 : 2);
  let ss: f64 = 0;
  for (let i = 0; i < count; i++) {
    const e = idx + (<usize>i << 3);
    const u = <usize>load<i32>(e), v = <usize>load<i32>(e, 4);
    const both = sym != 0 && u != v;
    const wt = sym != 0 && u == v ? wd : w;
    let ri: f64;
    if (given != 0) {
      ri = load<f64>(r + (<usize>i << 3));
    } else {
      let d: f64;
      if (dot32) {
        d = dotRowF32(Fx + u * rowx, Gx + v * rowx, k);
        if (both) d += dotRowF32(Fx + v * rowx, Gx + u * rowx, k);
      } else {
        d = dotRow(F + u * row, G + v * row, k);
        if (both) d += dotRow(F + v * row, G + u * row, k);
      }
      ri = wt * d - load<f64>(b + (<usize>i << 3));
      store<f64>(r + (<usize>i << 3), ri);
    }
    ss += ri * ri;
    const c = wt * ri;
    if (EGx != 0) {
      axpyRowT<T>(EGx + u * rowx, Gx + v * rowx, c, k);
      if (both) axpyRowT<T>(EGx + v * rowx, Gx + u * rowx, c, k);
    }
    if (EtFx != 0) {
      axpyRowT<T>(EtFx + v * rowx, Fx + u * rowx, c, k);
      if (both) axpyRowT<T>(EtFx + u * rowx, Fx + v * rowx, c, k);
    }
  }
  return ss;
}

/**
 * The hot case (asymmetric, residuals computed, both products wanted) without the per-entry branches of passGeneral,
 * the two gradient rows updated in one sweep. Rows of T as in passGeneral; `dot32` a constant.
 */
// @ts-ignore: decorator
@inline function passAsymmetric<T>(EGx: usize, EtFx: usize, r: usize, idx: usize, count: i32, F: usize, G: usize, Fx: usize,
  Gx: usize, k: i32, w: f64, b: usize, dot32: bool): f64 {
  const row = <usize>k << 3, rowx = <usize>k << (sizeof<T>() == 8 ? 3 : 2), lanes = 16 / <i32>sizeof<T>(), kv = k & ~(lanes - 1);
  let ss: f64 = 0;
  for (let i = 0; i < count; i++) {
    const e = idx + (<usize>i << 3);
    const u = <usize>load<i32>(e), v = <usize>load<i32>(e, 4);
    const fu = Fx + u * rowx, gv = Gx + v * rowx;
    // f64 rows: the gradient's rows are the residual's (one address computation)
    const d = dot32 ? dotRowF32(fu, gv, k) : sizeof<T>() == 8 ? dotRow(fu, gv, k) : dotRow(F + u * row, G + v * row, k);
    const ri = w * d - load<f64>(b + (<usize>i << 3));
    store<f64>(r + (<usize>i << 3), ri);
    ss += ri * ri;
    const c = <T>(w * ri);
    const eg = EGx + u * rowx, etf = EtFx + v * rowx;
    let j = 0;
    if (sizeof<T>() == 8) {
      const cv = f64x2.splat(<f64>c);
      for (; j < kv; j += 2) {
        const o = <usize>j << 3;
        v128.store(eg + o, madd2(v128.load(eg + o), v128.load(gv + o), cv));
        v128.store(etf + o, madd2(v128.load(etf + o), v128.load(fu + o), cv));
      }
    } else {
      const cv = f32x4.splat(<f32>c);
      for (; j < kv; j += 4) {
        const o = <usize>j << 2;
        v128.store(eg + o, madd4(v128.load(eg + o), v128.load(gv + o), cv));
        v128.store(etf + o, madd4(v128.load(etf + o), v128.load(fu + o), cv));
      }
    }
    for (; j < k; j++) {
      const o = <usize>j * sizeof<T>();
      store<T>(eg + o, load<T>(eg + o) + c * load<T>(gv + o));
      store<T>(etf + o, load<T>(etf + o) + c * load<T>(fu + o));
    }
  }
  return ss;
}

/**
 * Back projection products without forming A*(r): out (n1, length n1) = A*(r)·x for x of length n2 (`transpose` = 0),
 * or out (n2) = A*(r)ᵀ·x for x of length n1 (`transpose` ≠ 0), accumulated into out (zero it first). Same entry
 * conventions as completion_pass_f64.
 * @returns out
 */
export function completion_matvec_f64(out: usize, idx: usize, count: i32, r: usize, x: usize, w: f64, wd: f64, sym: i32, transpose: i32): usize {
  for (let i = 0; i < count; i++) {
    const e = idx + (<usize>i << 3);
    let u = <usize>load<i32>(e), v = <usize>load<i32>(e, 4);
    const both = sym != 0 && u != v;
    const c = (sym != 0 && u == v ? wd : w) * load<f64>(r + (<usize>i << 3));
    if (transpose != 0) { const t = u; u = v; v = t; }
    store<f64>(out + (u << 3), load<f64>(out + (u << 3)) + c * load<f64>(x + (v << 3)));
    if (both) store<f64>(out + (v << 3), load<f64>(out + (v << 3)) + c * load<f64>(x + (u << 3)));
  }
  return out;
}
