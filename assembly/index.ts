// Barrel: every kernel the wasm module exports. The typed mirror is src/kernels/api.ts (a test keeps them equal).
export { gemv_f32_f64, gemv_f32 } from "./gemv";
export { gemvt_f32_f64, gemvt_f32 } from "./gemvt";
export { residual_adjoint_f32_f64, residual_adjoint_mixed, residual_adjoint_f32, residual_refine_f32 } from "./residual_adjoint";
export { gemm_nt_f64, gemm_nn_f64, sub_gemm_nn_f64, gemm_tn_f64, gram_f64 } from "./gemm";
export { axpy_f64, scal_f64, add_f64, fill_f64, dot_f64, sqdist_f64, cvt_f64_to_f32, cvt_f32_to_f64, stream_sum_f32 } from "./blas1";
export { zig_init, normal_rows_f32, normal_f64, uniform_f64, symmetrize_rows_f32, bernoulli_row_i32, select_items_u64, ZIG_TABLE_BYTES } from "./rng";
export { residual_adjoint_batch_f32_f64 } from "./residual_adjoint_batch";
export { gram_upper_f32_f64, symmetrize_upper_f64, symv_upper_f64 } from "./gram";
export { completion_pass_f64, completion_pass_f32grad, completion_pack_rows, completion_unpack_grad, completion_pass_packed, completion_matvec_f64 } from "./completion";
export { rows_dot_f32_f64, rows_dot_f32, rankone_residual_f64, rows_axpy_t_f32_f64, rows_axpy_t_f32, add_f32_to_f64, transpose_f64 } from "./rankone";
export { simd_peak_f32, simd_peak_f64 } from "./peak";
