/** Plain gradient descent (docs/theory.md §3): the update is −η ∇f. */
import { chain, checkEta, scale } from './blocks.js';
import type { UpdateRule } from './types.js';

/** Gradient descent with step size η: `chain(scale(-η))`. */
export function gd(eta: number): UpdateRule<unknown[]> {
  const rule = chain(scale(-checkEta(eta)));
  return { ...rule, name: `gd(η=${eta})` };
}
