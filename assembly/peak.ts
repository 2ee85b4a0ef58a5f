// Calibration: the attainable rate of SIMD multiply–adds on this engine and CPU (no memory traffic), so that
// benchmarks can report a kernel's achieved GFLOP/s as a fraction of what the machine can do. Twelve independent
// chains of acc = acc·x + c hide the latency of the multiply–add (separate multiply and add in the baseline
// binaries, relaxed_madd in the relaxed-SIMD ones: see inline/simd.ts).
import { madd2, madd4 } from "./inline/simd";

/** `iters` rounds of 12 f32x4 multiply–adds (96 flops a round); returns a sum so the work cannot be elided. */
export function simd_peak_f32(iters: i32): f32 {
  const x = f32x4.splat(0.9999999), c = f32x4.splat(1e-7);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4);
  let a4 = f32x4.splat(5), a5 = f32x4.splat(6), a6 = f32x4.splat(7), a7 = f32x4.splat(8);
  let a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12);
  for (let i = 0; i < iters; i++) {
    a0 = madd4(c, a0, x); a1 = madd4(c, a1, x);
    a2 = madd4(c, a2, x); a3 = madd4(c, a3, x);
    a4 = madd4(c, a4, x); a5 = madd4(c, a5, x);
    a6 = madd4(c, a6, x); a7 = madd4(c, a7, x);
    a8 = madd4(c, a8, x); a9 = madd4(c, a9, x);
    a10 = madd4(c, a10, x); a11 = madd4(c, a11, x);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
}

/** `iters` rounds of 12 f64x2 multiply–adds (48 flops a round); returns a sum so the work cannot be elided. */
export function simd_peak_f64(iters: i32): f64 {
  const x = f64x2.splat(0.9999999), c = f64x2.splat(1e-7);
  let a0 = f64x2.splat(1), a1 = f64x2.splat(2), a2 = f64x2.splat(3), a3 = f64x2.splat(4);
  let a4 = f64x2.splat(5), a5 = f64x2.splat(6), a6 = f64x2.splat(7), a7 = f64x2.splat(8);
  let a8 = f64x2.splat(9), a9 = f64x2.splat(10), a10 = f64x2.splat(11), a11 = f64x2.splat(12);
  for (let i = 0; i < iters; i++) {
    a0 = madd2(c, a0, x); a1 = madd2(c, a1, x);
    a2 = madd2(c, a2, x); a3 = madd2(c, a3, x);
    a4 = madd2(c, a4, x); a5 = madd2(c, a5, x);
    a6 = madd2(c, a6, x); a7 = madd2(c, a7, x);
    a8 = madd2(c, a8, x); a9 = madd2(c, a9, x);
    a10 = madd2(c, a10, x); a11 = madd2(c, a11, x);
  }
  const s = f64x2.add(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)), f64x2.add(f64x2.add(a4, a5), f64x2.add(a6, a7)));
  const t = f64x2.add(s, f64x2.add(f64x2.add(a8, a9), f64x2.add(a10, a11)));
  return f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
}
