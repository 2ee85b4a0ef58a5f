/** Gram mode for a problem: the same problem with its operator replaced by G = AᵀA and c = Aᵀy. */
import { GramOperator, type GramOptions } from '../operators/gram.js';
import type { Runtime } from '../runtime.js';
import type { Problem } from './problem.js';

/**
 * A view of `problem` whose operator is the Gram operator of its operator (see {@link GramOperator}): each pass then
 * costs O((n1·n2)²) whatever m. The view shares y, M* and the test data; its dispose frees only G (dispose the
 * original problem yourself, which also makes the view unusable).
 */
export async function withGram(rt: Runtime, problem: Problem, o: GramOptions = {}): Promise<Problem> {
  problem.checkLive();
  return problem.withOperator(await GramOperator.create(rt, problem.op, problem.y, o));
}
