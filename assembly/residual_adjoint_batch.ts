// B fused residual/adjoint passes over one operator (math.md §8, "many runs over one operator"): for each block of
// 4 rows of A (which then stays in cache), every trajectory's 4 residuals and its contribution to its adjoint.
// A is read from memory once for all B trajectories: the B matrix–vector products become one matrix–matrix pass.
import { dot4RowsF64, dot1RowF64, axpy4RowsF64, axpy4RowsMixed, axpy1RowF64 } from "./inline/rows";

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
      dot4RowsF64(ro, a, x, N, rowBytes);
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
