/** Problem generation with the operator's rows generated (and later processed) by worker threads. */
import type { Problem } from '../problems/problem.js';
import { createProblem, createProblemAsync, normalizeProblemOptions, type ProblemOptions } from '../problems/generate.js';
import { ParallelDenseOperator, type ParallelOptions } from '../operators/parallel.js';
import { MessageDenseOperator } from '../operators/message.js';
import { STREAM } from '../random.js';
import type { Runtime } from '../runtime.js';
import { ValidationError } from '../errors.js';

/**
 * {@link createProblem} with a {@link ParallelDenseOperator}: same seed → the same operator bits, M*, y as the
 * single-threaded generator, for any thread count and memory mode. `problem.dispose()` stops the workers.
 * For a shared-memory operator pass a runtime created with `{ shared: true }`. Where SharedArrayBuffer does not exist
 * (a browser page that is not cross-origin isolated), or with `memory: 'message'`, the operator is a
 * {@link MessageDenseOperator}: workers that own their rows and exchange vectors by message (asynchronous passes).
 */
export async function createProblemParallel(rt: Runtime, options: ProblemOptions & ParallelOptions): Promise<Problem> {
  const o = normalizeProblemOptions(options);
  if (o.operator !== 'gaussian') throw new ValidationError("createProblemParallel needs operator: 'gaussian'");
  const memory = options.memory ?? (typeof SharedArrayBuffer === 'undefined' ? 'message' : 'auto');
  if (memory === 'message') {
    const mop = await MessageDenseOperator.gaussian(rt, { m: o.m, n1: o.n1, n2: o.n2, symmetric: o.symmetric, seed: o.seed, stream: STREAM.operator, threads: options.threads });
    let p: Problem | undefined;
    try {
      p = await createProblemAsync(rt, options, mop);
      const adjointOfY = new Float64Array(o.n1 * o.n2);
      await mop.adjointAsync(p.y.a, adjointOfY);
      return { ...p, adjointOfY };
    } catch (e) {
      if (p) p.dispose(); else mop.dispose();
      throw e;
    }
  }
  const op = await ParallelDenseOperator.gaussian(rt, {
    m: o.m, n1: o.n1, n2: o.n2, symmetric: o.symmetric, seed: o.seed, stream: STREAM.operator,
    threads: options.threads, memory, maxBatch: options.maxBatch,
  });
  try {
    return createProblem(rt, options, op);
  } catch (e) {
    op.dispose();
    throw e;
  }
}
