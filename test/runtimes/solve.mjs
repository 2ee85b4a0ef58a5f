// The README example in small, run the same way under Node, Deno, Bun (test/runtimes/print-solve.mjs) and, with the
// kernels imported as a module, workerd (test/runtimes/workerd-worker.mjs): a fixed-seed problem and solve on the baseline kernels, printed as JSON with every bit of the result
// that matters (hex of the final factors' f64 bits), so that runtimes can be compared bit for bit.
import { createProblem, createRuntime, solveSync } from '../../dist/index.js';

/** Run the check; `module`: the compiled baseline kernels, for runtimes that cannot compile wasm from bytes. */
export async function run(module) {
  const rt = await createRuntime(module ? { module } : { simd: 'baseline' });
  const problem = createProblem(rt, { n1: 12, n2: 10, r: 2, m: 150, kappa: 2, seed: 7, mTest: 20 });
  const res = solveSync(rt, problem, { k: 4, init: { alpha: 1e-3, seed: 3 }, maxIter: 300, tol: 1e-10 });
  problem.dispose();
  const bits = (a) => Array.from(new Uint32Array(Float64Array.from(a).buffer)).map((w) => w.toString(16).padStart(8, '0')).join('');
  let h = 0x811c9dc5;
  for (const c of bits(res.F) + bits(res.G)) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return { variant: rt.kernelVariant, stopReason: res.stopReason, iterations: res.iterations, relError: res.record.relError.at(-1), testError: res.record.testError.at(-1), factorsHash: h.toString(16) };
}
