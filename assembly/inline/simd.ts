// Shared @inline helpers for the kernels. Inlined at every call site, so they cost nothing.

/** Two f32 at `p` (8 bytes, any alignment) promoted to an f64x2. */
// @ts-ignore: decorator
@inline export function loadF32x2AsF64(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Horizontal sum of the two lanes of an f64x2. */
// @ts-ignore: decorator
@inline export function hsum2(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Horizontal sum of the four lanes of an f32x4, accumulated in f64. */
// @ts-ignore: decorator
@inline export function hsum4(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) +
         <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
}

/**
 * acc + a * b on f64x2. The baseline binaries multiply and add; the relaxed-SIMD binaries (built with the
 * relaxed-simd feature, loaded where the engine validates it) use relaxed_madd, a fused multiply–add on CPUs that
 * have one (a single rounding: results differ from the baseline's in the last bits).
 */
// @ts-ignore: decorator
@inline export function madd2(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, acc);
  return f64x2.add(acc, f64x2.mul(a, b));
}

/** acc + a * b on f32x4. */
// @ts-ignore: decorator
@inline export function madd4(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
