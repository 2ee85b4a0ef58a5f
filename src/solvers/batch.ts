/**
 * Batched runs (docs/theory.md §8): B trajectories over one problem — an α sweep, several seeds,
 * widths or methods — advance together in the one solver loop, and each operator pass serves all of them (a dense
 * operator reads A once for the B residual vectors and residual matrices: matrix–matrix instead of B matrix–vector
 * products). Each trajectory keeps its own factors, rule, stopping rules, record, warnings and callbacks, and its
 * result is exactly what a single run with the same options returns; a trajectory that stops leaves the pass.
 */
import { ValidationError } from '../errors.js';
import type { Problem } from '../problems/problem.js';
import type { Runtime } from '../runtime.js';
import { checkKeys } from '../validate.js';
import { LOOP_KEYS, SolverCore, TRAJECTORY_KEYS, type LoopOptions, type Progress, type RunResult, type TrajectoryOptions } from './solver.js';

/** One trajectory of a batch: everything not given is taken from the batch options. */
export type TrajectorySpec = TrajectoryOptions;

/** Options of {@link BatchSolver}: the loop's, defaults for every trajectory, and the trajectories. */
export interface BatchOptions extends LoopOptions, Omit<TrajectoryOptions, 'callbacks' | 'label'> {
  /** The trajectories (B ≥ 1). Callbacks hold state, so they are given per trajectory. */
  trajectories: TrajectorySpec[];
}

/** A batch result: one RunResult per trajectory, in the order given. */
export type BatchResult = RunResult[];

/** The trajectories with the batch defaults filled in (params and init merged, the trajectory's own winning). */
function trajectoriesOf(o: BatchOptions): TrajectoryOptions[] {
  if (o === null || typeof o !== 'object' || !Array.isArray(o.trajectories) || o.trajectories.length === 0) {
    throw new ValidationError('batch options need a non-empty trajectories array');
  }
  if ('callbacks' in o) throw new ValidationError('callbacks hold state: give them per trajectory (trajectories[i].callbacks)');
  checkKeys('batch options', o, [...LOOP_KEYS, ...TRAJECTORY_KEYS.filter((k) => k !== 'callbacks' && k !== 'label'), 'trajectories']);
  const { trajectories, params, init, ...defaults } = o;
  for (const k of LOOP_KEYS) delete (defaults as Record<string, unknown>)[k];
  return trajectories.map((s, i) => {
    if (s === null || typeof s !== 'object') throw new ValidationError(`trajectories[${i}] must be an object`);
    checkKeys(`trajectories[${i}]`, s, TRAJECTORY_KEYS);
    const eta = s.eta ?? o.eta;
    const merged: TrajectoryOptions = { ...defaults, ...s, params: { ...(params ?? {}), ...(s.params ?? {}) } };
    if (eta !== undefined) merged.eta = eta;
    // as in a single run: a given init replaces the method's default init (e.g. scaledgd's spectral init)
    if (init || s.init) merged.init = { ...(init ?? {}), ...(s.init ?? {}) };
    return merged;
  });
}

/** B trajectories in one loop. Handle API as {@link Solver}: `setup()`, `step()` until false, `finalize()`, `dispose()`. */
export class BatchSolver extends SolverCore {
  readonly B: number;

  constructor(rt: Runtime, problem: Problem, readonly opts: BatchOptions) {
    const trajs = trajectoriesOf(opts);
    const loop: LoopOptions = {};
    for (const k of LOOP_KEYS) if (opts[k] !== undefined) (loop as Record<string, unknown>)[k] = opts[k];
    super(rt, problem, loop, trajs);
    this.B = trajs.length;
  }

  /** Run every trajectory to its end. */
  run(): BatchResult {
    this.runLoop();
    return this.finalize();
  }

  /** Run, yielding to the event loop (progress of every trajectory, AbortSignal as `Solver.runAsync`). */
  async runAsync(o: { onProgress?: (p: Progress[]) => void; progressEveryMs?: number; yieldEveryMs?: number; signal?: AbortSignal } = {}): Promise<BatchResult> {
    const onProgress = o?.onProgress;
    await this.runLoopAsync({ ...o, onProgress: onProgress ? () => onProgress(this.progressAll()) : undefined });
    return this.finalize();
  }

  /** One RunResult per trajectory (copies out of wasm memory). */
  finalize(): BatchResult { return this.results(); }
}

/** Run B trajectories over one problem (one-shot: create, run, free); synchronous operators. */
export function solveBatch(rt: Runtime, problem: Problem, opts: BatchOptions): BatchResult {
  const s = new BatchSolver(rt, problem, opts);
  try { return s.setup().run(); } finally { s.dispose(); }
}

/** {@link solveBatch} for any operator, yielding to the event loop (progress, AbortSignal). */
export async function solveBatchAsync(rt: Runtime, problem: Problem, opts: BatchOptions & { onProgress?: (p: Progress[]) => void; progressEveryMs?: number; signal?: AbortSignal }): Promise<BatchResult> {
  const { onProgress, progressEveryMs, signal, ...rest } = opts;
  const s = new BatchSolver(rt, problem, rest);
  try { s.setup(); return await s.runAsync({ onProgress, progressEveryMs, signal }); } finally { s.dispose(); }
}
