/** Elementary update-rule blocks and their composition. */
import { ValidationError } from '../errors.js';
import type { Gradient, StepContext, UpdateRule, FactorModel } from './types.js';
import type { Runtime } from '../runtime.js';

/** Multiply the update by `c` (e.g. `scale(-eta)` makes gradient descent). */
export function scale(c: number): UpdateRule<null> {
  if (!Number.isFinite(c)) throw new ValidationError(`scale factor must be finite, got ${c}`);
  return {
    name: `scale(${c})`,
    init: () => null,
    step(g: Gradient, _s: null, ctx: StepContext) {
      const k = ctx.rt.kernels;
      k.scal_f64(g.dF.ptr, c, g.dF.length);
      if (ctx.model.kind === 'asymmetric') k.scal_f64(g.dG.ptr, c, g.dG.length);
    },
  };
}

/** Apply blocks in order to the same update buffers (Optax `chain`). */
export function chain(...rules: UpdateRule<any>[]): UpdateRule<unknown[]> {
  if (rules.length === 0) throw new ValidationError('chain() needs at least one rule');
  return {
    name: rules.map((r) => r.name).join(' ∘ '),
    init: (model: FactorModel, rt: Runtime) => rules.map((r) => r.init(model, rt)),
    step(g: Gradient, states: unknown[], ctx: StepContext) {
      for (let i = 0; i < rules.length; i++) rules[i].step(g, states[i], ctx);
    },
    dispose(states: unknown[]) {
      for (let i = 0; i < rules.length; i++) rules[i].dispose?.(states[i]);
    },
  };
}

/** Check a step size: finite and > 0. */
export function checkEta(eta: unknown, name = 'eta'): number {
  if (typeof eta !== 'number' || !Number.isFinite(eta) || eta <= 0) {
    throw new ValidationError(`${name} (step size) must be a finite number > 0, got ${String(eta)}`);
  }
  return eta;
}
