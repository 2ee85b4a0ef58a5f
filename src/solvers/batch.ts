/**
 * Batched runs (math.md §8): B trajectories over one operator — an α sweep, several seeds, widths or methods —
 * advance together, and each pass over A serves all of them: one call of `residual_adjoint_batch_f32_f64` reads A
 * once and returns the B residual vectors and the B residual matrices E_t (matrix–matrix instead of B
 * matrix–vector products). Each trajectory keeps its own factors, rule state, stopping rules and record, and its
 * result has the same shape as a single run's ({@link RunResult}); a trajectory that stops leaves the batch, so the
 * others run on with a smaller B.
 *
 * The operator must be a {@link DenseOperator} or a {@link ParallelDenseOperator} (any other operator is served by
 * one fused pass per trajectory — correct, not faster). Precision 'mixed' (default) or 'f64' as for single runs; the
 * per-trajectory results equal the single runs' to rounding (the same kernels' arithmetic, see test/perf/batch.test.ts).
 * A rule that needs a second residual (AGN) gets it from a single fused pass for that trajectory.
 */
import { CheapMetrics } from '../diagnostics/record.js';
import type { IterateState } from '../diagnostics/callback.js';
import { StateError, ValidationError } from '../errors.js';
import { DenseOperator, type Precision } from '../operators/dense.js';
import { ParallelDenseOperator } from '../operators/parallel.js';
import type { Problem } from '../problems/problem.js';
import { getMethod, validateParams } from '../registry.js';
import type { FactorModel, Gradient, StepContext, UpdateRule } from '../rules/types.js';
import { F64Buf, type Runtime } from '../runtime.js';
import { finiteNumber, nonNegativeInt, positiveInt } from '../validate.js';
import { resolveInit, type InitOptions } from './init.js';
import { applyUpdate, stopCheck, type RunEvent, type RunResult, type StopReason } from './solver.js';
import { estimateSigma1 } from './stepsize.js';

/** One trajectory of a batch: everything not given is taken from the batch options. */
export interface TrajectorySpec {
  k?: number;
  method?: string;
  params?: Record<string, number | undefined>;
  eta?: number;
  init?: InitOptions;
  /** A name for this trajectory in reports. */
  label?: string;
}

/** Options of {@link BatchSolver}. */
export interface BatchOptions {
  /** The trajectories (B ≥ 1). */
  trajectories: TrajectorySpec[];
  /** Defaults for every trajectory. */
  k?: number;
  method?: string;
  params?: Record<string, number | undefined>;
  eta?: number;
  init?: InitOptions;
  model?: 'asymmetric' | 'symmetric';
  maxIter?: number;
  tol?: number;
  errorTol?: number;
  divergenceFactor?: number;
  /** 'mixed' (default) or 'f64'. */
  precision?: Exclude<Precision, 'f32'>;
}

/** A batch result: one RunResult per trajectory (in the order given), plus the label. */
export type BatchResult = Array<RunResult & { label?: string }>;

interface Traj {
  spec: TrajectorySpec;
  k: number;
  model: FactorModel;
  grad: Gradient;
  bF: F64Buf; bG: F64Buf;
  rule: UpdateRule<any>;
  ruleState: unknown;
  ctx: StepContext;
  metrics: CheapMetrics;
  methodName: string;
  eta?: number;
  params: Record<string, number>;
  t: number;
  lossRef: number;
  stop?: { reason: StopReason; message: string };
  events: RunEvent[];
  estimate?: Float64Array;
  slot: number;
  t0: number;
}

export class BatchSolver {
  readonly B: number;
  readonly kind: 'asymmetric' | 'symmetric';
  readonly maxIter: number;
  readonly tol: number;
  readonly errorTol: number;
  readonly divergenceFactor: number;
  readonly precision: 'f64' | 'mixed';
  private state: 'new' | 'ready' | 'done' | 'disposed' = 'new';
  private trajs: Traj[] = [];
  private active: Traj[] = [];
  private X!: F64Buf; private E!: F64Buf; private R!: F64Buf; private tmp?: F64Buf;
  private views!: { X: F64Buf[]; E: F64Buf[]; r: F64Buf[] };
  private ss!: Float64Array;
  /** ‖r_s‖² of the dense batched kernel (wasm memory, allocated once). */
  private ssBuf?: F64Buf;
  private aborted = false;
  /** Passes over the operator so far (one per batched step, plus any per-trajectory recomputations). */
  passes = 0;

  constructor(readonly rt: Runtime, readonly problem: Problem, readonly opts: BatchOptions) {
    if (opts === null || typeof opts !== 'object' || !Array.isArray(opts.trajectories) || opts.trajectories.length === 0) {
      throw new ValidationError('batch options need a non-empty trajectories array');
    }
    if (problem.op.asynchronous) {
      throw new ValidationError(`batched runs need an operator with synchronous passes; ${problem.op.name} exchanges vectors by message (use shared or private memory)`);
    }
    this.B = opts.trajectories.length;
    this.kind = opts.model ?? (problem.symmetric ? 'symmetric' : 'asymmetric');
    if (this.kind === 'symmetric' && problem.n1 !== problem.n2) throw new ValidationError('the symmetric model needs a square problem');
    this.maxIter = nonNegativeInt('maxIter', opts.maxIter ?? 1000);
    this.tol = finiteNumber('tol', opts.tol ?? 1e-10, { min: 0 });
    this.errorTol = finiteNumber('errorTol', opts.errorTol ?? 0, { min: 0 });
    this.divergenceFactor = finiteNumber('divergenceFactor', opts.divergenceFactor ?? 1e8, { min: 1, exclusiveMin: true });
    const prec = opts.precision ?? 'mixed';
    if (prec !== 'mixed' && prec !== 'f64') throw new ValidationError(`batched runs support precision 'mixed' or 'f64', got ${String(prec)}`);
    this.precision = prec;
    for (const s of opts.trajectories) {
      const k = positiveInt('k', s.k ?? opts.k);
      if (k > Math.max(problem.n1, problem.n2)) throw new ValidationError(`k = ${k} exceeds max(n1, n2)`);
      const method = getMethod(s.method ?? opts.method ?? 'gd');
      if (!method.models.includes(this.kind)) throw new ValidationError(`method '${method.name}' does not support the ${this.kind} model`);
      validateParams(method, this.paramsOf(s));
    }
  }

  private paramsOf(s: TrajectorySpec): Record<string, number | undefined> {
    const eta = s.eta ?? this.opts.eta;
    return { ...(this.opts.params ?? {}), ...(s.params ?? {}), ...(eta !== undefined ? { eta } : {}) };
  }

  /** Allocate every trajectory's buffers, draw the starting points, build the rules. */
  setup(): this {
    if (this.state !== 'new') throw new StateError(`setup() called twice (state: ${this.state})`);
    const { rt, problem: p, B } = this, { n1, n2, m } = p, N = n1 * n2;
    if (p.op instanceof DenseOperator) p.op.precision = this.precision;
    if (p.op instanceof ParallelDenseOperator) p.op.precision = this.precision;
    const sigma1Hat = estimateSigma1(rt, p);
    this.X = rt.f64(B * N); this.E = rt.f64(B * N); this.R = rt.f64(B * m);
    if (this.kind === 'symmetric' && !p.op.symmetric) this.tmp = rt.f64(N);
    this.views = { X: [], E: [], r: [] };
    for (let s = 0; s < B; s++) {
      this.views.X.push(new F64Buf(rt, this.X.ptr + s * N * 8, N));
      this.views.E.push(new F64Buf(rt, this.E.ptr + s * N * 8, N));
      this.views.r.push(new F64Buf(rt, this.R.ptr + s * m * 8, m));
    }
    this.ss = new Float64Array(B);
    if (p.op instanceof DenseOperator) this.ssBuf = rt.f64(B);
    const t0 = performance.now();
    for (const spec of this.opts.trajectories) {
      const k = spec.k ?? this.opts.k!;
      const method = getMethod(spec.method ?? this.opts.method ?? 'gd');
      // as in a single run: a given init replaces the method's default init (e.g. scaledgd's spectral init)
      const given = this.opts.init || spec.init ? { ...(this.opts.init ?? {}), ...(spec.init ?? {}) } : undefined;
      const init = resolveInit(rt, given ?? method.defaultInit ?? {}, this.kind, p, k);
      const made = method.create(validateParams(method, this.paramsOf(spec)), { problem: p, kind: this.kind, k, sigma1Hat });
      const F = rt.f64(n1 * k).set(init.F);
      const G = this.kind === 'asymmetric' ? rt.f64(n2 * k).set(init.G!) : F;
      const model: FactorModel = { kind: this.kind, n1, n2, k, F, G };
      const grad = { dF: rt.f64(n1 * k), dG: this.kind === 'asymmetric' ? rt.f64(n2 * k) : rt.f64(n1 * k) };
      const bF = rt.f64(n1 * k), bG = this.kind === 'asymmetric' ? rt.f64(n2 * k) : bF;
      const tr = {
        spec, k, model, grad, bF, bG, rule: made.rule, ruleState: undefined as unknown, methodName: method.name, eta: made.eta, params: made.params,
        metrics: new CheapMetrics(), t: 0, lossRef: 0, events: [] as RunEvent[], slot: this.trajs.length, t0,
      } as Traj;
      tr.ruleState = tr.rule.init(model, rt);
      const self = this;
      tr.ctx = {
        rt, model, iter: 0, loss: 0, relResidual: 0, E: this.views.E[tr.slot],
        recomputeResidual(Fb: F64Buf, Gb: F64Buf) { return self.singlePass(tr, Fb, Gb).loss; },
        gradientOf(side: 'F' | 'G', other: F64Buf, out: F64Buf) { self.gradientOf(tr, side, other, out); },
        addEvent(kind: string, detail?: string) { tr.events.push({ iter: tr.t, kind, detail }); },
      };
      tr.metrics.onSetup({ rt, problem: p, model, maxIter: this.maxIter });
      this.trajs.push(tr);
    }
    this.active = this.trajs.slice();
    this.state = 'ready';
    return this;
  }

  /** Trajectories still running. */
  get running(): number { return this.active.length; }

  /** Ask every trajectory to stop at its next iterate (as 'aborted'). */
  abort(): void { this.aborted = true; }

  private lossScale(): number { return this.kind === 'asymmetric' ? 0.5 : 0.25; }

  /** One pass for all active trajectories: X_s = F Gᵀ, then r_s and E_s for every slot s. */
  private batchedPass(): void {
    const { rt, problem: p } = this, K = rt.kernels, { n1, n2 } = p, B = this.active.length;
    for (const tr of this.active) K.gemm_nt_f64(this.views.X[tr.slot].ptr, tr.model.F.ptr, tr.model.G.ptr, n1, n2, tr.k);
    const op = p.op, exact = this.precision === 'f64';
    if (op instanceof ParallelDenseOperator) {
      op.residualAdjointBatch(this.X, p.y, this.R, this.E, this.ss, B, exact);
    } else if (op instanceof DenseOperator) {
      op.fusedCount += B;
      const ssb = this.ssBuf!;
      K.residual_adjoint_batch_f32_f64(this.E.ptr, this.R.ptr, ssb.ptr, op.A.ptr, this.X.ptr, p.y.ptr, p.m, n1 * n2, B, p.m, exact ? 1 : 0);
      this.ss.set(ssb.a.subarray(0, B));
    } else {
      for (const tr of this.active) this.ss[tr.slot] = op.residualAdjoint(this.views.X[tr.slot].a, p.y.a, this.views.r[tr.slot].a, this.views.E[tr.slot].a);
    }
    this.passes++;
    if (this.tmp) for (const tr of this.active) symmetrizeInPlace(this.views.E[tr.slot].a, n1);
  }

  /** A single fused pass for one trajectory (rules that need a second residual, e.g. AGN). */
  private singlePass(tr: Traj, F: F64Buf, G: F64Buf): { loss: number; rel: number } {
    const p = this.problem, X = this.views.X[tr.slot], E = this.views.E[tr.slot], r = this.views.r[tr.slot];
    this.rt.kernels.gemm_nt_f64(X.ptr, F.ptr, G.ptr, p.n1, p.n2, tr.k);
    const ss = p.op.residualAdjoint(X.a, p.y.a, r.a, E.a);
    this.passes++;
    if (this.tmp) symmetrizeInPlace(E.a, p.n1);
    return { loss: this.lossScale() * ss, rel: Math.sqrt(ss) / (p.yNorm > 0 ? p.yNorm : 1) };
  }

  private gradientOf(tr: Traj, side: 'F' | 'G', other: F64Buf, out: F64Buf): void {
    const { n1, n2 } = this.problem, K = this.rt.kernels, E = this.views.E[tr.slot];
    if (side === 'F') K.gemm_nn_f64(out.ptr, E.ptr, other.ptr, n1, tr.k, n2);
    else K.gemm_tn_f64(out.ptr, E.ptr, other.ptr, n2, tr.k, n1);
  }

  /**
   * One iteration of every running trajectory (one batched pass over A).
   * @returns true while at least one trajectory goes on.
   */
  step(): boolean {
    if (this.state === 'new') throw new StateError('step() called before setup()');
    if (this.state !== 'ready') throw new StateError(`step() called in state ${this.state}`);
    // compact: running trajectories occupy slots 0 … B'−1 (X, E and r are recomputed every step, so nothing moves)
    this.active.forEach((tr, i) => { tr.slot = i; tr.ctx.E = this.views.E[i]; });
    this.batchedPass();
    const p = this.problem, K = this.rt.kernels, still: Traj[] = [];
    for (const tr of this.active) {
      const ss = this.ss[tr.slot];
      const loss = this.lossScale() * ss, rel = Math.sqrt(ss) / (p.yNorm > 0 ? p.yNorm : 1);
      if (this.advance(tr, loss, rel, K)) still.push(tr);
    }
    this.active = still;
    if (still.length === 0) this.state = 'done';
    return still.length > 0;
  }

  /** The single-run solver's step for one trajectory, from its residual. @returns false once it stopped. */
  private advance(tr: Traj, loss: number, rel: number, K: Runtime['kernels']): boolean {
    const { model, grad } = tr, p = this.problem;
    if (tr.t === 0) tr.lossRef = Math.max(loss, 0.5 * p.yNorm ** 2);
    if (!Number.isFinite(loss) || loss > this.divergenceFactor * tr.lossRef) {
      if (tr.t === 0) return this.finish(tr, 'diverged', `the loss at the starting point is ${loss}`);
      model.F.a.set(tr.bF.a);
      if (this.kind === 'asymmetric') model.G.a.set(tr.bG.a);
      tr.t--;
      return this.finish(tr, 'diverged', `the loss grew to ${loss.toPrecision(3)} at iteration ${tr.t + 1}; kept iterate ${tr.t}`);
    }
    if (this.kind === 'asymmetric') {
      this.gradientOf(tr, 'F', model.G, grad.dF);
      this.gradientOf(tr, 'G', model.F, grad.dG);
    } else {
      this.gradientOf(tr, 'F', model.F, grad.dF);
    }
    const s: IterateState = {
      iter: tr.t, rt: this.rt, problem: p, model, X: this.views.X[tr.slot], E: this.views.E[tr.slot], r: this.views.r[tr.slot], grad,
      loss, relResidual: rel, elapsedMs: performance.now() - tr.t0,
    };
    tr.metrics.onIterate(s);
    const stop = stopCheck({ tol: this.tol, errorTol: this.errorTol, maxIter: this.maxIter, aborted: this.aborted }, tr.t, rel, p.Mstar ? tr.metrics.last('relError') : undefined);
    if (stop) return this.finish(tr, stop[0], stop[1]);
    applyUpdate(K, model, grad, tr.bF, tr.bG, tr.rule, tr.ruleState, tr.ctx, tr.t, loss, rel);
    tr.t++;
    return true;
  }

  private finish(tr: Traj, reason: StopReason, message: string): false {
    tr.stop = { reason, message };
    const X = this.views.X[tr.slot];
    this.rt.kernels.gemm_nt_f64(X.ptr, tr.model.F.ptr, tr.model.G.ptr, this.problem.n1, this.problem.n2, tr.k);
    tr.estimate = X.copy();
    return false;
  }

  /** Run every trajectory to its end. */
  run(): BatchResult {
    if (this.state === 'new') this.setup();
    while (this.step());
    return this.finalize();
  }

  /** Run, yielding to the event loop between batched steps (progress and AbortSignal as `Solver.runAsync`). */
  async runAsync(o: { signal?: AbortSignal; yieldEveryMs?: number } = {}): Promise<BatchResult> {
    if (this.state === 'new') this.setup();
    const onAbort = () => this.abort();
    if (o.signal?.aborted) this.abort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let last = performance.now();
      while (this.step()) {
        if (performance.now() - last >= (o.yieldEveryMs ?? 30)) {
          await new Promise((res) => setTimeout(res, 0));
          last = performance.now();
        }
      }
      return this.finalize();
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** One RunResult per trajectory (copies out of wasm memory). */
  finalize(): BatchResult {
    if (this.state !== 'done') throw new StateError('finalize() called before every trajectory stopped');
    return this.trajs.map((tr) => {
      const rec = tr.metrics.result();
      return {
        label: tr.spec.label,
        method: tr.methodName, model: this.kind, n1: this.problem.n1, n2: this.problem.n2, k: tr.k, eta: tr.eta, params: tr.params,
        F: tr.model.F.copy(), G: this.kind === 'asymmetric' ? tr.model.G.copy() : undefined,
        estimate: tr.estimate!, record: rec, iterations: tr.t, stopReason: tr.stop!.reason, message: tr.stop!.message,
        events: [...tr.events], warnings: [], diagnostics: {}, timeMs: rec.timeMs.length ? rec.timeMs[rec.timeMs.length - 1] : 0,
      };
    });
  }

  /** Free every buffer of the batch (the problem stays). */
  dispose(): void {
    if (this.state === 'disposed') return;
    if (this.state !== 'new') {
      for (const tr of this.trajs) {
        const bufs = new Set<F64Buf>([tr.model.F, tr.model.G, tr.grad.dF, tr.grad.dG, tr.bF, tr.bG]);
        tr.rule.dispose?.(tr.ruleState);
        tr.metrics.dispose();
        for (const b of bufs) b.free();
      }
      this.X.free(); this.E.free(); this.R.free(); this.tmp?.free(); this.ssBuf?.free();
    }
    this.state = 'disposed';
  }
}

/** Run B trajectories over one problem (one-shot: create, run, free). */
export function solveBatch(rt: Runtime, problem: Problem, opts: BatchOptions): BatchResult {
  const s = new BatchSolver(rt, problem, opts);
  try { return s.setup().run(); } finally { s.dispose(); }
}

function symmetrizeInPlace(e: Float64Array, n: number): void {
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) {
    const v = 0.5 * (e[a * n + b] + e[b * n + a]); e[a * n + b] = v; e[b * n + a] = v;
  }
}
