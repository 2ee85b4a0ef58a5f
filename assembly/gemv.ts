// y = A x for a dense f32 operator (m rows of N = n1·n2 columns, row-major) — the measurement map A(X).
import { dot4RowsF64, dot1RowF64, dot4RowsF32 } from "./inline/rows";

/**
 * out[i] = Σ_j A[i, j] x[j], f32 A, f64 x and out, f64 accumulation.
 * 4 rows per pass so each x block is loaded once for 4 rows; a ragged last block of < 4 rows goes row by row;
 * a ragged column tail (N not a multiple of 4) is handled in scalar code. No alignment needed.
 * @returns out
 */
export function gemv_f32_f64(out: usize, A: usize, x: usize, m: i32, N: i32): usize {
  const rowBytes = <usize>N << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) dot4RowsF64(out + (<usize>i << 3), A + <usize>i * rowBytes, x, N, rowBytes);
  for (; i < m; i++) store<f64>(out + (<usize>i << 3), dot1RowF64(A + <usize>i * rowBytes, x, N));
  return out;
}

/**
 * out[i] = Σ_j A[i, j] x[j] entirely in f32 (the pure-f32 precision mode). Rows are handled 4 at a time,
 * padded with a scalar path for the last m mod 4 rows. @returns out
 */
export function gemv_f32(out: usize, A: usize, x: usize, m: i32, N: i32): usize {
  const rowBytes = <usize>N << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) dot4RowsF32(out + (<usize>i << 2), A + <usize>i * rowBytes, x, N, rowBytes);
  for (; i < m; i++) {
    const a = A + <usize>i * rowBytes;
    let d: f64 = 0;
    for (let j = 0; j < N; j++) d += <f64>load<f32>(a + (<usize>j << 2)) * <f64>load<f32>(x + (<usize>j << 2));
    store<f32>(out + (<usize>i << 2), <f32>d);
  }
  return out;
}
