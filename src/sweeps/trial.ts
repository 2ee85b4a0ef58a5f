/**
 * One trial of a sweep: generate its problem, solve it, keep what the spec asks for. The same function runs on local
 * worker threads and in queue workers, so a trial's result does not depend on where it ran (its wall time aside).
 */
import { ValidationError } from '../errors.js';
import { createProblem, type ProblemOptions } from '../problems/generate.js';
import { psdTargetGeneralOperator } from '../problems/psd-general.js';
import type { Runtime } from '../runtime.js';
import { solveSync } from '../solvers/solve.js';
import type { SolverOptions, StopReason } from '../solvers/solver.js';
import type { SpectralRecord } from '../diagnostics/spectral.js';
import type { ResolvedKeep, Trial } from './spec.js';

/** What a finished trial keeps. Numbers that do not exist are null (JSON has no NaN). */
export interface TrialResult {
  stopReason: StopReason;
  iterations: number;
  /** Final ‖X − M*‖F/‖M*‖F. */
  relError: number | null;
  /** Final ‖A(X) − y‖/‖y‖. */
  relResidual: number | null;
  /** Final held-out test error (when the problem has test measurements). */
  testError: number | null;
  /** First iteration with relative error ≤ each of `keep.thresholds`, in order; null: never. */
  itersTo: (number | null)[];
  /** relError ≤ keep.success. */
  success: boolean;
  /** Wall time of the iterations (ms) — the one field that depends on where the trial ran. */
  timeMs: number;
  warnings: string[];
  /** Notable events of the run (a one-step modification firing, say). */
  events: { iter: number; kind: string }[];
  /** The step size the method used (when it has one). */
  eta: number | null;
  /**
   * With keep.record: every keep.recordEvery-th iterate (and the last); timeMs since the run started; the imbalance
   * ‖FᵀF − GᵀG‖F for the F Gᵀ model.
   */
  record?: { iter: number[]; relError: number[]; relResidual: number[]; timeMs: number[]; imbalance?: number[] };
  /** With solver.diagnosticsEvery: the singular values of the estimate at each sample, and the phase estimates. */
  spectral?: { iter: number[]; svProduct: number[][]; phases: { alignmentEnd: number | null; saddleEscapeEnd: number | null; notes: string[] } };
}

/** The outcome of a trial: its result, or the error that stopped it (a bad parameter combination, say). */
export type TrialOutcome = { result: TrialResult; error?: undefined } | { error: string; result?: undefined };

const finiteOrNull = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

/** The trial's problem: the generator's, or (generalOperator) a PSD target under a general Gaussian operator. */
function makeProblem(rt: Runtime, p: Trial['problem']) {
  const { generalOperator, ...options } = p;
  if (!generalOperator) return createProblem(rt, options as unknown as ProblemOptions);
  const allowed = ['n1', 'n2', 'r', 'm', 'kappa', 'symmetric', 'seed', 'operator'];
  const extra = Object.keys(options).filter((k) => !allowed.includes(k));
  if (options.symmetric !== true || (options.operator ?? 'gaussian') !== 'gaussian' || (options.n2 ?? options.n1) !== options.n1 || extra.length) {
    throw new ValidationError(`generalOperator applies to a symmetric target under the Gaussian operator (n2 = n1), without ${extra.join(', ') || 'other options'}`);
  }
  return psdTargetGeneralOperator(rt, { n: options.n1 as number, r: options.r as number, m: options.m as number, kappa: options.kappa as number | undefined, seed: (options.seed as number | undefined) ?? 0 });
}

/** The solve options of a trial (defaults: k = r, the library's for the rest). */
export function trialSolverOptions(t: Trial): SolverOptions {
  const s = t.solver as Record<string, unknown>;
  const init: NonNullable<SolverOptions['init']> = {};
  if (s.init !== undefined) init.kind = s.init as 'random' | 'spectral';
  if (s.alpha !== undefined) init.alpha = s.alpha as number;
  if (s.beta !== undefined) init.beta = s.beta as number;
  if (s.initSeed !== undefined) init.seed = s.initSeed as number;
  const o: SolverOptions = { k: (s.k as number | undefined) ?? (t.problem.r as number), init };
  for (const key of ['method', 'model', 'eta', 'precision', 'maxIter', 'tol', 'errorTol', 'diagnosticsEvery'] as const) {
    if (s[key] !== undefined) (o as unknown as Record<string, unknown>)[key] = s[key];
  }
  if (s.params !== undefined) o.params = { ...(s.params as Record<string, number>) };
  return o;
}

/**
 * Run one trial on `rt`. A ValidationError (a parameter combination the library refuses: r > n, an unknown method…)
 * is the trial's deterministic outcome and is kept as its `error`; anything else (out of memory, a bug) propagates:
 * the trial is not recorded and a rerun tries it again.
 */
export function runTrial(rt: Runtime, trial: Trial, keep: ResolvedKeep): TrialOutcome {
  let problem;
  try {
    problem = makeProblem(rt, trial.problem);
  } catch (e) {
    if (e instanceof ValidationError) return { error: `${e.name}: ${e.message}` };
    throw e;
  }
  try {
    const opts = trialSolverOptions(trial);
    const etaScale = trial.solver.etaScale as number | undefined;
    if (etaScale !== undefined) {
      // the method's default step for this problem (it depends on the data, not on the init), scaled
      if (opts.eta !== undefined || opts.params?.eta !== undefined) throw new ValidationError('etaScale scales the default step size: give eta or etaScale, not both');
      const probe = solveSync(rt, problem, { ...opts, maxIter: 1, diagnosticsEvery: 0 });
      if (probe.eta === undefined) throw new ValidationError(`etaScale: method '${probe.method}' has no step size`);
      opts.eta = probe.eta * etaScale;
    }
    const res = solveSync(rt, problem, opts);
    const rec = res.record;
    const n = rec.iter.length;
    const err = rec.relError;
    const itersTo = keep.thresholds.map((th) => {
      if (!err) return null;
      for (let i = 0; i < n; i++) if (err[i]! <= th) return rec.iter[i]!;
      return null;
    });
    const relError = finiteOrNull(err?.[n - 1]);
    const result: TrialResult = {
      stopReason: res.stopReason, iterations: res.iterations, relError, relResidual: finiteOrNull(rec.relResidual[n - 1]),
      testError: finiteOrNull(rec.testError?.[n - 1]), itersTo, success: relError !== null && relError <= keep.success,
      timeMs: res.timeMs, warnings: res.warnings, events: res.events.map((e) => ({ iter: e.iter, kind: e.kind })),
      eta: res.eta ?? null,
    };
    const sp = res.diagnostics.spectral as SpectralRecord | undefined;
    if (sp) {
      result.spectral = {
        iter: [...sp.iter], svProduct: sp.svProduct.map((v) => Array.from(v, (x) => finiteOrNull(x) as number)),
        phases: { alignmentEnd: sp.phases.alignmentEnd ?? null, saddleEscapeEnd: sp.phases.saddleEscapeEnd ?? null, notes: sp.phases.notes },
      };
    }
    if (keep.record) {
      const idx: number[] = [];
      for (let i = 0; i < n; i += keep.recordEvery) idx.push(i);
      if (idx[idx.length - 1] !== n - 1) idx.push(n - 1);
      result.record = {
        iter: idx.map((i) => rec.iter[i]!),
        relError: idx.map((i) => finiteOrNull(err?.[i]) as number),
        relResidual: idx.map((i) => finiteOrNull(rec.relResidual[i]) as number),
        timeMs: idx.map((i) => rec.timeMs[i]!),
        ...(rec.imbalance ? { imbalance: idx.map((i) => finiteOrNull(rec.imbalance![i]) as number) } : {}),
      };
    }
    return { result };
  } catch (e) {
    if (e instanceof ValidationError) return { error: `${e.name}: ${e.message}` };
    throw e;
  } finally {
    problem.dispose();
  }
}
