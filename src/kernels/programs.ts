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
  /** Per-row inputs (f64), e.g. the measurements b of the block: vector t starts at rowsIn + t·ldOut·8. */
  rowsIn: number;
  /** Per-row outputs (f64): vector t starts at rowsOut + t·ldOut·8. */
  rowsOut: number;
  /** Leading dimension of the per-row vectors, inputs and outputs alike (m in the runtime's memory, rows in a worker's). */
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
  // params: [columns, scale, seedHi, seedLo, stream, symmetric n (0: not symmetric), row array (default 0)]: Gaussian
  // rows, each seeded by its global index
  run(K, a, p) {
    const data = a.data[p[6] ?? 0];
    K.normal_rows_f32(data, a.rows, p[0], p[1], p[2], p[3], p[4], a.row0, a.zig);
    if (p[5] > 0) K.symmetrize_rows_f32(data, a.rows, p[5]);
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

/**
 * The refinement pass of the default precision: params [N, B]; input ΔX (B × N, the change of each trajectory's X
 * since its previous pass); rowsIn the residuals at the previous iterates (B vectors); rowsOut the new residuals
 * r + A·ΔX (B vectors); partial [S = Aᵀ r (B × N), ‖r‖² (B)]. A·ΔX in f32 arithmetic, S as the 'mixed' adjoint
 * (residual_refine_f32).
 */
const denseRefine: Program = {
  name: 'dense.refine',
  scratchBytes: (_rows, p) => aligned(p[0] * p[1] * 4) + 64,
  run(K, a, p) {
    const N = p[0], B = p[1], dx = a.scratch, tmp = dx + aligned(N * B * 4);
    K.cvt_f64_to_f32(dx, a.input, N * B);
    K.residual_refine_f32(a.partial, a.rowsOut, a.rowsIn, a.data[0], dx, a.partial + B * N * 8, a.rows, N, B, a.ldOut, tmp);
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

/**
 * Matrix completion, one trajectory: data[0] holds the block's entries (i32 pairs (u, v)).
 * params: [n1, n2, k, w, wd, sym, wantEG, wantEtF, given, precision code, symModel]; input [F (n1 × k), G (n2 × k)];
 * rowsIn the measurements (or, with `given`, the residuals); rowsOut the residuals; partial [E·G (n1 × k), Eᵀ·F
 * (n2 × k), ‖r‖²]. The residuals come from the f64 rows ('f64', 'mixed') or f32 copies ('f32'); the gradient rows
 * accumulate in f64 ('f64') or f32 ('mixed', 'f32'), widened into the partial. The hot cases — an asymmetric operator
 * with both products, or a symmetric operator with the symmetric model (E·X only) — run on packed rows
 * (completion_pack_rows: each row's factor and accumulator interleaved by chunks of four columns); the others entry by
 * entry, 'mixed' and 'f32' on f32 copies of F and G in scratch.
 */
const completionPass: Program = {
  name: 'completion.pass',
  scratchBytes(_rows, p) {
    const [n1, n2, k, , , sym, wantEG, wantEtF, given, prec, symModel] = p as unknown as number[];
    const packed = completionPacked(sym, wantEG, wantEtF, given, symModel);
    if (packed) {
      const chunk = prec === PRECISION_CODE.f32 ? 32 : 64, kc = Math.ceil(k / 4);
      return aligned(n1 * kc * chunk) + (packed === 'asymmetric' ? aligned(n2 * kc * chunk) : 0);
    }
    return prec === PRECISION_CODE.f64 ? 0 : 2 * (aligned(n1 * k * 4) + aligned(n2 * k * 4));
  },
  run(K, a, p) {
    const [n1, n2, k, w, wd, sym, wantEG, wantEtF, given, prec, symModel] = p as unknown as number[];
    const EG = a.partial, EtF = EG + n1 * k * 8, F = a.input, G = F + n1 * k * 8;
    const r = given ? a.rowsIn : a.rowsOut;
    const packed = completionPacked(sym, wantEG, wantEtF, given, symModel);
    let ss: number;
    if (packed) {
      const PU = a.scratch, PV = PU + aligned(n1 * Math.ceil(k / 4) * (prec === PRECISION_CODE.f32 ? 32 : 64));
      K.completion_pack_rows(PU, F, n1, k, prec);
      if (packed === 'asymmetric') K.completion_pack_rows(PV, G, n2, k, prec);
      ss = K.completion_pass_packed(PU, PV, r, a.data[0], a.rows, k, w, wd, a.rowsIn, prec, packed === 'symmetric' ? 1 : 0);
      K.completion_unpack_grad(EG, PU, n1, k, prec);
      if (packed === 'asymmetric') K.completion_unpack_grad(EtF, PV, n2, k, prec);
      else K.fill_f64(EtF, 0, n2 * k); // not wanted: zeros, so that the partials' sum reads no stale memory
    } else if (prec === PRECISION_CODE.f64) {
      K.fill_f64(EG, 0, (n1 + n2) * k);
      ss = K.completion_pass_f64(wantEG ? EG : 0, wantEtF ? EtF : 0, r, a.data[0], a.rows, F, G, k, w, wd, a.rowsIn, sym, given);
    } else {
      const b1 = aligned(n1 * k * 4), b2 = aligned(n2 * k * 4);
      const F32 = a.scratch, G32 = F32 + b1, EG32 = G32 + b2, EtF32 = EG32 + b1;
      K.cvt_f64_to_f32(F32, F, n1 * k);
      K.cvt_f64_to_f32(G32, G, n2 * k);
      K.fill_f64(EG32, 0, (b1 + b2) / 8);
      ss = K.completion_pass_f32grad(wantEG ? EG32 : 0, wantEtF ? EtF32 : 0, r, a.data[0], a.rows, F, G, F32, G32, k, w, wd, a.rowsIn, sym, given,
        prec === PRECISION_CODE.f32 ? 1 : 0);
      K.cvt_f32_to_f64(EG, EG32, n1 * k);
      K.cvt_f32_to_f64(EtF, EtF32, n2 * k);
    }
    storeF64(K, EtF + n2 * k * 8, ss);
  },
};

/**
 * Which hot case of a completion pass runs on packed rows: an asymmetric operator with both products, or a symmetric
 * operator with the symmetric model (G = F, E·X only); otherwise none.
 */
function completionPacked(sym: number, wantEG: number, wantEtF: number, given: number, symModel: number): 'asymmetric' | 'symmetric' | undefined {
  if (given || !wantEG) return undefined;
  if (!sym) return wantEtF ? 'asymmetric' : undefined;
  return symModel && !wantEtF ? 'symmetric' : undefined;
}

/** Rows per chunk of a rank-one pass: a chunk of both vector matrices (f32) stays within ~384 KiB of cache. */
export function rankOneChunk(n1: number, n2: number): number {
  return Math.max(4, Math.min(256, Math.floor(393216 / ((n1 + n2) * 4)) & ~3));
}

/**
 * Rank-one measurements, one trajectory: data[0] the block's a_i (n1 f32 each), data[1] its b_i (n2; absent when
 * symOp: b_i = a_i). params: [n1, n2, k, symOp, symModel, precision code, wantEG, wantEtF, given]; input the
 * transposed factors [Fᵀ (k × n1), Gᵀ (k × n2)] (symModel: Fᵀ only); rowsIn the measurements (or the residuals);
 * rowsOut the residuals; partial [(E·G)ᵀ (k × n1), (Eᵀ·F)ᵀ (k × n2), ‖r‖²]. Chunk by chunk: P = A_c F and Q = B_c G
 * (f64, or f32 arithmetic for precision 'f32'), r, then the gradient products (f32 partial sums per chunk added in
 * f64 for 'mixed' and 'f32').
 */
const rankOnePass: Program = {
  name: 'rankone.pass',
  scratchBytes(rows, p) {
    const [n1, n2, k] = p as unknown as number[], c = rankOneChunk(n1, n2);
    return aligned(c * k * 8) * 4 + aligned(k * n1 * 4) * 2 + aligned(k * n2 * 4) * 2;
  },
  run(K, a, p) {
    const [n1, n2, k, symOp, symModel, prec, wantEG, wantEtF, given] = p as unknown as number[];
    const chunk = rankOneChunk(n1, n2), exact = prec === PRECISION_CODE.f64, f32prod = prec === PRECISION_CODE.f32;
    const EGt = a.partial, EtFt = EGt + k * n1 * 8, Ft = a.input, Gt = symModel ? Ft : Ft + k * n1 * 8;
    const Abuf = a.data[0], Bbuf = symOp ? a.data[0] : a.data[1];
    const P = a.scratch, Q = P + aligned(chunk * k * 8), W = Q + aligned(chunk * k * 8), V = W + aligned(chunk * k * 8);
    const Ft32 = V + aligned(chunk * k * 8), Gt32 = Ft32 + aligned(k * n1 * 4), E32a = Gt32 + aligned(k * n2 * 4), E32b = E32a + aligned(k * n1 * 4);
    K.fill_f64(EGt, 0, k * (n1 + n2));
    if (f32prod) { K.cvt_f64_to_f32(Ft32, Ft, k * n1); if (!symModel) K.cvt_f64_to_f32(Gt32, Gt, k * n2); }
    const r = given ? a.rowsIn : a.rowsOut;
    const needQ = !symModel, wantV = wantEtF && !symModel;
    let ss = 0;
    for (let c0 = 0; c0 < a.rows; c0 += chunk) {
      const cr = Math.min(chunk, a.rows - c0);
      const Ac = Abuf + c0 * n1 * 4, Bc = Bbuf + c0 * n2 * 4;
      if (f32prod) K.rows_dot_f32(P, Ac, cr, n1, Ft32, k); else K.rows_dot_f32_f64(P, Ac, cr, n1, Ft, k);
      if (needQ) { if (f32prod) K.rows_dot_f32(Q, Bc, cr, n2, symModel ? Ft32 : Gt32, k); else K.rows_dot_f32_f64(Q, Bc, cr, n2, Gt, k); }
      ss += K.rankone_residual_f64(r + c0 * 8, W, wantV ? V : 0, P, needQ ? Q : P, cr, k, a.rowsIn + c0 * 8, given);
      if (wantEG) accumulate(K, EGt, Ac, cr, n1, W, k, exact, E32a);
      if (wantV) accumulate(K, EtFt, Bc, cr, n2, V, k, exact, E32b);
    }
    storeF64(K, EtFt + k * n2 * 8, ss);
  },
};

/** Et += Σ_i W[i, :]ᵀ A[i, :] for a chunk: in f64, or as an f32 partial sum added in f64. */
function accumulate(K: Kernels, Et: number, A: number, rows: number, n: number, W: number, k: number, exact: boolean, E32: number): void {
  if (exact) { K.rows_axpy_t_f32_f64(Et, A, rows, n, W, k); return; }
  K.fill_f64(E32, 0, Math.ceil((k * n) / 2)); // k·n f32 zeros
  K.rows_axpy_t_f32(E32, A, rows, n, W, k);
  K.add_f32_to_f64(Et, E32, k * n);
}

/** f64 store through the kernels (a participant may hold no JS view of its memory). */
function storeF64(K: Kernels, ptr: number, v: number): void { K.fill_f64(ptr, v, 1); }

/** Every block program, by index (workers are told the index). */
export const PROGRAMS: readonly Program[] = [denseGenerate, denseApply, denseAdjoint, denseFused, denseResidual, denseGram, denseRead, completionPass, rankOnePass, denseRefine];

/** Names of the block programs. */
export type ProgramName = 'dense.generate' | 'dense.apply' | 'dense.adjoint' | 'dense.fused' | 'dense.residual' | 'dense.gram' | 'dense.read'
  | 'completion.pass' | 'rankone.pass' | 'dense.refine';

/** Index of a program (what the worker protocol carries). */
export function programIndex(name: ProgramName): number {
  const i = PROGRAMS.findIndex((p) => p.name === name);
  if (i < 0) throw new Error(`unknown block program ${name}`);
  return i;
}
