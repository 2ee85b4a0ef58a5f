/**
 * AGN, approximated Gauss–Newton (Jia, Feng, Meng & Sun 2024; docs/theory.md §6), asymmetric model. Two half-steps per
 * iteration, the second at the updated F:
 *
 *     F_new = F − η E(F, G) G (GᵀG)⁺
 *     G_new = G − η E(F_new, G)ᵀ F_new (F_newᵀ F_new)⁺
 *
 * Descent for η ≤ 2/(1 + δ) (δ: RIP constant); with an exact isometry (A*A = I) and η = 1, one iteration recovers
 * M* (F_new Gᵀ = M* P_col(G), then F_new G_newᵀ = P_col(F_new) M* = M*). It needs the residual twice per iteration:
 * the second pass goes through `ctx.passAt`. The pseudo-inverses are symmetric-eigen pseudo-inverses of
 * the k × k Grams with relative cutoff `rcond` (AGN's overparameterized F_new is rank-deficient, so Cholesky is not
 * used). A rule that does not factor into blocks, so it is a single block.
 *
 * Memory: F_new (n1 × k) and the k × k Gram live in the runtime (allocated in `init`); each pseudo-inverse allocates
 * O(k²) JS temporaries.
 */
import { ValidationError } from '../errors.js';
import { pinvSym } from '../linalg/cholesky.js';
import type { F64Buf, Runtime } from '../runtime.js';
import { checkEta } from './blocks.js';
import type { FactorModel, Gradient, StepContext, UpdateRule } from './types.js';

/** State of {@link agn}. */
export interface AgnState {
  Fnew: F64Buf;
  gram: F64Buf;
  /** k-row scratch for B · P (one row at a time). */
  row: Float64Array;
}

/** Default relative eigenvalue cutoff of AGN's pseudo-inverses. */
export const AGN_RCOND = 1e-12;

/** out (rows × k) ← B (rows × k) · P (k × k), in place row by row. */
function rightMultiply(B: Float64Array, rows: number, P: Float64Array, k: number, row: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    for (let j = 0; j < k; j++) row[j] = B[o + j];
    for (let j = 0; j < k; j++) {
      let acc = 0;
      for (let q = 0; q < k; q++) acc += row[q] * P[q * k + j];
      B[o + j] = acc;
    }
  }
}

/** AGN with step η (see the module doc); `rcond` is the pseudo-inverse's relative cutoff (default 1e-12). */
export function agn(eta: number, rcond = AGN_RCOND): UpdateRule<AgnState> {
  checkEta(eta);
  if (typeof rcond !== 'number' || !Number.isFinite(rcond) || rcond < 0 || rcond >= 1) {
    throw new ValidationError(`agn: rcond must be a finite number in [0, 1), got ${String(rcond)}`);
  }
  return {
    name: `agn(η=${eta})`,
    init(model: FactorModel, rt: Runtime): AgnState {
      if (model.kind !== 'asymmetric') throw new ValidationError('agn needs the asymmetric model F Gᵀ');
      return { Fnew: rt.f64(model.n1 * model.k), gram: rt.f64(model.k * model.k), row: new Float64Array(model.k) };
    },
    step(g: Gradient, st: AgnState, ctx: StepContext) {
      const { model } = ctx, K = ctx.rt.kernels, { n1, n2, k } = model;
      // first half-step: dF = −η E G (GᵀG)⁺
      K.gram_f64(st.gram.ptr, model.G.ptr, n2, k);
      rightMultiply(g.dF.a, n1, pinvSym(st.gram.a, k, rcond), k, st.row);
      K.scal_f64(g.dF.ptr, -eta, g.dF.length);
      // F_new = F + dF; residual at (F_new, G)
      st.Fnew.a.set(model.F.a);
      K.axpy_f64(st.Fnew.ptr, g.dF.ptr, 1, st.Fnew.length);
      // second half-step: dG = −η E(F_new, G)ᵀ F_new (F_newᵀ F_new)⁺, E(F_new, G) from one more pass
      ctx.passAt(st.Fnew, model.G, { EtF: g.dG });
      K.gram_f64(st.gram.ptr, st.Fnew.ptr, n1, k);
      rightMultiply(g.dG.a, n2, pinvSym(st.gram.a, k, rcond), k, st.row);
      K.scal_f64(g.dG.ptr, -eta, g.dG.length);
    },
    dispose(st: AgnState) { st.Fnew.free(); st.gram.free(); },
  };
}
