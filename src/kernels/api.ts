/**
 * The typed mirror of the wasm exports (assembly/index.ts). Every pointer is a byte offset into the runtime's
 * memory; every size is an element count. `test/kernels/api.test.ts` keeps this list equal to the binary's exports.
 */
export interface Kernels {
  // measurement operator (f32 A, m × N row-major)
  gemv_f32_f64(out: number, A: number, x: number, m: number, N: number): number;
  gemv_f32(out: number, A: number, x: number, m: number, N: number): number;
  gemvt_f32_f64(out: number, A: number, v: number, m: number, N: number): number;
  gemvt_f32(out: number, A: number, v: number, m: number, N: number): number;
  residual_adjoint_f32_f64(S: number, r: number, A: number, x: number, b: number, m: number, N: number): number;
  residual_adjoint_mixed(S: number, r: number, A: number, x: number, b: number, m: number, N: number): number;
  residual_adjoint_f32(S: number, r: number, A: number, x: number, b: number, m: number, N: number): number;
  residual_refine_f32(S: number, rOut: number, rIn: number, A: number, dx: number, ss: number, m: number, N: number, B: number, ld: number, tmp: number): void;
  // dense f64 products
  gemm_nt_f64(out: number, A: number, B: number, M: number, N: number, K: number): number;
  gemm_nn_f64(out: number, A: number, B: number, M: number, N: number, K: number): number;
  sub_gemm_nn_f64(out: number, D: number, A: number, B: number, M: number, N: number, K: number): number;
  gemm_tn_f64(out: number, A: number, B: number, M: number, N: number, K: number): number;
  gram_f64(out: number, A: number, rows: number, k: number): number;
  // level 1
  axpy_f64(y: number, x: number, a: number, n: number): number;
  scal_f64(x: number, a: number, n: number): number;
  add_f64(out: number, x: number, y: number, n: number): number;
  fill_f64(x: number, v: number, n: number): number;
  dot_f64(x: number, y: number, n: number): number;
  sqdist_f64(x: number, y: number, n: number): number;
  cvt_f64_to_f32(out: number, x: number, n: number): number;
  cvt_f32_to_f64(out: number, x: number, n: number): number;
  stream_sum_f32(x: number, n: number): number;
  // random generation
  zig_init(tab: number): number;
  normal_rows_f32(out: number, rows: number, cols: number, scale: number, seedHi: number, seedLo: number, stream: number, row0: number, tab: number): number;
  normal_f64(out: number, count: number, scale: number, seedHi: number, seedLo: number, stream: number, tab: number): number;
  uniform_f64(out: number, count: number, seedHi: number, seedLo: number, stream: number): number;
  symmetrize_rows_f32(A: number, rows: number, n: number): number;
  bernoulli_row_i32(out: number, n: number, p: number, seedHi: number, seedLo: number, stream: number, row: number): number;
  select_items_u64(out: number, inp: number, total: number, m: number, seedHi: number, seedLo: number, stream: number): number;
  // batched fused pass (B trajectories, one read of A)
  residual_adjoint_batch_f32_f64(S: number, R: number, ss: number, A: number, X: number, b: number, m: number, N: number, B: number, ldr: number, exact: number): number;
  // matrix completion (entries as i32 pairs)
  completion_pass_f64(EG: number, EtF: number, r: number, idx: number, count: number, F: number, G: number, k: number, w: number, wd: number, b: number, sym: number, given: number): number;
  completion_pass_f32grad(EG32: number, EtF32: number, r: number, idx: number, count: number, F: number, G: number, F32: number, G32: number, k: number, w: number, wd: number, b: number, sym: number, given: number, dot32: number): number;
  completion_pack_rows(P: number, A: number, n: number, k: number, prec: number): number;
  completion_unpack_grad(out: number, P: number, n: number, k: number, prec: number): number;
  completion_pass_packed(PU: number, PV: number, r: number, idx: number, count: number, k: number, w: number, wd: number, b: number, prec: number, sym: number): number;
  completion_matvec_f64(out: number, idx: number, count: number, r: number, x: number, w: number, wd: number, sym: number, transpose: number): number;
  // rank-one measurements (f32 vector rows, transposed factors)
  rows_dot_f32_f64(P: number, A: number, rows: number, n: number, Ft: number, k: number): number;
  rows_dot_f32(P: number, A: number, rows: number, n: number, Ft: number, k: number): number;
  rankone_residual_f64(r: number, W: number, V: number, P: number, Q: number, rows: number, k: number, b: number, given: number): number;
  rows_axpy_t_f32_f64(Et: number, A: number, rows: number, n: number, W: number, k: number): number;
  rows_axpy_t_f32(Et: number, A: number, rows: number, n: number, W: number, k: number): number;
  add_f32_to_f64(out: number, x: number, n: number): number;
  transpose_f64(out: number, inp: number, k: number, n: number): number;
  // Gram mode
  gram_upper_f32_f64(G: number, A: number, m: number, N: number, i0: number, i1: number): number;
  symmetrize_upper_f64(G: number, N: number): number;
  symv_upper_f64(y: number, G: number, x: number, c: number, N: number): number;
  // calibration (benchmarks): attainable SIMD multiply–add rate
  simd_peak_f32(iters: number): number;
  simd_peak_f64(iters: number): number;
}

/** Names of every function export, in one place (the api test compares it with the binary). */
export const KERNEL_NAMES: readonly (keyof Kernels)[] = [
  'gemv_f32_f64', 'gemv_f32', 'gemvt_f32_f64', 'gemvt_f32', 'residual_adjoint_f32_f64', 'residual_adjoint_mixed', 'residual_adjoint_f32', 'residual_refine_f32',
  'gemm_nt_f64', 'gemm_nn_f64', 'sub_gemm_nn_f64', 'gemm_tn_f64', 'gram_f64',
  'axpy_f64', 'scal_f64', 'add_f64', 'fill_f64', 'dot_f64', 'sqdist_f64', 'cvt_f64_to_f32', 'cvt_f32_to_f64', 'stream_sum_f32',
  'zig_init', 'normal_rows_f32', 'normal_f64', 'uniform_f64', 'symmetrize_rows_f32', 'bernoulli_row_i32', 'select_items_u64',
  'completion_pass_f64', 'completion_pass_f32grad', 'completion_pack_rows', 'completion_unpack_grad', 'completion_pass_packed',
  'completion_matvec_f64',
  'rows_dot_f32_f64', 'rows_dot_f32', 'rankone_residual_f64', 'rows_axpy_t_f32_f64', 'rows_axpy_t_f32', 'add_f32_to_f64', 'transpose_f64',
  'residual_adjoint_batch_f32_f64', 'gram_upper_f32_f64', 'symmetrize_upper_f64', 'symv_upper_f64',
  'simd_peak_f32', 'simd_peak_f64',
];

/** Bytes of the ziggurat tables (kn u32×128, wn f64×128, fn f64×128); equals the wasm global ZIG_TABLE_BYTES. */
export const ZIG_TABLE_BYTES = 128 * 4 + 128 * 8 * 2;
