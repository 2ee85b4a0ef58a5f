/**
 * The one solver loop: `setup / step / run / finalize` (after PyLops' Solver). It owns the iteration and the
 * stopping rules; update rules decide the direction, callbacks record diagnostics. Memory is sized and checked
 * before anything is allocated (`memoryUsage()`), and iterations after the first allocate nothing.
 */
import { CheapMetrics, type RunRecord } from '../diagnostics/record.js';
import type { Callback, IterateState } from '../diagnostics/callback.js';
import { RecoveryWarnings } from '../diagnostics/recovery.js';
import { SpectralDiagnostics } from '../diagnostics/spectral.js';
import { OutOfMemoryError, StateError, ValidationError, formatBytes } from '../errors.js';
import { DenseOperator, type Precision } from '../operators/dense.js';
import { ParallelDenseOperator } from '../operators/parallel.js';
import { MessageDenseOperator } from '../operators/message.js';
import type { Problem } from '../problems/problem.js';
import { getMethod, validateParams } from '../registry.js';
import type { FactorModel, Gradient, StepContext, UpdateRule } from '../rules/types.js';
import type { Kernels } from '../kernels/api.js';
import { Runtime, type F64Buf } from '../runtime.js';
import { finiteNumber, nonNegativeInt, positiveInt } from '../validate.js';
import { resolveInit, type InitOptions } from './init.js';
import { estimateSigma1 } from './stepsize.js';

/** Why a run ended. */
export type StopReason = 'converged' | 'error-tolerance' | 'max-iterations' | 'diverged' | 'aborted';

/** A notable event during a run (e.g. a one-step modification firing). */
export interface RunEvent {
  iter: number;
  kind: string;
  detail?: string;
}

/** Options of a run. Everything is validated in the constructor, before any allocation. */
export interface SolverOptions {
  /** Width k ≥ 1 of the factors. */
  k: number;
  /** 'asymmetric' (F Gᵀ) or 'symmetric' (X Xᵀ; needs a symmetric problem). Default: symmetric iff the problem is. */
  model?: 'asymmetric' | 'symmetric';
  /** A registered method name (default 'gd'); ignored when `rule` is given. */
  method?: string;
  /** Hyper-parameters of the method (e.g. `{ eta: 0.1 }`); validated against the method's specs. */
  params?: Record<string, number | undefined>;
  /** Shortcut for `params.eta`. */
  eta?: number;
  /** A custom update rule (composed from blocks) instead of a registered method. */
  rule?: UpdateRule<any>;
  init?: InitOptions;
  /** Maximum number of updates. Default 1000. */
  maxIter?: number;
  /** Stop when ‖A(X) − y‖/‖y‖ ≤ tol. Default 1e-10; 0 disables. */
  tol?: number;
  /** Stop when ‖X − M*‖_F/‖M*‖_F ≤ errorTol (only when M* is known). Default 0 (off). */
  errorTol?: number;
  /** Stop as diverged when the loss exceeds this multiple of max(f(X0), ½‖y‖²), or is not finite. Default 1e8. */
  divergenceFactor?: number;
  /** Arithmetic of the dense operator's fused pass. Default 'mixed'. */
  precision?: Precision;
  /** Extra diagnostics callbacks (the cheap metrics and the recovery warnings are always recorded). */
  callbacks?: Callback[];
  /**
   * Record the SVD-based spectral diagnostics (math.md §7) every K iterations into `RunResult.diagnostics.spectral`
   * (a {@link SpectralDiagnostics} callback with `every: K`). Default 0: off.
   */
  diagnosticsEvery?: number;
  /**
   * Asymmetric model on a symmetric operator: report sym(F Gᵀ) = (F Gᵀ + G Fᵀ)/2 as the estimate (math.md §3). Such an
   * operator cannot see the antisymmetric part of F Gᵀ, so it is never fitted; the residual and the gradient are
   * unchanged by this. Default true.
   */
  symmetrizeEstimate?: boolean;
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
  /** The estimate F Gᵀ (or X Xᵀ), n1 × n2 row-major. */
  estimate: Float64Array;
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
}

const DEFAULTS = { maxIter: 1000, tol: 1e-10, errorTol: 0, divergenceFactor: 1e8 };

/**
 * The update of an iteration, shared by every solver loop: keep the current iterate in (bF, bG) for a roll-back should
 * the next one diverge, let the rule turn the gradient into the update (in place), and add it to the factors.
 */
export function applyUpdate<S>(K: Kernels, model: FactorModel, grad: Gradient, bF: F64Buf, bG: F64Buf, rule: UpdateRule<S>, state: S,
  ctx: StepContext, iter: number, loss: number, rel: number): void {
  bF.a.set(model.F.a);
  if (model.kind === 'asymmetric') bG.a.set(model.G.a);
  ctx.iter = iter; ctx.loss = loss; ctx.relResidual = rel;
  rule.step(grad, state, ctx);
  K.axpy_f64(model.F.ptr, grad.dF.ptr, 1, model.F.length);
  if (model.kind === 'asymmetric') K.axpy_f64(model.G.ptr, grad.dG.ptr, 1, model.G.length);
}

/**
 * The stopping rules shared by every solver loop, checked after the iterate's diagnostics are recorded: the residual
 * tolerance, the error tolerance (only with M*), an abort, the iteration budget — in this order.
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

export class Solver {
  readonly kind: 'asymmetric' | 'symmetric';
  readonly k: number;
  readonly maxIter: number;
  readonly tol: number;
  readonly errorTol: number;
  readonly divergenceFactor: number;
  readonly precision: Precision;
  readonly methodName: string;
  private readonly opts: SolverOptions;
  private readonly metrics = new CheapMetrics();
  private readonly callbacks: Callback[];
  private readonly initOptions: InitOptions;
  private state: 'new' | 'ready' | 'done' | 'disposed' = 'new';
  // runtime buffers (set in setup)
  private model!: FactorModel;
  private X!: F64Buf; private E!: F64Buf; private r!: F64Buf;
  private grad!: Gradient; private bF!: F64Buf; private bG!: F64Buf; private tmp?: F64Buf;
  private rule!: UpdateRule<any>;
  private ruleState: unknown;
  private ctx!: StepContext;
  private t = 0;
  private t0 = 0;
  private lossRef = 0;
  private resolvedParams: Record<string, number> = {};
  private eta?: number;
  private stop?: { reason: StopReason; message: string };
  private readonly events: RunEvent[] = [];
  private readonly warnings: string[] = [];
  private aborted = false;
  private passPending = false;
  private readonly symmetrizeX: boolean;

  constructor(readonly rt: Runtime, readonly problem: Problem, options: SolverOptions) {
    if (options === null || typeof options !== 'object') throw new ValidationError('solver options must be an object');
    this.opts = options;
    this.k = positiveInt('k', options.k);
    this.kind = options.model ?? (problem.symmetric ? 'symmetric' : 'asymmetric');
    if (this.kind !== 'asymmetric' && this.kind !== 'symmetric') throw new ValidationError(`model must be 'asymmetric' or 'symmetric', got ${String(this.kind)}`);
    if (this.kind === 'symmetric' && problem.n1 !== problem.n2) throw new ValidationError(`the symmetric model X Xᵀ needs a square problem, got ${problem.n1} × ${problem.n2}`);
    if (this.k > Math.max(problem.n1, problem.n2)) throw new ValidationError(`k = ${this.k} exceeds max(n1, n2) = ${Math.max(problem.n1, problem.n2)}`);
    this.maxIter = nonNegativeInt('maxIter', options.maxIter ?? DEFAULTS.maxIter);
    this.tol = finiteNumber('tol', options.tol ?? DEFAULTS.tol, { min: 0 });
    this.errorTol = finiteNumber('errorTol', options.errorTol ?? DEFAULTS.errorTol, { min: 0 });
    this.divergenceFactor = finiteNumber('divergenceFactor', options.divergenceFactor ?? DEFAULTS.divergenceFactor, { min: 1, exclusiveMin: true });
    this.precision = options.precision ?? 'mixed';
    if (!['f64', 'mixed', 'f32'].includes(this.precision)) throw new ValidationError(`precision must be 'f64', 'mixed' or 'f32', got ${String(this.precision)}`);
    let defaultInit: InitOptions | undefined;
    if (options.rule) {
      this.methodName = options.rule.name;
    } else {
      const method = getMethod(options.method ?? 'gd');
      this.methodName = method.name;
      defaultInit = method.defaultInit;
      if (!method.models.includes(this.kind)) throw new ValidationError(`method '${method.name}' does not support the ${this.kind} model (supports: ${method.models.join(', ')})`);
      validateParams(method, { ...(options.params ?? {}), ...(options.eta !== undefined ? { eta: options.eta } : {}) });
      if (problem.op.asynchronous && (method.passesPerIteration ?? 1) > 1) {
        throw new ValidationError(`method '${method.name}' makes ${method.passesPerIteration} operator passes per iteration, the extra ones inside its update, ` +
          `which an operator with asynchronous passes (${problem.op.name}: workers that exchange vectors by message) cannot serve; ` +
          `use a shared-memory or private-memory operator (a cross-origin-isolated page in browsers)`);
      }
    }
    this.initOptions = options.init ?? defaultInit ?? {};
    const every = nonNegativeInt('diagnosticsEvery', options.diagnosticsEvery ?? 0);
    this.callbacks = [this.metrics, new RecoveryWarnings(this.metrics), ...(options.callbacks ?? [])];
    if (every > 0) this.callbacks.push(new SpectralDiagnostics({ every }));
    this.symmetrizeX = this.kind === 'asymmetric' && problem.op.symmetric && (options.symmetrizeEstimate ?? true);
  }

  /** Bytes this run will allocate in the runtime (factors, work vectors, records' k × k buffers). */
  memoryUsage(): number {
    const { n1, n2, m } = this.problem, k = this.k, N = n1 * n2, b = Runtime.blockBytes;
    // factors, gradients and the roll-back copies: 3 × (F, G); symmetric: X, dX, scratch, roll-back
    const fac = this.kind === 'asymmetric' ? 3 * (b(n1 * k * 8) + b(n2 * k * 8)) : 4 * b(n1 * k * 8);
    const f32 = this.precision === 'f32' && this.problem.op instanceof DenseOperator ? 2 * b(N * 4) + 2 * b(m * 4) : 0;
    const test = this.problem.test ? b(this.problem.test.op.m * 8) : 0;
    return fac + 2 * b(N * 8) + b(m * 8) + b(N * 8) + 2 * b(k * k * 8) + f32 + test;
  }

  /** Allocate, initialize the factors and the rule. Must be called once before `step`/`run`. */
  setup(): this {
    if (this.state !== 'new') throw new StateError(`setup() called twice (state: ${this.state})`);
    const need = this.memoryUsage();
    if (need > this.rt.available()) {
      throw new OutOfMemoryError(`the run needs ${formatBytes(need)} of wasm memory but only ${formatBytes(this.rt.available())} is available`, need, this.rt.available());
    }
    const { rt, problem: p, k } = this;
    const { n1, n2, m } = p, N = n1 * n2;
    const init = resolveInit(rt, this.initOptions, this.kind, p, k);
    // rule (may need σ̂1 for defaults: one adjoint pass, done once)
    if (this.opts.rule) {
      this.rule = this.opts.rule;
    } else {
      const method = getMethod(this.opts.method ?? 'gd');
      const params = validateParams(method, { ...(this.opts.params ?? {}), ...(this.opts.eta !== undefined ? { eta: this.opts.eta } : {}) });
      const sigma1Hat = estimateSigma1(rt, p);
      const made = method.create(params, { problem: p, kind: this.kind, k, sigma1Hat });
      this.rule = made.rule; this.eta = made.eta; this.resolvedParams = made.params;
    }
    if (p.op instanceof DenseOperator || p.op instanceof ParallelDenseOperator || p.op instanceof MessageDenseOperator) p.op.precision = this.precision;
    const F = rt.f64(n1 * k).set(init.F);
    const G = this.kind === 'asymmetric' ? rt.f64(n2 * k).set(init.G!) : F;
    this.model = { kind: this.kind, n1, n2, k, F, G };
    this.X = rt.f64(N); this.E = rt.f64(N); this.r = rt.f64(m);
    this.grad = { dF: rt.f64(n1 * k), dG: this.kind === 'asymmetric' ? rt.f64(n2 * k) : rt.f64(n1 * k) };
    this.bF = rt.f64(n1 * k); this.bG = this.kind === 'asymmetric' ? rt.f64(n2 * k) : this.bF;
    if (this.kind === 'symmetric' && !p.op.symmetric) this.tmp = rt.f64(N);
    this.ruleState = this.rule.init(this.model, rt);
    const self = this;
    this.ctx = {
      rt, model: this.model, iter: 0, loss: 0, relResidual: 0, E: this.E,
      recomputeResidual(Fb: F64Buf, Gb: F64Buf) { return self.residualAt(Fb, Gb).loss; },
      gradientOf(side: 'F' | 'G', other: F64Buf, out: F64Buf) { self.gradientOf(side, other, out); },
      addEvent(kind: string, detail?: string) { self.events.push({ iter: self.t, kind, detail }); },
    };
    for (const c of this.callbacks) c.onSetup?.({ rt, problem: p, model: this.model, maxIter: this.maxIter });
    this.state = 'ready';
    this.t = 0;
    this.t0 = performance.now();
    return this;
  }

  /** X = F Gᵀ; r = A(X) − y; E = A*(r). */
  private residualAt(F: F64Buf, G: F64Buf): { loss: number; rel: number } {
    this.formX(F, G);
    return this.lossOf(this.problem.op.residualAdjoint(this.X.a, this.problem.y.a, this.r.a, this.E.a));
  }

  /** X = F Gᵀ (symmetrized when the estimate is). */
  private formX(F: F64Buf, G: F64Buf): void {
    const n1 = this.problem.n1;
    this.rt.kernels.gemm_nt_f64(this.X.ptr, F.ptr, G.ptr, n1, this.problem.n2, this.k);
    if (this.symmetrizeX) symmetrizeInPlace(this.X.a, n1);
  }

  /** Loss and relative residual from ‖r‖², after the pass has written r and E. */
  private lossOf(ss: number): { loss: number; rel: number } {
    // symmetric model, non-symmetric operator: use the symmetric part ½(E + Eᵀ) (math.md §3)
    if (this.tmp) symmetrizeInPlace(this.E.a, this.problem.n1);
    const loss = (this.kind === 'asymmetric' ? 0.5 : 0.25) * ss;
    return { loss, rel: Math.sqrt(ss) / (this.problem.yNorm > 0 ? this.problem.yNorm : 1) };
  }

  /** out = E · other (side 'F', n1 × k) or Eᵀ · other (side 'G', n2 × k). */
  private gradientOf(side: 'F' | 'G', other: F64Buf, out: F64Buf): void {
    const { n1, n2 } = this.problem, K = this.rt.kernels;
    if (side === 'F') K.gemm_nn_f64(out.ptr, this.E.ptr, other.ptr, n1, this.k, n2);
    else K.gemm_tn_f64(out.ptr, this.E.ptr, other.ptr, n2, this.k, n1);
  }

  /** Iterations completed so far. */
  get iteration(): number { return this.t; }
  /** True once a stopping rule has fired. */
  get finished(): boolean { return this.state === 'done'; }

  /** Ask the run to stop at the next iterate (as 'aborted'). */
  abort(): void { this.aborted = true; }

  /** Record an event (rules and callbacks use it, e.g. when the one-step modification fires). */
  addEvent(e: RunEvent): void { this.events.push(e); }

  /**
   * One iteration: residual and gradient at the current iterate, diagnostics, stopping rules, then the update.
   * @returns true while the run goes on, false once it has stopped.
   */
  step(): boolean {
    this.checkCanStep('step');
    if (this.problem.op.asynchronous) throw new StateError(`step(): the operator ${this.problem.op.name} has asynchronous passes; use stepAsync(), runAsync() or solve()`);
    return this.advance(this.residualAt(this.model.F, this.model.G));
  }

  /**
   * {@link step} for any operator, awaiting the operator pass (operators with asynchronous passes need it).
   * Do not call `dispose()` while it is pending.
   */
  async stepAsync(): Promise<boolean> {
    this.checkCanStep('stepAsync');
    const op = this.problem.op;
    if (!op.asynchronous) return this.advance(this.residualAt(this.model.F, this.model.G));
    this.formX(this.model.F, this.model.G);
    this.passPending = true;
    let ss: number;
    try {
      ss = await op.residualAdjointAsync(this.X.a, this.problem.y.a, this.r.a, this.E.a);
    } finally {
      this.passPending = false;
    }
    if (this.state !== 'ready') throw new StateError(`the solver was ${this.state} while its pass was pending`);
    return this.advance(this.lossOf(ss));
  }

  private checkCanStep(name: string): void {
    if (this.state === 'new') throw new StateError(`${name}() called before setup()`);
    if (this.state === 'done') throw new StateError(`${name}() called after the run finished; call finalize()`);
    if (this.state === 'disposed') throw new StateError(`${name}() called after dispose()`);
    if (this.passPending) throw new StateError(`${name}() called while a pass is pending (await stepAsync() first)`);
  }

  /** The rest of an iteration once r, E and the loss at the current iterate are known. */
  private advance({ loss, rel }: { loss: number; rel: number }): boolean {
    const { model, grad, rt } = this, K = rt.kernels;
    if (this.t === 0) this.lossRef = Math.max(loss, 0.5 * this.problem.yNorm ** 2);
    if (!Number.isFinite(loss) || loss > this.divergenceFactor * this.lossRef) {
      return this.diverge(loss);
    }
    if (this.kind === 'asymmetric') {
      this.gradientOf('F', model.G, grad.dF);
      this.gradientOf('G', model.F, grad.dG);
    } else {
      this.gradientOf('F', model.F, grad.dF); // E is symmetric here (symmetric operator, or symmetrized above)
    }
    const s: IterateState = {
      iter: this.t, rt, problem: this.problem, model, X: this.X, E: this.E, r: this.r, grad, loss, relResidual: rel,
      elapsedMs: performance.now() - this.t0,
    };
    for (const c of this.callbacks) c.onIterate?.(s);
    const stop = stopCheck({ tol: this.tol, errorTol: this.errorTol, maxIter: this.maxIter, aborted: this.aborted }, this.t, rel, this.problem.Mstar ? this.metrics.last('relError') : undefined);
    if (stop) return this.finish(stop[0], stop[1]);
    applyUpdate(K, model, grad, this.bF, this.bG, this.rule, this.ruleState, this.ctx, this.t, loss, rel);
    this.t++;
    return true;
  }

  private diverge(loss: number): boolean {
    if (this.t === 0) {
      return this.finish('diverged', `the loss at the starting point is ${loss}: check the initial factors and the data`);
    }
    // roll back to the last finite iterate (its diagnostics are already recorded)
    this.model.F.a.set(this.bF.a);
    if (this.kind === 'asymmetric') this.model.G.a.set(this.bG.a);
    this.rt.kernels.gemm_nt_f64(this.X.ptr, this.model.F.ptr, this.model.G.ptr, this.problem.n1, this.problem.n2, this.k);
    this.t--;
    const etaNote = this.eta !== undefined ? ` (η = ${this.eta.toPrecision(3)}; try a smaller step size)` : '';
    return this.finish('diverged', `the loss grew to ${loss.toPrecision(3)} (> ${this.divergenceFactor.toExponential(0)} × its initial value) at iteration ${this.t + 1}; kept iterate ${this.t}${etaNote}`);
  }

  private finish(reason: StopReason, message: string): boolean {
    this.stop = { reason, message };
    this.state = 'done';
    for (const c of this.callbacks) c.onFinish?.();
    return false;
  }

  /** Run to completion synchronously. */
  run(): RunResult {
    if (this.problem.op.asynchronous) throw new StateError(`run(): the operator ${this.problem.op.name} has asynchronous passes; use runAsync() or solve()`);
    if (this.state === 'new') this.setup();
    while (this.step());
    return this.finalize();
  }

  /**
   * Run to completion, yielding to the event loop every `yieldEveryMs` so progress callbacks fire and an
   * AbortSignal can stop the run (it then ends cleanly with stopReason 'aborted' and the iterates so far).
   */
  async runAsync(o: { onProgress?: (p: Progress) => void; progressEveryMs?: number; yieldEveryMs?: number; signal?: AbortSignal } = {}): Promise<RunResult> {
    if (this.state === 'new') this.setup();
    const yieldMs = o.yieldEveryMs ?? 30, progMs = o.progressEveryMs ?? 200;
    const onAbort = () => this.abort();
    if (o.signal?.aborted) this.abort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let lastYield = performance.now(), lastProg = -Infinity;
      const awaitPass = this.problem.op.asynchronous;
      while (awaitPass ? await this.stepAsync() : this.step()) {
        const now = performance.now();
        if (o.onProgress && now - lastProg >= progMs) { lastProg = now; o.onProgress(this.progress()); }
        if (now - lastYield >= yieldMs) { await yieldToEventLoop(); lastYield = performance.now(); }
      }
      o.onProgress?.(this.progress());
      return this.finalize();
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Async iteration over a run: yields a progress snapshot every `every` iterations (default 10) and at the end,
   * giving the event loop a turn between snapshots; `break` stops the run (as 'aborted'). The return value of the
   * generator is the final result: `for await (const p of solver.iterate()) …; const res = solver.finalize();`.
   */
  async *iterate(o: { every?: number; signal?: AbortSignal } = {}): AsyncGenerator<Progress, RunResult, undefined> {
    if (this.state === 'new') this.setup();
    const every = positiveInt('every', o.every ?? 10);
    let finishedNormally = false;
    const awaitPass = this.problem.op.asynchronous;
    try {
      while (awaitPass ? await this.stepAsync() : this.step()) {
        if (o.signal?.aborted) this.abort();
        if (this.t % every === 0) { yield this.progress(); await yieldToEventLoop(); }
      }
      finishedNormally = true;
      yield this.progress();
      return this.finalize();
    } finally {
      // the consumer broke out early: stop the run cleanly so finalize() works
      if (!finishedNormally && this.state === 'ready') { this.abort(); while (awaitPass ? await this.stepAsync() : this.step()); }
    }
  }

  /** A snapshot for progress displays. */
  progress(): Progress {
    return {
      iter: this.t, maxIter: this.maxIter,
      loss: this.metrics.last('loss') ?? NaN,
      relResidual: this.metrics.last('relResidual') ?? NaN,
      relError: this.problem.Mstar ? this.metrics.last('relError') : undefined,
      elapsedMs: performance.now() - this.t0,
      done: this.state === 'done',
      stopReason: this.stop?.reason,
    };
  }

  /** Collect the result (copies out of wasm memory). Valid once the run has stopped. */
  finalize(): RunResult {
    if (this.state !== 'done') throw new StateError(`finalize() called before the run stopped (state: ${this.state}); call run() or step() until it returns false`);
    const warnings = [...this.warnings];
    const diagnostics: Record<string, unknown> = {};
    for (const c of this.callbacks) {
      warnings.push(...(c.warnings?.() ?? []));
      if (c.name && c.result) diagnostics[c.name] = c.result();
    }
    const rec = this.metrics.result();
    return {
      method: this.methodName, model: this.kind, n1: this.problem.n1, n2: this.problem.n2, k: this.k,
      eta: this.eta, params: this.resolvedParams,
      F: this.model.F.copy(), G: this.kind === 'asymmetric' ? this.model.G.copy() : undefined,
      estimate: this.X.copy(), record: rec, iterations: this.t,
      stopReason: this.stop!.reason, message: this.stop!.message, events: [...this.events], warnings, diagnostics,
      timeMs: rec.timeMs.length ? rec.timeMs[rec.timeMs.length - 1] : 0,
    };
  }

  /** Free every buffer of this run (the problem stays). */
  dispose(): void {
    if (this.passPending) throw new StateError('dispose() while an operator pass is pending: await the pending stepAsync() first');
    if (this.state === 'disposed' || this.state === 'new') { this.state = 'disposed'; return; }
    const bufs = new Set<F64Buf>([this.model.F, this.model.G, this.X, this.E, this.r, this.grad.dF, this.grad.dG, this.bF, this.bG]);
    if (this.tmp) bufs.add(this.tmp);
    this.rule.dispose?.(this.ruleState);
    for (const c of this.callbacks) c.dispose?.();
    for (const b of bufs) b.free();
    this.state = 'disposed';
  }
}

/** Progress snapshot. */
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

/** A ← (A + Aᵀ)/2 for a square n × n row-major matrix. */
function symmetrizeInPlace(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    const v = 0.5 * (a[i * n + j] + a[j * n + i]); a[i * n + j] = v; a[j * n + i] = v;
  }
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
