// Level-1 helpers on f64 vectors (and f32 ↔ f64 conversion). Any alignment; ragged tails in scalar code.
import { hsum2, madd2, loadF32x2AsF64 } from "./inline/simd";

/** y += a x (length n). @returns y */
export function axpy_f64(y: usize, x: usize, a: f64, n: i32): usize {
  const av = f64x2.splat(a); const n2 = n & ~1;
  for (let j = 0; j < n2; j += 2) { const o = <usize>j << 3; v128.store(y + o, madd2(v128.load(y + o), v128.load(x + o), av)); }
  if (n2 < n) { const o = <usize>n2 << 3; store<f64>(y + o, load<f64>(y + o) + a * load<f64>(x + o)); }
  return y;
}

/** x *= a (length n). @returns x */
export function scal_f64(x: usize, a: f64, n: i32): usize {
  const av = f64x2.splat(a); const n2 = n & ~1;
  for (let j = 0; j < n2; j += 2) { const o = <usize>j << 3; v128.store(x + o, f64x2.mul(v128.load(x + o), av)); }
  if (n2 < n) { const o = <usize>n2 << 3; store<f64>(x + o, load<f64>(x + o) * a); }
  return x;
}

/** out = x + y (out may alias x or y). @returns out */
export function add_f64(out: usize, x: usize, y: usize, n: i32): usize {
  const n2 = n & ~1;
  for (let j = 0; j < n2; j += 2) { const o = <usize>j << 3; v128.store(out + o, f64x2.add(v128.load(x + o), v128.load(y + o))); }
  if (n2 < n) { const o = <usize>n2 << 3; store<f64>(out + o, load<f64>(x + o) + load<f64>(y + o)); }
  return out;
}

/** x[0..n) = v. @returns x */
export function fill_f64(x: usize, v: f64, n: i32): usize {
  const vv = f64x2.splat(v); const n2 = n & ~1;
  for (let j = 0; j < n2; j += 2) v128.store(x + (<usize>j << 3), vv);
  if (n2 < n) store<f64>(x + (<usize>n2 << 3), v);
  return x;
}

/** Σ x_j y_j. */
export function dot_f64(x: usize, y: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0); const n4 = n & ~3;
  for (let j = 0; j < n4; j += 4) {
    const o = <usize>j << 3;
    s0 = madd2(s0, v128.load(x + o), v128.load(y + o)); s1 = madd2(s1, v128.load(x + o, 16), v128.load(y + o, 16));
  }
  let d = hsum2(f64x2.add(s0, s1));
  for (let j = n4; j < n; j++) d += load<f64>(x + (<usize>j << 3)) * load<f64>(y + (<usize>j << 3));
  return d;
}

/** Σ (x_j − y_j)². */
export function sqdist_f64(x: usize, y: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0); const n4 = n & ~3;
  for (let j = 0; j < n4; j += 4) {
    const o = <usize>j << 3;
    const d0 = f64x2.sub(v128.load(x + o), v128.load(y + o)), d1 = f64x2.sub(v128.load(x + o, 16), v128.load(y + o, 16));
    s0 = madd2(s0, d0, d0); s1 = madd2(s1, d1, d1);
  }
  let d = hsum2(f64x2.add(s0, s1));
  for (let j = n4; j < n; j++) { const t = load<f64>(x + (<usize>j << 3)) - load<f64>(y + (<usize>j << 3)); d += t * t; }
  return d;
}

/** out[j] = f32(x[j]). @returns out */
export function cvt_f64_to_f32(out: usize, x: usize, n: i32): usize {
  const n4 = n & ~3;
  for (let j = 0; j < n4; j += 4) {
    const o = <usize>j << 3;
    const lo = f32x4.demote_f64x2_zero(v128.load(x + o)), hi = f32x4.demote_f64x2_zero(v128.load(x + o, 16));
    v128.store(out + (<usize>j << 2), i64x2.shuffle(lo, hi, 0, 2));
  }
  for (let j = n4; j < n; j++) store<f32>(out + (<usize>j << 2), <f32>load<f64>(x + (<usize>j << 3)));
  return out;
}

/** out[j] = f64(x[j]). @returns out */
export function cvt_f32_to_f64(out: usize, x: usize, n: i32): usize {
  const n2 = n & ~1;
  for (let j = 0; j < n2; j += 2) v128.store(out + (<usize>j << 3), loadF32x2AsF64(x + (<usize>j << 2)));
  if (n2 < n) store<f64>(out + (<usize>n2 << 3), <f64>load<f32>(x + (<usize>n2 << 2)));
  return out;
}

/** Sum of n f32 (f32x4 lanes, 4 independent accumulators): one streaming read, used to measure bandwidth. */
export function stream_sum_f32(x: usize, n: i32): f64 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  const n16 = n & ~15;
  for (let j = 0; j < n16; j += 16) {
    const o = x + (<usize>j << 2);
    s0 = f32x4.add(s0, v128.load(o)); s1 = f32x4.add(s1, v128.load(o, 16));
    s2 = f32x4.add(s2, v128.load(o, 32)); s3 = f32x4.add(s3, v128.load(o, 48));
  }
  const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
  let d = <f64>f32x4.extract_lane(s, 0) + <f64>f32x4.extract_lane(s, 1) + <f64>f32x4.extract_lane(s, 2) + <f64>f32x4.extract_lane(s, 3);
  for (let j = n16; j < n; j++) d += <f64>load<f32>(x + (<usize>j << 2));
  return d;
}
