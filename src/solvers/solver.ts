/**
 * The one solver loop (after PyLops' Solver): `setup / step / run / finalize` for B ≥ 1 trajectories over one
 * problem. Each step asks the operator one factor-form pass for every running trajectory (src/operators/pass.ts:
 * residual norms and gradient products, B trajectories per read of the operator), then advances each trajectory:
 * its diagnostics (callbacks), its stopping rules, its update rule. A trajectory that stops leaves the next pass.
 * `solve` runs one trajectory, `solveBatch` several; nothing else differs.
 *
 * Memory is sized and checked before anything is allocated (`memoryUsage()`), and iterations after the first
 * allocate no runtime memory. The solver never forms an n1 × n2 matrix itself.
 */
import { CheapMetrics, type RunRecord } from '../diagnostics/record.js';
import type { Callback, EstimateFactors, IterateState } from '../diagnostics/callback.js';
import { RecoveryWarnings } from '../diagnostics/recovery.js';
import { SpectralDiagnostics } from '../diagnostics/spectral.js';
import { MatsenseError, OutOfMemoryError, StateError, ValidationError, formatBytes } from '../errors.js';
import { checkPrecision, type PassItem, type PassWorkspace, type Precision } from '../operators/pass.js';
import type { Problem } from '../problems/problem.js';
import { getMethod, validateParams } from '../registry.js';
import type { FactorModel, Gradient, StepContext, UpdateRule } from '../rules/types.js';
import { Runtime, type F64Buf } from '../runtime.js';
import { checkKeys, finiteNumber, nonNegativeInt, positiveInt } from '../validate.js';
import { resolveInit, type InitOptions } from './init.js';

/** Why a run ended. */
export type StopReason = 'converged' | 'error-tolerance' | 'max-iterations' | 'diverged' | 'aborted';

/** A notable event during a run (e.g. a one-step modification firing). */
export interface RunEvent {
  iter: number;
  kind: string;
  detail?: string;
}

/** Options of one trajectory (a single run has one; a batch has several). */
export interface TrajectoryOptions {
  /** Width k ≥ 1 of the factors. */
  k?: number;
  /** A registered method name (default 'gd'); ignored when `rule` is given. */
  method?: string;
  /** Hyper-parameters of the method (e.g. `{ eta: 0.1 }`); validated against the method's specs. */
  params?: Record<string, number | undefined>;
  /** Shortcut for `params.eta`. */
  eta?: number;
  /** A custom update rule (composed from blocks) instead of a registered method. */
  rule?: UpdateRule<any>;
  init?: InitOptions;
  /** Extra diagnostics callbacks (the cheap metrics and the recovery warnings are always recorded). */
  callbacks?: Callback[];
  /**
   * Record the SVD-based spectral diagnostics every K iterations into `RunResult.diagnostics.spectral`
   * (a {@link SpectralDiagnostics} callback with `every: K`). Default 0: off.
   */
  diagnosticsEvery?: number;
  /**
   * Asymmetric model on an operator that sees only symmetric matrices: report sym(F Gᵀ) = (F Gᵀ + G Fᵀ)/2 as the
   * estimate. Such an operator cannot see the antisymmetric part of F Gᵀ, so it is never fitted; the residual and the
   * gradient are unchanged by this. Default true.
   */
  symmetrizeEstimate?: boolean;
  /** A name for this trajectory in reports. */
  label?: string;
}

/** Options of the loop, shared by every trajectory. */
export interface LoopOptions {
  /** 'asymmetric' (F Gᵀ) or 'symmetric' (X Xᵀ; needs a square problem). Default: symmetric iff the problem is. */
  model?: 'asymmetric' | 'symmetric';
  /** Maximum number of updates. Default 1000. */
  maxIter?: number;
  /** Stop when ‖A(X) − y‖/‖y‖ ≤ tol. Default 1e-10; 0 disables. */
  tol?: number;
  /** Stop when ‖X − M*‖_F/‖M*‖_F ≤ errorTol (only when M* is known). Default 0 (off). */
  errorTol?: number;
  /** Stop as diverged when the loss exceeds this multiple of max(f(X0), ½‖y‖²), or is not finite. Default 1e8. */
  divergenceFactor?: number;
  /** Arithmetic of the operator passes (see {@link Precision}). Default 'mixed'. */
  precision?: Precision;
}

/** Options of a single run. Everything is validated in the constructor, before any allocation. */
export interface SolverOptions extends TrajectoryOptions, LoopOptions {
  k: number;
}

/** What a finished run returns. Arrays are JS-owned copies. */
export interface RunResult {
  method: string;
  model: 'asymmetric' | 'symmetric';
  n1: number;
  n2: number;
  k: number;
  /** Step size used (when the method has one). */
  eta?: number;
  /** Resolved hyper-parameters. */
  params: Record<string, number>;
  /** F (n1 × k); for the symmetric model this is X. */
  F: Float64Array;
  /** G (n2 × k), asymmetric model only. */
  G?: Float64Array;
  /**
   * The estimate F Gᵀ (X Xᵀ; sym(F Gᵀ) when symmetrized), n1 × n2 row-major — formed from the factors on first
   * access (n1·n2 numbers: for very large problems use F and G instead).
   */
  readonly estimate: Float64Array;
  record: RunRecord;
  /** Number of updates performed. */
  iterations: number;
  stopReason: StopReason;
  /** One sentence saying why the run stopped. */
  message: string;
  events: RunEvent[];
  warnings: string[];
  /** Results of named callbacks (e.g. the spectral diagnostics), keyed by callback name. */
  diagnostics: Record<string, unknown>;
  /** Wall time of the iterations (ms). */
  timeMs: number;
  /** The trajectory's label (batches). */
  label?: string;
}

/** Progress snapshot of one trajectory. */
export interface Progress {
  iter: number;
  maxIter: number;
  loss: number;
  relResidual: number;
  relError?: number;
  elapsedMs: number;
  done: boolean;
  stopReason?: StopReason;
}

const DEFAULTS = { maxIter: 1000, tol: 1e-10, errorTol: 0, divergenceFactor: 1e8 };
const LOOP_KEYS = ['model', 'maxIter', 'tol', 'errorTol', 'divergenceFactor', 'precision'] as const;
/** Every key of {@link TrajectoryOptions} and {@link InitOptions} (unknown keys are errors: a typo must not run the default). */
export const TRAJECTORY_KEYS = ['k', 'method', 'params', 'eta', 'rule', 'init', 'callbacks', 'diagnosticsEvery', 'symmetrizeEstimate', 'label'] as const;
export const INIT_KEYS = ['kind', 'spectralIters', 'spectralOversample', 'alpha', 'beta', 'normalizer', 'seed', 'F0', 'G0', 'X0'] as const;
export { LOOP_KEYS };

/**
 * The stopping rules, checked after the iterate's diagnostics are recorded: the residual tolerance, the error
 * tolerance (only with M*), an abort, the iteration budget — in this order.
 * @returns the reason and its sentence, or undefined to go on
 */
export function stopCheck(
  o: { readonly tol: number; readonly errorTol: number; readonly maxIter: number; readonly aborted: boolean },
  t: number, rel: number, relErr: number | undefined,
): [StopReason, string] | undefined {
  if (o.tol > 0 && rel <= o.tol) return ['converged', `relative residual ${rel.toExponential(2)} ≤ tol ${o.tol}`];
  if (o.errorTol > 0 && relErr !== undefined && relErr <= o.errorTol) return ['error-tolerance', `relative error ${relErr.toExponential(2)} ≤ errorTol ${o.errorTol}`];
  if (o.aborted) return ['aborted', `aborted by the caller after ${t} iterations`];
  if (t >= o.maxIter) return ['max-iterations', `reached maxIter = ${o.maxIter} (relative residual ${rel.toExponential(2)})`];
  return undefined;
}

/** A trajectory as resolved from its options (nothing allocated yet). */
interface Plan {
  index: number;
  label?: string;
  k: number;
  methodName: string;
  rule?: UpdateRule<any>;
  method?: ReturnType<typeof getMethod>;
  params: Record<string, number | undefined>;
  init: InitOptions;
  callbacks: Callback[];
  diagnosticsEvery: number;
  symmetrize: boolean;
}

/** A trajectory's buffers and state once set up. */
interface Trajectory extends Plan {
  model: FactorModel;
  grad: Gradient;
  /** The previous iterate, kept for a roll-back should the next one diverge. */
  bF: F64Buf;
  bG: F64Buf;
  /** The symmetrized estimate's factors [F, G] and [½G, ½F] (width 2k), when symmetrizing. */
  est?: { F: F64Buf; G: F64Buf };
  estFresh: boolean;
  rule: UpdateRule<any>;
  ruleState: unknown;
  ruleParams: Record<string, number>;
  eta?: number;
  ctx: StepContext;
  metrics: CheapMetrics;
  all: Callback[];
  t: number;
  lossRef: number;
  stop?: { reason: StopReason; message: string };
  events: RunEvent[];
}

/**
 * The loop itself, for B ≥ 1 trajectories. {@link Solver} (one trajectory) and {@link BatchSolver} (several) are its
 * two faces; they differ only in how their options are written and what `finalize` returns.
 */
export abstract class SolverCore {
  readonly kind: 'asymmetric' | 'symmetric';
  readonly maxIter: number;
  readonly tol: number;
  readonly errorTol: number;
  readonly divergenceFactor: number;
  readonly precision: Precision;
  /** Passes asked of the operator so far (a main pass serves every running trajectory; AGN adds one per trajectory). */
  passes = 0;
  private readonly plans: Plan[];
  private trajs: Trajectory[] = [];
  private active: Trajectory[] = [];
  private items: PassItem[] = [];
  private rr: Float64Array;
  private workspace?: PassWorkspace;
  private state: 'new' | 'ready' | 'done' | 'disposed' = 'new';
  private aborted = false;
  private passPending = false;
  private t0 = 0;

  constructor(readonly rt: Runtime, readonly problem: Problem, loop: LoopOptions, trajectories: TrajectoryOptions[]) {
    if (!(rt instanceof Runtime)) throw new ValidationError('the first argument must be a Runtime (createRuntime())');
    if (rt.isDisposed) throw new StateError('this runtime has been disposed');
    if (problem === null || typeof problem !== 'object' || typeof (problem as Problem).checkLive !== 'function') {
      throw new ValidationError(`the problem must be a Problem (createProblem, problemFromData, …), got ${problem === null ? 'null' : typeof problem}`);
    }
    problem.checkLive();
    this.kind = loop.model ?? (problem.symmetric ? 'symmetric' : 'asymmetric');
    if (this.kind !== 'asymmetric' && this.kind !== 'symmetric') throw new ValidationError(`model must be 'asymmetric' or 'symmetric', got ${String(this.kind)}`);
    if (this.kind === 'symmetric' && problem.n1 !== problem.n2) throw new ValidationError(`the symmetric model X Xᵀ needs a square problem, got ${problem.n1} × ${problem.n2}`);
    this.maxIter = nonNegativeInt('maxIter', loop.maxIter ?? DEFAULTS.maxIter);
    this.tol = finiteNumber('tol', loop.tol ?? DEFAULTS.tol, { min: 0 });
    this.errorTol = finiteNumber('errorTol', loop.errorTol ?? DEFAULTS.errorTol, { min: 0 });
    this.divergenceFactor = finiteNumber('divergenceFactor', loop.divergenceFactor ?? DEFAULTS.divergenceFactor, { min: 1, exclusiveMin: true });
    this.precision = checkPrecision(loop.precision ?? 'mixed');
    if (!Array.isArray(trajectories) || trajectories.length === 0) throw new ValidationError('at least one trajectory is needed');
    this.plans = trajectories.map((o, i) => this.plan(o, i));
    this.rr = new Float64Array(this.plans.length);
  }

  /** Resolve and validate one trajectory's options (no allocation). */
  private plan(o: TrajectoryOptions, index: number): Plan {
    if (o === null || typeof o !== 'object') throw new ValidationError(`trajectory ${index}: options must be an object`);
    const p = this.problem;
    const k = positiveInt('k', o.k);
    if (k > Math.max(p.n1, p.n2)) throw new ValidationError(`k = ${k} exceeds max(n1, n2) = ${Math.max(p.n1, p.n2)}`);
    const params = { ...(o.params ?? {}), ...(o.eta !== undefined ? { eta: o.eta } : {}) };
    let methodName: string, method: Plan['method'], defaultInit: InitOptions | undefined;
    if (o.rule) {
      if (typeof o.rule !== 'object' || typeof o.rule.step !== 'function' || typeof o.rule.init !== 'function') throw new ValidationError('rule must be an update rule ({ name, init, step })');
      methodName = o.rule.name;
    } else {
      method = getMethod(o.method ?? 'gd');
      methodName = method.name;
      defaultInit = method.defaultInit;
      if (!method.models.includes(this.kind)) throw new ValidationError(`method '${method.name}' does not support the ${this.kind} model (supports: ${method.models.join(', ')})`);
      validateParams(method, params);
      if (!p.op.synchronous && (method.passesPerIteration ?? 1) > 1) {
        throw new ValidationError(`method '${method.name}' makes ${method.passesPerIteration} operator passes per iteration, the extra ones inside its update, ` +
          `which an operator with asynchronous passes (${p.op.describe()}: workers that exchange vectors by message) cannot serve; ` +
          `use shared or private memory (a cross-origin-isolated page, in a Web Worker, in browsers)`);
      }
    }
    if (o.init !== undefined) checkKeys('init', o.init, INIT_KEYS);
    if (o.params !== undefined && (o.params === null || typeof o.params !== 'object')) throw new ValidationError(`params must be an object, got ${o.params === null ? 'null' : typeof o.params}`);
    const callbacks = o.callbacks ?? [];
    if (!Array.isArray(callbacks)) throw new ValidationError('callbacks must be an array');
    const every = nonNegativeInt('diagnosticsEvery', o.diagnosticsEvery ?? 0);
    const sym = o.symmetrizeEstimate ?? true;
    if (typeof sym !== 'boolean') throw new ValidationError(`symmetrizeEstimate must be a boolean, got ${String(sym)}`);
    return {
      index, label: o.label, k, methodName, rule: o.rule, method, params, init: o.init ?? defaultInit ?? {},
      callbacks, diagnosticsEvery: every,
      symmetrize: this.kind === 'asymmetric' && p.op.seesOnlySymmetric && sym,
    };
  }

  /** Bytes this run will allocate in the runtime (the operator's workspace, factors, metrics' buffers). */
  memoryUsage(): number {
    const p = this.problem, b = Runtime.blockBytes, { n1, n2 } = p;
    let bytes = p.op.workspaceBytes({ model: this.kind, widths: this.plans.map((t) => t.k), precision: this.precision });
    for (const t of this.plans) {
      const k = t.k, ke = t.symmetrize ? 2 * k : k;
      // factors, gradients and the roll-back copies; symmetric: X, dX, roll-back
      bytes += this.kind === 'asymmetric' ? 3 * (b(n1 * k * 8) + b(n2 * k * 8)) : 3 * b(n1 * k * 8);
      if (t.symmetrize) bytes += b(n1 * ke * 8) + b(n2 * ke * 8);
      bytes += CheapMetrics.bytesFor(p, this.kind, k, ke);
    }
    return bytes;
  }

  /** Allocate, initialize the factors and the rules. Must be called once before `step`/`run`. */
  setup(): this {
    if (this.state !== 'new') throw new StateError(`setup() called twice (state: ${this.state})`);
    this.problem.checkLive();
    const need = this.memoryUsage();
    if (need > this.rt.available()) {
      throw new OutOfMemoryError(`the run needs ${formatBytes(need)} of wasm memory but only ${formatBytes(this.rt.available())} is available`, need, this.rt.available());
    }
    const { rt, problem: p } = this;
    try {
      this.workspace = p.op.workspace(rt, { model: this.kind, widths: this.plans.map((t) => t.k), precision: this.precision, y: p.y });
      for (const plan of this.plans) this.trajs.push(this.makeTrajectory(plan));
    } catch (e) {
      this.release();
      this.state = 'disposed';
      throw e;
    }
    this.active = this.trajs.slice();
    this.state = 'ready';
    this.t0 = performance.now();
    return this;
  }

  private makeTrajectory(plan: Plan): Trajectory {
    const { rt, problem: p } = this, { n1, n2 } = p, k = plan.k, asym = this.kind === 'asymmetric';
    const init = resolveInit(rt, plan.init, this.kind, p, k);
    let rule: UpdateRule<any>, ruleParams: Record<string, number> = {}, eta: number | undefined;
    if (plan.rule) rule = plan.rule;
    else {
      const made = plan.method!.create(validateParams(plan.method!, plan.params), { problem: p, kind: this.kind, k, sigma1Hat: p.sigma1Hat(), spectrum: (q: number) => p.backProjectionSpectrum(q), stepScale: p.op.stepScale });
      rule = made.rule; eta = made.eta; ruleParams = made.params;
    }
    const bufs: F64Buf[] = [];
    const f64 = (n: number) => { const b = rt.f64(n); bufs.push(b); return b; };
    const F = f64(n1 * k).set(init.F);
    const G = asym ? f64(n2 * k).set(init.G!) : F;
    const model: FactorModel = { kind: this.kind, n1, n2, k, F, G };
    const grad: Gradient = { dF: f64(n1 * k), dG: asym ? f64(n2 * k) : f64(0) };
    const bF = f64(n1 * k), bG = asym ? f64(n2 * k) : bF;
    const est = plan.symmetrize ? { F: f64(n1 * 2 * k), G: f64(n2 * 2 * k) } : undefined;
    const metrics = new CheapMetrics();
    const all: Callback[] = [metrics, new RecoveryWarnings(metrics), ...plan.callbacks];
    if (plan.diagnosticsEvery > 0) all.push(new SpectralDiagnostics({ every: plan.diagnosticsEvery }));
    const tr: Trajectory = {
      ...plan, model, grad, bF, bG, est, estFresh: false, rule, ruleState: undefined, ruleParams, eta,
      ctx: undefined as unknown as StepContext, metrics, all, t: 0, lossRef: 0, events: [],
    };
    (tr as Trajectory & { buffers: F64Buf[] }).buffers = bufs;
    tr.ruleState = rule.init(model, rt);
    const self = this;
    tr.ctx = {
      rt, model, iter: 0, loss: 0, relResidual: 0,
      productsAt(Fp: F64Buf, Gp: F64Buf, EG: F64Buf, EtF?: F64Buf) { self.workspace!.products(tr.index, Fp, Gp, EG, EtF); },
      passAt(Fp: F64Buf, Gp: F64Buf, out: { EG?: F64Buf; EtF?: F64Buf }) {
        const ss = self.workspace!.extraPass({ slot: tr.index, F: Fp, G: Gp, EG: out.EG, EtF: out.EtF });
        self.passes++;
        return (self.kind === 'asymmetric' ? 0.5 : 0.25) * ss;
      },
      addEvent(kind: string, detail?: string) { tr.events.push({ iter: tr.t, kind, detail }); },
    };
    const estimateWidth = plan.symmetrize ? 2 * k : k;
    for (const c of all) c.onSetup?.({ rt, problem: p, model, maxIter: this.maxIter, trajectory: plan.index, estimateWidth });
    return tr;
  }

  /** The factors of trajectory tr's reported estimate (the symmetrized pair is refreshed once per iterate). */
  private estimateOf(tr: Trajectory): EstimateFactors {
    const { model } = tr;
    if (!tr.est) return { F: model.F, G: model.G, k: model.k };
    if (!tr.estFresh) {
      const k = model.k, F = model.F.a, G = model.G.a, eF = tr.est.F.a, eG = tr.est.G.a;
      for (let a = 0; a < model.n1; a++) for (let j = 0; j < k; j++) {
        eF[a * 2 * k + j] = F[a * k + j]; eF[a * 2 * k + k + j] = G[a * k + j];
        eG[a * 2 * k + j] = 0.5 * G[a * k + j]; eG[a * 2 * k + k + j] = 0.5 * F[a * k + j];
      }
      tr.estFresh = true;
    }
    return { F: tr.est.F, G: tr.est.G, k: 2 * model.k };
  }

  /** Trajectories still running. */
  get running(): number { return this.active.length; }
  /** True once every trajectory has stopped. */
  get finished(): boolean { return this.state === 'done'; }
  /** True before `setup()`. */
  get isNew(): boolean { return this.state === 'new'; }
  /** Iterations of the first trajectory so far. */
  get iteration(): number { return this.trajs[0]?.t ?? 0; }

  /** Ask every trajectory to stop at its next iterate (as 'aborted'). */
  abort(): void { this.aborted = true; }

  /**
   * One iteration of every running trajectory: one pass for all of them, then each one's diagnostics, stopping rules
   * and update. Synchronous operators only.
   * @returns true while at least one trajectory goes on
   */
  step(): boolean {
    this.checkCanStep('step');
    if (!this.workspace!.synchronous) throw new StateError(`step(): the operator ${this.problem.op.describe()} has asynchronous passes; use stepAsync(), runAsync() or solve()`);
    this.beginPass();
    try {
      this.workspace!.pass(this.items, this.rr);
    } catch (e) { throw this.explain(e); }
    return this.advanceAll();
  }

  /** {@link step} for any operator, awaiting the pass. Do not call `dispose()` while it is pending. */
  async stepAsync(): Promise<boolean> {
    this.checkCanStep('stepAsync');
    if (this.workspace!.synchronous) return this.step();
    this.beginPass();
    this.passPending = true;
    try {
      await this.workspace!.passAsync(this.items, this.rr);
    } catch (e) {
      throw this.explain(e);
    } finally {
      this.passPending = false;
    }
    if (this.state !== 'ready') throw new StateError(`the solver was ${this.state} while its pass was pending`);
    this.problem.checkLive();
    return this.advanceAll();
  }

  /** An error of a pass, restated when its cause is that the problem was disposed meanwhile. */
  private explain(e: unknown): unknown {
    if (this.problem.isDisposed && !(e instanceof StateError)) {
      return new StateError(`the problem was disposed while this solve was running (${e instanceof MatsenseError ? e.message : String(e)})`);
    }
    return e;
  }

  private checkCanStep(name: string): void {
    if (this.state === 'new') throw new StateError(`${name}() called before setup()`);
    if (this.state === 'done') throw new StateError(`${name}() called after the run finished; call finalize()`);
    if (this.state === 'disposed') throw new StateError(`${name}() called after dispose()`);
    if (this.passPending) throw new StateError(`${name}() called while a pass is pending (await stepAsync() first)`);
    if (this.problem.isDisposed) throw new StateError('the problem was disposed while this solve was running: its memory is gone, so the solve stops here');
  }

  /** The pass items of the running trajectories (their gradients are written straight into their buffers). */
  private beginPass(): void {
    const asym = this.kind === 'asymmetric';
    this.items.length = 0;
    for (const tr of this.active) {
      this.items.push({ slot: tr.index, F: tr.model.F, G: tr.model.G, EG: tr.grad.dF, EtF: asym ? tr.grad.dG : undefined });
    }
    this.passes++;
  }

  private advanceAll(): boolean {
    const still: Trajectory[] = [];
    this.active.forEach((tr, i) => { if (this.advance(tr, this.rr[i])) still.push(tr); });
    this.active = still;
    if (still.length === 0) this.state = 'done';
    return still.length > 0;
  }

  /** The rest of an iteration of one trajectory once its pass is done. @returns false once it stopped. */
  private advance(tr: Trajectory, ss: number): boolean {
    const p = this.problem, K = this.rt.kernels, { model, grad } = tr;
    const loss = (this.kind === 'asymmetric' ? 0.5 : 0.25) * ss;
    const rel = Math.sqrt(ss) / (p.yNorm > 0 ? p.yNorm : 1);
    if (tr.t === 0) tr.lossRef = Math.max(loss, 0.5 * p.yNorm ** 2);
    tr.estFresh = false;
    if (!Number.isFinite(loss) || loss > this.divergenceFactor * tr.lossRef) return this.diverge(tr, loss);
    const s: IterateState = {
      iter: tr.t, rt: this.rt, problem: p, model, grad, loss, relResidual: rel, elapsedMs: performance.now() - this.t0,
      trajectory: tr.index, estimate: () => this.estimateOf(tr),
    };
    for (const c of tr.all) c.onIterate?.(s);
    const stop = stopCheck({ tol: this.tol, errorTol: this.errorTol, maxIter: this.maxIter, aborted: this.aborted }, tr.t, rel, p.hasTruth ? tr.metrics.last('relError') : undefined);
    if (stop) return this.finish(tr, stop[0], stop[1]);
    // the update: keep the iterate for a roll-back, let the rule turn the gradient into the update, add it
    tr.bF.a.set(model.F.a);
    if (this.kind === 'asymmetric') tr.bG.a.set(model.G.a);
    const ctx = tr.ctx;
    ctx.iter = tr.t; ctx.loss = loss; ctx.relResidual = rel;
    tr.rule.step(grad, tr.ruleState, ctx);
    K.axpy_f64(model.F.ptr, grad.dF.ptr, 1, model.F.length);
    if (this.kind === 'asymmetric') K.axpy_f64(model.G.ptr, grad.dG.ptr, 1, model.G.length);
    tr.t++;
    return true;
  }

  private diverge(tr: Trajectory, loss: number): boolean {
    if (tr.t === 0) return this.finish(tr, 'diverged', `the loss at the starting point is ${loss}: check the initial factors and the data`);
    // roll back to the last finite iterate (its diagnostics are already recorded)
    tr.model.F.a.set(tr.bF.a);
    if (this.kind === 'asymmetric') tr.model.G.a.set(tr.bG.a);
    tr.t--;
    const etaNote = tr.eta !== undefined ? ` (η = ${tr.eta.toPrecision(3)}; try a smaller step size)` : '';
    return this.finish(tr, 'diverged', `the loss grew to ${loss.toPrecision(3)} (> ${this.divergenceFactor.toExponential(0)} × its initial value) at iteration ${tr.t + 1}; kept iterate ${tr.t}${etaNote}`);
  }

  private finish(tr: Trajectory, reason: StopReason, message: string): boolean {
    tr.stop = { reason, message };
    tr.estFresh = false;
    for (const c of tr.all) c.onFinish?.();
    return false;
  }

  /** Run to completion synchronously. */
  protected runLoop(): void {
    if (this.state === 'new') this.setup();
    if (!this.workspace!.synchronous) throw new StateError(`run(): the operator ${this.problem.op.describe()} has asynchronous passes; use runAsync() or solve()`);
    while (this.step());
  }

  /**
   * Run to completion, yielding to the event loop every `yieldEveryMs` so progress callbacks fire and an AbortSignal
   * can stop the run (it then ends cleanly with stopReason 'aborted' and the iterates so far).
   */
  protected async runLoopAsync(o: { onProgress?: () => void; progressEveryMs?: number; yieldEveryMs?: number; signal?: AbortSignal }): Promise<void> {
    if (o === null || typeof o !== 'object') throw new ValidationError('run options must be an object');
    if (o.signal !== undefined && !isAbortSignal(o.signal)) throw new ValidationError('signal must be an AbortSignal');
    if (this.state === 'new') this.setup();
    const yieldMs = o.yieldEveryMs ?? 30, progMs = o.progressEveryMs ?? 200;
    const onAbort = () => this.abort();
    if (o.signal?.aborted) this.abort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let lastYield = performance.now(), lastProg = -Infinity;
      while (await this.stepAsync()) {
        const now = performance.now();
        if (o.onProgress && now - lastProg >= progMs) { lastProg = now; o.onProgress(); }
        if (now - lastYield >= yieldMs) { await yieldToEventLoop(); lastYield = performance.now(); }
      }
      o.onProgress?.();
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A progress snapshot of trajectory i. */
  protected progressOf(i: number): Progress {
    const tr = this.trajs[i];
    if (!tr) return { iter: 0, maxIter: this.maxIter, loss: NaN, relResidual: NaN, elapsedMs: 0, done: false };
    return {
      iter: tr.t, maxIter: this.maxIter,
      loss: tr.metrics.last('loss') ?? NaN,
      relResidual: tr.metrics.last('relResidual') ?? NaN,
      relError: this.problem.hasTruth ? tr.metrics.last('relError') : undefined,
      elapsedMs: performance.now() - this.t0,
      done: tr.stop !== undefined,
      stopReason: tr.stop?.reason,
    };
  }

  /** Every trajectory's progress. */
  progressAll(): Progress[] { return this.trajs.map((_, i) => this.progressOf(i)); }

  /** The results (copies out of wasm memory), one per trajectory in the order given. Valid once every one stopped. */
  protected results(): RunResult[] {
    if (this.state !== 'done') throw new StateError(`finalize() called before the run stopped (state: ${this.state}); call run() or step() until it returns false`);
    return this.trajs.map((tr) => {
      const warnings: string[] = [];
      const diagnostics: Record<string, unknown> = {};
      for (const c of tr.all) {
        warnings.push(...(c.warnings?.() ?? []));
        if (c.name && c.result) diagnostics[c.name] = c.result();
      }
      const rec = tr.metrics.result();
      const { n1, n2 } = this.problem, F = tr.model.F.copy(), G = tr.model.G.copy(), k = tr.k, sym = tr.symmetrize;
      let estimate: Float64Array | undefined;
      const res = {
        method: tr.methodName, model: this.kind, n1, n2, k: tr.k, eta: tr.eta, params: tr.ruleParams,
        F, G: this.kind === 'asymmetric' ? G : undefined,
        record: rec, iterations: tr.t, stopReason: tr.stop!.reason, message: tr.stop!.message,
        events: [...tr.events], warnings, diagnostics,
        timeMs: rec.timeMs.length ? rec.timeMs[rec.timeMs.length - 1] : 0,
        ...(tr.label !== undefined ? { label: tr.label } : {}),
      } as Omit<RunResult, 'estimate'>;
      Object.defineProperty(res, 'estimate', { enumerable: true, get: () => (estimate ??= product(F, G, n1, n2, k, sym)) });
      return res as RunResult;
    });
  }

  /** Free every buffer of this run (the problem stays). Idempotent. */
  dispose(): void {
    if (this.passPending) throw new StateError('dispose() while an operator pass is pending: await the pending stepAsync() first');
    if (this.state === 'disposed') return;
    this.release();
    this.state = 'disposed';
  }

  private release(): void {
    for (const tr of this.trajs) {
      tr.rule.dispose?.(tr.ruleState);
      for (const c of tr.all) c.dispose?.();
      for (const b of new Set((tr as Trajectory & { buffers: F64Buf[] }).buffers)) b.free();
    }
    this.trajs = [];
    this.active = [];
    this.workspace?.dispose();
  }
}

/** F Gᵀ (n1 × n2) for F n1 × k, G n2 × k; with `sym`, (F Gᵀ + G Fᵀ)/2, exactly symmetric. */
function product(F: Float64Array, G: Float64Array, n1: number, n2: number, k: number, sym: boolean): Float64Array {
  const X = new Float64Array(n1 * n2);
  for (let a = 0; a < n1; a++) for (let b = 0; b < n2; b++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += F[a * k + j] * G[b * k + j];
    X[a * n2 + b] = s;
  }
  if (sym) {
    for (let a = 0; a < n1; a++) for (let b = a + 1; b < n1; b++) {
      const v = 0.5 * (X[a * n1 + b] + X[b * n1 + a]); X[a * n1 + b] = v; X[b * n1 + a] = v;
    }
  }
  return X;
}

function isAbortSignal(s: unknown): s is AbortSignal {
  return typeof s === 'object' && s !== null && typeof (s as AbortSignal).aborted === 'boolean' && typeof (s as AbortSignal).addEventListener === 'function';
}

/** Split a single run's options into the loop's and the trajectory's. */
function splitOptions(o: SolverOptions): { loop: LoopOptions; traj: TrajectoryOptions } {
  if (o === null || typeof o !== 'object') throw new ValidationError('solver options must be an object');
  checkKeys('solver options', o, [...TRAJECTORY_KEYS, ...LOOP_KEYS]);
  const loop: Record<string, unknown> = {}, traj: Record<string, unknown> = { ...o };
  for (const k of LOOP_KEYS) { if (k in o) loop[k] = (o as unknown as Record<string, unknown>)[k]; delete traj[k]; }
  return { loop: loop as LoopOptions, traj: traj as TrajectoryOptions };
}

/** One run: the loop with one trajectory. Handle API: `setup()`, `step()` until false, `finalize()`, `dispose()`. */
export class Solver extends SolverCore {
  readonly k: number;
  readonly methodName: string;

  constructor(rt: Runtime, problem: Problem, options: SolverOptions) {
    const { loop, traj } = splitOptions(options);
    super(rt, problem, loop, [traj]);
    this.k = options.k;
    this.methodName = options.rule?.name ?? options.method ?? 'gd';
  }

  /** Run to completion synchronously. */
  run(): RunResult {
    this.runLoop();
    return this.finalize();
  }

  /** Run to completion, yielding to the event loop (progress, AbortSignal: see {@link SolverCore}). */
  async runAsync(o: { onProgress?: (p: Progress) => void; progressEveryMs?: number; yieldEveryMs?: number; signal?: AbortSignal } = {}): Promise<RunResult> {
    const onProgress = o?.onProgress;
    await this.runLoopAsync({ ...o, onProgress: onProgress ? () => onProgress(this.progress()) : undefined });
    return this.finalize();
  }

  /**
   * Async iteration over a run: yields a progress snapshot every `every` iterations (default 10) and at the end,
   * giving the event loop a turn between snapshots; `break` stops the run (as 'aborted'). The return value of the
   * generator is the final result: `for await (const p of solver.iterate()) …; const res = solver.finalize();`.
   */
  async *iterate(o: { every?: number; signal?: AbortSignal } = {}): AsyncGenerator<Progress, RunResult, undefined> {
    if (o === null || typeof o !== 'object') throw new ValidationError('iterate() options must be an object');
    if (o.signal !== undefined && !isAbortSignal(o.signal)) throw new ValidationError('signal must be an AbortSignal');
    if (this.isNew) this.setup();
    const every = positiveInt('every', o.every ?? 10);
    let finishedNormally = false;
    try {
      while (await this.stepAsync()) {
        if (o.signal?.aborted) this.abort();
        if (this.iteration % every === 0) { yield this.progress(); await yieldToEventLoop(); }
      }
      finishedNormally = true;
      yield this.progress();
      return this.finalize();
    } finally {
      // the consumer broke out early: stop the run cleanly so finalize() works
      if (!finishedNormally && this.running) { this.abort(); while (await this.stepAsync()); }
    }
  }

  /** A snapshot for progress displays. */
  progress(): Progress { return this.progressOf(0); }

  /** Collect the result (copies out of wasm memory). Valid once the run has stopped. */
  finalize(): RunResult { return this.results()[0]; }
}

/** Give the event loop a turn (setImmediate in Node, a MessageChannel tick in browsers). */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (typeof g.setImmediate === 'function') return new Promise((res) => g.setImmediate!(res));
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((res) => { const ch = new MessageChannel(); ch.port1.onmessage = () => { ch.port1.close(); res(); }; ch.port2.postMessage(null); });
  }
  return new Promise((res) => setTimeout(res, 0));
}
