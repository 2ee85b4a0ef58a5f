/**
 * The factor-form seam between solvers and operators: the one question a solver asks. Given each trajectory's
 * factors, an operator's workspace returns the residual norms and the gradient products
 *
 *     asymmetric:  ‖r_b‖²,  E_b·G_b,  E_bᵀ·F_b          r_b = A(F_b G_bᵀ) − y,  E_b = A*(r_b)
 *     symmetric:   ‖r_b‖²,  ½(E_b + E_bᵀ)·X_b            r_b = A(X_b X_bᵀ) − y
 *
 * for B ≥ 1 trajectories at once. Everything the methods need is built from these; how they are computed (a dense
 * operator forms X and E inside, a structured one never does) and where the operator's data lives is the operator's
 * business. The arithmetic (`precision`) is a property of the workspace, never of the shared operator.
 */
import { ValidationError } from '../errors.js';
import type { F64Buf } from '../runtime.js';

/**
 * Arithmetic of an operator pass (the dense operator is stored in f32):
 * - 'f64': products and sums in f64 — GD is exact for the stored operator;
 * - 'mixed' (default): exact residuals at f32 speed — the dense operator refines each trajectory's residual from its
 *   previous pass (r = r⁻ + A·ΔX with the increment's products in f32, whose rounding vanishes as GD converges) and
 *   recomputes it exactly every 32 passes; the adjoint's 4-row partial sums in f32, accumulated in f64 (a gradient
 *   error of ~1e-7 relative, which does not limit the attainable accuracy: the floor is f64's);
 * - 'f32': everything in f32 (residuals floor at ~1e-7 relative).
 * Matrix completion: 'mixed' forms the residuals from the f64 rows and accumulates the gradient rows in f32 (an error
 * proportional to the residuals, so the floor stays f64's); 'f32' forms the residuals from f32 rows too. Rank-one: see
 * RankOneOperator. The identity and Gram mode are f64 whatever the precision.
 */
export type Precision = 'f64' | 'mixed' | 'f32';

/** Check a precision name. */
export function checkPrecision(p: unknown): Precision {
  if (p !== 'f64' && p !== 'mixed' && p !== 'f32') throw new ValidationError(`precision must be 'f64', 'mixed' or 'f32', got ${String(p)}`);
  return p;
}

/** What a workspace is made for: the model, each trajectory's width, the arithmetic, the measurements. */
export interface WorkspaceSpec {
  model: 'asymmetric' | 'symmetric';
  /** Width k of each trajectory's factors; B = widths.length trajectories (slots 0 … B − 1). */
  widths: readonly number[];
  precision: Precision;
  /** The measurements y the residuals are taken against (m entries). */
  y: F64Buf;
}

/** One trajectory of a pass. For the symmetric model `G` is `F` (= X). */
export interface PassItem {
  /** The trajectory's slot (0 … B − 1): operators may keep state per slot (e.g. an exact-residual anchor). */
  slot: number;
  /** n1 × k, row-major. */
  F: F64Buf;
  /** n2 × k, row-major (the symmetric model: the same buffer as F). */
  G: F64Buf;
  /** Out, n1 × k: E·G (asymmetric), ½(E + Eᵀ)·X (symmetric). Omit for a residual-only pass. */
  EG?: F64Buf;
  /** Out, n2 × k: Eᵀ·F (asymmetric model). */
  EtF?: F64Buf;
  /** Out, m: the residual r = A(F Gᵀ) − y. */
  residual?: F64Buf;
}

/** An operator's buffers and per-trajectory state for one solver (see the module doc). */
export interface PassWorkspace {
  readonly spec: WorkspaceSpec;
  /** Bytes it holds in the runtime. */
  readonly bytes: number;
  /** False when passes can only be awaited ({@link passAsync}). */
  readonly synchronous: boolean;
  /** The main pass: at most one item per slot; rr[i] = ‖r‖² of items[i]. */
  pass(items: readonly PassItem[], rr: Float64Array): void;
  /** {@link pass}, awaitable; every workspace has it. */
  passAsync(items: readonly PassItem[], rr: Float64Array): Promise<void>;
  /**
   * A pass at other factors for one trajectory (AGN's second half-step), in spare buffers: what the main pass left
   * for {@link products} stays. Synchronous workspaces only. @returns ‖r‖²
   */
  extraPass(item: PassItem): number;
  /**
   * The gradient products at other factors with the residual of the slot's last main pass, without another pass over
   * the measurements: out = E·G', Eᵀ·F' (symmetric: ½(E + Eᵀ)·X'). Valid when F'G'ᵀ equals the factors of that pass
   * (the one-step modification's rebalancing). Synchronous.
   */
  products(slot: number, F: F64Buf, G: F64Buf, EG: F64Buf, EtF?: F64Buf): void;
  dispose(): void;
}

/** A linear map R^cols → R^rows known by its products (e.g. A*(y), never formed for structured operators). */
export interface LinearMap {
  readonly rows: number;
  readonly cols: number;
  /** out (rows) = M x (cols). */
  apply(x: Float64Array, out: Float64Array): void;
  /** out (cols) = Mᵀ x (rows). */
  applyT(x: Float64Array, out: Float64Array): void;
  /** Free what it holds in the runtime, if anything (its problem calls it). */
  dispose?(): void;
}

/** A dense row-major n1 × n2 matrix as a {@link LinearMap}. */
export function denseMap(M: Float64Array, rows: number, cols: number): LinearMap {
  return {
    rows, cols,
    apply(x, out) {
      for (let i = 0; i < rows; i++) { let acc = 0; const o = i * cols; for (let j = 0; j < cols; j++) acc += M[o + j] * x[j]; out[i] = acc; }
    },
    applyT(x, out) {
      out.fill(0);
      for (let i = 0; i < rows; i++) { const xi = x[i]; if (xi === 0) continue; const o = i * cols; for (let j = 0; j < cols; j++) out[j] += M[o + j] * xi; }
    },
  };
}
