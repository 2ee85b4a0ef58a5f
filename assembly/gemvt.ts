// S = Aᵀ v for a dense f32 operator — the adjoint A*(v), reshaped by the caller to n1 × n2.
import { axpy4RowsF64, axpy1RowF64, axpy4RowsF32 } from "./inline/rows";

/**
 * out[j] = Σ_i A[i, j] v[i]: f32 A, f64 v and out, f64 accumulation. `out` (length N) is overwritten.
 * Streams A once, 4 rows per pass (out is read and written once per 4 rows). @returns out
 */
export function gemvt_f32_f64(out: usize, A: usize, v: usize, m: i32, N: i32): usize {
  memory.fill(out, 0, <usize>N << 3);
  const rowBytes = <usize>N << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) axpy4RowsF64(out, A + <usize>i * rowBytes, v + (<usize>i << 3), N, rowBytes);
  for (; i < m; i++) axpy1RowF64(out, A + <usize>i * rowBytes, load<f64>(v + (<usize>i << 3)), N);
  return out;
}

/** out[j] = Σ_i A[i, j] v[i] entirely in f32 (pure-f32 mode). `out` (length N, f32) is overwritten. @returns out */
export function gemvt_f32(out: usize, A: usize, v: usize, m: i32, N: i32): usize {
  memory.fill(out, 0, <usize>N << 2);
  const rowBytes = <usize>N << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) axpy4RowsF32(out, A + <usize>i * rowBytes, v + (<usize>i << 2), N, rowBytes);
  for (; i < m; i++) {
    const a = A + <usize>i * rowBytes, c = load<f32>(v + (<usize>i << 2));
    for (let j = 0; j < N; j++) {
      const o = out + (<usize>j << 2);
      store<f32>(o, load<f32>(o) + c * load<f32>(a + (<usize>j << 2)));
    }
  }
  return out;
}
