// B fused residual/adjoint passes over one operator (docs/theory.md §8, "many runs over one operator"): for each block of
// 4 rows of A (which then stays in cache), every trajectory's 4 residuals and its contribution to its adjoint.
// A is read from memory once for all B trajectories: the B matrix–vector products become one matrix–matrix pass.
import { dot4RowsF64, dot1RowF64, axpy4RowsF64, axpy4RowsMixed, axpy1RowF64 } from "./inline/rows";
import { hsum2, madd2, loadF32x2AsF64 } from "./inline/simd";

/**
 * Dot products of 4 consecutive f32 rows at `a` with two f64 vectors x0, x1 (length N), f64 accumulation: each
 * converted pair of A entries serves both trajectories (8 accumulators, 14 live v128 registers). Results to
 * out0[0..3] and out1[0..3].
 */
// @ts-ignore: decorator
@inline function dot4Rows2F64(out0: usize, out1: usize, a: usize, x0: usize, x1: usize, N: i32, rowBytes: usize): void {
  const a1 = a + rowBytes, a2 = a1 + rowBytes, a3 = a2 + rowBytes;
  let p0 = f64x2.splat(0), p1 = f64x2.splat(0), p2 = f64x2.splat(0), p3 = f64x2.splat(0);
  let q0 = f64x2.splat(0), q1 = f64x2.splat(0), q2 = f64x2.splat(0), q3 = f64x2.splat(0);
  const N2 = N & ~1;
  for (let j = 0; j < N2; j += 2) {
    const ao = <usize>j << 2, xo = <usize>j << 3;
    const xa = v128.load(x0 + xo), xb = v128.load(x1 + xo);
    const v0 = loadF32x2AsF64(a + ao), v1 = loadF32x2AsF64(a1 + ao);
    p0 = madd2(p0, v0, xa); q0 = madd2(q0, v0, xb); p1 = madd2(p1, v1, xa); q1 = madd2(q1, v1, xb);
    const v2 = loadF32x2AsF64(a2 + ao), v3 = loadF32x2AsF64(a3 + ao);
    p2 = madd2(p2, v2, xa); q2 = madd2(q2, v2, xb); p3 = madd2(p3, v3, xa); q3 = madd2(q3, v3, xb);
  }
  let d0 = hsum2(p0), d1 = hsum2(p1), d2 = hsum2(p2), d3 = hsum2(p3);
  let e0 = hsum2(q0), e1 = hsum2(q1), e2 = hsum2(q2), e3 = hsum2(q3);
  if (N2 < N) {
    const ao = <usize>N2 << 2, xo = <usize>N2 << 3;
    const xa = load<f64>(x0 + xo), xb = load<f64>(x1 + xo);
    const w0 = <f64>load<f32>(a + ao), w1 = <f64>load<f32>(a1 + ao), w2 = <f64>load<f32>(a2 + ao), w3 = <f64>load<f32>(a3 + ao);
    d0 += w0 * xa; d1 += w1 * xa; d2 += w2 * xa; d3 += w3 * xa;
    e0 += w0 * xb; e1 += w1 * xb; e2 += w2 * xb; e3 += w3 * xb;
  }
  store<f64>(out0, d0); store<f64>(out0, d1, 8); store<f64>(out0, d2, 16); store<f64>(out0, d3, 24);
  store<f64>(out1, e0); store<f64>(out1, e1, 8); store<f64>(out1, e2, 16); store<f64>(out1, e3, 24);
}

/**
 * For t = 0 … B−1: R_t = A x_t − b and S_t = Aᵀ R_t, with f32 storage of A and f64 accumulation
 * (`exact` ≠ 0: as residual_adjoint_f32_f64; `exact` = 0: as residual_adjoint_mixed, adjoint 4-row partials in f32).
 * Pointers: S (f64, B × N, row t = S_t, overwritten), R (f64, row t at R + t·ldr·8, m entries, overwritten),
 * ss (f64, length B, overwritten with ‖R_t‖²), A (f32, m × N row-major), X (f64, B × N, row t = x_t), b (f64, m).
 * A row range is processed by offsetting A, b and R (keeping ldr). No alignment needed; ragged m and N handled.
 * @returns ss
 */
export function residual_adjoint_batch_f32_f64(S: usize, R: usize, ss: usize, A: usize, X: usize, b: usize, m: i32, N: i32, B: i32, ldr: i32, exact: i32): usize {
  const vecBytes = <usize>N << 3, rowBytes = <usize>N << 2, rStride = <usize>ldr << 3;
  memory.fill(S, 0, <usize>B * vecBytes);
  memory.fill(ss, 0, <usize>B << 3);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a = A + <usize>i * rowBytes, bo = b + (<usize>i << 3);
    const b0 = load<f64>(bo), b1 = load<f64>(bo, 8), b2 = load<f64>(bo, 16), b3 = load<f64>(bo, 24);
    for (let t = 0; t < B; t++) {
      const ro = R + <usize>t * rStride + (<usize>i << 3), x = X + <usize>t * vecBytes, s = S + <usize>t * vecBytes;
      // trajectories in pairs: the dot products of t and t + 1 share each converted entry of A
      if ((t & 1) == 0) {
        if (t + 1 < B) dot4Rows2F64(ro, ro + rStride, a, x, x + vecBytes, N, rowBytes);
        else dot4RowsF64(ro, a, x, N, rowBytes);
      }
      const r0 = load<f64>(ro) - b0, r1 = load<f64>(ro, 8) - b1, r2 = load<f64>(ro, 16) - b2, r3 = load<f64>(ro, 24) - b3;
      store<f64>(ro, r0); store<f64>(ro, r1, 8); store<f64>(ro, r2, 16); store<f64>(ro, r3, 24);
      const so = ss + (<usize>t << 3);
      store<f64>(so, load<f64>(so) + (r0 * r0 + r1 * r1 + r2 * r2 + r3 * r3));
      if (exact) axpy4RowsF64(s, a, ro, N, rowBytes);
      else axpy4RowsMixed(s, a, ro, N, rowBytes);
    }
  }
  for (; i < m; i++) {
    const a = A + <usize>i * rowBytes, bi = load<f64>(b + (<usize>i << 3));
    for (let t = 0; t < B; t++) {
      const x = X + <usize>t * vecBytes, s = S + <usize>t * vecBytes;
      const ri = dot1RowF64(a, x, N) - bi;
      store<f64>(R + <usize>t * rStride + (<usize>i << 3), ri);
      const so = ss + (<usize>t << 3);
      store<f64>(so, load<f64>(so) + ri * ri);
      axpy1RowF64(s, a, ri, N);
    }
  }
  return ss;
}
