/** One-shot wrappers around {@link Solver}: create, run, collect, free. */
import type { Problem } from '../problems/problem.js';
import type { Runtime } from '../runtime.js';
import { Solver, type Progress, type RunResult, type SolverOptions } from './solver.js';

/** Options of {@link solve}: the solver's plus progress reporting and cancellation. */
export interface SolveOptions extends SolverOptions {
  /** Called at most every `progressEveryMs` (default 200 ms) and once at the end. */
  onProgress?: (p: Progress) => void;
  progressEveryMs?: number;
  /** Cancels the run; it then ends cleanly with stopReason 'aborted'. */
  signal?: AbortSignal;
}

/** Run a method on a problem and return the result (the runtime memory of the run is freed afterwards). */
export async function solve(rt: Runtime, problem: Problem, opts: SolveOptions): Promise<RunResult> {
  const { onProgress, progressEveryMs, signal, ...solverOptions } = opts ?? ({} as SolveOptions);
  const s = new Solver(rt, problem, solverOptions);
  try {
    s.setup();
    return await s.runAsync({ onProgress, progressEveryMs, signal });
  } finally {
    s.dispose();
  }
}

/** Synchronous {@link solve} (no progress, no cancellation): for scripts and tests. */
export function solveSync(rt: Runtime, problem: Problem, opts: SolverOptions): RunResult {
  const s = new Solver(rt, problem, opts);
  try {
    return s.setup().run();
  } finally {
    s.dispose();
  }
}

/** A solver handle for step-by-step control: `createSolver(rt, p, o).setup().step()`. */
export function createSolver(rt: Runtime, problem: Problem, opts: SolverOptions): Solver {
  return new Solver(rt, problem, opts);
}
