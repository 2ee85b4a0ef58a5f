/**
 * Block programs: what one participant (the calling thread, or a worker) runs on its block of an operator's rows.
 * A program is a short sequence of kernel calls on pointers into one wasm memory, so the same code runs on the
 * calling thread (local and shared placements, in the runtime's memory) and inside a worker (on a shared memory, or
 * on the worker's own memory holding its rows). Everything a program reads and writes is described by
 * {@link BlockArgs}; how those buffers reach a participant is the placement's business (src/placement/).
 *
 * A block program produces, for its rows [row0, row0 + rows):
 * - per-row outputs (`rowsOut`: `count` vectors, vector t at rowsOut + t·ldOut·8), e.g. the residuals;
 * - a partial output of `partialLen` f64 (`partial`), which the placement sums over participants in a fixed order,
 *   e.g. the partial adjoint Σ_{i in block} r_i A_i and the partial ‖r‖².
 */
import type { Kernels } from './api.js';

/** Pointers and sizes of one block run, all in the memory the program runs in (byte offsets; sizes in elements). */
export interface BlockArgs {
  /** Global index of the block's first row (generation seeds rows by their global index). */
  row0: number;
  rows: number;
  /** The block's row arrays (one pointer per array of the operator's row layout), at the block's first row. */
  data: readonly number[];
  /** Broadcast input (f64), the same for every participant. */
  input: number;
  /** Per-row input (f64, `rows` entries), e.g. the measurements b of the block. */
  rowsIn: number;
  /** Per-row outputs (f64): vector t starts at rowsOut + t·ldOut·8. */
  rowsOut: number;
  ldOut: number;
  /** Partial output (f64 × partialLen), overwritten. */
  partial: number;
  /** Scratch of at least {@link Program.scratchBytes} bytes. */
  scratch: number;
  /** Ziggurat tables (generation). */
  zig: number;
}

/** A block program and the sizes it needs. */
export interface Program {
  readonly name: ProgramName;
  /** Scratch bytes for a block of `rows` rows. */
  scratchBytes(rows: number, params: ArrayLike<number>): number;
  run(K: Kernels, a: BlockArgs, params: ArrayLike<number>): void;
}

/** Arithmetic codes of the fused pass (see `Precision` in src/operators/pass.ts). */
export const PRECISION_CODE = { f64: 0, mixed: 1, f32: 2 } as const;

/** Bytes rounded up to the 64-byte alignment every buffer gets. */
export function aligned(bytes: number): number { return Math.ceil(bytes / 64) * 64; }

const denseGenerate: Program = {
  name: 'dense.generate',
  scratchBytes: () => 0,
  // params: [N, scale, seedHi, seedLo, stream, symmetric n (0: not symmetric)]
  run(K, a, p) {
    K.normal_rows_f32(a.data[0], a.rows, p[0], p[1], p[2], p[3], p[4], a.row0, a.zig);
    if (p[5] > 0) K.symmetrize_rows_f32(a.data[0], a.rows, p[5]);
  },
};

const denseApply: Program = {
  name: 'dense.apply',
  scratchBytes: () => 0,
  // params: [N]; input x (N); rowsOut: A x
  run(K, a, p) { K.gemv_f32_f64(a.rowsOut, a.data[0], a.input, a.rows, p[0]); },
};

const denseAdjoint: Program = {
  name: 'dense.adjoint',
  scratchBytes: () => 0,
  // params: [N]; rowsIn v; partial: Σ_i v_i A_i (N)
  run(K, a, p) { K.gemvt_f32_f64(a.partial, a.data[0], a.rowsIn, a.rows, p[0]); },
};

const denseFused: Program = {
  name: 'dense.fused',
  // f32 arithmetic converts x, b, r and S to f32 in scratch
  scratchBytes: (rows, p) => (p[2] === PRECISION_CODE.f32 ? aligned(p[0] * 4) * 2 + aligned(rows * 4) * 2 : 0),
  // params: [N, B, precision code]; input X (B × N); rowsIn b; rowsOut R (B vectors); partial [S (B × N), ss (B)]
  run(K, a, p) {
    const N = p[0], B = p[1], prec = p[2], vec = N * 8;
    const ss = a.partial + B * vec;
    if (prec === PRECISION_CODE.f32) {
      const xf = a.scratch, Sf = xf + aligned(N * 4), bf = Sf + aligned(N * 4), rf = bf + aligned(a.rows * 4);
      K.cvt_f64_to_f32(bf, a.rowsIn, a.rows);
      for (let t = 0; t < B; t++) {
        const r = a.rowsOut + t * a.ldOut * 8;
        K.cvt_f64_to_f32(xf, a.input + t * vec, N);
        const s = K.residual_adjoint_f32(Sf, rf, a.data[0], xf, bf, a.rows, N);
        K.cvt_f32_to_f64(r, rf, a.rows);
        K.cvt_f32_to_f64(a.partial + t * vec, Sf, N);
        storeF64(K, ss + t * 8, s);
      }
      return;
    }
    if (B === 1) {
      const s = prec === PRECISION_CODE.mixed
        ? K.residual_adjoint_mixed(a.partial, a.rowsOut, a.data[0], a.input, a.rowsIn, a.rows, N)
        : K.residual_adjoint_f32_f64(a.partial, a.rowsOut, a.data[0], a.input, a.rowsIn, a.rows, N);
      storeF64(K, ss, s);
      return;
    }
    K.residual_adjoint_batch_f32_f64(a.partial, a.rowsOut, ss, a.data[0], a.input, a.rowsIn, a.rows, N, B, a.ldOut, prec === PRECISION_CODE.f64 ? 1 : 0);
  },
};

const denseResidual: Program = {
  name: 'dense.residual',
  scratchBytes: () => 0,
  // params: [N, B]; input X (B × N); rowsIn b; rowsOut R (B vectors) = A x_t − b; partial ss (B)
  run(K, a, p) {
    const N = p[0], B = p[1];
    for (let t = 0; t < B; t++) {
      const r = a.rowsOut + t * a.ldOut * 8;
      K.gemv_f32_f64(r, a.data[0], a.input + t * N * 8, a.rows, N);
      K.axpy_f64(r, a.rowsIn, -1, a.rows);
      storeF64(K, a.partial + t * 8, K.dot_f64(r, r, a.rows));
    }
  },
};

const denseGram: Program = {
  name: 'dense.gram',
  scratchBytes: () => 0,
  // params: [N]; partial: the upper triangle of Σ_{i in block} vec(A_i) vec(A_i)ᵀ (N × N; below it: garbage)
  run(K, a, p) {
    const N = p[0];
    K.fill_f64(a.partial, 0, N * N);
    K.gram_upper_f32_f64(a.partial, a.data[0], a.rows, N, 0, N);
  },
};

const denseRead: Program = {
  name: 'dense.read',
  scratchBytes: () => 0,
  // params: [N]; partial[0] = the sum of the block's entries: one streaming read of the rows (a bandwidth reference)
  run(K, a, p) { storeF64(K, a.partial, K.stream_sum_f32(a.data[0], a.rows * p[0])); },
};

/** f64 store through the kernels (a participant may hold no JS view of its memory). */
function storeF64(K: Kernels, ptr: number, v: number): void { K.fill_f64(ptr, v, 1); }

/** Every block program, by index (workers are told the index). */
export const PROGRAMS: readonly Program[] = [denseGenerate, denseApply, denseAdjoint, denseFused, denseResidual, denseGram, denseRead];

/** Names of the block programs. */
export type ProgramName = 'dense.generate' | 'dense.apply' | 'dense.adjoint' | 'dense.fused' | 'dense.residual' | 'dense.gram' | 'dense.read';

/** Index of a program (what the worker protocol carries). */
export function programIndex(name: ProgramName): number {
  const i = PROGRAMS.findIndex((p) => p.name === name);
  if (i < 0) throw new Error(`unknown block program ${name}`);
  return i;
}
