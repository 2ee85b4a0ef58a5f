// Matrix completion in factor form (docs/theory.md §10): observed entries Ω = {(u_i, v_i)}, stored as i32 pairs in
// pass order (blocks of rows, each sorted by column: the block's rows of F stay in cache while G's are walked in
// order), A_i = w e_u e_vᵀ. One pass over Ω gathers the rows F[u] and G[v], forms the residual and scatters its
// gradient contributions at once while the rows are in cache.
// Symmetric completion stores each pair u ≤ v once: A_i = w (e_u e_vᵀ + e_v e_uᵀ) for u < v, wd e_u e_uᵀ for u = v.
import { hsum2, hsum4, madd2, madd4 } from "./inline/simd";

/**
 * ⟨x, y⟩ of two f64 rows of length k (f64x2 lanes, scalar tail). The loops here bump their row pointers instead of
 * indexing from the row start: fewer address computations per entry.
 */
// @ts-ignore: decorator
@inline function dotRow(x: usize, y: usize, k: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  const xe = x + (<usize>(k & ~3) << 3), end = x + (<usize>k << 3);
  for (; x < xe; x += 32, y += 32) {
    s0 = madd2(s0, v128.load(x), v128.load(y));
    s1 = madd2(s1, v128.load(x, 16), v128.load(y, 16));
  }
  let d = hsum2(f64x2.add(s0, s1));
  for (; x < end; x += 8, y += 8) d += load<f64>(x) * load<f64>(y);
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
 * first). No alignment needed; any k ≥ 1. Entry by entry, any kind; the hot case of a pass runs on packed rows
 * ({@link completion_pass_packed}).
 * @returns Σ r_i²
 */
export function completion_pass_f64(EG: usize, EtF: usize, r: usize, idx: usize, count: i32, F: usize, G: usize, k: i32,
  w: f64, wd: f64, b: usize, sym: i32, given: i32): f64 {
  return passGeneral<f64>(EG, EtF, r, idx, count, F, G, F, G, k, w, wd, b, sym, given, false);
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
  return dot32 != 0 ? passGeneral<f32>(EG32, EtF32, r, idx, count, F, G, F32, G32, k, w, wd, b, sym, given, true)
                    : passGeneral<f32>(EG32, EtF32, r, idx, count, F, G, F32, G32, k, w, wd, b, sym, given, false);
}

// Packed rows (completion_pack_rows, completion_pass_packed): chunks of four columns, by precision code —
// 0 ('f64'): [f64 factor (32 bytes) | f64 accumulator (32)]; 1 ('mixed'): [f64 factor (32) | f32 factor (16) | f32
// accumulator (16)]; 2 ('f32'): [f32 factor (16) | f32 accumulator (16)].

/** Bytes of one packed chunk of four columns. */
// @ts-ignore: decorator
@inline function chunkBytes(prec: i32): usize { return prec == 2 ? 32 : 64; }

/**
 * Packed rows for {@link completion_pass_packed}: row i of A (f64, n × k row-major) as ⌈k/4⌉ chunks of four columns in
 * the layout of precision `prec` (0 'f64', 1 'mixed', 2 'f32'; above), the accumulators zero and the columns past k
 * zero.
 * @returns P
 */
export function completion_pack_rows(P: usize, A: usize, n: i32, k: i32, prec: i32): usize {
  const kc = (k + 3) >> 2, cb = chunkBytes(prec), k4 = k & ~3;
  const zero = i32x4.splat(0);
  let p = P;
  for (let i = 0; i < n; i++) {
    const a = A + <usize>i * (<usize>k << 3);
    for (let c = 0; c < kc; c++, p += cb) {
      const j = c << 2;
      let lo: v128, hi: v128;
      if (j < k4) {
        lo = v128.load(a + (<usize>j << 3)); hi = v128.load(a + (<usize>j << 3), 16);
      } else { // the ragged last chunk: the columns past k are zero
        const q = a + (<usize>j << 3), t0 = load<f64>(q);
        let t1: f64 = 0, t2: f64 = 0;
        if (j + 1 < k) t1 = load<f64>(q, 8);
        if (j + 2 < k) t2 = load<f64>(q, 16);
        lo = f64x2.replace_lane(f64x2.splat(t0), 1, t1); hi = f64x2.replace_lane(f64x2.splat(t2), 1, 0);
      }
      if (prec == 0) {
        v128.store(p, lo); v128.store(p, hi, 16); v128.store(p, zero, 32); v128.store(p, zero, 48);
        continue;
      }
      const f32 = v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
      if (prec == 1) {
        v128.store(p, lo); v128.store(p, hi, 16); v128.store(p, f32, 32); v128.store(p, zero, 48);
      } else {
        v128.store(p, f32); v128.store(p, zero, 16);
      }
    }
  }
  return P;
}

/** out (n × k f64, overwritten) = the accumulators of rows packed by {@link completion_pack_rows}. @returns out */
export function completion_unpack_grad(out: usize, P: usize, n: i32, k: i32, prec: i32): usize {
  const cb = chunkBytes(prec), at: usize = prec == 0 ? 32 : prec == 1 ? 48 : 16, k4 = k & ~3;
  let p = P + at, o = out;
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (; j < k4; j += 4, p += cb, o += 32) {
      const g = v128.load(p);
      if (prec == 0) {
        v128.store(o, g); v128.store(o, v128.load(p, 16), 16);
      } else {
        v128.store(o, f64x2.promote_low_f32x4(g));
        v128.store(o, f64x2.promote_low_f32x4(v128.shuffle<i32>(g, g, 2, 3, 2, 3)), 16);
      }
    }
    if (j < k) {
      for (let l = 0; j < k; j++, l++, o += 8) store<f64>(o, prec == 0 ? load<f64>(p + (<usize>l << 3)) : <f64>load<f32>(p + (<usize>l << 2)));
      p += cb;
    }
  }
  return out;
}

/**
 * The hot cases of a completion pass on packed rows ({@link completion_pack_rows}, precision `prec`), residuals computed:
 * - an asymmetric operator (`sym` = 0), both products: PU holds F's rows (n1 × ⌈k/4⌉ chunks) with E·G's accumulators,
 *   PV holds G's with Eᵀ·F's;
 * - a symmetric operator (pairs u ≤ v, weights w and wd on the diagonal) and the symmetric model X Xᵀ (`sym` ≠ 0):
 *   PU = PV holds X's rows with E·X's accumulators; r_i = w·2⟨X_u, X_v⟩ − b_i (wd·⟨X_u, X_u⟩ − b_i on the
 *   diagonal), then E·X[u] += c X_v and E·X[v] += c X_u (once on the diagonal), as completion_pass_f64 with G = F.
 * The residual comes from the f64 rows ('f64', 'mixed': summed in the order of completion_pass_f64) or the f32 ones
 * ('f32'); the accumulators are f64 ('f64') or f32 (c = weight·r_i rounded to f32).
 * The pass is bound by instruction throughput, so two things cut instructions per entry:
 * - one chunk of four columns carries everything an entry reads or writes there, so each row is one pointer and every
 *   access a constant offset from it (separate arrays: ~10 % more time);
 * - two consecutive entries of one column (pass order sorts each row block by column) go together, loading G's row and
 *   Eᵀ·F's accumulator once for both (one at a time: ~17 % more time). The sums are the same, in the same order.
 * @returns Σ r_i²
 */
export function completion_pass_packed(PU: usize, PV: usize, r: usize, idx: usize, count: i32, k: i32, w: f64, wd: f64, b: usize,
  prec: i32, sym: i32): f64 {
  if (sym != 0) return passPackedSymmetric(PU, r, idx, count, k, w, wd, b, prec);
  if (prec == 0) return passPacked<f64>(PU, PV, r, idx, count, k, w, wd, b, 0, 32, false, false);
  return prec == 2 ? passPacked<f32>(PU, PV, r, idx, count, k, w, wd, b, 0, 16, true, false)
                   : passPacked<f32>(PU, PV, r, idx, count, k, w, wd, b, 32, 48, false, false);
}

/** The symmetric case in a function of its own, so that the asymmetric loops compile as they would alone. */
function passPackedSymmetric(P: usize, r: usize, idx: usize, count: i32, k: i32, w: f64, wd: f64, b: usize, prec: i32): f64 {
  if (prec == 0) return passPacked<f64>(P, P, r, idx, count, k, w, wd, b, 0, 32, false, true);
  return prec == 2 ? passPacked<f32>(P, P, r, idx, count, k, w, wd, b, 0, 16, true, true)
                   : passPacked<f32>(P, P, r, idx, count, k, w, wd, b, 32, 48, false, true);
}

/**
 * completion_pass_packed with accumulators of type T: the factor's copy in T at byte `atX` of each chunk, the
 * accumulator at `atG`; the residual from f32 lanes at 0 (`dot32`) or f64 lanes at 0. `sym`: the symmetric case
 * (PU = PV; both entries of a pair off the diagonal; the sum ⟨X_u, X_v⟩ + ⟨X_v, X_u⟩ of completion_pass_f64 is the one
 * dot product doubled, exactly).
 */
// @ts-ignore: decorator
@inline function passPacked<T>(PU: usize, PV: usize, r: usize, idx: usize, count: i32, k: i32, w: f64, wd: f64, b: usize, atX: usize,
  atG: usize, dot32: bool, sym: bool): f64 {
  const cb: usize = dot32 ? 32 : 64;
  const rowB = <usize>((k + 3) >> 2) * cb;
  let ss: f64 = 0;
  const end = idx + (<usize>count << 3), last = end - 8;
  let e = idx, rp = r, bp = b;
  while (e < end) {
    const v = load<i32>(e, 4);
    const pu = PU + <usize>load<i32>(e) * rowB, pv = PV + <usize>v * rowB, pe = pu + rowB;
    if (e < last && load<i32>(e, 12) == v && (!sym || (pu != pv && load<i32>(e, 8) != v))) {
      const pu2 = PU + <usize>load<i32>(e, 8) * rowB;
      let d = dotPacked2(pu, pu2, pv, pe, cb, dot32);
      if (sym) d = f64x2.add(d, d);
      const ri = w * f64x2.extract_lane(d, 0) - load<f64>(bp), ri2 = w * f64x2.extract_lane(d, 1) - load<f64>(bp, 8);
      store<f64>(rp, ri); store<f64>(rp, ri2, 8);
      ss += ri * ri; ss += ri2 * ri2;
      if (sizeof<T>() == 8) {
        const cv = f64x2.splat(w * ri), cv2 = f64x2.splat(w * ri2);
        for (let x = pu, z = pu2, y = pv; x < pe; x += cb, y += cb, z += cb) {
          const g0 = v128.load(y), g1 = v128.load(y, 16);
          v128.store(x + atG, madd2(v128.load(x + atG), g0, cv)); v128.store(x + atG, madd2(v128.load(x + atG, 16), g1, cv), 16);
          v128.store(z + atG, madd2(v128.load(z + atG), g0, cv2)); v128.store(z + atG, madd2(v128.load(z + atG, 16), g1, cv2), 16);
          v128.store(y + atG, madd2(madd2(v128.load(y + atG), v128.load(x), cv), v128.load(z), cv2));
          v128.store(y + atG, madd2(madd2(v128.load(y + atG, 16), v128.load(x, 16), cv), v128.load(z, 16), cv2), 16);
        }
      } else {
        const cv = f32x4.splat(<f32>(w * ri)), cv2 = f32x4.splat(<f32>(w * ri2));
        for (let x = pu, z = pu2, y = pv; x < pe; x += cb, y += cb, z += cb) {
          const g = v128.load(y + atX);
          v128.store(x + atG, madd4(v128.load(x + atG), g, cv));
          v128.store(z + atG, madd4(v128.load(z + atG), g, cv2));
          v128.store(y + atG, madd4(madd4(v128.load(y + atG), v128.load(x + atX), cv), v128.load(z + atX), cv2));
        }
      }
      e += 16; rp += 16; bp += 16;
    } else if (sym && pu == pv) { // a diagonal entry of the symmetric case: weight wd, one dot product, one row update
      const ri = wd * dotPacked(pu, pu, pe, cb, dot32) - load<f64>(bp);
      store<f64>(rp, ri);
      ss += ri * ri;
      if (sizeof<T>() == 8) {
        const cv = f64x2.splat(wd * ri);
        for (let x = pu; x < pe; x += cb) {
          v128.store(x + atG, madd2(v128.load(x + atG), v128.load(x), cv));
          v128.store(x + atG, madd2(v128.load(x + atG, 16), v128.load(x, 16), cv), 16);
        }
      } else {
        const cv = f32x4.splat(<f32>(wd * ri));
        for (let x = pu; x < pe; x += cb) v128.store(x + atG, madd4(v128.load(x + atG), v128.load(x + atX), cv));
      }
      e += 8; rp += 8; bp += 8;
    } else {
      const d = dotPacked(pu, pv, pe, cb, dot32);
      const ri = w * (sym ? d + d : d) - load<f64>(bp);
      store<f64>(rp, ri);
      ss += ri * ri;
      if (sizeof<T>() == 8) {
        const cv = f64x2.splat(w * ri);
        for (let x = pu, y = pv; x < pe; x += cb, y += cb) {
          v128.store(x + atG, madd2(v128.load(x + atG), v128.load(y), cv));
          v128.store(x + atG, madd2(v128.load(x + atG, 16), v128.load(y, 16), cv), 16);
          v128.store(y + atG, madd2(v128.load(y + atG), v128.load(x), cv));
          v128.store(y + atG, madd2(v128.load(y + atG, 16), v128.load(x, 16), cv), 16);
        }
      } else {
        const cv = f32x4.splat(<f32>(w * ri));
        for (let x = pu, y = pv; x < pe; x += cb, y += cb) {
          v128.store(x + atG, madd4(v128.load(x + atG), v128.load(y + atX), cv));
          v128.store(y + atG, madd4(v128.load(y + atG), v128.load(x + atX), cv));
        }
      }
      e += 8; rp += 8; bp += 8;
    }
  }
  return ss;
}

/** ⟨row at x, row at y⟩ of packed rows (x up to xe): f64 lanes as dotRow, or f32 lanes added in f64 (`dot32`). */
// @ts-ignore: decorator
@inline function dotPacked(x: usize, y: usize, xe: usize, cb: usize, dot32: bool): f64 {
  if (dot32) {
    let s = f32x4.splat(0);
    for (; x < xe; x += cb, y += cb) s = madd4(s, v128.load(x), v128.load(y));
    return hsum4(s);
  }
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  for (; x < xe; x += cb, y += cb) {
    s0 = madd2(s0, v128.load(x), v128.load(y));
    s1 = madd2(s1, v128.load(x, 16), v128.load(y, 16));
  }
  return hsum2(f64x2.add(s0, s1));
}

/** (⟨x, y⟩, ⟨z, y⟩) of packed rows in one sweep over y, each sum as {@link dotPacked}'s. */
// @ts-ignore: decorator
@inline function dotPacked2(x: usize, z: usize, y: usize, xe: usize, cb: usize, dot32: bool): v128 {
  if (dot32) {
    let s = f32x4.splat(0), t = f32x4.splat(0);
    for (; x < xe; x += cb, y += cb, z += cb) {
      const yy = v128.load(y);
      s = madd4(s, v128.load(x), yy); t = madd4(t, v128.load(z), yy);
    }
    return f64x2.replace_lane(f64x2.splat(hsum4(s)), 1, hsum4(t));
  }
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), t0 = f64x2.splat(0), t1 = f64x2.splat(0);
  for (; x < xe; x += cb, y += cb, z += cb) {
    const y0 = v128.load(y), y1 = v128.load(y, 16);
    s0 = madd2(s0, v128.load(x), y0); s1 = madd2(s1, v128.load(x, 16), y1);
    t0 = madd2(t0, v128.load(z), y0); t1 = madd2(t1, v128.load(z, 16), y1);
  }
  // lane 0: hsum2(s0 + s1), lane 1: hsum2(t0 + t1)
  const s = f64x2.add(s0, s1), t = f64x2.add(t0, t1);
  return f64x2.add(v128.shuffle<f64>(s, t, 0, 2), v128.shuffle<f64>(s, t, 1, 3));
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
