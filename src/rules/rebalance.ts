/**
 * The one-step modification of Xiong, Ding & Du (docs/theory.md §5) as a block that fires once.
 *
 * Asymmetric GD from a small initialization nearly conserves the imbalance Δ = FᵀF − GᵀG, which is O(α²), and its
 * late linear rate is governed by Δ — so a tiny α converges slowly. Once the iterate is close to a solution, one
 * transform that keeps F Gᵀ unchanged but makes Δ large and well conditioned removes the α dependence:
 *
 *     thin SVD  F = U_F S_F V_Fᵀ,   c = sqrt(σ1(F Gᵀ))
 *     F ← c · U_F V_Fᵀ                (every singular value of F becomes c)
 *     G ← G · V_F S_F V_Fᵀ / c        (so F Gᵀ is unchanged)
 *
 * Since F Gᵀ and hence the residual are unchanged, the gradient at the transformed factors comes from the same
 * residual (`ctx.productsAt`), without another pass over the operator. Plain GD continues afterwards.
 */
import { ValidationError } from '../errors.js';
import { svd, thinSvdOfProduct } from '../linalg/svd.js';
import type { Gradient, StepContext, UpdateRule, FactorModel } from './types.js';
import { chain, checkEta, scale } from './blocks.js';

/**
 * A rebalancing transform: modifies F (n1 × k) and G (n2 × k), row-major, in place, and must keep F Gᵀ unchanged.
 * Returns a one-line description for the run's event log.
 */
export type RebalanceTransform = (F: Float64Array, G: Float64Array, n1: number, n2: number, k: number) => string;

/** Options of {@link rebalanceTransform}. */
export interface RebalanceTransformOptions {
  /** Which factor is made a scaled partial isometry ('F', docs/theory.md §5, default) — the other absorbs S. */
  side?: 'F' | 'G';
  /** The common singular value c given σ1(F Gᵀ). Default `s1 => Math.sqrt(s1)` (docs/theory.md §5). */
  c?: (sigma1: number) => number;
}

/**
 * Build a rebalancing transform. With `side: 'F'` (the default, docs/theory.md §5): F = U S Vᵀ, F ← c U Vᵀ,
 * G ← G V S Vᵀ / c. With `side: 'G'` the roles swap: G = U S Vᵀ, G ← c U Vᵀ, F ← F V S Vᵀ / c.
 * F Gᵀ is unchanged in both cases (exactly when the factor has full column rank; otherwise the component of the
 * other factor along the factor's null space, which F Gᵀ does not see, is dropped).
 */
export function rebalanceTransform(o: RebalanceTransformOptions = {}): RebalanceTransform {
  const side = o.side ?? 'F';
  if (side !== 'F' && side !== 'G') throw new ValidationError(`rebalance side must be 'F' or 'G', got ${String(side)}`);
  const cOf = o.c ?? ((s1: number) => Math.sqrt(s1));
  if (typeof cOf !== 'function') throw new ValidationError('rebalance c must be a function of σ1(F Gᵀ)');
  return (F, G, n1, n2, k) => {
    const s1 = thinSvdOfProduct(F, G, n1, n2, k).s[0] ?? 0;
    const c = cOf(s1);
    if (!Number.isFinite(c) || c <= 0) throw new ValidationError(`rebalance: c must be finite and > 0, got ${c} (σ1(F Gᵀ) = ${s1})`);
    const [A, nA, B, nB] = side === 'F' ? [F, n1, G, n2] : [G, n2, F, n1];
    const { U, s, V } = svd(A, nA, k); // U: nA × p, s: p, V: k × p
    const p = s.length;
    // A ← c U Vᵀ
    for (let i = 0; i < nA; i++) {
      for (let j = 0; j < k; j++) {
        let acc = 0;
        for (let q = 0; q < p; q++) acc += U[i * p + q] * V[j * p + q];
        A[i * k + j] = c * acc;
      }
    }
    // B ← B V S Vᵀ / c, via T = B V (nB × p)
    const T = new Float64Array(nB * p);
    for (let i = 0; i < nB; i++) {
      for (let q = 0; q < p; q++) {
        let acc = 0;
        for (let j = 0; j < k; j++) acc += B[i * k + j] * V[j * p + q];
        T[i * p + q] = (acc * s[q]) / c;
      }
    }
    for (let i = 0; i < nB; i++) {
      for (let j = 0; j < k; j++) {
        let acc = 0;
        for (let q = 0; q < p; q++) acc += T[i * p + q] * V[j * p + q];
        B[i * k + j] = acc;
      }
    }
    return `${side} ← c·U Vᵀ with c = ${c.toPrecision(4)} (σ1(F Gᵀ) = ${s1.toPrecision(4)}; σ(${side}) was ${s[0].toPrecision(3)}…${s[p - 1].toPrecision(3)})`;
  };
}

/** Options of {@link rebalance}. */
export interface RebalanceOptions {
  /** Fire the first time the relative train residual ‖A(F Gᵀ) − y‖/‖y‖ drops below τ. Default 1e-2. */
  tau?: number;
  /** Fire at this iteration instead (the residual trigger is then off). */
  at?: number;
  /** The transform (default {@link rebalanceTransform}() — docs/theory.md §5, rebalancing F). */
  transform?: RebalanceTransform;
}

/** State of {@link rebalance}: whether and when it fired. */
export interface RebalanceState {
  fired: boolean;
  firedAt: number;
}

/**
 * The one-step modification as a block (docs/theory.md §5): passes the gradient through untouched until its trigger fires;
 * then, once, transforms F and G in place (F Gᵀ unchanged), recomputes the gradient at the new factors from the
 * same residual, and records a `'rebalance'` event. Put it first in a chain: `chain(rebalance(), scale(-η))`.
 * Asymmetric model only (for X Xᵀ there is no imbalance to change).
 */
export function rebalance(o: RebalanceOptions = {}): UpdateRule<RebalanceState> {
  if (o === null || typeof o !== 'object') throw new ValidationError('rebalance options must be an object');
  const tau = o.tau ?? 1e-2;
  if (typeof tau !== 'number' || !Number.isFinite(tau) || tau <= 0) throw new ValidationError(`rebalance: tau must be a finite number > 0, got ${String(tau)}`);
  const at = o.at;
  if (at !== undefined && (typeof at !== 'number' || !Number.isInteger(at) || at < 0)) {
    throw new ValidationError(`rebalance: at must be a non-negative integer iteration, got ${String(at)}`);
  }
  const transform = o.transform ?? rebalanceTransform();
  if (typeof transform !== 'function') throw new ValidationError('rebalance: transform must be a function (see rebalanceTransform)');
  return {
    name: at !== undefined ? `rebalance(at=${at})` : `rebalance(τ=${tau})`,
    init(model: FactorModel): RebalanceState {
      if (model.kind !== 'asymmetric') throw new ValidationError('rebalance (the one-step modification) needs the asymmetric model F Gᵀ');
      return { fired: false, firedAt: -1 };
    },
    step(g: Gradient, st: RebalanceState, ctx: StepContext) {
      if (st.fired) return;
      const trigger = at !== undefined ? ctx.iter >= at : ctx.relResidual < tau;
      if (!trigger) return;
      const { model } = ctx;
      const { n1, n2, k } = model;
      // copy out (the transform allocates JS memory only, but keep wasm views out of user code)
      const F = model.F.copy(), G = model.G.copy();
      const detail = transform(F, G, n1, n2, k);
      model.F.a.set(F);
      model.G.a.set(G);
      ctx.productsAt(model.F, model.G, g.dF, g.dG);
      st.fired = true;
      st.firedAt = ctx.iter;
      ctx.addEvent('rebalance', `${at !== undefined ? `iteration trigger ${at}` : `relative residual ${ctx.relResidual.toExponential(2)} < τ = ${tau}`}: ${detail}`);
    },
  };
}

/** GD with the one-step modification: `chain(rebalance(o), scale(-η))`. */
export function gdRebalance(eta: number, o: RebalanceOptions = {}): UpdateRule<unknown[]> {
  const rule = chain(rebalance(o), scale(-checkEta(eta)));
  return { ...rule, name: `gd-rebalance(η=${eta})` };
}
