// The fused pass of docs/theory.md §8: for each block of 4 rows, their residuals r_i = <A_i, X> − b_i, then at once
// their contribution Σ r_i A_i to S while the 4 rows are still in cache. A is read once per GD iteration.
import { dot4RowsF64, dot1RowF64, axpy4RowsF64, axpy1RowF64, dot4RowsF32, axpy4RowsF32, axpy4RowsMixed } from "./inline/rows";

// @ts-ignore: decorator
@inline function fusedF64<PARTIAL>(S: usize, r: usize, A: usize, x: usize, b: usize, m: i32, N: i32): f64 {
  memory.fill(S, 0, <usize>N << 3);
  const rowBytes = <usize>N << 2;
  let ss: f64 = 0;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const ro = r + (<usize>i << 3), bo = b + (<usize>i << 3), a = A + <usize>i * rowBytes;
    dot4RowsF64(ro, a, x, N, rowBytes);
    const r0 = load<f64>(ro) - load<f64>(bo), r1 = load<f64>(ro, 8) - load<f64>(bo, 8);
    const r2 = load<f64>(ro, 16) - load<f64>(bo, 16), r3 = load<f64>(ro, 24) - load<f64>(bo, 24);
    store<f64>(ro, r0); store<f64>(ro, r1, 8); store<f64>(ro, r2, 16); store<f64>(ro, r3, 24);
    ss += r0 * r0 + r1 * r1 + r2 * r2 + r3 * r3;
    // PARTIAL is a compile-time switch: f32 → 4-row partial sums in f32 ("mixed"), f64 → all f64.
    if (sizeof<PARTIAL>() == 4) axpy4RowsMixed(S, a, ro, N, rowBytes);
    else axpy4RowsF64(S, a, ro, N, rowBytes);
  }
  for (; i < m; i++) {
    const a = A + <usize>i * rowBytes;
    const ri = dot1RowF64(a, x, N) - load<f64>(b + (<usize>i << 3));
    store<f64>(r + (<usize>i << 3), ri);
    ss += ri * ri;
    axpy1RowF64(S, a, ri, N);
  }
  return ss;
}

/**
 * r = A x − b and S = Aᵀ r in one pass over A (f32 storage, f64 products and accumulation).
 * Pointers: S (f64, length N, overwritten), r (f64, length m, overwritten), A (f32, m × N row-major),
 * x (f64, length N), b (f64, length m). A sub-range of rows is processed by offsetting A, b and r.
 * @returns ‖r‖² (f64)
 */
export function residual_adjoint_f32_f64(S: usize, r: usize, A: usize, x: usize, b: usize, m: i32, N: i32): f64 {
  return fusedF64<f64>(S, r, A, x, b, m, N);
}

/**
 * r = A x − b exactly as residual_adjoint_f32_f64 (f64 products and sums), and S = Aᵀ r with each 4-row partial
 * sum formed in f32 and accumulated over rows in f64 (relative error ~1e-7 per entry of S; less arithmetic).
 * @returns ‖r‖² (f64)
 */
export function residual_adjoint_mixed(S: usize, r: usize, A: usize, x: usize, b: usize, m: i32, N: i32): f64 {
  return fusedF64<f32>(S, r, A, x, b, m, N);
}

/**
 * The same fused pass entirely in f32 (pure-f32 precision mode): S, r, x, b are f32.
 * Accuracy floor ~1e-6 relative (f32 rounding of the residuals). @returns ‖r‖² (accumulated in f64)
 */
export function residual_adjoint_f32(S: usize, r: usize, A: usize, x: usize, b: usize, m: i32, N: i32): f64 {
  memory.fill(S, 0, <usize>N << 2);
  const rowBytes = <usize>N << 2;
  let ss: f64 = 0;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const ro = r + (<usize>i << 2), bo = b + (<usize>i << 2), a = A + <usize>i * rowBytes;
    dot4RowsF32(ro, a, x, N, rowBytes);
    for (let q: usize = 0; q < 4; q++) {
      const rq = load<f32>(ro + (q << 2)) - load<f32>(bo + (q << 2));
      store<f32>(ro + (q << 2), rq);
      ss += <f64>rq * <f64>rq;
    }
    axpy4RowsF32(S, a, ro, N, rowBytes);
  }
  for (; i < m; i++) {
    const a = A + <usize>i * rowBytes;
    let d: f64 = 0;
    for (let j = 0; j < N; j++) d += <f64>load<f32>(a + (<usize>j << 2)) * <f64>load<f32>(x + (<usize>j << 2));
    const ri = <f32>(d - <f64>load<f32>(b + (<usize>i << 2)));
    store<f32>(r + (<usize>i << 2), ri);
    ss += <f64>ri * <f64>ri;
    for (let j = 0; j < N; j++) {
      const o = S + (<usize>j << 2);
      store<f32>(o, load<f32>(o) + ri * load<f32>(a + (<usize>j << 2)));
    }
  }
  return ss;
}

/**
 * The refinement pass of the default precision ('mixed'), for B trajectories reading each 4-row block of A once:
 * r_t = r_t⁻ + A·dx_t (r_t⁻ the residual at the previous iterate, dx_t = x_t − x_t⁻) and S_t = Aᵀ r_t. dx_t is f32
 * and the increment's products are f32; S_t is f64, its 4-row partial sums f32 (as residual_adjoint_mixed), so a
 * thread count changes only the f64 order of the block sums; r_t is f64. The f32 rounding of A·dx_t
 * shrinks with dx_t as GD converges, so r_t stays the exact residual up to a drift that the caller removes with an
 * exact pass on a schedule (src/operators/dense.ts). Trajectory t: S (f64) at S + t·N·8, r_t at rOut + t·ld·8 (from
 * rIn + t·ld·8; rIn may equal rOut), dx_t at dx + t·N·4, ‖r_t‖² to ss + t·8. tmp: 16 bytes of scratch.
 */
export function residual_refine_f32(S: usize, rOut: usize, rIn: usize, A: usize, dx: usize, ss: usize, m: i32, N: i32, B: i32, ld: i32, tmp: usize): void {
  memory.fill(S, 0, (<usize>B * <usize>N) << 3);
  memory.fill(ss, 0, <usize>B << 3);
  const rowBytes = <usize>N << 2, vecBytes = <usize>N << 2, sBytes = <usize>N << 3, ldBytes = <usize>ld << 3;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a = A + <usize>i * rowBytes, io = <usize>i << 3;
    for (let t = 0; t < B; t++) {
      const tb = <usize>t;
      dot4RowsF32(tmp, a, dx + tb * vecBytes, N, rowBytes);
      const ri = rIn + tb * ldBytes + io, ro = rOut + tb * ldBytes + io;
      const r0 = load<f64>(ri) + <f64>load<f32>(tmp), r1 = load<f64>(ri, 8) + <f64>load<f32>(tmp, 4);
      const r2 = load<f64>(ri, 16) + <f64>load<f32>(tmp, 8), r3 = load<f64>(ri, 24) + <f64>load<f32>(tmp, 12);
      store<f64>(ro, r0); store<f64>(ro, r1, 8); store<f64>(ro, r2, 16); store<f64>(ro, r3, 24);
      const so = ss + (tb << 3);
      store<f64>(so, load<f64>(so) + (r0 * r0 + r1 * r1 + r2 * r2 + r3 * r3));
      axpy4RowsMixed(S + tb * sBytes, a, ro, N, rowBytes);
    }
  }
  for (; i < m; i++) {
    const a = A + <usize>i * rowBytes, io = <usize>i << 3;
    for (let t = 0; t < B; t++) {
      const tb = <usize>t, x = dx + tb * vecBytes, e = S + tb * sBytes;
      let d: f64 = 0;
      for (let j = 0; j < N; j++) d += <f64>load<f32>(a + (<usize>j << 2)) * <f64>load<f32>(x + (<usize>j << 2));
      const ri = load<f64>(rIn + tb * ldBytes + io) + d;
      store<f64>(rOut + tb * ldBytes + io, ri);
      const so = ss + (tb << 3);
      store<f64>(so, load<f64>(so) + ri * ri);
      for (let j = 0; j < N; j++) {
        const o = e + (<usize>j << 3);
        store<f64>(o, load<f64>(o) + ri * <f64>load<f32>(a + (<usize>j << 2)));
      }
    }
  }
}
